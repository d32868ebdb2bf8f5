//! Who a bearer token names, on every request: an opaque `ach_…` token's
//! row, or a platform JWT's user (see [`crate::platform::identity`]).
//!
//! **No cache.** An opaque token is looked up by its hash (a unique index)
//! on every request, and its `revoked_at` and `expires_at` compared with the
//! server's clock, so a token revoked or expired is refused at once, by
//! every instance, whoever revoked it (the CLI while a server runs, another
//! instance). A JWT is verified on every request and its user read by name.
//!
//! **Last use.** A token's `last_used_at` is written at most once a minute
//! ([`TOUCH_EVERY_SECONDS`]): only when the row just read says it is older,
//! and then by a task of its own, so the request never waits on the writer;
//! while one write for a token is under way no other is started.

use crate::api_error::ApiError;
use crate::app::AppState;
use crate::auth::Caller;
use crate::names::check_name;
use crate::platform::identity::JwtVerifier;
use crate::store::model::{TokenRecord, TokenRefusal};
use crate::store::{Store, StoreError, User};
use crate::token;
use achievements_core::{Instant, time_zone};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

/// Every opaque token starts with this: such a bearer token is never a JWT.
const OPAQUE_PREFIX: &str = "ach_";

/// How stale a token's `last_used_at` may get, in seconds.
pub(crate) const TOUCH_EVERY_SECONDS: i64 = 60;

/// The most `last_used_at` writes under way at once; beyond, uses are not
/// noted until some finish (the column is a hint, not a log).
const MAX_TOUCHES: usize = 1024;

/// The caller a bearer token names.
///
/// # Errors
/// 401 `authentication_failed` for an unknown or revoked token or a bad JWT,
/// 401 `token_expired` for an expired one, 403 for a JWT whose new user's
/// name collides with an existing user's; storage errors.
pub(crate) async fn caller(app: &AppState, token: &str) -> Result<Caller, ApiError> {
    match &app.platform().identity.jwt {
        Some(verifier) if !token.starts_with(OPAQUE_PREFIX) => jwt_caller(app, verifier, token).await,
        _ => opaque_caller(app, token).await,
    }
}

async fn opaque_caller(app: &AppState, token: &str) -> Result<Caller, ApiError> {
    let record = app.store().token_record(token::hash(token)).await?;
    let Some(record) = record else { return Err(ApiError::AuthenticationFailed("Invalid token.")) };
    let now = app.now();
    match record.refusal(now) {
        Some(TokenRefusal::Revoked) => Err(ApiError::AuthenticationFailed("This token was revoked.")),
        Some(TokenRefusal::Expired) => Err(ApiError::TokenExpired("This token has expired.")),
        None => {
            app.token_uses().note(app.store(), &record, now);
            Ok(record.owner.into())
        }
    }
}

async fn jwt_caller(app: &AppState, verifier: &JwtVerifier, token: &str) -> Result<Caller, ApiError> {
    let now = app.now();
    let claims = verifier.verify(token, now)?;
    if let Some(user) = app.store().user_by_name(claims.sub.clone()).await? {
        return Ok(Caller::User(user));
    }
    if check_name(&claims.sub).is_err() {
        return Err(ApiError::AuthenticationFailed("Invalid token: its subject (sub) is not a valid user name."));
    }
    let zone = match claims.tz.as_deref() {
        Some(tz) => time_zone(tz)
            .map_err(|_| ApiError::AuthenticationFailed("Invalid token: its time zone (tz) is not an IANA time zone."))?
            .name()
            .to_owned(),
        None => "UTC".to_owned(),
    };
    match app.store().create_user(claims.sub.clone(), zone, false, now).await {
        Ok(user) => {
            tracing::info!(user = %user.name, timezone = %user.timezone, "created a user on their first sign-in");
            Ok(Caller::User(user))
        }
        // Another request (or instance) created them first.
        Err(StoreError::UserExists(_)) => {
            let user: Option<User> = app.store().user_by_name(claims.sub).await?;
            user.map(Caller::User).ok_or(ApiError::AuthenticationFailed("Invalid token."))
        }
        Err(StoreError::NameCollides { .. }) => Err(ApiError::PermissionDenied(
            "This user name looks like an existing user's name (case, width or look-alike letters), so no user was created for it: an operator must rename one of them.",
        )),
        Err(StoreError::InvalidName(_)) => {
            Err(ApiError::AuthenticationFailed("Invalid token: its subject (sub) is not a valid user name."))
        }
        Err(other) => Err(other.into()),
    }
}

/// Which tokens' `last_used_at` writes are under way.
#[derive(Debug, Default)]
pub(crate) struct TokenUses {
    writing: Arc<Mutex<HashSet<i64>>>,
}

impl TokenUses {
    /// Notes a use of `record`'s token at `now`, if its row's last use is
    /// older than [`TOUCH_EVERY_SECONDS`]: on a task of its own.
    pub(crate) fn note(&self, store: &Store, record: &TokenRecord, now: Instant) {
        let due = record.last_used_at.is_none_or(|at| now.unix_seconds() - at.unix_seconds() >= TOUCH_EVERY_SECONDS);
        if !due {
            return;
        }
        {
            let Ok(mut writing) = self.writing.lock() else { return };
            if writing.len() >= MAX_TOUCHES || !writing.insert(record.id) {
                return;
            }
        }
        let (store, writing, id) = (store.clone(), Arc::clone(&self.writing), record.id);
        tokio::spawn(async move {
            if let Err(e) = store.touch_token(id, now).await {
                tracing::warn!(error = %e, token = id, "could not note a token's last use");
            }
            if let Ok(mut writing) = writing.lock() {
                writing.remove(&id);
            }
        });
    }
}
