//! Applying events and evaluations for users, inside one write transaction
//! (SQLite).
//!
//! Everything that decides an unlock is the core's [`Engine`], through
//! [`plan_events`]; this module only loads what the plan needs and stores
//! what it decided: the event rows, the earned rows, the audit rows and the
//! new states. The caller owns the transaction, so all of it commits
//! together or not at all.

use super::{state, ts, unlocks};
use crate::names::look_alike_keys;
use crate::store::StoreError;
use crate::store::handle::Intake;
use crate::store::model::{Applied, Evaluated, NewEvent, SavedState, User, Versioned};
use crate::store::plan::{
    Known, KnownUser, UnlockRow, creatable, names_to_load, placeholder, plan_events, unknown_names,
};
use crate::store::sqlite::users::{create_user, owner_of_name_key, user_by_name};
use achievements_core::{Engine, Instant, TimeZone, UserState};
use rusqlite::{Connection, params};
use std::collections::{HashMap, HashSet};
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
    intake: &Intake,
) -> Result<Applied, StoreError> {
    let Intake { source, received_at, backfill, create_users } = intake;
    let (received_at, backfill) = (*received_at, *backfill);
    let stored_ids = already_stored(conn, events)?;
    let mut known = Known::default();
    let names = names_to_load(events, &stored_ids);
    for name in &names {
        if let Some(user) = user_by_name(conn, name)? {
            let state = state::load(conn, engine, &user)?.state;
            known.users.insert(user.name, KnownUser { id: user.id, state });
        }
    }
    // `--create-users`: who may be created plans under a placeholder id,
    // and is created below only if one of their events applies.
    let mut placeholders: HashMap<i64, &str> = HashMap::new();
    if *create_users {
        // Keys claimed by a name created earlier in this request.
        let mut claimed: HashMap<String, &str> = HashMap::new();
        for (n, name) in unknown_names(events, &names, &known).into_iter().enumerate() {
            let keys = look_alike_keys(name);
            let mut owners = Vec::with_capacity(keys.len());
            for key in &keys {
                owners.push(owner_of_name_key(conn, key)?.or_else(|| claimed.get(key).map(|n| (*n).to_owned())));
            }
            match creatable(name, owners) {
                Err(why) => {
                    known.cannot_create.insert(name.to_owned(), why);
                }
                Ok(()) => {
                    claimed.extend(keys.into_iter().map(|key| (key, name)));
                    placeholders.insert(placeholder(n), name);
                    let state = engine.new_state(TimeZone::utc());
                    known.users.insert(name.to_owned(), KnownUser { id: placeholder(n), state });
                }
            }
        }
    }
    known.stored_ids = stored_ids;
    let mut plan = plan_events(engine, events, known);
    let mut created = HashMap::new();
    for (id, _) in &plan.states {
        if let Some(name) = placeholders.get(id) {
            created.insert(*id, create_user(conn, name, "UTC", false, received_at)?.id);
        }
    }
    plan.created(&created);
    for (user_id, zone) in &plan.zones {
        conn.prepare_cached("UPDATE users SET timezone = ?2 WHERE id = ?1")?.execute(params![user_id, zone])?;
    }

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
