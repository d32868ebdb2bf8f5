//! `GET openapi.json`: the API described as OpenAPI 3.1, generated with
//! utoipa from the declarations below. Most routes write their JSON from
//! pre-rendered parts (see [`crate::json`]), so their shapes are declared
//! here as schema types, one per response, beside one `#[utoipa::path]`
//! per route; `server/tests/openapi.rs` calls every documented route and
//! checks that it answers with a documented status and the documented
//! top-level fields, so this file cannot drift from the router.
#![allow(dead_code, unreachable_pub, missing_debug_implementations)]

use crate::routes::achievements::UserQuery;
use crate::routes::pages::PageQuery;
mod admin_users;

use achievements_core::{Category, Rarity};
use axum::Json;
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeMap;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

/// `{"detail": "...", "code": "..."}`.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    detail: String,
    code: String,
}

/// An achievement as listed (see docs/api.md "Achievement items").
#[derive(Serialize, ToSchema)]
pub struct AchievementItem {
    key: String,
    name: String,
    description: String,
    icon: String,
    color_from: String,
    color_to: String,
    category: String,
    points: i64,
    rarity: String,
    is_secret: bool,
    order: i64,
    criteria_type: String,
    criteria_value: i64,
    tracking_field: String,
    is_active: bool,
    requires_achievements: Vec<String>,
    /// RFC 3339; `null` when the window is open on that side.
    available_from: Option<String>,
    /// RFC 3339, exclusive; `null` when the window never closes.
    available_until: Option<String>,
    /// With a user: earned?
    is_earned: Option<bool>,
    earned_at: Option<String>,
    /// Percent, 0–100.
    progress: Option<u8>,
    progress_value: Option<i64>,
    target_value: Option<i64>,
    /// With a user: why it cannot unlock now (empty once earned, or when
    /// every condition holds).
    blockers: Option<Vec<BlockerItem>>,
}

