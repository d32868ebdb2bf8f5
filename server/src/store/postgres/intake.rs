//! Applying events and evaluations (PostgreSQL), inside one transaction:
//! lock the users the events name (in id order), load their states and
//! which event ids are stored, let [`plan_events`] decide, and write the
//! plan in bulk. A transaction may carry the events of many requests (the
//! group commit of [`super::committer`]): they are decided together, in
//! order, and split back per request.
//!
//! Why this is correct with several instances: the users' rows stay locked
//! until the commit, so two requests for one user, on any instances, run
//! one after the other, and the second loads what the first stored (READ
//! COMMITTED takes a fresh snapshot per statement, after the lock). The
//! event log's unique id refuses an id that a concurrent request for
//! another user is writing; the caller retries the whole transaction, which
//! then sees that id as stored: a duplicate.

use super::users;
use super::{state, unlocks};
use crate::names::look_alike_keys;
use crate::store::StoreError;
use crate::store::handle::Intake;
use crate::store::model::{Applied, Evaluated, NewEvent, SavedState, User, Versioned};
use crate::store::plan::{
    Known, KnownUser, UnlockRow, creatable, names_to_load, placeholder, plan_events, unknown_names,
};
use crate::store::ts;
use achievements_core::{Engine, Instant, TimeZone, UserState};
use deadpool_postgres::Transaction;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// One request's events and where they came from.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Request<'a> {
    pub events: &'a [NewEvent],
    pub intake: &'a Intake,
}

