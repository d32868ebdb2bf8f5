//! The admin API's users: list (paginated, `?q=` prefix), create, read,
//! change, erase; badges granted and revoked by hand. Every route needs an
//! admin caller ([`require_admin`]: an admin user or an admin service
//! token), checked before anything of the request is read.
//!
//! Bodies are read with the core's JSON parser, as every body is: a field
//! named twice or a field these routes do not know is a `422`.

use super::pages::{Page, PageQuery, Paginated};
use super::{ApiQuery, json_body, load_caller};
use crate::api_error::ApiError;
use crate::app::AppState;
use crate::auth::{Actor, Credentials, require_admin};
use crate::intake::{parse_json, repeated_in_body};
use crate::store::StoreError;
use crate::store::people::{ByHand, MAX_REASON_CHARS, UserPatch, UserRecord};
use achievements_core::json::Json as JsonTree;
use achievements_core::{GrantError, time_zone};
use axum::body::Body;
use axum::extract::{OriginalUri, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

/// This part's routes, merged into the API router by [`crate::app::router`].
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/admin/users/", get(list).post(create))
        .route("/api/v1/admin/users/{name}/", get(read).patch(change).delete(erase))
        .route("/api/v1/admin/users/{name}/achievements/", post(grant))
        .route("/api/v1/admin/users/{name}/achievements/{key}/", delete(revoke))
}

/// The longest `?q=` accepted, in characters (a name has at most 150).
const MAX_QUERY_CHARS: usize = 150;

/// A user as the admin API shows them.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct AdminUser {
    name: String,
    /// The canonical zone name (IANA, `UTC` or a fixed offset).
    timezone: String,
    is_admin: bool,
    public_profile: bool,
    /// RFC 3339.
    created_at: String,
}

impl From<UserRecord> for AdminUser {
    fn from(r: UserRecord) -> Self {
        AdminUser {
            name: r.name,
            timezone: r.timezone,
            is_admin: r.is_admin,
            public_profile: r.public_profile,
            created_at: r.created_at,
        }
    }
}

/// `GET admin/users/`'s query besides the page: an optional name prefix.
#[derive(Debug, Deserialize)]
pub(crate) struct ListQuery {
    q: Option<String>,
}