/// One reason an achievement cannot unlock now (the core's `Blocker`):
/// `{"kind": "inactive"}`, `{"kind": "not_yet_available", "from": …}`,
/// `{"kind": "window_closed", "until": …}`, `{"kind": "requires", "key": …,
/// "name": …}` (one per missing prerequisite; a secret the user has not
/// earned shows its placeholder id and `name: null`), or
/// `{"kind": "below_target", "value": …, "target": …}`.
#[derive(Serialize, ToSchema)]
pub struct BlockerItem {
    /// `inactive`, `not_yet_available`, `window_closed`, `requires` or `below_target`.
    kind: String,
    from: Option<String>,
    until: Option<String>,
    key: Option<String>,
    name: Option<String>,
    value: Option<i64>,
    target: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct AchievementList {
    count: usize,
    secret_locked: usize,
    results: Vec<AchievementItem>,
}

/// A page of the user's badges (`?page=`, `?page_size=`).
#[derive(Serialize, ToSchema)]
pub struct EarnedList {
    /// Badges in the whole list.
    count: usize,
    /// The next page's URL (origin-relative); `null` on the last page.
    #[schema(required = true)]
    next: Option<String>,
    /// The previous page's URL (origin-relative); `null` on the first page.
    #[schema(required = true)]
    previous: Option<String>,
    /// Items with `progress_at_unlock` and `cause`.
    results: Vec<AchievementItem>,
}

#[derive(Serialize, ToSchema)]
pub struct CategoryGroup {
    category: String,
    name: String,
    total: usize,
    earned: usize,
    secret_locked: usize,
    items: Vec<AchievementItem>,
}

#[derive(Serialize, ToSchema)]
pub struct CategoryList {
    count: usize,
    results: Vec<CategoryGroup>,
}

#[derive(Serialize, ToSchema)]
pub struct CheckResult {
    count: usize,
    unlocked: Vec<AchievementItem>,
}

/// The core's public catalog (secrets as placeholders).
#[derive(Serialize, ToSchema)]
pub struct PublicCatalog {
    events: serde_json::Value,
    achievements: Vec<serde_json::Value>,
}

#[derive(Serialize, ToSchema)]
pub struct Me {
    name: String,
    timezone: String,
    is_admin: bool,
    stats: BTreeMap<String, i64>,
    streaks: serde_json::Value,
    points: i64,
    earned_count: usize,
    secret_locked: usize,
    zone_table: serde_json::Value,
    state: serde_json::Value,
}

/// One event, or `{"events": [...]}` of up to 1,000.
#[derive(Serialize, ToSchema)]
pub struct EventIn {
    id: String,
    user: String,
    #[serde(rename = "type")]
    event_type: String,
    value: Option<i64>,
    /// RFC 3339; default now.
    at: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct EventOutcome {
    /// `applied`, `duplicate` or `rejected`.
    status: String,
    id: Option<String>,
    unlocked: Option<Vec<String>>,
    detail: Option<String>,
    code: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct EventsResult {
    applied: usize,
    duplicate: usize,
    rejected: usize,
    results: Vec<EventOutcome>,
}

#[derive(Serialize, ToSchema)]
pub struct Notification {
    id: i64,
    key: String,
    name: String,
    description: String,
    icon: String,
    color_from: String,
    color_to: String,
    category: String,
    rarity: String,
    points: i64,
    earned_at: String,
    /// `event`, `points`, `prerequisite`, `evaluation` or `granted`.
    cause: String,
    backfill: bool,
    read: bool,
    created_at: String,
}

/// A page of the caller's notifications (`?page=`, `?page_size=`).
#[derive(Serialize, ToSchema)]
pub struct NotificationList {
    /// Notifications in the whole list.
    count: usize,
    /// The next page's URL (origin-relative); `null` on the last page.
    #[schema(required = true)]
    next: Option<String>,
    /// The previous page's URL (origin-relative); `null` on the first page.
    #[schema(required = true)]
    previous: Option<String>,
    /// Unread notifications in the whole list.
    unread: usize,
    results: Vec<Notification>,
}

/// `{"ids": [...]}` or `{"all": true}`.
#[derive(Serialize, ToSchema)]
pub struct MarkRead {
    ids: Option<Vec<i64>>,
    all: Option<bool>,
}

#[derive(Serialize, ToSchema)]
pub struct Marked {
    marked: usize,
}

#[derive(Serialize, ToSchema)]
pub struct Stats {
    users: i64,
    users_with_achievements: i64,
    share_with_achievement: f64,
    average_per_user: f64,
    total_earned: i64,
    most_earned: Vec<serde_json::Value>,
    least_earned: Vec<serde_json::Value>,
    median_seconds_to_first_achievement: Option<i64>,
    unlocks_per_day: serde_json::Value,
}

/// Category → flat items with `is_earned`, `earned_at`, `current_value`,
/// `target_value`, `progress_percentage`.
#[derive(Serialize, ToSchema)]
pub struct MyProgress {
    projects: Vec<serde_json::Value>,
    community: Vec<serde_json::Value>,
}

/// A page of a public profile's badges (`?page=`, `?page_size=`).
#[derive(Serialize, ToSchema)]
pub struct Profile {
    username: String,
    /// Badges in the whole list.
    count: usize,
    /// The next page's URL (origin-relative); `null` on the last page.
    #[schema(required = true)]
    next: Option<String>,
    /// The previous page's URL (origin-relative); `null` on the first page.
    #[schema(required = true)]
    previous: Option<String>,
    results: Vec<AchievementItem>,
}

/// `GET /healthz`.
#[derive(Serialize, ToSchema)]
pub struct Health {
    /// Always `ok`.
    status: String,
}

/// Each readiness check: `ok`, or why it is not ready.
#[derive(Serialize, ToSchema)]
pub struct ReadinessChecks {
    /// The database answers a query within 2 s.
    database: String,
    /// The writer (SQLite's writer thread, PostgreSQL's group commit) runs.
    writer: String,
}

/// `GET /readyz` when ready.
#[derive(Serialize, ToSchema)]
pub struct Readiness {
    /// `ready`.
    status: String,
    checks: ReadinessChecks,
}

/// `GET /readyz` when not ready: an error body (`code`: `not_ready`) with
/// the checks.
#[derive(Serialize, ToSchema)]
pub struct NotReady {
    detail: String,
    code: String,
    checks: ReadinessChecks,
}

/// `POST admin/webhooks/`: an endpoint to register.
#[derive(Serialize, ToSchema)]
pub struct WebhookIn {
    /// `http://` or `https://`, with a host; at most 2,048 bytes.
    url: String,
    /// Signs every delivery (HMAC-SHA256); 1 to 512 bytes, no control
    /// characters. Never answered.
    secret: String,
    /// Events to deliver [default: `["unlock"]`]; only `unlock` exists.
    events: Option<Vec<String>>,
}

/// A registered endpoint (never its secret).
#[derive(Serialize, ToSchema)]
pub struct WebhookItem {
    id: i64,
    url: String,
    events: Vec<String>,
    /// RFC 3339.
    created_at: String,
    /// Deliveries not yet sent (waiting or being retried).
    pending: i64,
    /// Deliveries given up on after 24 h of retries (kept).
    failed: i64,
}

/// A page of endpoints, by id.
#[derive(Serialize, ToSchema)]
pub struct WebhookList {
    count: u64,
    next: Option<String>,
    previous: Option<String>,
    results: Vec<WebhookItem>,
}

/// A token as `GET admin/users/{name}/tokens/` lists it: never its text.
/// Times are RFC 3339; `null`: never used, never expires, not revoked.
#[derive(Serialize, ToSchema)]
pub struct TokenItem {
    id: i64,
    created: String,
    last_used: Option<String>,
    expires: Option<String>,
    revoked: Option<String>,
}

/// A page of a user's tokens (Django REST's pagination).
#[derive(Serialize, ToSchema)]
pub struct TokenPage {
    count: u64,
    next: Option<String>,
    previous: Option<String>,
    results: Vec<TokenItem>,
}

/// `{}` or `{"expires_in": 3600}` (seconds) or `{"expires_in": "30d"}`
/// (a duration: `s`, `m`, `h`, `d`, `w`, combinable as `1w 2d`); no body:
/// never expires.
#[derive(Serialize, ToSchema)]
pub struct TokenRequest {
    expires_in: Option<serde_json::Value>,
}

/// A new token: its text is shown only in this answer.
#[derive(Serialize, ToSchema)]
pub struct IssuedToken {
    id: i64,
    token: String,
    created: String,
    expires: Option<String>,
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An opaque `ach_…` token, or, when the server is started with `--jwt-secret-file` or \
                         `--jwt-public-key`, a JWT from the platform (`sub`: the user's name; `exp` required). \
                         A refused credential is `401` with `code` `authentication_failed`, or `token_expired` for \
                         an expired token or JWT.",
                    ))
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "achievements", description = "Achievement and badge API (docs/api.md)."),
    modifiers(&BearerAuth),
    paths(
        list, earned, detail, categories, check, catalog, me, events, notifications, mark_read, stream, stats,
        my_progress, profile, openapi_json,
        healthz, readyz, metrics,
        webhooks_add, webhooks_list, webhooks_remove,
        admin_user_tokens, admin_issue_token, admin_revoke_token
    ),
    components(schemas(
        ErrorBody, AchievementItem, BlockerItem, AchievementList, EarnedList, CategoryGroup, CategoryList, CheckResult,
        PublicCatalog, Me, EventIn, EventOutcome, EventsResult, Notification, NotificationList, MarkRead, Marked,
        Stats, MyProgress, Profile,
        Health, Readiness, ReadinessChecks, NotReady,
        WebhookIn, WebhookItem, WebhookList,
        TokenItem, TokenPage, TokenRequest, IssuedToken
    ))
)]
pub struct ApiDoc;

