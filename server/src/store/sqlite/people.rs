//! The admin API's users (SQLite): listing, records, changes, badges
//! granted and revoked by hand, and erasure. Every write runs on the
//! writer thread, in the caller's transaction, so it is serialized with
//! every other write to the user (event intake included).

use super::{state, ts, unlocks, users};
use crate::store::StoreError;
use crate::store::model::{SavedState, User};
use crate::store::people::{
    ByHand, Erased, Granted, Patched, Revoked, UserPatch, UserRecord, erased_actor, prefix_end, salted_name_hash,
    user_actor,
};
use crate::store::plan::UnlockRow;
use achievements_core::{Engine, GrantError, Instant, time_zone};
use rusqlite::{Connection, OptionalExtension, Row, params};
use std::sync::Arc;

const RECORD: &str = "SELECT id, name, timezone, is_admin, public_profile, created_at FROM users";

fn record(r: &Row<'_>) -> rusqlite::Result<UserRecord> {
    Ok(UserRecord {
        id: r.get(0)?,
        name: r.get(1)?,
        timezone: r.get(2)?,
        is_admin: r.get(3)?,
        public_profile: r.get(4)?,
        created_at: r.get(5)?,
    })
}

/// Users by name (bytewise), those whose name starts with `prefix` if
/// given: how many in all, and `limit` of them from `offset`.
///
/// # Errors
/// SQLite errors.
pub(crate) fn list(
    conn: &Connection,
    prefix: Option<&str>,
    offset: u64,
    limit: u64,
) -> Result<(u64, Vec<UserRecord>), StoreError> {
    let (from, until) = match prefix {
        Some(p) => (p.to_owned(), prefix_end(p)),
        None => (String::new(), prefix_end("")),
    };
    let count: i64 =
        conn.query_row("SELECT count(*) FROM users WHERE name >= ?1 AND name < ?2", params![from, until], |r| {
            r.get(0)
        })?;
    let offset = i64::try_from(offset).unwrap_or(i64::MAX);
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut stmt =
        conn.prepare_cached(&format!("{RECORD} WHERE name >= ?1 AND name < ?2 ORDER BY name LIMIT ?3 OFFSET ?4"))?;
    let rows = stmt.query_map(params![from, until, limit, offset], record)?;
    Ok((u64::try_from(count).unwrap_or(0), rows.collect::<Result<_, _>>()?))
}

/// The record of the user with this name.
///
/// # Errors
/// SQLite errors.
pub(crate) fn find(conn: &Connection, name: &str) -> Result<Option<UserRecord>, StoreError> {
    Ok(conn.prepare_cached(&format!("{RECORD} WHERE name = ?1"))?.query_row([name], record).optional()?)
}

fn require(conn: &Connection, name: &str) -> Result<UserRecord, StoreError> {
    find(conn, name)?.ok_or_else(|| StoreError::UnknownUser(name.to_owned()))
}

fn as_user(record: &UserRecord) -> User {
    User { id: record.id, name: record.name.clone(), timezone: record.timezone.clone(), is_admin: record.is_admin }
}

/// Creates a user (as [`users::create_user`], every name rule included)
/// with the given profile flag; returns their record.
///
/// # Errors
/// As [`users::create_user`].
pub(crate) fn create(
    conn: &Connection,
    name: &str,
    timezone: &str,
    is_admin: bool,
    public_profile: bool,
    now: Instant,
) -> Result<UserRecord, StoreError> {
    users::create_user(conn, name, timezone, is_admin, now)?;
    users::set_public_profile(conn, name, public_profile)?;
    require(conn, name)
}

/// Changes a user's record. A new time zone goes through the core
/// (`UserState::set_timezone`: days already recorded keep their dates)
/// and is saved with the state.
///
/// # Errors
/// [`StoreError::UnknownUser`]; SQLite errors.
pub(crate) fn patch(
    conn: &Connection,
    engine: &Engine,
    name: &str,
    patch: &UserPatch,
    now: Instant,
) -> Result<Patched, StoreError> {
    let before = require(conn, name)?;
    let mut saved = None;
    if let Some(zone) = patch.timezone.as_deref().filter(|z| *z != before.timezone) {
        let tz = time_zone(zone).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let mut state = state::load(conn, engine, &as_user(&before))?.state;
        state.set_timezone(tz);
        let version = state::save(conn, engine, before.id, &state, now)?;
        conn.execute("UPDATE users SET timezone = ?2 WHERE id = ?1", params![before.id, zone])?;
        saved = Some(SavedState { user_id: before.id, version, state: Arc::new(state) });
    }
    if let Some(admin) = patch.is_admin {
        conn.execute("UPDATE users SET is_admin = ?2 WHERE id = ?1", params![before.id, admin])?;
    }
    if let Some(public) = patch.public_profile {
        conn.execute("UPDATE users SET public_profile = ?2 WHERE id = ?1", params![before.id, public])?;
    }
    Ok(Patched { user: require(conn, name)?, saved })
}

