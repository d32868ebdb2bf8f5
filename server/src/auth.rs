//! Who is calling, and whose data they may see.
//!
//! A request carries `Authorization: Bearer TOKEN` or nothing. A token
//! belongs to a user or to a service. Users read their own progress; admins
//! may name another user with `?user=NAME`; service tokens post events and
//! otherwise see what an anonymous caller sees.

use crate::api_error::ApiError;
use crate::platform::identity::MAX_JWT_BYTES;
use crate::store::{TokenOwner, User};
use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

/// The credentials of a request, as its handler receives them.
#[derive(Clone, Debug)]
pub(crate) enum Credentials {
    /// No `Authorization` header.
    Anonymous,
    /// A token not yet checked (the stream's `?token=`, or a router without
    /// the [`crate::routes::authenticate`] middleware); checked by
    /// [`crate::routes::load_caller`].
    Bearer(String),
    /// The caller the [`crate::routes::authenticate`] middleware found for
    /// the request's header.
    Checked(Caller),
}

impl<S: Send + Sync> FromRequestParts<S> for Credentials {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        if let Some(caller) = parts.extensions.get::<Caller>() {
            return Ok(Credentials::Checked(caller.clone()));
        }
        Ok(bearer_token(&parts.headers)?.map_or(Credentials::Anonymous, Credentials::Bearer))
    }
}

/// The token of the `Authorization` header: `None` without the header.
///
/// # Errors
/// 401 `authentication_failed` for a header that is not `Bearer TOKEN`:
/// a credential that is present is either valid or refused, never ignored.
pub(crate) fn bearer_token(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get(AUTHORIZATION) else { return Ok(None) };
    let malformed = || ApiError::AuthenticationFailed("Invalid Authorization header: expected `Bearer TOKEN`.");
    let text = value.to_str().map_err(|_| malformed())?;
    match text.trim().split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && is_token_text(token.trim()) => {
            Ok(Some(token.trim().to_owned()))
        }
        _ => Err(malformed()),
    }
}

/// A token's text: printable ASCII, at most [`MAX_JWT_BYTES`] (a JWT; an
/// opaque token is 68 characters).
fn is_token_text(token: &str) -> bool {
    !token.is_empty() && token.len() <= MAX_JWT_BYTES && token.bytes().all(|b| b.is_ascii_graphic())
}

/// An authenticated caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Caller {
    Anonymous,
    User(User),
    /// A platform service.
    Service(Service),
}

/// A platform service's token: the name it was issued for, and whether it
/// may use the admin API (`tokens add --service NAME --admin`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Service {
    pub name: String,
    pub is_admin: bool,
}

/// Who did something an audit row records: an admin user or an admin
/// service. Shown as `user:NAME` or `service:NAME`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Actor {
    User(String),
    Service(String),
}

impl std::fmt::Display for Actor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Actor::User(name) => write!(f, "user:{name}"),
            Actor::Service(name) => write!(f, "service:{name}"),
        }
    }
}

/// The admin API's gate: admin users and admin service tokens pass.
///
/// # Errors
/// 401 without credentials, 403 for anyone else.
pub(crate) fn require_admin(caller: &Caller) -> Result<Actor, ApiError> {
    match caller {
        Caller::Anonymous => Err(not_authenticated()),
        Caller::User(user) if user.is_admin => Ok(Actor::User(user.name.clone())),
        Caller::Service(service) if service.is_admin => Ok(Actor::Service(service.name.clone())),
        Caller::User(_) | Caller::Service(_) => {
            Err(ApiError::PermissionDenied("The admin API needs an admin user or an admin service token."))
        }
    }
}

impl From<TokenOwner> for Caller {
    fn from(owner: TokenOwner) -> Self {
        match owner {
            TokenOwner::User(user) => Caller::User(user),
            TokenOwner::Service { name, is_admin } => Caller::Service(Service { name, is_admin }),
        }
    }
}

/// Whose data a request is about, once the caller is known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Target {
    /// Nobody's: the plain catalog.
    Nobody,
    /// The caller's own.
    Caller(User),
    /// Another user's, named by an admin (to be looked up).
    Named(String),
}