/// What the declarations above cannot say, and [`document`] adds, found by fuzzing the server
/// against its document (`scripts/api-fuzz.sh`): a request the document
/// allows must not be refused, and one it forbids must be. So the closed
/// sets of query values are enums (from the core's own lists, so they
/// cannot drift), dates are `format: date`, and the two request bodies say
/// exactly which JSON shapes are errors. `POST events/` checks each event
/// on its own and answers a bad one `rejected` in a `200` (one bad event
/// does not sink a batch), so its document constrains only what is a
/// request error: a body that is not an object, or a malformed batch.
fn constrain(document: &mut serde_json::Value) {
    let names = |all: Vec<&'static str>| json!({"type": "string", "enum": all});
    let categories = names(Category::ALL.iter().map(|c| c.as_str()).collect());
    let rarities = names(Rarity::ALL.iter().map(|r| r.as_str()).collect());
    let date = json!({"type": "string", "format": "date"});
    let paths = &mut document["paths"];
    set_query_schema(&mut paths["/api/v1/achievements/"]["get"], "category", categories);
    set_query_schema(&mut paths["/api/v1/achievements/"]["get"], "rarity", rarities);
    set_query_schema(&mut paths["/api/v1/stats/"]["get"], "from", date.clone());
    set_query_schema(&mut paths["/api/v1/stats/"]["get"], "until", date);
    paths["/api/v1/events/"]["post"]["requestBody"]["content"]["application/json"]["schema"] = events_body();
    paths["/api/v1/notifications/read/"]["post"]["requestBody"]["content"]["application/json"]["schema"] =
        mark_read_body();
    paths["/api/v1/admin/webhooks/"]["post"]["requestBody"]["content"]["application/json"]["schema"] = webhook_body();
    paths["/api/v1/admin/users/{name}/tokens/"]["post"]["requestBody"]["content"]["application/json"]["schema"] =
        token_request_body();
    paths["/api/v1/admin/users/{name}/tokens/"]["post"]["requestBody"]["required"] = json!(false);
}

