//! What the store keeps and hands back, whichever backend holds it: users
//! and their tokens, states with their versions, notifications, and what a
//! write did. The backends (`sqlite`, `postgres`) read and write these; the
//! routes and commands see nothing else of them.

use achievements_core::{Difference, Engine, EventError, Instant, Unlock, UserState, ValidCatalog};
use std::sync::Arc;

/// A user as the API sees them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub name: String,
    /// IANA name; decides what a "day" is for streaks.
    pub timezone: String,
    pub is_admin: bool,
}

/// Who a bearer token belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenOwner {
    User(User),
    /// A platform service, allowed to post events; with `is_admin`, also
    /// the admin API (`tokens add --service NAME --admin`).
    Service {
        name: String,
        is_admin: bool,
    },
}

/// A bearer token's row, as every request checks it: whose it is and
/// whether it still holds (see [`TokenRecord::refusal`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TokenRecord {
    pub id: i64,
    pub owner: TokenOwner,
    pub expires_at: Option<Instant>,
    pub revoked_at: Option<Instant>,
    pub last_used_at: Option<Instant>,
}

/// Why a known token is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TokenRefusal {
    Revoked,
    Expired,
}

impl TokenRecord {
    /// Why the token is refused at `now`, if it is: revoked (whatever the
    /// time it records: a revocation holds from the moment it is written,
    /// even if the revoking process's clock is ahead of this one), or
    /// expired (`expires_at` at or before `now`, no leeway: the server set it).
    pub(crate) fn refusal(&self, now: Instant) -> Option<TokenRefusal> {
        if self.revoked_at.is_some() {
            Some(TokenRefusal::Revoked)
        } else if self.expires_at.is_some_and(|at| at <= now) {
            Some(TokenRefusal::Expired)
        } else {
            None
        }
    }
}

/// What a new token allows beyond its owner's rights.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct TokenTerms {
    /// When it stops working (`None`: never).
    pub expires_at: Option<Instant>,
    /// A service token that may use the admin API (ignored for a user's
    /// token: the user's own flag decides).
    pub is_admin: bool,
}

/// Whom a token is issued for, by name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum TokenSubject {
    /// An existing user.
    User(String),
    /// A platform service (any valid name).
    Service(String),
}

/// A token as `tokens list` and `GET admin/users/{name}/tokens/` show
/// it: never its text nor its hash. Times are RFC 3339, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TokenListing {
    pub id: i64,
    /// `user:NAME`, `service:NAME` or `service:NAME (admin)`.
    pub owner: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub expires_at: Option<String>,
    pub revoked_at: Option<String>,
}

/// Whom to issue a token for.
#[derive(Clone, Copy, Debug)]
pub enum TokenFor<'a> {
    User(&'a User),
    Service(&'a str),
}

impl TokenFor<'_> {
    /// The `tokens` row's owner columns: `user_id` or `service`, never both.
    pub(crate) fn columns(&self) -> (Option<i64>, Option<&str>) {
        match *self {
            TokenFor::User(user) => (Some(user.id), None),
            TokenFor::Service(name) => (None, Some(name)),
        }
    }
}

/// A queued notification as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Notification {
    /// Increasing, never reused: the SSE event id.
    pub id: i64,
    pub user_id: i64,
    pub key: String,
    /// RFC 3339, as stored.
    pub earned_at: String,
    /// `event`, `points`, `prerequisite`, `evaluation` or `granted`.
    pub cause: String,
    /// From a retroactive award or an import, not a live event.
    pub backfill: bool,
    pub read: bool,
    pub created_at: String,
}

/// One page of a user's notifications (unread first, then newest first),
/// with the counts of the whole list, all read in one snapshot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct NotificationPage {
    /// The user's notifications.
    pub count: u64,
    /// Of which unread.
    pub unread: u64,
    /// The page asked for (empty past the end).
    pub items: Vec<Notification>,
}

/// Which notifications to mark read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Mark {
    All,
    Ids(Vec<i64>),
}

