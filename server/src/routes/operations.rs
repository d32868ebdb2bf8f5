//! What operators watch, outside `/api/v1/`: `GET /healthz` (the process
//! answers), `GET /readyz` (the database answers and the writer runs) and
//! `GET /metrics` (Prometheus text, behind `--metrics-token` when given).
//!
//! These routes sit outside the API's layers (authentication, rate limits):
//! a probe never needs a token and is never throttled. They are merged
//! into the router before the web page's fallback, so `--www` cannot
//! shadow them.

use crate::api_error::ApiError;
use crate::app::AppState;
use crate::auth::bearer_token;
use crate::telemetry;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

/// The content type of the Prometheus text exposition format.
pub(crate) const PROMETHEUS_TEXT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The operators' routes, with their state.
pub(crate) fn routes(state: AppState) -> Router {
    // Installed with the first router, so every metric from here on counts.
    telemetry::handle();
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(state)
}

#[derive(Debug, Serialize)]
pub(crate) struct Health {
    status: &'static str,
}

/// `GET /healthz`: 200 whenever the process answers at all.
pub(crate) async fn healthz() -> Json<Health> {
    Json(Health { status: "ok" })
}

/// Each readiness check: `ok`, or why not.
#[derive(Debug, Serialize)]
pub(crate) struct Checks {
    database: String,
    writer: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct Ready {
    status: &'static str,
    checks: Checks,
}

#[derive(Debug, Serialize)]
pub(crate) struct NotReady {
    detail: String,
    code: &'static str,
    checks: Checks,
}

/// `GET /readyz`: 200 when the database answers and the writer runs, each
/// within 2 s; otherwise 503 naming what is not ready.
pub(crate) async fn readyz(State(app): State<AppState>) -> Response {
    let readiness = app.store().ready().await;
    let word = |check: &Result<(), String>| match check {
        Ok(()) => "ok".to_owned(),
        Err(why) => why.clone(),
    };
    let checks = Checks { database: word(&readiness.database), writer: word(&readiness.writer) };
    if readiness.is_ready() {
        return Json(Ready { status: "ready", checks }).into_response();
    }
    let failing: Vec<&str> = [("database", &readiness.database), ("writer", &readiness.writer)]
        .into_iter()
        .filter(|(_, check)| check.is_err())
        .map(|(name, _)| name)
        .collect();
    tracing::warn!(database = %checks.database, writer = %checks.writer, "not ready");
    let detail = format!("Not ready: {}.", failing.join(", "));
    (StatusCode::SERVICE_UNAVAILABLE, Json(NotReady { detail, code: "not_ready", checks })).into_response()
}

/// `GET /metrics`: every metric in the Prometheus text format, the pool
/// sampled now.
pub(crate) async fn metrics(State(app): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    if let Some(token) = &app.platform().observe.metrics_token {
        match bearer_token(&headers)? {
            None => {
                return Err(ApiError::NotAuthenticated("The metrics need the metrics token (Authorization: Bearer)."));
            }
            Some(offered) if !token.matches(&offered) => {
                return Err(ApiError::AuthenticationFailed("Invalid metrics token."));
            }
            Some(_) => {}
        }
    }
    telemetry::sample(&app.store().load());
    let text = telemetry::handle().render();
    Ok(([(header::CONTENT_TYPE, PROMETHEUS_TEXT)], text).into_response())
}