/// `{"url", "secret", "events"}` and nothing else (see `WebhookIn`).
fn webhook_body() -> serde_json::Value {
    json!({"type": "object", "required": ["url", "secret"], "additionalProperties": false,
    "properties": {
        "url": {"type": "string", "maxLength": 2048,
                "pattern": "^https?://[a-z0-9]+(\\.[a-z0-9]+)*(:[1-9][0-9]{0,3})?(/[!-~]*)?$"},
        "secret": {"type": "string", "minLength": 1, "maxLength": 512,
                   "pattern": "^[^\\u0000-\\u001f\\u007f-\\u009f]+$"},
        "events": {"type": "array", "minItems": 1, "maxItems": 16, "items": {"type": "string", "enum": ["unlock"]}}
    }})
}

/// `{}` or `{"expires_in": …}`: `null`, whole seconds from 1 to 9,999
/// weeks, or a text of 1 to 9999 and a unit (`routes/admin_tokens.rs`).
fn token_request_body() -> serde_json::Value {
    json!({"type": "object", "additionalProperties": false, "properties": {"expires_in": {"oneOf": [
        {"type": "null"},
        {"type": "integer", "minimum": 1, "maximum": crate::routes::admin_tokens::MAX_EXPIRES_IN},
        {"type": "string", "pattern": "^[1-9][0-9]{0,3}[smhdw]$"},
    ]}}})
}

/// One event (an object without `events`: its fields are checked per event,
/// see `EventIn`) or `{"events": [...]}` and nothing else (at most 1,000
/// items, else `413`; each item checked as one event).
fn events_body() -> serde_json::Value {
    json!({"oneOf": [
        {"type": "object", "not": {"required": ["events"]},
         "description": "One event in the shape of `EventIn`; a bad field rejects the event in the results."},
        {"type": "object", "required": ["events"], "additionalProperties": false,
         "properties": {"events": {"type": "array", "items": {}}}},
    ]})
}

/// `{"ids": [notification ids]}` or `{"all": true}`, exactly one field.
fn mark_read_body() -> serde_json::Value {
    json!({"oneOf": [
        {"type": "object", "required": ["ids"], "additionalProperties": false,
         "properties": {"ids": {"type": "array", "items": {"type": "integer", "format": "int64"}}}},
        {"type": "object", "required": ["all"], "additionalProperties": false,
         "properties": {"all": {"const": true}}},
    ]})
}

/// `serve --rate-limit` applies to every route: each operation may answer
/// `429` (`throttled`) with `Retry-After`.
fn throttled(document: &mut serde_json::Value) {
    let answer = json!({
        "description": "Over the caller's rate limit (`serve --rate-limit`, code `throttled`): retry after \
                        `Retry-After` seconds",
        "headers": {"Retry-After": {"description": "Whole seconds until a request would pass",
                                    "schema": {"type": "integer", "minimum": 1}}},
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
    });
    let Some(paths) = document["paths"].as_object_mut() else { return };
    for operation in paths.values_mut().filter_map(|item| item.as_object_mut()).flat_map(|item| item.values_mut()) {
        if let Some(responses) = operation.get_mut("responses").and_then(|r| r.as_object_mut()) {
            responses.insert("429".to_owned(), answer.clone());
        }
    }
}

