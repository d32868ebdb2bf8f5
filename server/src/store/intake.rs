//! Applying events and evaluations for users, inside one write transaction.
//!
//! Everything that decides an unlock is the core's [`Engine`]; this module
//! only loads states, hands them events, and stores what comes back: the
//! event row, the earned rows, the audit rows and the new state. The caller
//! owns the transaction, so all of it commits together or not at all.

use super::notifications::Notification;
use super::users::{User, user_by_name};
use super::{StoreError, state, ts, unlocks};
use achievements_core::Instant;
use achievements_core::{Engine, Event, EventError, Unlock, UserState};
use rusqlite::{Connection, params};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

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
    /// The engine refused the event; nothing stored.
    Refused(EventError),
}

struct Loaded {
    user_id: i64,
    state: UserState,
    dirty: bool,
}

/// A user's state as a write left it, for the server's state cache.
#[derive(Clone, Debug)]
pub(crate) struct SavedState {
    pub user_id: i64,
    /// The stored row's version after the write.
    pub version: i64,
    pub state: Arc<UserState>,
}

/// What [`apply_events`] did.
#[derive(Debug)]
pub(crate) struct Applied {
    /// One per event, in order.
    pub outcomes: Vec<Outcome>,
    /// The new state of every user an event changed.
    pub states: Vec<SavedState>,
    /// The notifications the unlocks queued, in order.
    pub notifications: Vec<Notification>,
}

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
    let mut notifications = Vec::new();
    let mut users: HashMap<&str, Option<Loaded>> = HashMap::new();
    let mut outcomes = Vec::with_capacity(events.len());
    let mut seen = already_stored(conn, events)?;
    let mut insert = conn.prepare_cached(
        "INSERT INTO events (id, user_id, type, value, at, received_at, source) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    let received = ts(received_at);
    for event in events {
        if seen.contains(event.id.as_str()) {
            outcomes.push(Outcome::Duplicate);
            continue;
        }
        if !users.contains_key(event.user.as_str()) {
            let loaded = match user_by_name(conn, &event.user)? {
                Some(user) => {
                    Some(Loaded { user_id: user.id, state: state::load(conn, engine, &user)?.state, dirty: false })
                }
                None => None,
            };
            users.insert(event.user.as_str(), loaded);
        }
        let Some(loaded) = users.get_mut(event.user.as_str()).and_then(Option::as_mut) else {
            outcomes.push(Outcome::UnknownUser);
            continue;
        };
        let core_event = Event { event_type: &event.event_type, value: event.value, at: event.at };
        match engine.apply(&mut loaded.state, &core_event) {
            Err(refused) => outcomes.push(Outcome::Refused(refused)),
            Ok(unlocked) => {
                insert.execute(params![
                    event.id,
                    loaded.user_id,
                    event.event_type,
                    event.value,
                    ts(event.at),
                    received,
                    source
                ])?;
                notifications.extend(unlocks::record(
                    conn,
                    loaded.user_id,
                    &unlocked,
                    Some(&event.id),
                    received_at,
                    backfill,
                )?);
                seen.insert(&event.id);
                loaded.dirty = true;
                outcomes.push(Outcome::Applied(unlocked));
            }
        }
    }
    let mut states = Vec::new();
    for loaded in users.into_values().flatten().filter(|l| l.dirty) {
        let version = state::save(conn, engine, loaded.user_id, &loaded.state, received_at)?;
        states.push(SavedState { user_id: loaded.user_id, version, state: Arc::new(loaded.state) });
    }
    Ok(Applied { outcomes, states, notifications })
}

/// The ids among `events` that the event log already has: one query for
/// the whole request (the ids go in as one JSON array).
fn already_stored<'a>(conn: &Connection, events: &'a [NewEvent]) -> Result<HashSet<&'a str>, StoreError> {
    let ids: Vec<&str> = events.iter().map(|e| e.id.as_str()).collect();
    let json = serde_json::to_string(&ids).map_err(|e| StoreError::Corrupt(format!("event ids: {e}")))?;
    let mut stmt =
        conn.prepare_cached("SELECT DISTINCT j.value FROM json_each(?1) AS j JOIN events AS e ON e.id = j.value")?;
    let stored: HashSet<String> = stmt.query_map([json], |r| r.get(0))?.collect::<Result<_, _>>()?;
    Ok(ids.into_iter().filter(|id| stored.contains(*id)).collect())
}

/// What [`evaluate_user`] did.
#[derive(Debug)]
pub(crate) struct Evaluated {
    /// The user's state after it.
    pub saved: SavedState,
    pub unlocked: Vec<Unlock>,
    /// Queued for the unlocks (all backfill).
    pub notifications: Vec<Notification>,
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
    let state::Versioned { version, state } = state::load(conn, engine, user)?;
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
        notifications = unlocks::record(conn, user_id, &unlocked, None, now, true)?;
        version = state::save(conn, engine, user_id, &state, now)?;
    }
    Ok(Evaluated { saved: SavedState { user_id, version, state: Arc::new(state) }, unlocked, notifications })
}