/// The `actors` row of an actor's name, created on first use.
pub(crate) fn actor_id(conn: &Connection, actor: &str) -> Result<i64, StoreError> {
    conn.prepare_cached("INSERT INTO actors (name) VALUES (?1) ON CONFLICT (name) DO NOTHING")?.execute([actor])?;
    Ok(conn.prepare_cached("SELECT id FROM actors WHERE name = ?1")?.query_row([actor], |r| r.get(0))?)
}

/// Grants `key` to the user by hand (the core's `grant_by_hand`) and
/// records every unlock it caused, audited with `by`, each with its
/// notification.
///
/// # Errors
/// [`StoreError::UnknownUser`], [`StoreError::Grant`]; SQLite errors.
pub(crate) fn grant(
    conn: &Connection,
    engine: &Engine,
    name: &str,
    key: &str,
    by: &ByHand,
    now: Instant,
) -> Result<Granted, StoreError> {
    let user = as_user(&require(conn, name)?);
    let mut state = state::load(conn, engine, &user)?.state;
    let unlocks = engine.grant_by_hand(&mut state, key, now)?;
    let rows: Vec<UnlockRow> =
        unlocks.iter().map(|u| UnlockRow { user_id: user.id, unlock: u.clone(), event_id: None }).collect();
    let actor = actor_id(conn, &by.actor)?;
    let notifications = unlocks::record_with(conn, &rows, now, false, Some((actor, &by.reason)))?;
    let version = state::save(conn, engine, user.id, &state, now)?;
    Ok(Granted { unlocks, notifications, saved: SavedState { user_id: user.id, version, state: Arc::new(state) } })
}

/// Revokes `key` from the user by hand (the core's `revoke`): the earned
/// row goes, the revocation log records it with `by`.
///
/// # Errors
/// [`StoreError::UnknownUser`], [`StoreError::Grant`] (not earned);
/// SQLite errors.
pub(crate) fn revoke(
    conn: &Connection,
    engine: &Engine,
    name: &str,
    key: &str,
    by: &ByHand,
    now: Instant,
) -> Result<Revoked, StoreError> {
    let user = as_user(&require(conn, name)?);
    let mut state = state::load(conn, engine, &user)?.state;
    let record = engine.revoke(&mut state, key)?;
    if conn.execute("DELETE FROM earned WHERE user_id = ?1 AND achievement_key = ?2", params![user.id, key])? == 0 {
        // The state and the earned rows disagree: never guess which is right.
        return Err(StoreError::Grant(GrantError::NotEarned(key.to_owned())));
    }
    let actor = actor_id(conn, &by.actor)?;
    conn.execute(
        "INSERT INTO revocations (user_id, achievement_key, earned_at, cause, revoked_at, actor_id, reason)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![user.id, key, ts(record.earned_at), record.cause.as_str(), ts(now), actor, by.reason],
    )?;
    let version = state::save(conn, engine, user.id, &state, now)?;
    Ok(Revoked { record, saved: SavedState { user_id: user.id, version, state: Arc::new(state) } })
}

/// Every table that holds a user's rows, children first (foreign keys).
///
/// When another part adds a table whose rows name a user (the webhook
/// outbox), its deletion belongs here.
const USER_TABLES: &[&str] =
    &["notifications", "unlock_audit", "revocations", "earned", "events", "tokens", "user_state", "user_name_keys"];

/// Erases the user: every row of theirs in every table, in this one
/// transaction (the append-only logs let them go only while their id is in
/// `erasing`), then their `users` row; their name as an actor becomes
/// `erased:ID`; the erasure log records a salted hash of the name, the
/// time and `actor`.
///
/// # Errors
/// [`StoreError::UnknownUser`]; SQLite errors.
pub(crate) fn erase(conn: &Connection, name: &str, actor: &str, now: Instant) -> Result<Erased, StoreError> {
    let user = require(conn, name)?;
    let (hash, salt) = salted_name_hash(name)?;
    // An admin erasing themselves is recorded under the name they had:
    // that row is renamed below with the rest.
    let acted = actor_id(conn, actor)?;
    conn.execute(
        "INSERT INTO erasures (name_hash, salt, erased_at, actor_id) VALUES (?1, ?2, ?3, ?4)",
        params![hash, salt, ts(now), acted],
    )?;
    let erasure = conn.last_insert_rowid();
    conn.execute("INSERT INTO erasing (user_id) VALUES (?1)", [user.id])?;
    // The outbox first: its rows point at the user's notifications.
    super::webhooks::erase_user(conn, user.id)?;
    for table in USER_TABLES {
        conn.execute(&format!("DELETE FROM {table} WHERE user_id = ?1"), [user.id])?;
    }
    conn.execute("DELETE FROM erasing WHERE user_id = ?1", [user.id])?;
    conn.execute("DELETE FROM users WHERE id = ?1", [user.id])?;
    conn.execute("UPDATE actors SET name = ?2 WHERE name = ?1", params![user_actor(name), erased_actor(erasure)])?;
    Ok(Erased { user_id: user.id })
}