/// An event that passed the wire checks (see [`crate::intake`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct NewEvent {
    /// The client's idempotency key.
    pub id: String,
    /// The user's name.
    pub user: String,
    pub event_type: String,
    pub value: Option<i64>,
    pub at: Instant,
    /// The user's zone as the event gives it (canonical name): applied
    /// with the event when it differs from the stored one.
    pub timezone: Option<String>,
}

/// What happened to one event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Stored and applied; what it unlocked, in unlock order.
    Applied(Vec<Unlock>),
    /// An event with this id was accepted before; nothing changed.
    Duplicate,
    /// No user has this name; nothing stored.
    UnknownUser,
    /// `serve --create-users`: no user has this name, and none could be
    /// created with it (why, in words); nothing stored.
    CannotCreateUser(String),
    /// The engine refused the event; nothing stored.
    Refused(EventError),
}

/// A user's state as a write left it, for the server's state cache.
#[derive(Clone, Debug)]
pub(crate) struct SavedState {
    pub user_id: i64,
    /// The stored row's version after the write.
    pub version: i64,
    pub state: Arc<UserState>,
}

/// What applying a request's events did.
#[derive(Debug)]
pub(crate) struct Applied {
    /// One per event, in order.
    pub outcomes: Vec<Outcome>,
    /// The new state of every user an event changed.
    pub states: Vec<SavedState>,
    /// The notifications the unlocks queued, in order.
    pub notifications: Vec<Notification>,
}

/// What re-evaluating a user did.
#[derive(Debug)]
pub(crate) struct Evaluated {
    /// The user's state after it.
    pub saved: SavedState,
    pub unlocked: Vec<Unlock>,
    /// Queued for the unlocks (all backfill).
    pub notifications: Vec<Notification>,
}

/// A user's state and the version of its stored row (0 before the first save).
#[derive(Clone, Debug)]
pub(crate) struct Versioned {
    pub version: i64,
    pub state: UserState,
}

/// What an upsert changed, key by key. Each key is in at most one list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct CatalogChanges {
    /// New keys.
    pub added: Vec<String>,
    /// Definitions whose content changed (and whose active state did not).
    pub changed: Vec<String>,
    /// Active before, inactive now (`removed` says which were dropped from the file).
    pub deactivated: Vec<String>,
    /// Keys in `deactivated` because the file no longer has them.
    pub removed: Vec<String>,
    /// Inactive or retired before, active now.
    pub reactivated: Vec<String>,
    /// Definitions the file holds unchanged.
    pub unchanged: usize,
    /// Retired definitions (not in the file) kept inactive, this upsert's included.
    pub retired: usize,
}

/// The outcome of a catalog upsert: the catalog the engine should run and what changed.
#[derive(Clone, Debug)]
pub(crate) struct Synced {
    /// The file's catalog plus every retired definition, inactive.
    pub catalog: ValidCatalog,
    pub changes: CatalogChanges,
}

/// What rebuilding a user's state from their event log did
/// (`recalculate`; see [`super::replay`]).
#[derive(Debug)]
pub(crate) struct Recalculated {
    /// Events replayed, the refused included.
    pub replayed: usize,
    /// Events the current catalog refused.
    pub refused: usize,
    /// Where the stored state differed from the log's (fixed when any).
    pub differences: Vec<Difference>,
    /// The evaluation of the rebuilt state, stored.
    pub evaluated: Evaluated,
}

/// The first audit record of a user's unlock, as stored (`debug`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Audit {
    pub earned_at: String,
    pub cause: String,
    /// The event that unlocked it; `None` for a retroactive evaluation.
    pub event_id: Option<String>,
    pub progress_at_unlock: i64,
    pub recorded_at: String,
}

/// One user as a reading command sees them, from one consistent view of
/// the database: the engine over the stored catalog, the user's
/// committed state, and (when asked for a key) its first audit record.
#[derive(Debug)]
pub(crate) struct Inspected {
    pub engine: Engine,
    pub state: UserState,
    pub audit: Option<Audit>,
}
