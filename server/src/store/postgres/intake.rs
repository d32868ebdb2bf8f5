//! Applying events and evaluations (PostgreSQL), inside one transaction:
//! lock the users the events name (in id order), load their states and
//! which event ids are stored, let [`plan_events`] decide, and write the
//! plan in bulk.
//!
//! Why this is correct with several instances: the users' rows stay locked
//! until the commit, so two requests for one user, on any instances, run
//! one after the other, and the second loads what the first stored (READ
//! COMMITTED takes a fresh snapshot per statement, after the lock). The
//! event log's unique id refuses an id that a concurrent request for
//! another user is writing; the caller retries the whole transaction, which
//! then sees that id as stored: a duplicate.

use super::{state, unlocks};
use crate::store::StoreError;
use crate::store::handle::Intake;
use crate::store::model::{Applied, Evaluated, NewEvent, SavedState, User, Versioned};
use crate::store::plan::{Known, KnownUser, UnlockRow, names_to_load, plan_events};
use crate::store::ts;
use achievements_core::{Engine, Instant, UserState};
use deadpool_postgres::Transaction;
use std::collections::HashSet;
use std::sync::Arc;

/// Applies `events` in order and stores every effect.
///
/// # Errors
/// PostgreSQL errors (the caller rolls back, and retries the ones
/// [`super::retry::is_transient`] says may pass).
pub(crate) async fn apply_events(
    tx: &Transaction<'_>,
    engine: &Engine,
    events: &[NewEvent],
    intake: &Intake,
) -> Result<Applied, StoreError> {
    let ids: Vec<&str> = events.iter().map(|e| e.id.as_str()).collect();
    let names = names_to_load(events, &HashSet::new());
    let mut known = Known::default();
    for (user, versioned) in state::lock_and_load(tx, engine, &names).await? {
        known.users.insert(user.name, KnownUser { id: user.id, state: versioned.state });
    }
    // After the locks: a request for the same user that committed while we
    // waited is seen here.
    let stored = tx.prepare_cached("SELECT id FROM events WHERE id = ANY($1)").await?;
    for row in tx.query(&stored, &[&ids]).await? {
        known.stored_ids.insert(row.try_get(0)?);
    }
    let plan = plan_events(engine, events, known);

    if !plan.events.is_empty() {
        let rows = || plan.events.iter().map(|&(index, user_id)| (&events[index], user_id));
        let ids: Vec<&str> = rows().map(|(e, _)| e.id.as_str()).collect();
        let users: Vec<i64> = rows().map(|(_, u)| u).collect();
        let types: Vec<&str> = rows().map(|(e, _)| e.event_type.as_str()).collect();
        let values: Vec<Option<i64>> = rows().map(|(e, _)| e.value).collect();
        let ats: Vec<String> = rows().map(|(e, _)| ts(e.at)).collect();
        let insert = tx
            .prepare_cached(
                "INSERT INTO events (id, user_id, type, value, at, received_at, source)
                 SELECT i, u, t, v, a, $6::text, $7::text
                 FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[], $5::text[])
                     WITH ORDINALITY AS r(i, u, t, v, a, n)
                 ORDER BY n",
            )
            .await?;
        tx.execute(&insert, &[&ids, &users, &types, &values, &ats, &ts(intake.received_at), &intake.source]).await?;
    }
    let notifications = unlocks::record(tx, &plan.unlocks, intake.received_at, intake.backfill).await?;
    let refs: Vec<(i64, &achievements_core::UserState)> = plan.states.iter().map(|(id, s)| (*id, s)).collect();
    let versions = state::save_states(tx, engine, &refs, intake.received_at).await?;
    let states = plan
        .states
        .into_iter()
        .map(|(user_id, state)| SavedState {
            user_id,
            version: versions.get(&user_id).copied().unwrap_or_default(),
            state: Arc::new(state),
        })
        .collect();
    Ok(Applied { outcomes: plan.outcomes, states, notifications })
}

/// Re-evaluates a user at `now` (a retroactive award), under the lock on
/// their row, and stores what unlocked.
///
/// # Errors
/// PostgreSQL errors.
pub(crate) async fn evaluate_user(
    tx: &Transaction<'_>,
    engine: &Engine,
    user: &User,
    now: Instant,
) -> Result<Evaluated, StoreError> {
    let Versioned { version, state } = state::lock_and_load_one(tx, engine, user).await?;
    evaluate_state(tx, engine, user.id, version, state, now).await
}

/// [`evaluate_user`] for several users at once: their rows locked together
/// (in id order), each evaluated and stored. Users no longer in the
/// database are left out.
///
/// # Errors
/// PostgreSQL errors.
pub(crate) async fn evaluate_users(
    tx: &Transaction<'_>,
    engine: &Engine,
    users: &[User],
    now: Instant,
) -> Result<Vec<(User, Evaluated)>, StoreError> {
    let names: Vec<&str> = users.iter().map(|u| u.name.as_str()).collect();
    let mut evaluated = Vec::with_capacity(users.len());
    for (user, Versioned { version, state }) in state::lock_and_load(tx, engine, &names).await? {
        let done = evaluate_state(tx, engine, user.id, version, state, now).await?;
        evaluated.push((user, done));
    }
    Ok(evaluated)
}

/// Evaluates a state already loaded (or rebuilt) at `version`, under the
/// lock on the user's row; the state is saved when something unlocked.
///
/// # Errors
/// PostgreSQL errors.
pub(crate) async fn evaluate_state(
    tx: &Transaction<'_>,
    engine: &Engine,
    user_id: i64,
    mut version: i64,
    mut state: UserState,
    now: Instant,
) -> Result<Evaluated, StoreError> {
    let unlocked = engine.evaluate(&mut state, now);
    let mut notifications = Vec::new();
    if !unlocked.is_empty() {
        let rows: Vec<UnlockRow> =
            unlocked.iter().map(|u| UnlockRow { user_id, unlock: u.clone(), event_id: None }).collect();
        notifications = unlocks::record(tx, &rows, now, true).await?;
        let versions = state::save_states(tx, engine, &[(user_id, &state)], now).await?;
        version = versions.get(&user_id).copied().unwrap_or(version);
    }
    Ok(Evaluated { saved: SavedState { user_id, version, state: Arc::new(state) }, unlocked, notifications })
}
