//! The embedded backend: one SQLite file, the default.
//!
//! - [`migrations`]: versioned schema (`PRAGMA user_version`).
//! - [`catalog`]: the `achievements` table and catalog upserts.
//! - [`users`]: users and bearer tokens; [`tokens`]: their lifecycle (expiry,
//!   revocation, last use), checked on every request.
//! - [`state`]: each user's core state, stored as a snapshot.
//! - [`unlocks`]: earned achievements and the unlock audit log.
//! - [`notifications`]: the unlock notifications queued for each user.
//! - [`intake`]: applying events and evaluations inside a write transaction.
//! - [`recalculate`]: rebuilding a state from the event log.
//! - [`inspect`]: one user, as the reading commands see them.
//! - [`stats`]: the success metrics' queries.
//! - [`db`]: [`Db`], the async handle: one writer thread, pooled readers.
//!
//! Functions here take a `&Connection` and do not open transactions of their
//! own: the caller (the writer thread, or a command) owns the transaction, so
//! an event and all its effects commit together.

pub(crate) mod catalog;
pub(crate) mod db;
pub(crate) mod inspect;
pub(crate) mod intake;
pub(crate) mod migrations;
pub(crate) mod notifications;
pub(crate) mod people;
pub(crate) mod recalculate;
pub(crate) mod state;
pub(crate) mod stats;
pub(crate) mod tokens;
pub(crate) mod unlocks;
pub mod users;
pub(crate) mod webhooks;

pub(crate) use db::Db;

use super::StoreError;
pub(crate) use super::ts;
use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use std::time::Duration;

/// How long a connection waits for another process's write lock (a CLI
/// command run while the server is up) before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

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
