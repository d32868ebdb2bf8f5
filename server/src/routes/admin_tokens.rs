//! The admin API's tokens: a user's tokens listed (never the secret),
//! issued, revoked.
//!
//! - `GET admin/users/{name}/tokens/`: the user's tokens, paginated (see
//!   [`super::pages`]), oldest first: `id`, `created`, `last_used`,
//!   `expires`, `revoked` (RFC 3339 or `null`).
//! - `POST admin/users/{name}/tokens/`: a new token for the user; the body
//!   is empty, `{}`, or `{"expires_in": D}` where `D` is a number of seconds
//!   or a duration text (`"30d"`, `"12h"`: see [`expires_in`]); answers
//!   `201` with the token's text, the only time it is shown.
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
use serde::Serialize;

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

/// The most `expires_in` may say: 9,999 weeks, in seconds.
pub(crate) const MAX_EXPIRES_IN: u64 = 9_999 * 7 * 86_400;

/// `expires_in` of `POST admin/users/{name}/tokens/`, in seconds: `null` or
/// absent (never), a whole number of seconds from 1 to [`MAX_EXPIRES_IN`],
/// or a text: a number from 1 to 9999 and a unit `s`, `m`, `h`, `d` or `w`
/// (`"30d"`). Exactly what `openapi.json` says, nothing more.
fn expires_in(body: &[u8]) -> Result<Option<u64>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| ApiError::Parse(format!("JSON parse error: {e}")))?;
    let shape = || {
        ApiError::Invalid(
            "Expected {} or {\"expires_in\": seconds (1 to 6047395200) or a text such as \"30d\" (1 to 9999 and s, m, h, d or w)}."
                .into(),
        )
    };
    let serde_json::Value::Object(fields) = value else { return Err(shape()) };
    if fields.keys().any(|k| k != "expires_in") {
        return Err(shape());
    }
    match fields.get("expires_in") {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::Number(n)) => {
            let seconds = n.as_f64().filter(|f| f.fract() == 0.0 && *f >= 1.0 && *f <= MAX_EXPIRES_IN as f64);
            seconds.map(|f| Some(f as u64)).ok_or_else(shape)
        }
        Some(serde_json::Value::String(text)) => duration_text(text).map(Some).ok_or_else(shape),
        Some(_) => Err(shape()),
    }
}

/// `30d`: 1 to 9999 (no leading zero) and one unit of `s m h d w`.
fn duration_text(text: &str) -> Option<u64> {
    let unit = match text.chars().last()? {
        's' => 1,
        'm' => 60,
        'h' => 3_600,
        'd' => 86_400,
        'w' => 7 * 86_400,
        _ => return None,
    };
    let digits = &text[..text.len() - 1];
    let valid =
        (1..=4).contains(&digits.len()) && !digits.starts_with('0') && digits.bytes().all(|b| b.is_ascii_digit());
    valid.then(|| digits.parse::<u64>().ok()).flatten().map(|n| n * unit)
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
    let seconds = expires_in(&body)?;
    let now = app.now();
    let expires_at = match seconds {
        None => None,
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
        // Requests read the token's row: the next one is refused. Open
        // streams check theirs again now.
        app.access_changed();
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expires_in_is_exactly_what_the_document_allows() {
        let parse = |body: &str| expires_in(body.as_bytes()).map_err(|e| e.status().as_u16());
        assert_eq!(parse(""), Ok(None));
        assert_eq!(parse("{}"), Ok(None));
        assert_eq!(parse(r#"{"expires_in": null}"#), Ok(None));
        assert_eq!(parse(r#"{"expires_in": 3600}"#), Ok(Some(3600)));
        assert_eq!(parse(r#"{"expires_in": 3600.0}"#), Ok(Some(3600)));
        assert_eq!(parse(r#"{"expires_in": "30d"}"#), Ok(Some(30 * 86_400)));
        assert_eq!(parse(r#"{"expires_in": "9999w"}"#), Ok(Some(MAX_EXPIRES_IN)));
        for bad in [
            r#"{"expires_in": 0}"#,
            r#"{"expires_in": -1}"#,
            r#"{"expires_in": 1.5}"#,
            r#"{"expires_in": 6047395201}"#,
            r#"{"expires_in": "0d"}"#,
            r#"{"expires_in": "030d"}"#,
            r#"{"expires_in": "10000d"}"#,
            r#"{"expires_in": "1w 2d"}"#,
            r#"{"expires_in": "soon"}"#,
            r#"{"expires_in": "d"}"#,
            r#"{"expires_in": "5é"}"#,
            r#"{"expires_in": {}}"#,
            r#"{"other": 1}"#,
            "[]",
        ] {
            assert_eq!(parse(bad), Err(422), "{bad}");
        }
        assert_eq!(parse("{"), Err(400));
    }
}