/// The operations that take `?user=NAME` ([`UserQuery`]) may answer `403`
/// (a caller who is not an admin naming someone else) and `404` (no user
/// of that name), whatever else they answer.
fn acting_for_another_user(document: &mut serde_json::Value) {
    let forbidden = json!({"description": "`?user=` names another user and the caller is not an admin",
                           "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}});
    let unknown = json!({"description": "`?user=` names no user (or, where the route says so, a page past the end)",
                         "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}});
    let Some(paths) = document["paths"].as_object_mut() else { return };
    for operation in paths.values_mut().filter_map(|item| item.as_object_mut()).flat_map(|item| item.values_mut()) {
        let takes_user = operation["parameters"]
            .as_array()
            .is_some_and(|parameters| parameters.iter().any(|p| p["name"] == "user" && p["in"] == "query"));
        if !takes_user {
            continue;
        }
        if let Some(responses) = operation.get_mut("responses").and_then(|r| r.as_object_mut()) {
            responses.entry("403").or_insert_with(|| forbidden.clone());
            responses.entry("404").or_insert_with(|| unknown.clone());
        }
    }
}

/// Replaces the schema of the operation's query parameter `name`.
fn set_query_schema(operation: &mut serde_json::Value, name: &str, schema: serde_json::Value) {
    if let Some(parameters) = operation["parameters"].as_array_mut() {
        for parameter in parameters.iter_mut().filter(|p| p["name"] == name) {
            parameter["schema"] = schema.clone();
        }
    }
}

/// The document served: utoipa's, constrained; built once.
pub fn document() -> &'static serde_json::Value {
    static DOCUMENT: std::sync::LazyLock<serde_json::Value> = std::sync::LazyLock::new(|| {
        let mut api = ApiDoc::openapi();
        api.merge(admin_users::Doc::openapi());
        let mut document = serde_json::to_value(api).unwrap_or_default();
        constrain(&mut document);
        throttled(&mut document);
        acting_for_another_user(&mut document);
        document
    });
    &DOCUMENT
}

/// `GET /api/v1/openapi.json`.
pub async fn openapi() -> Json<&'static serde_json::Value> {
    Json(document())
}

#[utoipa::path(get, path = "/api/v1/achievements/", tag = "achievements",
    params(UserQuery, ("category" = Option<String>, Query), ("rarity" = Option<String>, Query),
           ("earned" = Option<bool>, Query)),
    responses((status = 200, body = AchievementList), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
fn list() {}

#[utoipa::path(get, path = "/api/v1/achievements/earned/", tag = "achievements", params(UserQuery, PageQuery),
    responses((status = 200, body = EarnedList), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody, description = "A page past the end (`Invalid page.`)")))]
fn earned() {}

#[utoipa::path(get, path = "/api/v1/achievements/{key}/", tag = "achievements",
    params(("key" = String, Path), UserQuery),
    responses((status = 200, body = AchievementItem), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
fn detail() {}

#[utoipa::path(get, path = "/api/v1/achievements/categories/", tag = "achievements", params(UserQuery),
    responses((status = 200, body = CategoryList), (status = 401, body = ErrorBody)))]
fn categories() {}

#[utoipa::path(post, path = "/api/v1/achievements/check/", tag = "achievements", params(UserQuery),
    responses((status = 200, body = CheckResult), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
fn check() {}

#[utoipa::path(get, path = "/api/v1/achievements/catalog/", tag = "achievements",
    responses((status = 200, body = PublicCatalog), (status = 304, description = "If-None-Match matched"),
              (status = 401, body = ErrorBody)))]
fn catalog() {}

#[utoipa::path(get, path = "/api/v1/me/", tag = "users", params(UserQuery),
    responses((status = 200, body = Me), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
fn me() {}

#[utoipa::path(post, path = "/api/v1/events/", tag = "events", request_body = EventIn,
    responses((status = 200, body = EventsResult), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
              (status = 422, body = ErrorBody),
              (status = 503, body = ErrorBody, description = "Nothing was stored: the database is busy (`database_busy`) \
               or full (`storage_full`), or the server is stopping (`unavailable`); retry after `Retry-After` seconds \
               with the same event ids")))]
fn events() {}

#[utoipa::path(get, path = "/api/v1/notifications/", tag = "notifications", params(UserQuery, PageQuery),
    responses((status = 200, body = NotificationList), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody, description = "A page past the end (`Invalid page.`)")))]