/// For routes that also serve anonymous callers: the caller, the user an
/// admin named with `?user=`, or nobody (anonymous callers and services).
///
/// # Errors
/// As [`acting_as`].
pub(crate) fn viewer(caller: &Caller, as_user: Option<&str>) -> Result<Target, ApiError> {
    match (caller, as_user) {
        (_, Some(name)) => acting_as(caller, name),
        (Caller::User(user), None) => Ok(Target::Caller(user.clone())),
        (Caller::Anonymous | Caller::Service(_), None) => Ok(Target::Nobody),
    }
}

/// For routes about one user: the caller or the user an admin named.
///
/// # Errors
/// 401 without credentials, 403 for a service token, and as [`acting_as`].
pub(crate) fn subject(caller: &Caller, as_user: Option<&str>) -> Result<Target, ApiError> {
    match caller {
        Caller::Anonymous => Err(not_authenticated()),
        Caller::Service(_) => Err(service_not_allowed()),
        Caller::User(_) => viewer(caller, as_user),
    }
}

/// `?user=NAME`: the caller themselves, or anyone for an admin.
///
/// # Errors
/// 401 anonymous; 403 for a service, or a non-admin naming someone else.
fn acting_as(caller: &Caller, name: &str) -> Result<Target, ApiError> {
    match caller {
        Caller::Anonymous => Err(not_authenticated()),
        Caller::Service(_) => Err(service_not_allowed()),
        Caller::User(user) if user.name == name => Ok(Target::Caller(user.clone())),
        Caller::User(user) if !user.is_admin => {
            Err(ApiError::PermissionDenied("Only an admin may act for another user."))
        }
        Caller::User(_) => Ok(Target::Named(name.to_owned())),
    }
}

/// The route needs a service token.
///
/// # Errors
/// 401 without credentials, 403 for a user's token.
pub(crate) fn require_service(caller: &Caller) -> Result<&str, ApiError> {
    match caller {
        Caller::Service(service) => Ok(&service.name),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn user(name: &str, is_admin: bool) -> Caller {
        Caller::User(User { id: 1, name: name.into(), timezone: "UTC".into(), is_admin })
    }

    #[test]
    fn who_may_see_whom() {
        let status = |r: Result<Target, ApiError>| r.map_err(|e| e.status().as_u16());
        let ann = user("ann", false);
        let root = user("root", true);
        let service = Caller::Service(Service { name: "platform".into(), is_admin: false });
        let admin_service = Caller::Service(Service { name: "ops".into(), is_admin: true });
        assert_eq!(
            require_admin(&root).map(|a| a.to_string()).map_err(|e| e.status().as_u16()),
            Ok("user:root".into())
        );
        assert_eq!(
            require_admin(&admin_service).map(|a| a.to_string()).map_err(|e| e.status().as_u16()),
            Ok("service:ops".into())
        );
        assert_eq!(require_admin(&ann).map_err(|e| e.status().as_u16()), Err(403));
        assert_eq!(require_admin(&service).map_err(|e| e.status().as_u16()), Err(403));
        assert_eq!(require_admin(&Caller::Anonymous).map_err(|e| e.status().as_u16()), Err(401));
        assert_eq!(status(viewer(&Caller::Anonymous, None)), Ok(Target::Nobody));
        assert_eq!(status(viewer(&service, None)), Ok(Target::Nobody));
        assert!(matches!(viewer(&ann, None), Ok(Target::Caller(_))));
        assert!(matches!(viewer(&ann, Some("ann")), Ok(Target::Caller(_))));
        assert_eq!(status(viewer(&ann, Some("bob"))), Err(403));
        assert_eq!(status(viewer(&Caller::Anonymous, Some("bob"))), Err(401));
        assert_eq!(status(viewer(&service, Some("bob"))), Err(403));
        assert_eq!(status(viewer(&root, Some("bob"))), Ok(Target::Named("bob".into())));
        assert_eq!(status(subject(&Caller::Anonymous, None)), Err(401));
        assert_eq!(status(subject(&service, None)), Err(403));
        assert_eq!(require_service(&ann).map_err(|e| e.status().as_u16()), Err(403));
        assert_eq!(require_service(&Caller::Anonymous).map_err(|e| e.status().as_u16()), Err(401));
    }
}
