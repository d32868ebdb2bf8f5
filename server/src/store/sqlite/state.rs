//! Each user's rule state, stored as the core's [`StateSnapshot`] in JSON,
//! one row per user.
//!
//! Why a snapshot rather than normalized tables of counters and streak days:
//! the snapshot is the core's own portable form of a state, and the only one
//! it promises to round-trip. It keeps what the current catalog does not know
//! (fields and badges of retired definitions) and the exact streak runs that
//! late events need, so storing anything else would mean re-implementing part
//! of the state model here. An event reads and writes one small row, inside
//! the same transaction as the event log and unlock rows. What needs querying
//! across users — earned badges, events, unlocks — is normalized in its own
//! tables.

use super::ts;
use crate::store::StoreError;
use crate::store::model::{User, Versioned};
use achievements_core::Instant;
use achievements_core::{Engine, StateSnapshot, UserState, time_zone};
use rusqlite::{Connection, OptionalExtension, params};

/// Loads a user's state for `engine` (a fresh one if none is stored yet).
///
/// # Errors
/// SQLite errors; [`StoreError::Corrupt`] for an unreadable snapshot.
pub(crate) fn load(conn: &Connection, engine: &Engine, user: &User) -> Result<Versioned, StoreError> {
    let row: Option<(String, i64)> = conn
        .prepare_cached("SELECT snapshot, version FROM user_state WHERE user_id = ?1")?
        .query_row([user.id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let corrupt = |e: &dyn std::fmt::Display| StoreError::Corrupt(format!("state of user `{}`: {e}", user.name));
    match row {
        Some((json, version)) => {
            let snapshot: StateSnapshot = serde_json::from_str(&json).map_err(|e| corrupt(&e))?;
            let state = engine.state_from_snapshot(&snapshot).map_err(|e| corrupt(&e))?;
            Ok(Versioned { version, state })
        }
        None => {
            let state = engine.new_state(time_zone(&user.timezone).map_err(|e| corrupt(&e))?);
            Ok(Versioned { version: 0, state })
        }
    }
}

/// Stores a user's state; returns the row's new version.
///
/// # Errors
/// SQLite errors.
pub(crate) fn save(
    conn: &Connection,
    engine: &Engine,
    user_id: i64,
    state: &UserState,
    now: Instant,
) -> Result<i64, StoreError> {
    save_snapshot(conn, user_id, &engine.snapshot(state), now)
}

pub(crate) fn save_snapshot(
    conn: &Connection,
    user_id: i64,
    snapshot: &StateSnapshot,
    now: Instant,
) -> Result<i64, StoreError> {
    let json = serde_json::to_string(snapshot).map_err(|e| StoreError::Corrupt(format!("snapshot: {e}")))?;
    Ok(conn
        .prepare_cached(
            "INSERT INTO user_state (user_id, snapshot, version, updated_at) VALUES (?1, ?2, 1, ?3)
             ON CONFLICT (user_id) DO UPDATE SET snapshot = excluded.snapshot,
                 version = user_state.version + 1, updated_at = excluded.updated_at
             RETURNING version",
        )?
        .query_row(params![user_id, json, ts(now)], |r| r.get(0))?)
}
