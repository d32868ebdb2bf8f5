//! Storage: one interface, [`Store`], over two backends.
//!
//! - [`sqlite`]: the embedded default, one file (`--db achievements.db`).
//! - [`postgres`]: PostgreSQL, for several server instances on one database
//!   (`--db postgres://…`).
//! - [`model`]: what both keep and hand back (users, tokens, states,
//!   notifications, what a write did).
//! - [`plan`]: what a request's events do, decided once for both backends.
//! - [`replay`]: rebuilding a state from the event log (`recalculate`).
//! - [`handle`]: [`Store`], the only way the routes reach the database.
//! - [`health`]: what `/readyz` and `/metrics` ask of the store.
//!
//! No route knows which backend it runs on; [`Location`] decides, from
//! `--db`.

pub(crate) mod definitions;
pub(crate) mod handle;
pub(crate) mod health;
pub(crate) mod location;
pub(crate) mod model;
pub(crate) mod outbox;
pub(crate) mod people;
pub(crate) mod plan;
pub mod postgres;
pub(crate) mod replay;
pub mod sqlite;

pub use handle::{OwnedTokenFor, Store};
pub use location::Location;
pub use model::{TokenFor, TokenOwner, User};
pub use sqlite::{open, users};

use achievements_core::Instant;

/// Why a storage operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("the database schema is version {found}, newer than this build knows ({known}): upgrade `achievements`")]
    SchemaTooNew { found: u32, known: u32 },
    #[error(
        "the database schema is version {found}, older than this build's ({known}), and this command only reads: \
         `achievements load-achievements` (or starting `achievements serve`) migrates it"
    )]
    SchemaTooOld { found: u32, known: u32 },
    #[error(
        "no database at {0} (this command does not create one): check --db or ACHIEVEMENTS_DB, or create it \
         with achievements load-achievements"
    )]
    NoDatabase(String),
    /// The PostgreSQL server has no database of that name: unlike an SQLite
    /// file, no command creates one.
    #[error(
        "PostgreSQL has no database at {0}: create it first (`createdb`, or the provider's console); \
         `achievements load-achievements --db URL` then fills it"
    )]
    NoPostgresDatabase(String),
    #[error("a user named `{0}` already exists")]
    UserExists(String),
    #[error(transparent)]
    InvalidName(#[from] crate::names::NameError),
    /// The name looks like an existing user's (see [`crate::names`]).
    #[error(
        "user name `{name}` collides with the existing user `{existing}` (names that differ only in case, width or look-alike letters are the same name)"
    )]
    NameCollides { name: String, existing: String },
    #[error("no user named `{0}`")]
    UnknownUser(String),
    #[error("stored data is unreadable ({0}); was the database edited by hand?")]
    Corrupt(String),
    #[error("the database writer has stopped")]
    WriterGone,
    #[error("cannot start the database writer thread: {0}")]
    Thread(std::io::Error),
    #[error("the write transaction could not commit: {0}")]
    Commit(String, Option<Unavailable>),
    #[error("an internal error interrupted a database call: {0}")]
    Panicked(String),
    #[error(transparent)]
    Token(#[from] crate::token::TokenError),
    /// The database has no catalog: nothing says which rules to run.
    #[error("no catalog loaded: run achievements load-achievements first")]
    NoCatalog,
    #[error("PostgreSQL error: {}", postgres::describe(.0))]
    Postgres(#[from] tokio_postgres::Error),
    /// No pooled PostgreSQL connection could be had (see [`postgres`]).
    #[error("no PostgreSQL connection: {0}")]
    Pool(String, Option<Unavailable>),
    #[error("the PostgreSQL URL cannot be used: {0}")]
    PostgresUrl(String),
    /// PostgreSQL: a concurrent transaction created a user this one was
    /// creating (`serve --create-users`); a retry sees them.
    #[error("a user was created concurrently ({0}); retrying sees them")]
    Raced(String),
    /// A badge granted or revoked by hand (see [`people`]).
    #[error(transparent)]
    Grant(#[from] achievements_core::GrantError),
}

/// Why the database cannot take a write now, though it may later: the
/// request should be retried, not reported as a bug.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unavailable {
    /// Another process held the database's write lock for longer than the
    /// busy timeout (an operator's long transaction, a backup tool).
    Busy,
    /// No room to write: the disk (or the file system's quota) is full.
    Full,
}

impl StoreError {
    /// Whether this failure is the database being unavailable for now
    /// (see [`Unavailable`]) rather than a fault in the request or in us.
    pub fn unavailable(&self) -> Option<Unavailable> {
        match self {
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(e, _)) => match e.code {
                rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked => Some(Unavailable::Busy),
                rusqlite::ErrorCode::DiskFull => Some(Unavailable::Full),
                _ => None,
            },
            StoreError::Commit(_, unavailable) | StoreError::Pool(_, unavailable) => *unavailable,
            StoreError::Postgres(e) => postgres::unavailable(e),
            _ => None,
        }
    }

    /// This error as the reason a queued write could not commit.
    pub(crate) fn as_commit_failure(&self) -> StoreError {
        StoreError::Commit(self.to_string(), self.unavailable())
    }
}

/// Timestamps are stored as RFC 3339 text in UTC (`2026-03-01T10:00:00Z`).
pub(crate) fn ts(t: Instant) -> String {
    t.to_string()
}
