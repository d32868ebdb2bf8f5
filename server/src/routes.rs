//! The HTTP routes under `/api/v1/`, and what they share: query parsing,
//! body reading, and loading the user a request is about in one read.
//!
//! - [`achievements`]: the catalog listings, detail, earned, check.
//! - [`catalog`]: the downloadable public catalog (ETag).
//! - [`compat`]: the platform frontend's current routes (my-progress, public profiles).
//! - [`me`]: the user's own summary and state.
//! - [`events`]: event intake.
//! - [`notifications`]: unlock notifications, listed and streamed (SSE).
//! - [`stats`]: the success metrics (admins).
//! - [`admin_users`], [`admin_tokens`], [`admin_webhooks`]: the admin API
//!   under `/api/v1/admin/` (admin users and admin service tokens).
//! - [`pages`]: `?page=&page_size=` and the paginated answer.
//! - [`fallback`]: unknown routes and methods, in the API's error shape.

pub(crate) mod achievements;
pub(crate) mod admin_tokens;
pub(crate) mod admin_users;
pub(crate) mod admin_webhooks;
pub(crate) mod catalog;
pub(crate) mod compat;
pub(crate) mod events;
pub(crate) mod fallback;
pub(crate) mod me;
pub(crate) mod notifications;
pub(crate) mod operations;
pub(crate) mod pages;
pub(crate) mod stats;

use crate::api_error::ApiError;
use crate::app::AppState;
use crate::auth::{self, Caller, Credentials, Target};
use crate::store::User;
use achievements_core::UserState;
use axum::body::{Body, Bytes};
use axum::extract::{FromRequestParts, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::sync::Arc;

/// The largest request body accepted.
pub(crate) const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// A user and their state.
#[derive(Debug)]
pub(crate) struct Viewer {
    pub user: User,
    pub state: Arc<UserState>,
}

/// Checks the credentials: an opaque token's row or a JWT, on every
/// request (see [`crate::sign_in`]).
///
/// # Errors
/// 401 for a token that is unknown, revoked, expired or invalid.
pub(crate) async fn load_caller(app: &AppState, credentials: Credentials) -> Result<Caller, ApiError> {
    match credentials {
        Credentials::Anonymous => Ok(Caller::Anonymous),
        Credentials::Checked(caller) => Ok(caller),
        Credentials::Bearer(token) => crate::sign_in::caller(app, &token).await,
    }
}

/// Middleware for every API route, public ones included: a request whose
/// `Authorization` header is malformed or names an unknown token is
/// answered `401` before any handler runs; otherwise the caller it names
/// goes to the handler (as [`Credentials::Checked`]). No header: anonymous,
/// and each route decides whether that is enough.
pub(crate) async fn authenticate(State(app): State<AppState>, mut request: Request, next: Next) -> Response {
    let token = match auth::bearer_token(request.headers()) {
        Ok(Some(token)) => token,
        Ok(None) => return next.run(request).await,
        Err(refused) => return refused.into_response(),
    };
    match load_caller(&app, Credentials::Bearer(token)).await {
        Ok(caller) => {
            request.extensions_mut().insert(caller);
            next.run(request).await
        }
        Err(refused) => {
            if matches!(refused.status().as_u16(), 401 | 403) {
                metrics::counter!("achievements_auth_refused_total", "code" => refused.code()).increment(1);
            }
            refused.into_response()
        }
    }
}

/// The user a [`Target`] names (404 for an unknown name).
async fn resolve(app: &AppState, target: Target) -> Result<Option<User>, ApiError> {
    match target {
        Target::Nobody => Ok(None),
        Target::Caller(user) => Ok(Some(user)),
        Target::Named(name) => {
            let user = app.store().user_by_name(name.clone()).await?;
            user.map(Some).ok_or_else(|| ApiError::NotFound(format!("No user named `{name}`.")))
        }
    }
}

/// A user's committed state: the state cache, else the database.
///
/// # Errors
/// Storage errors.
pub(crate) async fn load_state(app: &AppState, user: &User) -> Result<Arc<UserState>, ApiError> {
    if let Some(state) = app.caches().state(user.id) {
        return Ok(state);
    }
    let loaded = app.store().load_state(app.catalog().shared_engine(), user.clone()).await?;
    let state = Arc::new(loaded.state);
    app.caches().put_state(user.id, loaded.version, Arc::clone(&state));
    Ok(state)
}

/// The user a route that also serves anonymous callers shows, if any
/// (anonymous callers and services see the plain catalog).
///
/// # Errors
/// As [`load_caller`] and [`auth::viewer`].
pub(crate) async fn load_viewer(
    app: &AppState,
    credentials: Credentials,
    as_user: Option<String>,
) -> Result<Option<Viewer>, ApiError> {
    let caller = load_caller(app, credentials).await?;
    let Some(user) = resolve(app, auth::viewer(&caller, as_user.as_deref())?).await? else { return Ok(None) };
    let state = load_state(app, &user).await?;
    Ok(Some(Viewer { user, state }))
}

/// The user a route about one user acts on.
///
/// # Errors
/// As [`load_caller`] and [`auth::subject`].
pub(crate) async fn load_subject_user(
    app: &AppState,
    credentials: Credentials,
    as_user: Option<String>,
) -> Result<User, ApiError> {
    let caller = load_caller(app, credentials).await?;
    resolve(app, auth::subject(&caller, as_user.as_deref())?)
        .await?
        .ok_or(ApiError::NotAuthenticated("Authentication credentials were not provided."))
}

/// The user a route about one user acts on, with their state.
///
/// # Errors
/// As [`load_subject_user`].
pub(crate) async fn load_subject(
    app: &AppState,
    credentials: Credentials,
    as_user: Option<String>,
) -> Result<Viewer, ApiError> {
    let user = load_subject_user(app, credentials, as_user).await?;
    let state = load_state(app, &user).await?;
    Ok(Viewer { user, state })
}

/// `Query<T>` whose rejections are API errors (400 `invalid_query`).
#[derive(Debug)]
pub(crate) struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(q)| ApiQuery(q))
            .map_err(|e| ApiError::InvalidQuery(format!("Invalid query string: {}", e.body_text())))
    }
}

