//! Earned achievements and the unlock audit log.
//!
//! `earned` has one row per user and achievement (its primary key), so even
//! a bug that tried to award a badge twice would fail the transaction rather
//! than store it twice. `unlock_audit` is append-only and records why.
//! Every unlock also queues a notification for its user, here, so that all
//! the paths that record unlocks (event intake, `check/`, the commands)
//! queue them in the same transaction.

use super::{notifications, ts, webhooks};
use crate::store::StoreError;
use crate::store::model::{Audit, Notification};
use crate::store::plan::UnlockRow;
use achievements_core::Instant;
use rusqlite::{Connection, OptionalExtension, params};

/// Records unlocks: the earned rows and their audit entries, and queues a
/// notification for each (`backfill` for retroactive awards and imports);
/// returns the notifications queued, in order.
///
/// # Errors
/// SQLite errors, including a constraint error for a badge already earned.
pub(crate) fn record(
    conn: &Connection,
    unlocks: &[UnlockRow],
    recorded_at: Instant,
    backfill: bool,
) -> Result<Vec<Notification>, StoreError> {
    record_with(conn, unlocks, recorded_at, backfill, None)
}

/// [`record`], for unlocks an operator caused: `by` is the audit's actor
/// (an `actors` id) and reason. Every unlock is recorded here, by the
/// rules or by hand: what must follow each one (a notification; later a
/// webhook's outbox row) is written in this one place.
///
/// # Errors
/// As [`record`].
pub(crate) fn record_with(
    conn: &Connection,
    unlocks: &[UnlockRow],
    recorded_at: Instant,
    backfill: bool,
    by: Option<(i64, &str)>,
) -> Result<Vec<Notification>, StoreError> {
    if unlocks.is_empty() {
        return Ok(Vec::new());
    }
    let mut queued = Vec::with_capacity(unlocks.len());
    let mut earned = conn.prepare_cached(
        "INSERT INTO earned (user_id, achievement_key, earned_at, progress_at_unlock, cause)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    let mut audit = conn.prepare_cached(
        "INSERT INTO unlock_audit
             (user_id, achievement_key, earned_at, cause, event_id, progress_at_unlock, recorded_at, actor_id, reason)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    let recorded = ts(recorded_at);
    for UnlockRow { user_id, unlock, event_id } in unlocks {
        let r = &unlock.record;
        let earned_at = ts(r.earned_at);
        earned.execute(params![user_id, unlock.key, earned_at, r.progress_at_unlock, r.cause.as_str()])?;
        audit.execute(params![
            user_id,
            unlock.key,
            earned_at,
            r.cause.as_str(),
            event_id,
            r.progress_at_unlock,
            recorded,
            by.map(|(actor, _)| actor),
            by.map(|(_, reason)| reason)
        ])?;
        queued.push(notifications::queue(
            conn,
            *user_id,
            &unlock.key,
            &earned_at,
            r.cause.as_str(),
            backfill,
            recorded_at,
        )?);
    }
    // Every path that notifies also tells the webhooks, in this transaction.
    webhooks::enqueue(conn, &queued)?;
    Ok(queued)
}

/// The first audit record of a user's unlock of `key`, if any.
///
/// # Errors
/// SQLite errors.
pub(crate) fn first_audit(conn: &Connection, user_id: i64, key: &str) -> Result<Option<Audit>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT earned_at, cause, event_id, progress_at_unlock, recorded_at FROM unlock_audit
             WHERE user_id = ?1 AND achievement_key = ?2 ORDER BY seq LIMIT 1",
            params![user_id, key],
            |r| {
                Ok(Audit {
                    earned_at: r.get(0)?,
                    cause: r.get(1)?,
                    event_id: r.get(2)?,
                    progress_at_unlock: r.get(3)?,
                    recorded_at: r.get(4)?,
                })
            },
        )
        .optional()?)
}
