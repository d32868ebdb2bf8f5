//! Who is calling, and whose data they may see.
//!
//! A request carries `Authorization: Bearer TOKEN` or nothing. A token
//! belongs to a user or to a service. Users read their own progress; admins
//! may name another user with `?user=NAME`; service tokens post events and
//! otherwise see what an anonymous caller sees.

use crate::api_error::ApiError;
use crate::store::users::{TokenOwner, User, token_owner, user_by_name};
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use rusqlite::Connection;

/// The bearer token of a request, if any; checked against the database by
/// [`authenticate`] (inside the same read as the data it guards).
#[derive(Clone, Debug)]
pub enum Credentials {
    Anonymous,
    Bearer(String),
}

impl<S: Send + Sync> FromRequestParts<S> for Credentials {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let Some(value) = parts.headers.get(AUTHORIZATION) else { return Ok(Credentials::Anonymous) };
        let malformed = ApiError::AuthenticationFailed("Invalid Authorization header: expected `Bearer TOKEN`.");
        let text = value.to_str().map_err(|_| malformed)?;
        match text.trim().split_once(' ') {
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && is_token_text(token.trim()) => {
                Ok(Credentials::Bearer(token.trim().to_owned()))
            }
            _ => Err(ApiError::AuthenticationFailed("Invalid Authorization header: expected `Bearer TOKEN`.")),
        }
    }
}

fn is_token_text(token: &str) -> bool {
    !token.is_empty() && token.len() <= 256 && token.bytes().all(|b| b.is_ascii_graphic())
}

/// An authenticated caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Caller {
    Anonymous,
    User(User),
    /// A platform service (the name it was issued for).
    Service(String),
}

/// Checks credentials against the token table.
///
/// # Errors
/// 401 for a token the database does not know.
pub fn authenticate(conn: &Connection, credentials: &Credentials) -> Result<Caller, ApiError> {
    match credentials {
        Credentials::Anonymous => Ok(Caller::Anonymous),
        Credentials::Bearer(token) => match token_owner(conn, token)? {
            Some(TokenOwner::User(user)) => Ok(Caller::User(user)),
            Some(TokenOwner::Service(name)) => Ok(Caller::Service(name)),
            None => Err(ApiError::AuthenticationFailed("Invalid token.")),
        },
    }
}

/// The user whose progress a route that also serves anonymous callers
/// shows: the caller, the `?user=` an admin named, or nobody.
///
/// # Errors
/// As [`acting_as`].
pub fn viewer(conn: &Connection, caller: &Caller, as_user: Option<&str>) -> Result<Option<User>, ApiError> {
    match (caller, as_user) {
        (_, Some(name)) => acting_as(conn, caller, name).map(Some),
        (Caller::User(user), None) => Ok(Some(user.clone())),
        (Caller::Anonymous | Caller::Service(_), None) => Ok(None),
    }
}

/// The user a route about one user acts on.
///
/// # Errors
/// 401 without credentials, 403 for a service token, and as [`acting_as`].
pub fn subject(conn: &Connection, caller: &Caller, as_user: Option<&str>) -> Result<User, ApiError> {
    match caller {
        Caller::Anonymous => Err(not_authenticated()),
        Caller::Service(_) => Err(service_not_allowed()),
        Caller::User(_) => viewer(conn, caller, as_user)?.ok_or_else(not_authenticated),
    }
}

/// `?user=NAME`: the caller themselves, or anyone for an admin.
///
/// # Errors
/// 401 anonymous, 403 service or non-admin naming someone else, 404 for an
/// admin naming an unknown user.
fn acting_as(conn: &Connection, caller: &Caller, name: &str) -> Result<User, ApiError> {
    match caller {
        Caller::Anonymous => Err(not_authenticated()),
        Caller::Service(_) => Err(service_not_allowed()),
        Caller::User(user) if user.name == name => Ok(user.clone()),
        Caller::User(user) if !user.is_admin => {
            Err(ApiError::PermissionDenied("Only an admin may act for another user."))
        }
        Caller::User(_) => {
            user_by_name(conn, name)?.ok_or_else(|| ApiError::NotFound(format!("No user named `{name}`.")))
        }
    }
}

/// The route needs a service token.
///
/// # Errors
/// 401 without credentials, 403 for a user's token.
pub fn require_service(caller: &Caller) -> Result<&str, ApiError> {
    match caller {
        Caller::Service(name) => Ok(name),
        Caller::Anonymous => Err(not_authenticated()),
        Caller::User(_) => Err(ApiError::PermissionDenied("Only a service token may post events.")),
    }
}

fn not_authenticated() -> ApiError {
    ApiError::NotAuthenticated("Authentication credentials were not provided.")
}

fn service_not_allowed() -> ApiError {
    ApiError::PermissionDenied("This route needs a user's token; service tokens may only post events.")
}
