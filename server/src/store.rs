//! SQLite storage: schema, connections, and every query the server runs.
//!
//! - [`migrations`]: versioned schema (`PRAGMA user_version`).
//! - [`catalog`]: the `achievements` table and catalog upserts.
//! - [`users`]: users and bearer tokens.
//! - [`state`]: each user's core state, stored as a snapshot.
//! - [`unlocks`]: earned achievements and the unlock audit log.
//! - [`notifications`]: the unlock notifications queued for each user.
//! - [`intake`]: applying events and evaluations inside a write transaction.
//! - [`db`]: [`Db`], the async handle: one writer thread, pooled readers.
//!
//! Functions here take a `&Connection` and do not open transactions of their
//! own: the caller (the writer thread, or a command) owns the transaction, so
//! an event and all its effects commit together.

pub(crate) mod catalog;
pub(crate) mod db;
pub(crate) mod intake;
pub(crate) mod migrations;
pub(crate) mod notifications;
pub mod postgres;
pub(crate) mod state;
pub(crate) mod unlocks;
pub mod users;

pub(crate) use db::Db;

use achievements_core::Instant;
use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use std::time::Duration;

/// How long a connection waits for another process's write lock (a CLI
/// command run while the server is up) before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

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
    #[error("PostgreSQL error: {}", postgres::describe(.0))]
    Postgres(#[from] tokio_postgres::Error),
    /// No pooled PostgreSQL connection could be had (see [`postgres`]).
    #[error("no PostgreSQL connection: {0}")]
    Pool(String, Option<Unavailable>),
    #[error("the PostgreSQL URL cannot be used: {0}")]
    PostgresUrl(String),
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

/// Opens (creating if needed) and migrates the database for writing.
///
/// # Errors
/// The file cannot be opened, or its schema is newer than this build.
pub fn open(path: &Path) -> Result<Connection, StoreError> {
    let mut conn = Connection::open(path)?;
    configure(&conn)?;
    // WAL lets readers run while the writer commits; FULL makes every commit
    // durable (fsync of the WAL) before a response acknowledges it.
    let mode: String = conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        tracing::warn!(journal_mode = %mode, "the database could not switch to WAL mode");
    }
    conn.pragma_update(None, "synchronous", "FULL")?;
    migrations::migrate(&mut conn)?;
    Ok(conn)
}

/// [`open`] for a database that must already exist: a command with nothing
/// to store in a new database fails rather than create an empty file.
///
/// # Errors
/// [`StoreError::NoDatabase`], or as [`open`].
pub(crate) fn open_existing(path: &Path) -> Result<Connection, StoreError> {
    if !path.is_file() {
        return Err(StoreError::NoDatabase(path.display().to_string()));
    }
    open(path)
}

/// Opens an existing database for commands that only read (`check`,
/// `debug`, `stats`). It never creates the file (SQLite is not asked to),
/// never migrates (an older schema is an error that says what migrates it)
/// and never writes: the connection is read-only, so SQLite cannot even
/// checkpoint the WAL into the database file. Every table stays byte for
/// byte as it was (`server/tests/read_only.rs` compares them).
///
/// # Errors
/// [`StoreError::NoDatabase`], [`StoreError::SchemaTooOld`],
/// [`StoreError::SchemaTooNew`], or the file cannot be opened.
pub(crate) fn open_read_only(path: &Path) -> Result<Connection, StoreError> {
    if !path.is_file() {
        return Err(StoreError::NoDatabase(path.display().to_string()));
    }
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    configure(&conn)?;
    let found = migrations::version(&conn)?;
    let known = migrations::LATEST;
    if found > known {
        return Err(StoreError::SchemaTooNew { found, known });
    }
    if found < known {
        return Err(StoreError::SchemaTooOld { found, known });
    }
    Ok(conn)
}

/// Opens a read-only connection to an existing, migrated database.
///
/// # Errors
/// The file cannot be opened.
pub(crate) fn open_reader(path: &Path) -> Result<Connection, StoreError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)?;
    configure(&conn)?;
    Ok(conn)
}

fn configure(conn: &Connection) -> Result<(), StoreError> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(())
}

/// Timestamps are stored as RFC 3339 text in UTC (`2026-03-01T10:00:00Z`).
pub(crate) fn ts(t: Instant) -> String {
    t.to_string()
}
