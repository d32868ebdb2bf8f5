//! Errors as the API answers them: a status and `{"detail": "...", "code":
//! "..."}`, like the platform's Django REST API (the codes follow DRF's
//! where DRF has one). Every error response of the API, axum's own
//! rejections included, goes through [`ApiError`].

use crate::store::{StoreError, Unavailable};
use axum::Json;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ApiError {
    /// 400: the body is not JSON.
    #[error("{0}")]
    Parse(String),
    /// 400: a query parameter has a bad value.
    #[error("{0}")]
    InvalidQuery(String),
    /// 401: no credentials where they are needed.
    #[error("{0}")]
    NotAuthenticated(&'static str),
    /// 401: credentials that do not check out.
    #[error("{0}")]
    AuthenticationFailed(&'static str),
    /// 401: a token that was valid and has expired (an opaque token past
    /// its `expires_at`, a JWT past its `exp` and the leeway): sign in again.
    #[error("{0}")]
    TokenExpired(&'static str),
    /// 403: authenticated, but not allowed.
    #[error("{0}")]
    PermissionDenied(&'static str),
    /// 404: no such thing (or not one this caller may know of).
    #[error("{0}")]
    NotFound(String),
    /// 409: the request contradicts what is stored (a name taken, a badge
    /// already earned).
    #[error("{0}")]
    Conflict(String),
    /// 405.
    #[error("Method \"{0}\" not allowed.")]
    MethodNotAllowed(Method),
    /// 413: the body is over the size limit.
    #[error("Request body too large: the limit is {limit} bytes.")]
    PayloadTooLarge { limit: usize },
    /// 413: a batch over the event limit.
    #[error("Too many events in one request: {count}, the limit is {limit}. Split the batch.")]
    TooManyEvents { count: usize, limit: usize },
    /// 415.
    #[error("Unsupported media type \"{0}\" in request: send application/json.")]
    UnsupportedMediaType(String),
    /// 422: well-formed JSON of the wrong shape.
    #[error("{0}")]
    Invalid(String),
    /// 429: over the caller's rate limit (`serve --rate-limit`); retry
    /// after `Retry-After`, `seconds`.
    #[error("Request was throttled. Expected available in {seconds} seconds.")]
    Throttled { seconds: u64 },
    /// 503: the database writer has stopped (shutting down).
    #[error("The service is shutting down; retry shortly.")]
    Unavailable,
    /// 503: another process holds the database's write lock for longer than
    /// the busy timeout. Nothing was stored; retry after `Retry-After`.
    #[error("The database is busy; nothing was stored. Retry shortly.")]
    DatabaseBusy,
    /// 503: no room left to write. Nothing was stored; retry after
    /// `Retry-After` (an operator must free space).
    #[error("The database has no room to write; nothing was stored. Retry later.")]
    StorageFull,
    /// 500: logged in full, answered without details.
    #[error("Internal server error.")]
    Internal,
}

impl ApiError {
    pub(crate) fn status(&self) -> StatusCode {
        match self {
            ApiError::Parse(_) | ApiError::InvalidQuery(_) => StatusCode::BAD_REQUEST,
            ApiError::NotAuthenticated(_) | ApiError::AuthenticationFailed(_) | ApiError::TokenExpired(_) => {
                StatusCode::UNAUTHORIZED
            }
            ApiError::PermissionDenied(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::PayloadTooLarge { .. } | ApiError::TooManyEvents { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable | ApiError::DatabaseBusy | ApiError::StorageFull => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The machine-readable code.
    pub(crate) fn code(&self) -> &'static str {
        match self {
            ApiError::Parse(_) => "parse_error",
            ApiError::InvalidQuery(_) => "invalid_query",
            ApiError::NotAuthenticated(_) => "not_authenticated",
            ApiError::AuthenticationFailed(_) => "authentication_failed",
            ApiError::TokenExpired(_) => "token_expired",
            ApiError::PermissionDenied(_) => "permission_denied",
            ApiError::NotFound(_) => "not_found",
            ApiError::Conflict(_) => "conflict",
            ApiError::MethodNotAllowed(_) => "method_not_allowed",
            ApiError::PayloadTooLarge { .. } => "payload_too_large",
            ApiError::TooManyEvents { .. } => "too_many_events",
            ApiError::UnsupportedMediaType(_) => "unsupported_media_type",
            ApiError::Invalid(_) => "invalid",
            ApiError::Throttled { .. } => "throttled",
            ApiError::Unavailable => "unavailable",
            ApiError::DatabaseBusy => "database_busy",
            ApiError::StorageFull => "storage_full",
            ApiError::Internal => "internal_error",
        }
    }

    /// Seconds a client should wait before retrying a 503 (`Retry-After`):
    /// the busy timeout for a lock held elsewhere; longer for a full disk,
    /// which an operator must act on.
    fn retry_after(&self) -> Option<&'static str> {
        match self {
            ApiError::Unavailable | ApiError::DatabaseBusy => Some("5"),
            ApiError::StorageFull => Some("60"),
            _ => None,
        }
    }

    /// The one answer for an unknown achievement key and for a secret the
    /// caller has not earned: identical bytes, so keys cannot be probed.
    pub(crate) fn no_such_achievement() -> Self {
        ApiError::NotFound("No achievement found with this key.".to_owned())
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match (e.unavailable(), e) {
            (_, StoreError::WriterGone) => ApiError::Unavailable,
            (Some(Unavailable::Busy), e) => {
                tracing::warn!(error = %e, "the database is locked elsewhere past the busy timeout: answered 503");
                ApiError::DatabaseBusy
            }
            (Some(Unavailable::Full), e) => {
                tracing::error!(error = %e, "the database has no room to write: answered 503");
                ApiError::StorageFull
            }
            (None, other) => {
                tracing::error!(error = %other, "request failed in storage");
                ApiError::Internal
            }
        }
    }
}

#[derive(Serialize)]
struct Body<'a> {
    detail: &'a str,
    code: &'a str,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let detail = self.to_string();
        let mut response = (self.status(), Json(Body { detail: &detail, code: self.code() })).into_response();
        if self.status() == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"api\""));
        }
        if let Some(seconds) = self.retry_after() {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static(seconds));
        }
        if let ApiError::Throttled { seconds } = self {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}
