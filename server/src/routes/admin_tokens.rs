//! The admin API's tokens: a user's tokens listed (never the secret),
//! issued, revoked.
//!
//! - `GET admin/users/{name}/tokens/`: the user's tokens, paginated (see
//!   [`super::pages`]), oldest first: `id`, `created`, `last_used`,
//!   `expires`, `revoked` (RFC 3339 or `null`).
//! - `POST admin/users/{name}/tokens/`: a new token for the user; the body
//!   is empty, `{}`, or `{"expires_in": D}` where `D` is a number of seconds
//!   or a duration text (`"30d"`, `"12h"`); answers `201` with the token's
//!   text, the only time it is shown.
//! - `DELETE admin/tokens/{id}/`: revokes any token (a user's or a
//!   service's), `204`; refused at once by every instance.

use super::pages::{Page, PageQuery, Paginated};
use super::{ApiQuery, json_body, json_response};
use crate::api_error::ApiError;
use crate::app::AppState;
use crate::auth::{Credentials, require_admin};
use crate::store::StoreError;
use crate::store::model::{TokenListing, TokenSubject, TokenTerms};
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use serde::{Deserialize, Serialize};

/// This part's routes, merged into the API router by [`crate::app::router`].
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/admin/users/{name}/tokens/", get(list).post(issue))
        .route("/api/v1/admin/tokens/{id}/", delete(revoke))
}

/// A token as listed: never its text or hash.
#[derive(Debug, Serialize)]
struct TokenJson {
    id: i64,
    created: String,
    last_used: Option<String>,
    expires: Option<String>,
    revoked: Option<String>,
}

impl From<TokenListing> for TokenJson {
    fn from(t: TokenListing) -> Self {
        TokenJson {
            id: t.id,
            created: t.created_at,
            last_used: t.last_used_at,
            expires: t.expires_at,
            revoked: t.revoked_at,
        }
    }
}

/// `GET admin/users/{name}/tokens/`.
async fn list(
    State(app): State<AppState>,
    credentials: Credentials,
    Path(name): Path<String>,
    uri: Uri,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Response, ApiError> {
    require_admin(&super::load_caller(&app, credentials).await?)?;
    let page = Page::from_query(&query)?;
    let tokens = app.store().list_tokens(Some(name.clone())).await.map_err(|e| unknown_user(e, &name))?;
    let count = tokens.len() as u64;
    page.check(count)?;
    let results: Vec<TokenJson> = page.slice(&tokens).iter().cloned().map(TokenJson::from).collect();
    json_response(&Paginated::new(&uri, page, count, results))
}

/// `POST admin/users/{name}/tokens/`'s body.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct IssueBody {
    expires_in: Option<ExpiresIn>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum ExpiresIn {
    Seconds(u64),
    Text(String),
}

/// The answer to `POST admin/users/{name}/tokens/`.
#[derive(Debug, Serialize)]
struct Issued {
    id: i64,
    /// The token's text: shown only now.
    token: String,
    created: String,
    expires: Option<String>,
}

/// `POST admin/users/{name}/tokens/`.
async fn issue(
    State(app): State<AppState>,
    credentials: Credentials,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    require_admin(&super::load_caller(&app, credentials).await?)?;
    let body = json_body(&headers, body).await?;
    let parsed: IssueBody = if body.iter().all(u8::is_ascii_whitespace) {
        IssueBody::default()
    } else {
        let value: serde_json::Value =
            serde_json::from_slice(&body).map_err(|e| ApiError::Parse(format!("JSON parse error: {e}")))?;
        serde_json::from_value(value).map_err(|e| {
            ApiError::Invalid(format!("Expected {{\"expires_in\": seconds or a duration such as \"30d\"}}: {e}"))
        })?
    };
    let seconds = match parsed.expires_in {
        None => None,
        Some(ExpiresIn::Seconds(seconds)) => Some(seconds),
        Some(ExpiresIn::Text(text)) => Some(
            humantime::parse_duration(&text)
                .map_err(|e| ApiError::Invalid(format!("`expires_in`: {e} (examples: \"30d\", \"12h\", 3600).")))?
                .as_secs(),
        ),
    };
    let now = app.now();
    let expires_at = match seconds {
        None => None,
        Some(0) => return Err(ApiError::Invalid("`expires_in` must be at least one second.".into())),
        Some(seconds) => Some(
            i64::try_from(seconds)
                .ok()
                .and_then(|s| now.checked_add_seconds(s))
                .ok_or_else(|| ApiError::Invalid("`expires_in` is too far in the future.".into()))?,
        ),
    };
    let terms = TokenTerms { expires_at, is_admin: false };
    let (id, token) = app
        .store()
        .issue_token(TokenSubject::User(name.clone()), terms, now)
        .await
        .map_err(|e| unknown_user(e, &name))?;
    let issued = Issued { id, token, created: now.to_string(), expires: expires_at.map(|at| at.to_string()) };
    let mut response = json_response(&issued)?;
    *response.status_mut() = StatusCode::CREATED;
    Ok(response)
}

/// `DELETE admin/tokens/{id}/`.
async fn revoke(
    State(app): State<AppState>,
    credentials: Credentials,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    require_admin(&super::load_caller(&app, credentials).await?)?;
    let no_such = || ApiError::NotFound("No token has this id.".into());
    let id: i64 = id.parse().map_err(|_| no_such())?;
    if app.store().revoke_token(id, app.now()).await? {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(no_such())
    }
}

fn unknown_user(e: StoreError, name: &str) -> ApiError {
    match e {
        StoreError::UnknownUser(_) => ApiError::NotFound(format!("No user named `{name}`.")),
        other => other.into(),
    }
}