fn notifications() {}

#[utoipa::path(post, path = "/api/v1/notifications/read/", tag = "notifications", request_body = MarkRead, params(UserQuery),
    responses((status = 200, body = Marked), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 422, body = ErrorBody),
              (status = 503, body = ErrorBody, description = "Nothing was changed: the database is busy, full or \
               stopping; retry after `Retry-After` seconds")))]
fn mark_read() {}

#[utoipa::path(get, path = "/api/v1/notifications/stream/", tag = "notifications",
    params(("token" = Option<String>, Query, description = "the bearer token, for EventSource"),
           ("last_event_id" = Option<i64>, Query, description = "resume after this id (or the Last-Event-ID header)"),
           UserQuery),
    responses((status = 200, content_type = "text/event-stream",
               description = "`id: N`, `event: unlock`, `data: Notification JSON`; a comment every 15 s"),
              (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
fn stream() {}

#[utoipa::path(get, path = "/api/v1/stats/", tag = "stats",
    params(("from" = Option<String>, Query), ("until" = Option<String>, Query)),
    responses((status = 200, body = Stats), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)))]
fn stats() {}

#[utoipa::path(get, path = "/api/v1/me/achievements/my-progress/", tag = "compatibility", params(UserQuery),
    responses((status = 200, body = MyProgress), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
fn my_progress() {}

#[utoipa::path(get, path = "/api/v1/users/{username}/achievements/", tag = "compatibility",
    params(("username" = String, Path), PageQuery),
    responses((status = 200, body = Profile), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 404, body = ErrorBody, description = "No public profile of that name, or a page past the end")))]
fn profile() {}

#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta",
    responses((status = 200, description = "this document"), (status = 401, body = ErrorBody)))]
fn openapi_json() {}

#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, body = Health, description = "the process answers")))]
fn healthz() {}

#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses((status = 200, body = Readiness, description = "the database answers and the writer runs"),
              (status = 503, body = NotReady, description = "not ready: `checks` says which part and why")))]
fn readyz() {}

#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, content_type = "text/plain",
               description = "Prometheus text format (docs/server.md lists the metrics)"),
              (status = 401, body = ErrorBody,
               description = "`serve --metrics-token` was given and the request does not carry \
               `Authorization: Bearer` that token")))]
fn metrics() {}
#[utoipa::path(post, path = "/api/v1/admin/webhooks/", tag = "admin", request_body = WebhookIn,
    responses((status = 201, body = WebhookItem), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
fn webhooks_add() {}

#[utoipa::path(get, path = "/api/v1/admin/webhooks/", tag = "admin",
    params(("page" = Option<u64>, Query, minimum = 1), ("page_size" = Option<u64>, Query, minimum = 1)),
    responses((status = 200, body = WebhookList), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody, description = "Invalid page.")))]
fn webhooks_list() {}

#[utoipa::path(delete, path = "/api/v1/admin/webhooks/{id}/", tag = "admin",
    params(("id" = i64, Path)),
    responses((status = 204, description = "removed, with its deliveries"), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
fn webhooks_remove() {}

#[utoipa::path(get, path = "/api/v1/admin/users/{name}/tokens/", tag = "admin",
    params(("name" = String, Path), crate::routes::pages::PageQuery),
    responses((status = 200, body = TokenPage), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody, description = "`authentication_failed`, `token_expired` or \
               `not_authenticated`"),
              (status = 403, body = ErrorBody, description = "not an admin user or admin service token"),
              (status = 404, body = ErrorBody, description = "no such user, or a page past the end")))]
fn admin_user_tokens() {}

#[utoipa::path(post, path = "/api/v1/admin/users/{name}/tokens/", tag = "admin", request_body = TokenRequest,
    params(("name" = String, Path)),
    responses((status = 201, body = IssuedToken), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 415, body = ErrorBody),
              (status = 422, body = ErrorBody, description = "a bad `expires_in` or an unknown field")))]
fn admin_issue_token() {}

#[utoipa::path(delete, path = "/api/v1/admin/tokens/{id}/", tag = "admin",
    params(("id" = i64, Path)),
    responses((status = 204, description = "revoked (again: still 204); refused from now on by every instance"),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody, description = "no token has this id")))]
fn admin_revoke_token() {}
