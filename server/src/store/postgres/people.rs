//! The admin API's users (PostgreSQL): the queries of
//! [`crate::store::sqlite::people`], each in the caller's transaction.
//! A write to a user first locks their `users` row (`FOR UPDATE`), as
//! event intake does, so it is serialized with every other write to that
//! user on any instance.

use super::{state, unlocks, users};
use crate::store::StoreError;
use crate::store::model::{SavedState, User};
use crate::store::people::{
    ByHand, Erased, Granted, Patched, Revoked, UserPatch, UserRecord, erased_actor, prefix_end, salted_name_hash,
    user_actor,
};
use crate::store::plan::UnlockRow;
use crate::store::ts;
use achievements_core::{Engine, GrantError, Instant, time_zone};
use deadpool_postgres::{GenericClient, Transaction};
use std::sync::Arc;
use tokio_postgres::Row;

const RECORD: &str = "SELECT id, name, timezone, is_admin, public_profile, created_at FROM users";

fn record(r: &Row) -> Result<UserRecord, StoreError> {
    Ok(UserRecord {
        id: r.try_get(0)?,
        name: r.try_get(1)?,
        timezone: r.try_get(2)?,
        is_admin: r.try_get(3)?,
        public_profile: r.try_get(4)?,
        created_at: r.try_get(5)?,
    })
}

fn as_user(record: &UserRecord) -> User {
    User { id: record.id, name: record.name.clone(), timezone: record.timezone.clone(), is_admin: record.is_admin }
}

/// As [`crate::store::sqlite::people::list`].
///
/// # Errors
/// PostgreSQL errors.
pub(crate) async fn list(
    client: &impl GenericClient,
    prefix: Option<&str>,
    offset: u64,
    limit: u64,
) -> Result<(u64, Vec<UserRecord>), StoreError> {
    let (from, until) = match prefix {
        Some(p) => (p.to_owned(), prefix_end(p)),
        None => (String::new(), prefix_end("")),
    };
    let count: i64 = client
        .query_one("SELECT count(*) FROM users WHERE name >= $1 AND name < $2", &[&from, &until])
        .await?
        .try_get(0)?;
    let offset = i64::try_from(offset).unwrap_or(i64::MAX);
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows = client
        .query(
            &format!("{RECORD} WHERE name >= $1 AND name < $2 ORDER BY name LIMIT $3 OFFSET $4"),
            &[&from, &until, &limit, &offset],
        )
        .await?;
    Ok((u64::try_from(count).unwrap_or(0), rows.iter().map(record).collect::<Result<_, _>>()?))
}

/// The record of the user with this name.
///
/// # Errors
/// PostgreSQL errors.
pub(crate) async fn find(client: &impl GenericClient, name: &str) -> Result<Option<UserRecord>, StoreError> {
    client.query_opt(&format!("{RECORD} WHERE name = $1"), &[&name]).await?.as_ref().map(record).transpose()
}

/// The user's record, their row locked until the transaction ends.
async fn lock(tx: &Transaction<'_>, name: &str) -> Result<UserRecord, StoreError> {
    tx.query_opt(&format!("{RECORD} WHERE name = $1 FOR UPDATE"), &[&name])
        .await?
        .as_ref()
        .map(record)
        .transpose()?
        .ok_or_else(|| StoreError::UnknownUser(name.to_owned()))
}

/// As [`crate::store::sqlite::people::create`].
///
/// # Errors
/// As [`users::create_user`].
pub(crate) async fn create(
    tx: &Transaction<'_>,
    name: &str,
    timezone: &str,
    is_admin: bool,
    public_profile: bool,
    now: Instant,
) -> Result<UserRecord, StoreError> {
    users::create_user(tx, name, timezone, is_admin, now).await?;
    users::set_public_profile(tx, name, public_profile).await?;
    find(tx, name).await?.ok_or_else(|| StoreError::UnknownUser(name.to_owned()))
}

/// As [`crate::store::sqlite::people::patch`], under the user's row lock.
///
/// # Errors
/// [`StoreError::UnknownUser`]; PostgreSQL errors.
pub(crate) async fn patch(
    tx: &Transaction<'_>,
    engine: &Engine,
    name: &str,
    patch: &UserPatch,
    now: Instant,
) -> Result<Patched, StoreError> {
    let before = lock(tx, name).await?;
    let mut saved = None;
    if let Some(zone) = patch.timezone.as_deref().filter(|z| *z != before.timezone) {
        let tz = time_zone(zone).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let mut state = state::load(tx, engine, &as_user(&before)).await?.state;
        state.set_timezone(tz);
        let versions = state::save_states(tx, engine, &[(before.id, &state)], now).await?;
        tx.execute("UPDATE users SET timezone = $2 WHERE id = $1", &[&before.id, &zone]).await?;
        let version = versions.get(&before.id).copied().unwrap_or_default();
        saved = Some(SavedState { user_id: before.id, version, state: Arc::new(state) });
    }
    if let Some(admin) = patch.is_admin {
        tx.execute("UPDATE users SET is_admin = $2 WHERE id = $1", &[&before.id, &admin]).await?;
    }
    if let Some(public) = patch.public_profile {
        tx.execute("UPDATE users SET public_profile = $2 WHERE id = $1", &[&before.id, &public]).await?;
    }
    let user = find(tx, name).await?.ok_or_else(|| StoreError::UnknownUser(name.to_owned()))?;
    Ok(Patched { user, saved })
}

