//! The admin API's webhook endpoints: registered, listed, removed.
//!
//! - `POST admin/webhooks/` `{"url", "secret", "events": ["unlock"]}`:
//!   `201` with the endpoint (never its secret).
//! - `GET admin/webhooks/`: paginated, by id, with each endpoint's pending
//!   and failed deliveries.
//! - `DELETE admin/webhooks/{id}/`: `204`, or `404`.
//!
//! Admin users and admin service tokens only ([`auth::require_admin`]).

use super::pages::{Page, PageQuery, Paginated};
use super::{ApiQuery, json_body, json_response, load_caller};
use crate::api_error::ApiError;
use crate::app::AppState;
use crate::auth::{self, Credentials};
use crate::intake::{parse_json, repeated_in_body};
use crate::store::outbox::Webhook;
use crate::webhooks::endpoint;
use achievements_core::json::Json as JsonTree;
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};

/// This part's routes, merged into the API router by [`crate::app::router`].
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/admin/webhooks/", get(list).post(add))
        .route("/api/v1/admin/webhooks/{id}/", delete(remove))
}

/// `POST admin/webhooks/`.
pub(crate) async fn add(
    State(app): State<AppState>,
    credentials: Credentials,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    auth::require_admin(&load_caller(&app, credentials).await?)?;
    let body = json_body(&headers, body).await?;
    let endpoint = parse_endpoint(&body)?;
    let added = app.store().add_webhook(endpoint.url, endpoint.secret, endpoint.events, app.now()).await?;
    let mut response = json_response(&added)?;
    *response.status_mut() = StatusCode::CREATED;
    Ok(response)
}

/// `GET admin/webhooks/`.
pub(crate) async fn list(
    State(app): State<AppState>,
    credentials: Credentials,
    uri: Uri,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Response, ApiError> {
    auth::require_admin(&load_caller(&app, credentials).await?)?;
    let page = Page::from_query(&query)?;
    let offset = i64::try_from(page.offset()).unwrap_or(i64::MAX);
    let size = i64::try_from(page.size).unwrap_or(i64::MAX);
    let (count, webhooks) = app.store().webhooks(offset, size).await?;
    let count = u64::try_from(count).unwrap_or(0);
    page.check(count)?;
    json_response(&Paginated::<Webhook>::new(&uri, page, count, webhooks))
}

/// `DELETE admin/webhooks/{id}/`.
pub(crate) async fn remove(
    State(app): State<AppState>,
    credentials: Credentials,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    auth::require_admin(&load_caller(&app, credentials).await?)?;
    let not_found = || ApiError::NotFound("No webhook with this id.".into());
    let id: i64 = id.parse().map_err(|_| not_found())?;
    if app.store().remove_webhook(id).await? { Ok(StatusCode::NO_CONTENT.into_response()) } else { Err(not_found()) }
}

/// `{"url": "...", "secret": "...", "events": ["unlock"]}` (`events` may be
/// left out: `["unlock"]`); any other field is refused.
fn parse_endpoint(body: &[u8]) -> Result<endpoint::NewEndpoint, ApiError> {
    let shape = || {
        ApiError::Invalid(
            "Expected {\"url\": \"https://...\", \"secret\": \"...\", \"events\": [\"unlock\"]}.".to_owned(),
        )
    };
    let value = parse_json(body)?;
    if let Some(path) = value.first_repeated_field() {
        return Err(repeated_in_body(&path));
    }
    let JsonTree::Object(fields) = &value else { return Err(shape()) };
    if fields.iter().any(|(name, _)| !matches!(name.as_ref(), "url" | "secret" | "events")) {
        return Err(shape());
    }
    let url = value.get("url").and_then(JsonTree::as_str).ok_or_else(shape)?;
    let secret = value.get("secret").and_then(JsonTree::as_str).ok_or_else(shape)?;
    let events = match value.get("events") {
        None => vec!["unlock".to_owned()],
        Some(JsonTree::Array(items)) => items
            .iter()
            .map(|item| item.as_str().map(str::to_owned).ok_or_else(shape))
            .collect::<Result<Vec<_>, _>>()?,
        Some(_) => return Err(shape()),
    };
    if events.len() > 16 {
        return Err(shape());
    }
    endpoint::check(url, secret, &events).map_err(ApiError::Invalid)
}
