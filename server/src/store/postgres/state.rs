//! Each user's rule state (PostgreSQL): the core's [`StateSnapshot`] as
//! JSON text, one row per user, with a version that grows by one with
//! every save (see [`crate::store::sqlite::state`] for why a snapshot).
//!
//! Writers serialize per user on the user's row (`SELECT … FOR UPDATE`,
//! always in id order, so two writers never wait on each other in a
//! cycle): the lock is in the database, so it holds across instances.

use crate::store::StoreError;
use crate::store::model::{User, Versioned};
use crate::store::ts;
use achievements_core::{Engine, Instant, StateSnapshot, UserState, time_zone};
use deadpool_postgres::{GenericClient, Transaction};
use std::collections::HashMap;

/// Loads a user's committed state (a fresh one if none is stored yet).
///
/// # Errors
/// PostgreSQL errors; [`StoreError::Corrupt`] for an unreadable snapshot.
pub(crate) async fn load(client: &impl GenericClient, engine: &Engine, user: &User) -> Result<Versioned, StoreError> {
    let stmt = client.prepare_cached("SELECT snapshot, version FROM user_state WHERE user_id = $1").await?;
    let row = client.query_opt(&stmt, &[&user.id]).await?;
    match row {
        Some(row) => Ok(Versioned { version: row.try_get(1)?, state: decode(engine, user, row.try_get(0)?)? }),
        None => Ok(Versioned { version: 0, state: fresh(engine, user)? }),
    }
}

/// Locks the named users' rows for the rest of the transaction and loads
/// their states; names no user has are left out.
///
/// # Errors
/// PostgreSQL errors; [`StoreError::Corrupt`] for an unreadable snapshot.
pub(crate) async fn lock_and_load(
    tx: &Transaction<'_>,
    engine: &Engine,
    names: &[&str],
) -> Result<Vec<(User, Versioned)>, StoreError> {
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let lock = tx
        .prepare_cached(
            "SELECT u.id, u.name, u.timezone, u.is_admin
             FROM unnest($1::text[]) AS x(name) JOIN users u ON u.name = x.name
             ORDER BY u.id FOR UPDATE OF u",
        )
        .await?;
    let users: Vec<User> = tx
        .query(&lock, &[&names])
        .await?
        .iter()
        .map(|r| Ok(User { id: r.try_get(0)?, name: r.try_get(1)?, timezone: r.try_get(2)?, is_admin: r.try_get(3)? }))
        .collect::<Result<_, StoreError>>()?;
    let ids: Vec<i64> = users.iter().map(|u| u.id).collect();
    let states = tx
        .prepare_cached(
            "SELECT s.user_id, s.snapshot, s.version
             FROM unnest($1::bigint[]) AS x(id) JOIN user_state s ON s.user_id = x.id",
        )
        .await?;
    let mut stored: HashMap<i64, (String, i64)> = HashMap::with_capacity(ids.len());
    for row in tx.query(&states, &[&ids]).await? {
        stored.insert(row.try_get(0)?, (row.try_get(1)?, row.try_get(2)?));
    }
    users
        .into_iter()
        .map(|user| {
            let versioned = match stored.remove(&user.id) {
                Some((json, version)) => Versioned { version, state: decode(engine, &user, json)? },
                None => Versioned { version: 0, state: fresh(engine, &user)? },
            };
            Ok((user, versioned))
        })
        .collect()
}

/// Locks one user's row for the rest of the transaction and loads their state.
///
/// # Errors
/// As [`lock_and_load`].
pub(crate) async fn lock_and_load_one(
    tx: &Transaction<'_>,
    engine: &Engine,
    user: &User,
) -> Result<Versioned, StoreError> {
    let found = lock_and_load(tx, engine, &[user.name.as_str()]).await?;
    found
        .into_iter()
        .find(|(u, _)| u.id == user.id)
        .map(|(_, versioned)| versioned)
        .ok_or_else(|| StoreError::UnknownUser(user.name.clone()))
}

/// Stores users' states; returns each row's new version, by user id.
///
/// # Errors
/// PostgreSQL errors.
pub(crate) async fn save_states(
    tx: &Transaction<'_>,
    engine: &Engine,
    states: &[(i64, &UserState)],
    now: Instant,
) -> Result<HashMap<i64, i64>, StoreError> {
    let snapshots: Vec<(i64, StateSnapshot)> = states.iter().map(|(id, s)| (*id, engine.snapshot(s))).collect();
    save_snapshots(tx, &snapshots, now).await
}

/// Stores snapshots in one statement; returns each row's new version.
///
/// # Errors
/// PostgreSQL errors.
pub(crate) async fn save_snapshots(
    tx: &Transaction<'_>,
    snapshots: &[(i64, StateSnapshot)],
    now: Instant,
) -> Result<HashMap<i64, i64>, StoreError> {
    if snapshots.is_empty() {
        return Ok(HashMap::new());
    }
    let ids: Vec<i64> = snapshots.iter().map(|(id, _)| *id).collect();
    let json = snapshots
        .iter()
        .map(|(_, s)| serde_json::to_string(s))
        .collect::<Result<Vec<String>, _>>()
        .map_err(|e| StoreError::Corrupt(format!("snapshot: {e}")))?;
    let stmt = tx
        .prepare_cached(
            "INSERT INTO user_state (user_id, snapshot, version, updated_at)
             SELECT u, s, 1, $3::text FROM unnest($1::bigint[], $2::text[]) AS t(u, s)
             ON CONFLICT (user_id) DO UPDATE SET snapshot = excluded.snapshot,
                 version = user_state.version + 1, updated_at = excluded.updated_at
             RETURNING user_id, version",
        )
        .await?;
    let mut versions = HashMap::with_capacity(ids.len());
    for row in tx.query(&stmt, &[&ids, &json, &ts(now)]).await? {
        versions.insert(row.try_get(0)?, row.try_get(1)?);
    }
    Ok(versions)
}

fn decode(engine: &Engine, user: &User, json: String) -> Result<UserState, StoreError> {
    let corrupt = |e: &dyn std::fmt::Display| StoreError::Corrupt(format!("state of user `{}`: {e}", user.name));
    let snapshot: StateSnapshot = serde_json::from_str(&json).map_err(|e| corrupt(&e))?;
    engine.state_from_snapshot(&snapshot).map_err(|e| corrupt(&e))
}

fn fresh(engine: &Engine, user: &User) -> Result<UserState, StoreError> {
    let zone =
        time_zone(&user.timezone).map_err(|e| StoreError::Corrupt(format!("state of user `{}`: {e}", user.name)))?;
    Ok(engine.new_state(zone))
}