/// `GET admin/users/?q=PREFIX&page=N&page_size=M`: users by name
/// (bytewise), paginated; `q` keeps those whose name starts with it
/// (case-sensitive; `%` and `_` are plain characters).
async fn list(
    State(app): State<AppState>,
    credentials: Credentials,
    OriginalUri(uri): OriginalUri,
    ApiQuery(query): ApiQuery<ListQuery>,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> Result<Json<Paginated<AdminUser>>, ApiError> {
    require_admin(&load_caller(&app, credentials).await?)?;
    let page = Page::from_query(&page)?;
    if query.q.as_ref().is_some_and(|q| q.chars().count() > MAX_QUERY_CHARS) {
        return Err(ApiError::InvalidQuery(format!(
            "Invalid query string: `q` is a name prefix of at most {MAX_QUERY_CHARS} characters."
        )));
    }
    let (count, users) = app.store().list_users(query.q, page.offset(), page.size).await?;
    page.check(count)?;
    Ok(Json(Paginated::new(&uri, page, count, users.into_iter().map(AdminUser::from).collect())))
}

/// `POST admin/users/` `{"name", "timezone"?, "is_admin"?, "public_profile"?}`:
/// creates a user (no token: `POST admin/users/{name}/tokens/` or `tokens
/// add` issues one). `201` with the user.
async fn create(
    State(app): State<AppState>,
    credentials: Credentials,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<AdminUser>), ApiError> {
    require_admin(&load_caller(&app, credentials).await?)?;
    let body = json_body(&headers, body).await?;
    let fields = object(&body, &["name", "timezone", "is_admin", "public_profile"])?;
    let name = match fields.get("name") {
        Some(JsonTree::String(name)) => name.to_string(),
        _ => return Err(ApiError::Invalid("`name` is required: the new user's name (a string).".to_owned())),
    };
    let timezone = match fields.get("timezone") {
        None | Some(JsonTree::Null) => "UTC".to_owned(),
        Some(value) => zone(value)?,
    };
    let is_admin = flag(&fields, "is_admin")?.unwrap_or(false);
    let public_profile = flag(&fields, "public_profile")?.unwrap_or(true);
    let user =
        app.store().create_user_record(name, timezone, is_admin, public_profile, app.now()).await.map_err(refusal)?;
    Ok((StatusCode::CREATED, Json(user.into())))
}

/// `GET admin/users/{name}/`.
async fn read(
    State(app): State<AppState>,
    credentials: Credentials,
    Path(name): Path<String>,
) -> Result<Json<AdminUser>, ApiError> {
    require_admin(&load_caller(&app, credentials).await?)?;
    let user = app.store().user_record(name.clone()).await?.ok_or_else(|| no_user(&name))?;
    Ok(Json(user.into()))
}

/// `PATCH admin/users/{name}/` `{"timezone"?, "is_admin"?, "public_profile"?}`:
/// changes what is given. A new zone is the core's zone change: days
/// already recorded keep their dates. An admin user cannot take their own
/// admin flag away (`409`), for the reason they cannot erase themselves.
async fn change(
    State(app): State<AppState>,
    credentials: Credentials,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<AdminUser>, ApiError> {
    let actor = require_admin(&load_caller(&app, credentials).await?)?;
    let body = json_body(&headers, body).await?;
    let fields = object(&body, &["timezone", "is_admin", "public_profile"])?;
    let patch = UserPatch {
        // `null`, as for the flags: unchanged.
        timezone: fields.get("timezone").filter(|v| !matches!(v, JsonTree::Null)).map(zone).transpose()?,
        is_admin: flag(&fields, "is_admin")?,
        public_profile: flag(&fields, "public_profile")?,
    };
    if patch.is_admin == Some(false) && actor == Actor::User(name.clone()) {
        return Err(ApiError::Conflict(
            "An admin cannot take away their own admin flag: another admin must.".to_owned(),
        ));
    }
    let is_admin_changed = patch.is_admin.is_some();
    let patched =
        app.store().patch_user(app.catalog().shared_engine(), name.clone(), patch, app.now()).await.map_err(refusal)?;
    // The admin flag takes effect at the next request: callers are read
    // from the database on every request (see `crate::sign_in`); open
    // streams (an admin's may show another user's) check theirs again now.
    app.publish(patched.saved.as_ref());
    if is_admin_changed {
        app.access_changed();
    }
    Ok(Json(patched.user.into()))
}

/// `DELETE admin/users/{name}/`: erasure (see `docs/server.md`,
/// "Erasure"). `204`; the user's cached state and tokens are forgotten and
/// their streams ended at once here, and on the other instances when the
/// erasure commits. An admin user cannot erase themselves (`409`): another
/// admin, or `achievements users erase`, must, so that no one locks the
/// last admin out by mistake.
async fn erase(
    State(app): State<AppState>,
    credentials: Credentials,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    let actor = require_admin(&load_caller(&app, credentials).await?)?;
    if actor == Actor::User(name.clone()) {
        return Err(ApiError::Conflict(
            "An admin cannot erase their own account: another admin (or `achievements users erase`) must.".to_owned(),
        ));
    }
    let erased = app.store().erase_user(name, actor.to_string(), app.now()).await.map_err(refusal)?;
    app.forget_erased(erased.user_id);
    Ok(StatusCode::NO_CONTENT)
}

/// A badge granted by hand.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct GrantedJson {
    user: String,
    key: String,
    /// Always `granted`.
    cause: &'static str,
    /// RFC 3339: the server's time of the grant.
    earned_at: String,
    reason: String,
    /// Every badge the grant unlocked, the granted one first, then what
    /// its points or its being earned set off.
    unlocked: Vec<String>,
    /// The user's points afterwards (absent when the catalog has no points field).
    #[serde(skip_serializing_if = "Option::is_none")]
    points: Option<i64>,
}

/// `POST admin/users/{name}/achievements/` `{"key", "reason"}`: grants
/// the badge by hand (`201`); `409` if already earned, `404` for an
/// unknown user or key.
async fn grant(
    State(app): State<AppState>,
    credentials: Credentials,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<GrantedJson>), ApiError> {
    let actor = require_admin(&load_caller(&app, credentials).await?)?;
    let body = json_body(&headers, body).await?;
    let fields = object(&body, &["key", "reason"])?;
    let key = match fields.get("key") {
        Some(JsonTree::String(key)) => key.to_string(),
        _ => return Err(ApiError::Invalid("`key` is required: the achievement's key (a string).".to_owned())),
    };
    let reason = reason(&fields)?;
    let publisher = app.clone();
    let engine = app.catalog().shared_engine();
    let by = ByHand { actor: actor.to_string(), reason: reason.clone() };
    let granted = app
        .store()
        .grant(Arc::clone(&engine), name.clone(), key.clone(), by, app.now(), move |granted| {
            publisher.publish(std::iter::once(&granted.saved));
            publisher.push(&granted.notifications);
        })
        .await
        .map_err(refusal)?;
    let earned_at = granted.unlocks.first().map(|u| u.record.earned_at.to_string()).unwrap_or_default();
    let points = engine.catalog().points_field.as_deref().map(|field| engine.stat(&granted.saved.state, field));
    Ok((
        StatusCode::CREATED,
        Json(GrantedJson {
            user: name,
            key,
            cause: "granted",
            earned_at,
            reason,
            unlocked: granted.unlocks.into_iter().map(|u| u.key).collect(),
            points,
        }),
    ))
}

/// A badge revoked by hand.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct RevokedJson {
    user: String,
    key: String,
    /// RFC 3339: when it had been earned, and why (the record removed).
    earned_at: String,
    cause: String,
    /// RFC 3339: the server's time of the revocation.
    revoked_at: String,
    reason: String,
    /// The user's points afterwards (absent when the catalog has no points field).
    #[serde(skip_serializing_if = "Option::is_none")]
    points: Option<i64>,
}

