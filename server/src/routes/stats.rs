//! `GET stats/` (admins only): the success metrics of [`crate::stats`].

use super::{ApiQuery, json_response, load_caller};
use crate::api_error::ApiError;
use crate::app::AppState;
use crate::auth::{Caller, Credentials};
use crate::stats;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub(crate) struct StatsQuery {
    from: Option<String>,
    until: Option<String>,
}

pub(crate) async fn stats(
    State(app): State<AppState>,
    credentials: Credentials,
    ApiQuery(query): ApiQuery<StatsQuery>,
) -> Result<Response, ApiError> {
    match load_caller(&app, credentials).await? {
        Caller::User(user) if user.is_admin => {}
        Caller::Anonymous => return Err(ApiError::NotAuthenticated("Authentication credentials were not provided.")),
        _ => return Err(ApiError::PermissionDenied("Only an admin may read the statistics.")),
    }
    let (from, until) =
        stats::range(query.from.as_deref(), query.until.as_deref(), app.now()).map_err(ApiError::InvalidQuery)?;
    let computed = app.store().stats(from, until).await?;
    json_response(&computed)
}
