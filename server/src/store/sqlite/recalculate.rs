//! `recalculate` on SQLite: one write transaction (the writer thread's, so
//! no other write for the user runs meanwhile) that loads the user's state
//! and events, rebuilds the state ([`replay::rebuild`]), stores it when it
//! differs, and evaluates it.

use super::intake::evaluate_state;
use super::state;
use super::users::user_by_name;
use crate::store::StoreError;
use crate::store::model::Recalculated;
use crate::store::replay::{self, Progress, StoredEvent};
use achievements_core::{Engine, Instant};
use rusqlite::Connection;

/// Rebuilds the named user's state from their event log, stores it, and
/// evaluates it. Run it inside a write transaction.
///
/// # Errors
/// [`StoreError::UnknownUser`], [`StoreError::Corrupt`], SQLite errors.
pub(crate) fn recalculate_user(
    conn: &Connection,
    engine: &Engine,
    name: &str,
    now: Instant,
    progress: &Progress,
) -> Result<Recalculated, StoreError> {
    let user = user_by_name(conn, name)?.ok_or_else(|| StoreError::UnknownUser(name.to_owned()))?;
    let stored = state::load(conn, engine, &user)?;
    let (rebuilt, replayed) = replay::rebuild(engine, &stored.state, user_events(conn, user.id)?, progress)?;
    // Nothing differs: the stored state stands as it is (no new version).
    let version = if rebuilt.differences.is_empty() {
        stored.version
    } else {
        state::save(conn, engine, user.id, &rebuilt.state, now)?
    };
    let evaluated = evaluate_state(conn, engine, user.id, version, rebuilt.state, now)?;
    Ok(Recalculated { replayed, refused: rebuilt.refused, differences: rebuilt.differences, evaluated })
}

/// The user's events as stored, in arrival order.
fn user_events(conn: &Connection, user_id: i64) -> Result<Vec<StoredEvent>, StoreError> {
    let mut stmt = conn.prepare("SELECT type, value, at FROM events WHERE user_id = ?1 ORDER BY seq")?;
    let rows = stmt.query_map([user_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}