/// `DELETE admin/users/{name}/achievements/{key}/` with the body
/// `{"reason"}`: revokes an earned badge (`200`); `404` for an unknown
/// user or a badge they have not earned.
async fn revoke(
    State(app): State<AppState>,
    credentials: Credentials,
    Path((name, key)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<RevokedJson>, ApiError> {
    let actor = require_admin(&load_caller(&app, credentials).await?)?;
    let body = json_body(&headers, body).await?;
    let fields = object(&body, &["reason"])?;
    let reason = reason(&fields)?;
    let engine = app.catalog().shared_engine();
    let now = app.now();
    let by = ByHand { actor: actor.to_string(), reason: reason.clone() };
    let revoked = app.store().revoke(Arc::clone(&engine), name.clone(), key.clone(), by, now).await.map_err(refusal)?;
    app.publish(std::iter::once(&revoked.saved));
    let points = engine.catalog().points_field.as_deref().map(|field| engine.stat(&revoked.saved.state, field));
    Ok(Json(RevokedJson {
        user: name,
        key,
        earned_at: revoked.record.earned_at.to_string(),
        cause: revoked.record.cause.as_str().to_owned(),
        revoked_at: now.to_string(),
        reason,
        points,
    }))
}

/// A body's fields: a JSON object naming only `allowed`, each once.
fn object<'a>(body: &'a [u8], allowed: &[&str]) -> Result<BTreeMap<String, JsonTree<'a>>, ApiError> {
    let value = parse_json(body)?;
    if let Some(path) = value.first_repeated_field() {
        return Err(repeated_in_body(&path));
    }
    let JsonTree::Object(fields) = value else {
        return Err(ApiError::Invalid(format!("Expected a JSON object with the fields {}.", allowed.join(", "))));
    };
    let mut out = BTreeMap::new();
    for (name, value) in fields {
        if !allowed.contains(&name.as_ref()) {
            return Err(ApiError::Invalid(format!(
                "Unknown field `{name}`: this body has only {}.",
                allowed.join(", ")
            )));
        }
        out.insert(name.into_owned(), value);
    }
    Ok(out)
}

/// An optional boolean field.
fn flag(fields: &BTreeMap<String, JsonTree<'_>>, name: &str) -> Result<Option<bool>, ApiError> {
    match fields.get(name) {
        None | Some(JsonTree::Null) => Ok(None),
        Some(JsonTree::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(ApiError::Invalid(format!("`{name}` must be true or false."))),
    }
}

/// A zone as `users add --timezone` takes it, in its canonical name.
fn zone(value: &JsonTree<'_>) -> Result<String, ApiError> {
    let JsonTree::String(text) = value else {
        return Err(ApiError::Invalid("`timezone` must be a string: an IANA name, UTC or a fixed offset.".to_owned()));
    };
    time_zone(text).map(|z| z.name().to_owned()).map_err(|e| ApiError::Invalid(format!("`timezone`: {e}.")))
}

/// The required `reason`: 1 to [`MAX_REASON_CHARS`] characters, not blank.
fn reason(fields: &BTreeMap<String, JsonTree<'_>>) -> Result<String, ApiError> {
    match fields.get("reason") {
        Some(JsonTree::String(text)) if !text.trim().is_empty() && text.chars().count() <= MAX_REASON_CHARS => {
            Ok(text.to_string())
        }
        _ => Err(ApiError::Invalid(format!(
            "`reason` is required: why, in 1 to {MAX_REASON_CHARS} characters (it is kept in the audit)."
        ))),
    }
}

fn no_user(name: &str) -> ApiError {
    ApiError::NotFound(format!("No user named `{name}`."))
}

/// What the store refused, as the API answers it.
fn refusal(e: StoreError) -> ApiError {
    match e {
        StoreError::UnknownUser(name) => no_user(&name),
        StoreError::InvalidName(e) => ApiError::Invalid(e.to_string()),
        e @ (StoreError::UserExists(_) | StoreError::NameCollides { .. }) => ApiError::Conflict(capitalized(&e)),
        StoreError::Grant(e @ GrantError::AlreadyEarned(_)) => ApiError::Conflict(capitalized(&e)),
        StoreError::Grant(GrantError::UnknownAchievement(_)) => ApiError::no_such_achievement(),
        StoreError::Grant(GrantError::NotEarned(key)) => {
            ApiError::NotFound(format!("This user has not earned `{key}`."))
        }
        other => other.into(),
    }
}

/// A message as a sentence: capital first letter, final period.
fn capitalized(e: &dyn std::fmt::Display) -> String {
    let text = e.to_string();
    let mut chars = text.chars();
    let first = chars.next().map(|c| c.to_uppercase().collect::<String>()).unwrap_or_default();
    format!("{first}{}.", chars.as_str())
}
