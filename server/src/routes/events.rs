//! `POST events/`: event intake for service tokens. One event or
//! `{"events": [...]}`; one result per event, in order. All the accepted
//! events of a request and everything they cause commit in one
//! transaction before the answer.

use super::{json_body, load_caller};
use crate::api_error::ApiError;
use crate::app::AppState;
use crate::auth::{Credentials, require_service};
use crate::intake::{EventResult, parse_body};
use crate::store::handle::Intake;
use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use serde::Serialize;

#[derive(Debug, Serialize)]
pub(crate) struct EventsResponse {
    pub applied: usize,
    pub duplicate: usize,
    pub rejected: usize,
    pub results: Vec<EventResult>,
}

pub(crate) async fn post_events(
    State(app): State<AppState>,
    credentials: Credentials,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<EventsResponse>, ApiError> {
    // Who first: an unauthenticated caller learns nothing about the body.
    let caller = load_caller(&app, credentials).await?;
    let source = require_service(&caller)?.to_owned();
    let body = json_body(&headers, body).await?;
    let now = app.now();
    let checked = parse_body(&body, now)?;

    let mut results: Vec<Option<EventResult>> = Vec::with_capacity(checked.len());
    let mut valid = Vec::with_capacity(checked.len());
    for event in checked {
        match event {
            Ok(event) => {
                valid.push(event);
                results.push(None);
            }
            Err((id, rejection)) => results.push(Some(EventResult::rejected(id, &rejection))),
        }
    }
    let (valid, outcomes) = if valid.is_empty() {
        (valid, Vec::new())
    } else {
        let publisher = app.clone();
        let intake = Intake { source, received_at: now, backfill: false, create_users: app.platform().create_users };
        let (valid, applied) = app
            .store()
            .apply_events(app.catalog().shared_engine(), valid, intake, move |applied| {
                publisher.publish(&applied.states);
                publisher.push(&applied.notifications);
            })
            .await?;
        (valid, applied.outcomes)
    };
    let mut handled = valid.into_iter().zip(outcomes).map(|(event, outcome)| EventResult::from_outcome(event, outcome));
    let results: Vec<EventResult> = results
        .into_iter()
        .map(|slot| slot.or_else(|| handled.next()).ok_or(ApiError::Internal))
        .collect::<Result<_, _>>()?;

    let count = |f: fn(&EventResult) -> bool| results.iter().filter(|r| f(r)).count();
    let response = EventsResponse {
        applied: count(|r| matches!(r, EventResult::Applied { .. })),
        duplicate: count(|r| matches!(r, EventResult::Duplicate { .. })),
        rejected: count(|r| matches!(r, EventResult::Rejected { .. })),
        results,
    };
    crate::telemetry::count_events(response.applied, response.duplicate, response.rejected);
    Ok(Json(response))
}