/// How much of an oversized body is read (and thrown away) before the 413,
/// so that the client, still sending, gets the answer rather than a reset
/// connection. Beyond this the connection is simply closed.
const MAX_DRAINED_BYTES: usize = 16 * 1024 * 1024;

/// Reads a request body, once the caller is known to be allowed to send
/// one: at most [`MAX_BODY_BYTES`] (413 otherwise) and, when a content type
/// is given, JSON (415 otherwise).
///
/// # Errors
/// 413, 415, or 400 when the body could not be read.
pub(crate) async fn json_body(headers: &HeaderMap, body: Body) -> Result<Bytes, ApiError> {
    if let Some(content_type) = headers.get(header::CONTENT_TYPE) {
        let text = content_type.to_str().unwrap_or("");
        let mime = text.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        if mime != "application/json" && !(mime.starts_with("application/") && mime.ends_with("+json")) {
            return Err(ApiError::UnsupportedMediaType(text.to_owned()));
        }
    }
    let too_large = ApiError::PayloadTooLarge { limit: MAX_BODY_BYTES };
    let declared =
        headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_DRAINED_BYTES) {
        return Err(too_large);
    }
    let mut body = body;
    let mut buffer = Vec::with_capacity(declared.unwrap_or(0).min(MAX_BODY_BYTES));
    let mut total = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| ApiError::Parse(format!("Could not read the request body: {e}")))?;
        if let Ok(data) = frame.into_data() {
            total = total.saturating_add(data.len());
            if total <= MAX_BODY_BYTES {
                buffer.extend_from_slice(&data);
            } else if total > MAX_DRAINED_BYTES {
                return Err(too_large);
            }
        }
    }
    if total > MAX_BODY_BYTES {
        return Err(too_large);
    }
    Ok(Bytes::from(buffer))
}

/// A JSON response written by `write` (see [`crate::json`]).
///
/// # Errors
/// 500 if a part did not serialize (a bug, logged).
pub(crate) fn json_bytes(write: impl FnOnce(&mut Vec<u8>) -> serde_json::Result<()>) -> Result<Response, ApiError> {
    let mut out = Vec::with_capacity(16 * 1024);
    write(&mut out).map_err(|e| {
        tracing::error!(error = %e, "a response did not serialize");
        ApiError::Internal
    })?;
    Ok(([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], out).into_response())
}

/// A JSON response, serialized in place (responses borrow the catalog).
///
/// # Errors
/// 500 if the value does not serialize (a bug, logged).
pub(crate) fn json_response(value: &impl Serialize) -> Result<Response, ApiError> {
    let bytes = serde_json::to_vec(value).map_err(|e| {
        tracing::error!(error = %e, "a response did not serialize");
        ApiError::Internal
    })?;
    Ok(([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], bytes).into_response())
}
