//! Applying events and evaluations for users, inside one write transaction
//! (SQLite).
//!
//! Everything that decides an unlock is the core's [`Engine`], through
//! [`plan_events`]; this module only loads what the plan needs and stores
//! what it decided: the event rows, the earned rows, the audit rows and the
//! new states. The caller owns the transaction, so all of it commits
//! together or not at all.

use super::{state, ts, unlocks};
use crate::store::StoreError;
use crate::store::model::{Applied, Evaluated, NewEvent, SavedState, User, Versioned};
use crate::store::plan::{Known, KnownUser, UnlockRow, names_to_load, plan_events};
use crate::store::sqlite::users::user_by_name;
use achievements_core::{Engine, Instant, UserState};
use rusqlite::{Connection, params};
use std::collections::HashSet;
use std::sync::Arc;

/// Applies `events` in order and stores every effect. `source` names the
/// service that posted them; `received_at` is the server's clock;
/// `backfill` marks the unlocks' notifications (an import, not live events).
///
/// # Errors
/// SQLite errors (the caller rolls the transaction back).
pub(crate) fn apply_events(
    conn: &Connection,
    engine: &Engine,
    events: &[NewEvent],
    source: &str,
    received_at: Instant,
    backfill: bool,
) -> Result<Applied, StoreError> {
    let stored_ids = already_stored(conn, events)?;
    let mut known = Known::default();
    for name in names_to_load(events, &stored_ids) {
        if let Some(user) = user_by_name(conn, name)? {
            let state = state::load(conn, engine, &user)?.state;
            known.users.insert(user.name, KnownUser { id: user.id, state });
        }
    }
    known.stored_ids = stored_ids;
    let plan = plan_events(engine, events, known);

    let mut insert = conn.prepare_cached(
        "INSERT INTO events (id, user_id, type, value, at, received_at, source) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    let received = ts(received_at);
    for &(index, user_id) in &plan.events {
        let event = &events[index];
        insert.execute(params![event.id, user_id, event.event_type, event.value, ts(event.at), received, source])?;
    }
    let notifications = unlocks::record(conn, &plan.unlocks, received_at, backfill)?;
    let states = save_all(conn, engine, plan.states, received_at)?;
    Ok(Applied { outcomes: plan.outcomes, states, notifications })
}

fn save_all(
    conn: &Connection,
    engine: &Engine,
    states: Vec<(i64, UserState)>,
    now: Instant,
) -> Result<Vec<SavedState>, StoreError> {
    states
        .into_iter()
        .map(|(user_id, state)| {
            let version = state::save(conn, engine, user_id, &state, now)?;
            Ok(SavedState { user_id, version, state: Arc::new(state) })
        })
        .collect()
}

/// The ids among `events` that the event log already has: one query for
/// the whole request (the ids go in as one JSON array).
fn already_stored(conn: &Connection, events: &[NewEvent]) -> Result<HashSet<String>, StoreError> {
    let ids: Vec<&str> = events.iter().map(|e| e.id.as_str()).collect();
    let json = serde_json::to_string(&ids).map_err(|e| StoreError::Corrupt(format!("event ids: {e}")))?;
    let mut stmt =
        conn.prepare_cached("SELECT DISTINCT j.value FROM json_each(?1) AS j JOIN events AS e ON e.id = j.value")?;
    Ok(stmt.query_map([json], |r| r.get(0))?.collect::<Result<_, _>>()?)
}

/// Re-evaluates a user at `now` (the plan's retroactive award) and stores
/// what unlocked; its notifications are backfill.
///
/// # Errors
/// SQLite errors.
pub(crate) fn evaluate_user(
    conn: &Connection,
    engine: &Engine,
    user: &User,
    now: Instant,
) -> Result<Evaluated, StoreError> {
    let Versioned { version, state } = state::load(conn, engine, user)?;
    evaluate_state(conn, engine, user.id, version, state, now)
}

/// [`evaluate_user`] for a state already loaded (or rebuilt) at `version`;
/// the state is saved when something unlocked.
///
/// # Errors
/// SQLite errors.
pub(crate) fn evaluate_state(
    conn: &Connection,
    engine: &Engine,
    user_id: i64,
    mut version: i64,
    mut state: UserState,
    now: Instant,
) -> Result<Evaluated, StoreError> {
    let unlocked = engine.evaluate(&mut state, now);
    let mut notifications = Vec::new();
    if !unlocked.is_empty() {
        let rows = UnlockRow::of_evaluation(user_id, &unlocked);
        notifications = unlocks::record(conn, &rows, now, true)?;
        version = state::save(conn, engine, user_id, &state, now)?;
    }
    Ok(Evaluated { saved: SavedState { user_id, version, state: Arc::new(state) }, unlocked, notifications })
}
