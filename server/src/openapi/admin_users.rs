//! `openapi.json` for the admin API's users (`routes/admin_users.rs`):
//! its own document, merged into the served one by [`super::document`].

use super::ErrorBody;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

/// A user as the admin API shows them.
#[derive(Serialize, ToSchema)]
pub struct AdminUser {
    name: String,
    /// Canonical zone name: IANA, `UTC` or a fixed offset.
    timezone: String,
    is_admin: bool,
    public_profile: bool,
    /// RFC 3339.
    created_at: String,
}

/// A page of users (DRF's pagination).
#[derive(Serialize, ToSchema)]
pub struct AdminUserPage {
    count: u64,
    /// Origin-relative URL of the next page; `null` on the last.
    next: Option<String>,
    /// Origin-relative URL of the previous page; `null` on the first.
    previous: Option<String>,
    results: Vec<AdminUser>,
}

/// `POST admin/users/`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    /// 1–150 letters, digits and `@ . + - _`, one script, no look-alike of an existing name.
    #[schema(min_length = 1, max_length = 150)]
    name: String,
    /// IANA name, `UTC` or a fixed offset such as `+05:30` [default: UTC].
    timezone: Option<String>,
    /// [default: false]
    is_admin: Option<bool>,
    /// [default: true]
    public_profile: Option<bool>,
}

/// `PATCH admin/users/{name}/`: what is given changes.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserChange {
    /// A new zone: days already recorded keep their dates.
    timezone: Option<String>,
    is_admin: Option<bool>,
    public_profile: Option<bool>,
}

/// `POST admin/users/{name}/achievements/`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantIn {
    key: String,
    /// 1–1000 characters, not only white space (Unicode's `White_Space`,
    /// the set the pattern lists), kept in the audit.
    #[schema(
        min_length = 1,
        max_length = 1000,
        pattern = r"[^\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
    )]
    reason: String,
}

/// `DELETE admin/users/{name}/achievements/{key}/`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeIn {
    /// 1–1000 characters, not only white space (as for a grant), kept in
    /// the revocation log.
    #[schema(
        min_length = 1,
        max_length = 1000,
        pattern = r"[^\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
    )]
    reason: String,
}

/// A badge granted by hand.
#[derive(Serialize, ToSchema)]
pub struct Granted {
    user: String,
    key: String,
    /// Always `granted`.
    cause: String,
    /// RFC 3339.
    earned_at: String,
    reason: String,
    /// Every badge the grant unlocked: the granted one first, then what it set off.
    unlocked: Vec<String>,
    /// The user's points afterwards (absent without a points field).
    points: Option<i64>,
}

/// A badge revoked by hand.
#[derive(Serialize, ToSchema)]
pub struct Revoked {
    user: String,
    key: String,
    /// RFC 3339: when it had been earned.
    earned_at: String,
    /// Why it had been earned.
    cause: String,
    /// RFC 3339.
    revoked_at: String,
    reason: String,
    /// The user's points afterwards (absent without a points field).
    points: Option<i64>,
}

#[derive(OpenApi)]
#[openapi(
    paths(list, create, read, change, erase, grant, revoke),
    components(schemas(AdminUser, AdminUserPage, NewUser, UserChange, GrantIn, RevokeIn, Granted, Revoked))
)]
pub struct Doc;

#[utoipa::path(get, path = "/api/v1/admin/users/", tag = "admin",
    params(("q" = Option<String>, Query, description = "names starting with this (case-sensitive), at most 150 characters"),
           ("page" = Option<u64>, Query, minimum = 1), ("page_size" = Option<u64>, Query, minimum = 1)),
    responses((status = 200, body = AdminUserPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody, description = "a page past the end")))]
fn list() {}

#[utoipa::path(post, path = "/api/v1/admin/users/", tag = "admin", request_body = NewUser,
    responses((status = 201, body = AdminUser), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 409, body = ErrorBody, description = "the name, or a look-alike, is taken"),
              (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
fn create() {}

#[utoipa::path(get, path = "/api/v1/admin/users/{name}/", tag = "admin", params(("name" = String, Path)),
    responses((status = 200, body = AdminUser), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
fn read() {}

#[utoipa::path(patch, path = "/api/v1/admin/users/{name}/", tag = "admin", params(("name" = String, Path)),
    request_body = UserChange,
    responses((status = 200, body = AdminUser), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody, description = "an admin taking away their own admin flag"),
              (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
fn change() {}

#[utoipa::path(delete, path = "/api/v1/admin/users/{name}/", tag = "admin", params(("name" = String, Path)),
    responses((status = 204, description = "erased: every row of the user deleted, the erasure logged"),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody, description = "an admin naming themselves: another admin must")))]
fn erase() {}

#[utoipa::path(post, path = "/api/v1/admin/users/{name}/achievements/", tag = "admin", params(("name" = String, Path)),
    request_body = GrantIn,
    responses((status = 201, body = Granted), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody, description = "no such user or achievement"),
              (status = 409, body = ErrorBody, description = "already earned"), (status = 413, body = ErrorBody),
              (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
fn grant() {}

#[utoipa::path(delete, path = "/api/v1/admin/users/{name}/achievements/{key}/", tag = "admin",
    params(("name" = String, Path), ("key" = String, Path)), request_body = RevokeIn,
    responses((status = 200, body = Revoked), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody, description = "no such user, or not earned"),
              (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
fn revoke() {}
