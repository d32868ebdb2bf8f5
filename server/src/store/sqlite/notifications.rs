//! Unlock notifications: one row per unlock, queued by
//! [`super::unlocks::record`] in the unlock's own transaction, read and
//! marked read by their user.

use super::ts;
use crate::store::StoreError;
use crate::store::model::{Mark, Notification, NotificationPage};
use achievements_core::Instant;
use rusqlite::{Connection, Row, params};

const COLUMNS: &str = "id, user_id, achievement_key, earned_at, cause, backfill, read, created_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Notification> {
    Ok(Notification {
        id: r.get(0)?,
        user_id: r.get(1)?,
        key: r.get(2)?,
        earned_at: r.get(3)?,
        cause: r.get(4)?,
        backfill: r.get(5)?,
        read: r.get(6)?,
        created_at: r.get(7)?,
    })
}

/// Queues a notification (inside the caller's transaction).
///
/// # Errors
/// SQLite errors.
pub(crate) fn queue(
    conn: &Connection,
    user_id: i64,
    key: &str,
    earned_at: &str,
    cause: &str,
    backfill: bool,
    created_at: Instant,
) -> Result<Notification, StoreError> {
    let created_at = ts(created_at);
    let id: i64 = conn
        .prepare_cached(
            "INSERT INTO notifications (user_id, achievement_key, earned_at, cause, backfill, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
        )?
        .query_row(params![user_id, key, earned_at, cause, backfill, created_at], |r| r.get(0))?;
    Ok(Notification {
        id,
        user_id,
        key: key.to_owned(),
        earned_at: earned_at.to_owned(),
        cause: cause.to_owned(),
        backfill,
        read: false,
        created_at,
    })
}

/// A page of a user's notifications (unread first, then newest first):
/// `limit` of them after the first `offset`, with the counts of the whole
/// list. Call it inside a read transaction, so both come from one snapshot.
///
/// # Errors
/// SQLite errors.
pub(crate) fn page(conn: &Connection, user_id: i64, offset: u64, limit: u64) -> Result<NotificationPage, StoreError> {
    let (count, unread): (i64, i64) = conn
        .prepare_cached("SELECT count(*), coalesce(sum(read = 0), 0) FROM notifications WHERE user_id = ?1")?
        .query_row([user_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM notifications WHERE user_id = ?1 ORDER BY read ASC, id DESC LIMIT ?2 OFFSET ?3"
    ))?;
    let (limit, offset) = (i64::try_from(limit).unwrap_or(i64::MAX), i64::try_from(offset).unwrap_or(i64::MAX));
    let items = stmt.query_map(params![user_id, limit, offset], from_row)?.collect::<Result<_, _>>()?;
    Ok(NotificationPage { count: u64::try_from(count).unwrap_or(0), unread: u64::try_from(unread).unwrap_or(0), items })
}

/// A user's notifications with an id above `after`, oldest first (a
/// stream's replay).
///
/// # Errors
/// SQLite errors.
pub(crate) fn after(conn: &Connection, user_id: i64, after: i64) -> Result<Vec<Notification>, StoreError> {
    let mut stmt = conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM notifications WHERE user_id = ?1 AND id > ?2 ORDER BY id"))?;
    Ok(stmt.query_map(params![user_id, after], from_row)?.collect::<Result<_, _>>()?)
}

/// Marks a user's unread notifications read; returns how many changed.
/// Ids of other users' notifications are ignored.
///
/// # Errors
/// SQLite errors.
pub(crate) fn mark_read(conn: &Connection, user_id: i64, which: &Mark) -> Result<usize, StoreError> {
    Ok(match which {
        Mark::All => conn.execute("UPDATE notifications SET read = 1 WHERE user_id = ?1 AND read = 0", [user_id])?,
        Mark::Ids(ids) => {
            let json = serde_json::to_string(ids).map_err(|e| StoreError::Corrupt(format!("ids: {e}")))?;
            conn.execute(
                "UPDATE notifications SET read = 1
                 WHERE user_id = ?1 AND read = 0 AND id IN (SELECT value FROM json_each(?2))",
                params![user_id, json],
            )?
        }
    })
}

/// The highest notification id of a user (0 for none).
///
/// # Errors
/// SQLite errors.
pub(crate) fn last_id(conn: &Connection, user_id: i64) -> Result<i64, StoreError> {
    Ok(conn
        .prepare_cached("SELECT coalesce(max(id), 0) FROM notifications WHERE user_id = ?1")?
        .query_row([user_id], |r| r.get(0))?)
}

/// Deletes up to `limit` read notifications created before `cutoff` (an
/// RFC 3339 prefix, see [`crate::store::Store::prune_read_notifications`]),
/// oldest first; returns how many.
///
/// # Errors
/// SQLite errors.
pub(crate) fn prune_read(conn: &Connection, cutoff: &str, limit: usize) -> Result<usize, StoreError> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    Ok(conn.execute(
        "DELETE FROM notifications WHERE id IN (
             SELECT id FROM notifications WHERE read = 1 AND created_at < ?1 ORDER BY id LIMIT ?2)",
        params![cutoff, limit],
    )?)
}