/// Applies the events of `requests`, in order, as if each request ran
/// after the one before it, and stores every effect in bulk: a handful of
/// statements for the whole group, whatever its size. Returns what
/// happened, per request.
///
/// # Errors
/// PostgreSQL errors (the caller rolls back, and retries the transient
/// ones).
pub(crate) async fn apply_requests(
    tx: &Transaction<'_>,
    engine: &Engine,
    requests: &[Request<'_>],
) -> Result<Vec<Applied>, StoreError> {
    // The group's events in order, and each one's request.
    let events: Vec<NewEvent> = requests.iter().flat_map(|r| r.events.iter().cloned()).collect();
    let owner: Vec<usize> =
        requests.iter().enumerate().flat_map(|(n, r)| std::iter::repeat_n(n, r.events.len())).collect();
    let ids: Vec<&str> = events.iter().map(|e| e.id.as_str()).collect();
    let names = names_to_load(&events, &HashSet::new());
    let mut known = Known::default();
    for (user, versioned) in state::lock_and_load(tx, engine, &names).await? {
        known.users.insert(user.name, KnownUser { id: user.id, state: versioned.state });
    }
    // `--create-users` (as SQLite's intake): who may be created plans
    // under a placeholder id, and is created below only if one of their
    // events applies.
    let mut placeholders: HashMap<i64, &str> = HashMap::new();
    if requests.iter().any(|r| r.intake.create_users) {
        let unknown = unknown_names(&events, &names, &known);
        let keys: Vec<Vec<String>> = unknown.iter().map(|name| look_alike_keys(name)).collect();
        let all: Vec<&str> = keys.iter().flatten().map(String::as_str).collect();
        let mut owners: HashMap<String, String> = HashMap::new();
        let found = tx
            .prepare_cached(
                "SELECT k.key, u.name FROM unnest($1::text[]) AS x(key)
                 JOIN user_name_keys k ON k.key = x.key JOIN users u ON u.id = k.user_id",
            )
            .await?;
        for row in tx.query(&found, &[&all]).await? {
            owners.insert(row.try_get(0)?, row.try_get(1)?);
        }
        for (n, (name, keys)) in unknown.into_iter().zip(keys).enumerate() {
            // Committed by another instance since the users were loaded
            // (each statement sees the latest commits): the retry loads them.
            if keys.iter().any(|key| owners.get(key).is_some_and(|owner| owner == name)) {
                return Err(StoreError::Raced(format!("user `{name}`")));
            }
            match creatable(name, keys.iter().map(|key| owners.get(key).cloned())) {
                Err(why) => {
                    known.cannot_create.insert(name.to_owned(), why);
                }
                Ok(()) => {
                    // Later names of this request that look alike collide with it.
                    owners.extend(keys.into_iter().map(|key| (key, name.to_owned())));
                    placeholders.insert(placeholder(n), name);
                    let state = engine.new_state(TimeZone::utc());
                    known.users.insert(name.to_owned(), KnownUser { id: placeholder(n), state });
                }
            }
        }
    }
    // After the locks: a request for the same users that committed while
    // we waited is seen here.
    // A join with the ids, not `id = ANY($1)`: with a thousand ids the
    // planner may scan the whole log comparing each row with each id.
    let stored = tx.prepare_cached("SELECT e.id FROM unnest($1::text[]) AS x(id) JOIN events e ON e.id = x.id").await?;
    for row in tx.query(&stored, &[&ids]).await? {
        known.stored_ids.insert(row.try_get(0)?);
    }
    let mut plan = plan_events(engine, &events, known);
    let intake_of = |index: usize| requests[owner[index]].intake;
    let mut created = HashMap::new();
    for (id, _) in &plan.states {
        if let Some(name) = placeholders.get(id) {
            let at = requests.iter().map(|r| r.intake.received_at).max().unwrap_or(requests[0].intake.received_at);
            let user = match users::create_user(tx, name, "UTC", false, at).await {
                // Another instance created them (or a look-alike) since we
                // looked: the retry finds them and applies the events.
                Err(e @ (StoreError::UserExists(_) | StoreError::NameCollides { .. })) => {
                    return Err(StoreError::Raced(e.to_string()));
                }
                other => other?,
            };
            created.insert(*id, user.id);
        }
    }
    plan.created(&created);
    if !plan.zones.is_empty() {
        let (ids, zones): (Vec<i64>, Vec<&str>) = plan.zones.iter().map(|(id, z)| (*id, z.as_str())).unzip();
        tx.execute(
            "UPDATE users SET timezone = x.zone FROM unnest($1::bigint[], $2::text[]) AS x(id, zone) WHERE users.id = x.id",
            &[&ids, &zones],
        )
        .await?;
    }

    if !plan.events.is_empty() {
        let rows = || plan.events.iter().map(|&(index, user_id)| (index, &events[index], user_id));
        let ids: Vec<&str> = rows().map(|(_, e, _)| e.id.as_str()).collect();
        let users: Vec<i64> = rows().map(|(_, _, u)| u).collect();
        let types: Vec<&str> = rows().map(|(_, e, _)| e.event_type.as_str()).collect();
        let values: Vec<Option<i64>> = rows().map(|(_, e, _)| e.value).collect();
        let ats: Vec<String> = rows().map(|(_, e, _)| ts(e.at)).collect();
        let received: Vec<String> = rows().map(|(i, _, _)| ts(intake_of(i).received_at)).collect();
        let sources: Vec<&str> = rows().map(|(i, _, _)| intake_of(i).source.as_str()).collect();
        let insert = tx
            .prepare_cached(
                "INSERT INTO events (id, user_id, type, value, at, received_at, source)
                 SELECT i, u, t, v, a, r, s
                 FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::text[])
                     WITH ORDINALITY AS x(i, u, t, v, a, r, s, n)
                 ORDER BY n",
            )
            .await?;
        tx.execute(&insert, &[&ids, &users, &types, &values, &ats, &received, &sources]).await?;
    }
    // Each unlock is its event's request's: its time and its backfill.
    let index_of: HashMap<&str, usize> = plan.events.iter().map(|&(i, _)| (events[i].id.as_str(), i)).collect();
    let unlock_intake: Vec<&Intake> = plan
        .unlocks
        .iter()
        .map(|u| u.event_id.as_deref().and_then(|id| index_of.get(id)).map_or(requests[0].intake, |&i| intake_of(i)))
        .collect();
    let recorded: Vec<Instant> = unlock_intake.iter().map(|i| i.received_at).collect();
    let backfill: Vec<bool> = unlock_intake.iter().map(|i| i.backfill).collect();
    let notifications = unlocks::record(tx, &plan.unlocks, &recorded, &backfill).await?;
    let latest = requests.iter().map(|r| r.intake.received_at).max().unwrap_or(requests[0].intake.received_at);
    let refs: Vec<(i64, &UserState)> = plan.states.iter().map(|(id, s)| (*id, s)).collect();
    let versions = state::save_states(tx, engine, &refs, latest).await?;
    let saved: HashMap<i64, SavedState> = plan
        .states
        .into_iter()
        .map(|(user_id, state)| {
            let version = versions.get(&user_id).copied().unwrap_or_default();
            (user_id, SavedState { user_id, version, state: Arc::new(state) })
        })
        .collect();

    // Split the group's outcome back into its requests.
    let mut applied: Vec<Applied> = requests
        .iter()
        .map(|r| Applied {
            outcomes: Vec::with_capacity(r.events.len()),
            states: Vec::new(),
            notifications: Vec::new(),
        })
        .collect();
    for (index, outcome) in plan.outcomes.into_iter().enumerate() {
        applied[owner[index]].outcomes.push(outcome);
    }
    for &(index, user_id) in &plan.events {
        let states = &mut applied[owner[index]].states;
        if let Some(state) = saved.get(&user_id)
            && !states.iter().any(|s: &SavedState| s.user_id == user_id)
        {
            states.push(state.clone());
        }
    }
    for n in notifications {
        let request = plan
            .unlocks
            .iter()
            .find(|u| u.user_id == n.user_id && u.unlock.key == n.key)
            .and_then(|u| u.event_id.as_deref())
            .and_then(|id| index_of.get(id))
            .map_or(0, |&i| owner[i]);
        applied[request].notifications.push(n);
    }
    Ok(applied)
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
        let rows = UnlockRow::of_evaluation(user_id, &unlocked);
        notifications = unlocks::record(tx, &rows, &vec![now; rows.len()], &vec![true; rows.len()]).await?;
        let versions = state::save_states(tx, engine, &[(user_id, &state)], now).await?;
        version = versions.get(&user_id).copied().unwrap_or(version);
    }
    Ok(Evaluated { saved: SavedState { user_id, version, state: Arc::new(state) }, unlocked, notifications })
}