/// The `actors` row of an actor's name, created on first use.
async fn actor_id(tx: &Transaction<'_>, actor: &str) -> Result<i64, StoreError> {
    tx.execute("INSERT INTO actors (name) VALUES ($1) ON CONFLICT (name) DO NOTHING", &[&actor]).await?;
    Ok(tx.query_one("SELECT id FROM actors WHERE name = $1", &[&actor]).await?.try_get(0)?)
}

/// As [`crate::store::sqlite::people::grant`], under the user's row lock.
///
/// # Errors
/// [`StoreError::UnknownUser`], [`StoreError::Grant`]; PostgreSQL errors.
pub(crate) async fn grant(
    tx: &Transaction<'_>,
    engine: &Engine,
    name: &str,
    key: &str,
    by: &ByHand,
    now: Instant,
) -> Result<Granted, StoreError> {
    let user = as_user(&lock(tx, name).await?);
    let mut state = state::load(tx, engine, &user).await?.state;
    let unlocks = engine.grant_by_hand(&mut state, key, now)?;
    let rows: Vec<UnlockRow> =
        unlocks.iter().map(|u| UnlockRow { user_id: user.id, unlock: u.clone(), event_id: None }).collect();
    let actor = actor_id(tx, &by.actor).await?;
    let notifications =
        unlocks::record_with(tx, &rows, &vec![now; rows.len()], &vec![false; rows.len()], Some((actor, &by.reason)))
            .await?;
    let versions = state::save_states(tx, engine, &[(user.id, &state)], now).await?;
    let version = versions.get(&user.id).copied().unwrap_or_default();
    Ok(Granted { unlocks, notifications, saved: SavedState { user_id: user.id, version, state: Arc::new(state) } })
}

/// As [`crate::store::sqlite::people::revoke`], under the user's row lock.
///
/// # Errors
/// [`StoreError::UnknownUser`], [`StoreError::Grant`]; PostgreSQL errors.
pub(crate) async fn revoke(
    tx: &Transaction<'_>,
    engine: &Engine,
    name: &str,
    key: &str,
    by: &ByHand,
    now: Instant,
) -> Result<Revoked, StoreError> {
    let user = as_user(&lock(tx, name).await?);
    let mut state = state::load(tx, engine, &user).await?.state;
    let record = engine.revoke(&mut state, key)?;
    if tx.execute("DELETE FROM earned WHERE user_id = $1 AND achievement_key = $2", &[&user.id, &key]).await? == 0 {
        return Err(StoreError::Grant(GrantError::NotEarned(key.to_owned())));
    }
    let actor = actor_id(tx, &by.actor).await?;
    tx.execute(
        "INSERT INTO revocations (user_id, achievement_key, earned_at, cause, revoked_at, actor_id, reason)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[&user.id, &key, &ts(record.earned_at), &record.cause.as_str(), &ts(now), &actor, &by.reason],
    )
    .await?;
    let versions = state::save_states(tx, engine, &[(user.id, &state)], now).await?;
    let version = versions.get(&user.id).copied().unwrap_or_default();
    Ok(Revoked { record, saved: SavedState { user_id: user.id, version, state: Arc::new(state) } })
}

/// Every table that holds a user's rows, children first (foreign keys).
///
/// When another part adds a table whose rows name a user (the webhook
/// outbox), its deletion belongs here.
const USER_TABLES: &[&str] =
    &["notifications", "unlock_audit", "revocations", "earned", "events", "tokens", "user_state", "user_name_keys"];

/// As [`crate::store::sqlite::people::erase`], under the user's row lock.
///
/// # Errors
/// [`StoreError::UnknownUser`]; PostgreSQL errors.
pub(crate) async fn erase(tx: &Transaction<'_>, name: &str, actor: &str, now: Instant) -> Result<Erased, StoreError> {
    let user = lock(tx, name).await?;
    let (hash, salt) = salted_name_hash(name)?;
    let acted = actor_id(tx, actor).await?;
    let erasure: i64 = tx
        .query_one(
            "INSERT INTO erasures (name_hash, salt, erased_at, actor_id) VALUES ($1, $2, $3, $4) RETURNING id",
            &[&hash, &salt, &ts(now), &acted],
        )
        .await?
        .try_get(0)?;
    tx.execute("INSERT INTO erasing (user_id) VALUES ($1)", &[&user.id]).await?;
    // The outbox first: its rows point at the user's notifications.
    super::webhooks::erase_user(tx, user.id).await?;
    for table in USER_TABLES {
        tx.execute(&format!("DELETE FROM {table} WHERE user_id = $1"), &[&user.id]).await?;
    }
    tx.execute("DELETE FROM erasing WHERE user_id = $1", &[&user.id]).await?;
    tx.execute("DELETE FROM users WHERE id = $1", &[&user.id]).await?;
    tx.execute("UPDATE actors SET name = $2 WHERE name = $1", &[&user_actor(name), &erased_actor(erasure)]).await?;
    Ok(Erased { user_id: user.id })
}
