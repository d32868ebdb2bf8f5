//! Unlock notifications (PostgreSQL): queued by [`super::unlocks::record`]
//! in the unlock's own transaction, read and marked read by their user.
//!
//! Ids come from one sequence for all instances. A user's unlocks are
//! recorded under the lock on the user's row, so one user's ids grow in
//! commit order, which is what a stream resuming from `Last-Event-ID`
//! (on any instance) needs.

use crate::store::StoreError;
use crate::store::model::{Mark, Notification, NotificationPage};
use deadpool_postgres::{Client, Transaction};
use tokio_postgres::Row;

const COLUMNS: &str = "id, user_id, achievement_key, earned_at, cause, backfill, read, created_at";

fn from_row(r: &Row) -> Result<Notification, StoreError> {
    Ok(Notification {
        id: r.try_get(0)?,
        user_id: r.try_get(1)?,
        key: r.try_get(2)?,
        earned_at: r.try_get(3)?,
        cause: r.try_get(4)?,
        backfill: r.try_get(5)?,
        read: r.try_get(6)?,
        created_at: r.try_get(7)?,
    })
}

/// A page of a user's notifications (unread first, then newest first):
/// `limit` of them after the first `offset`, with the counts of the whole
/// list. Call it in a snapshot transaction, so both come from one snapshot.
///
/// # Errors
/// PostgreSQL errors.
pub(crate) async fn page(
    tx: &Transaction<'_>,
    user_id: i64,
    offset: u64,
    limit: u64,
) -> Result<NotificationPage, StoreError> {
    let counts = tx
        .prepare_cached(
            "SELECT count(*)::bigint, (count(*) FILTER (WHERE NOT read))::bigint FROM notifications WHERE user_id = $1",
        )
        .await?;
    let row = tx.query_one(&counts, &[&user_id]).await?;
    let (count, unread): (i64, i64) = (row.try_get(0)?, row.try_get(1)?);
    let sql =
        format!("SELECT {COLUMNS} FROM notifications WHERE user_id = $1 ORDER BY read ASC, id DESC LIMIT $2 OFFSET $3");
    let stmt = tx.prepare_cached(&sql).await?;
    let (limit, offset) = (i64::try_from(limit).unwrap_or(i64::MAX), i64::try_from(offset).unwrap_or(i64::MAX));
    let items = tx.query(&stmt, &[&user_id, &limit, &offset]).await?.iter().map(from_row).collect::<Result<_, _>>()?;
    Ok(NotificationPage { count: u64::try_from(count).unwrap_or(0), unread: u64::try_from(unread).unwrap_or(0), items })
}

/// A user's notifications with an id above `after`, oldest first.
///
/// # Errors
/// PostgreSQL errors.
pub(crate) async fn after(client: &Client, user_id: i64, after: i64) -> Result<Vec<Notification>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM notifications WHERE user_id = $1 AND id > $2 ORDER BY id");
    let stmt = client.prepare_cached(&sql).await?;
    client.query(&stmt, &[&user_id, &after]).await?.iter().map(from_row).collect()
}

/// The highest notification id of a user (0 for none).
///
/// # Errors
/// PostgreSQL errors.
pub(crate) async fn last_id(client: &Client, user_id: i64) -> Result<i64, StoreError> {
    let stmt =
        client.prepare_cached("SELECT coalesce(max(id), 0)::bigint FROM notifications WHERE user_id = $1").await?;
    Ok(client.query_one(&stmt, &[&user_id]).await?.try_get(0)?)
}

/// Marks a user's unread notifications read; returns how many changed.
/// Ids of other users' notifications are ignored.
///
/// # Errors
/// PostgreSQL errors.
pub(crate) async fn mark_read(tx: &Transaction<'_>, user_id: i64, which: &Mark) -> Result<usize, StoreError> {
    let changed = match which {
        Mark::All => {
            tx.execute("UPDATE notifications SET read = TRUE WHERE user_id = $1 AND NOT read", &[&user_id]).await?
        }
        Mark::Ids(ids) => {
            tx.execute(
                "UPDATE notifications SET read = TRUE WHERE user_id = $1 AND NOT read AND id = ANY($2)",
                &[&user_id, ids],
            )
            .await?
        }
    };
    Ok(usize::try_from(changed).unwrap_or(usize::MAX))
}

/// Deletes up to `limit` read notifications created before `cutoff` (an
/// RFC 3339 prefix, see [`crate::store::Store::prune_read_notifications`]),
/// oldest first; returns how many. Instances pruning at once may pick the
/// same rows: a row already gone is simply not deleted twice.
///
/// # Errors
/// PostgreSQL errors.
pub(crate) async fn prune_read(tx: &Transaction<'_>, cutoff: &str, limit: usize) -> Result<usize, StoreError> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let deleted = tx
        .execute(
            "DELETE FROM notifications WHERE id IN (
                 SELECT id FROM notifications WHERE read AND created_at < $1 ORDER BY id LIMIT $2)",
            &[&cutoff, &limit],
        )
        .await?;
    Ok(usize::try_from(deleted).unwrap_or(usize::MAX))
}
