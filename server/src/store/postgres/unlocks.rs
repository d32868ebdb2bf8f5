//! Earned achievements, the unlock audit log and the notifications they
//! queue (PostgreSQL), written in bulk: three statements for any number of
//! unlocks. `earned`'s primary key (user, achievement) refuses a second
//! award even if a bug tried one; the per-user row lock means none does.

use crate::store::StoreError;
use crate::store::model::{Audit, Notification};
use crate::store::plan::UnlockRow;
use crate::store::ts;
use achievements_core::Instant;
use deadpool_postgres::{GenericClient, Transaction};
use std::collections::HashMap;

/// Records unlocks: earned rows, audit rows, and a notification each;
/// `recorded_at[i]` and `backfill[i]` (for retroactive awards and imports)
/// are the `i`th unlock's. Returns the notifications queued, in the
/// unlocks' order.
///
/// # Errors
/// PostgreSQL errors, including a constraint error for a badge already earned.
pub(crate) async fn record(
    tx: &Transaction<'_>,
    unlocks: &[UnlockRow],
    recorded_at: &[Instant],
    backfill: &[bool],
) -> Result<Vec<Notification>, StoreError> {
    record_with(tx, unlocks, recorded_at, backfill, None).await
}

/// [`record`], for unlocks an operator caused: `by` is the audit's actor
/// (an `actors` id) and reason. Every unlock is recorded here, by the
/// rules or by hand: what must follow each one (a notification; later a
/// webhook's outbox row) is written in this one place.
///
/// # Errors
/// As [`record`].
pub(crate) async fn record_with(
    tx: &Transaction<'_>,
    unlocks: &[UnlockRow],
    recorded_at: &[Instant],
    backfill: &[bool],
    by: Option<(i64, &str)>,
) -> Result<Vec<Notification>, StoreError> {
    if unlocks.is_empty() {
        return Ok(Vec::new());
    }
    let users: Vec<i64> = unlocks.iter().map(|u| u.user_id).collect();
    let keys: Vec<&str> = unlocks.iter().map(|u| u.unlock.key.as_str()).collect();
    let earned_at: Vec<String> = unlocks.iter().map(|u| ts(u.unlock.record.earned_at)).collect();
    let progress: Vec<i64> = unlocks.iter().map(|u| u.unlock.record.progress_at_unlock).collect();
    let causes: Vec<&str> = unlocks.iter().map(|u| u.unlock.record.cause.as_str()).collect();
    let events: Vec<Option<&str>> = unlocks.iter().map(|u| u.event_id.as_deref()).collect();
    let recorded: Vec<String> = recorded_at.iter().map(|&t| ts(t)).collect();

    let earned = tx
        .prepare_cached(
            "INSERT INTO earned (user_id, achievement_key, earned_at, progress_at_unlock, cause)
             SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::text[])",
        )
        .await?;
    tx.execute(&earned, &[&users, &keys, &earned_at, &progress, &causes]).await?;
    let audit = tx
        .prepare_cached(
            "INSERT INTO unlock_audit
                 (user_id, achievement_key, earned_at, cause, event_id, progress_at_unlock, recorded_at, actor_id, reason)
             SELECT u, k, e, c, ev, p, r, $8::bigint, $9::text
             FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[])
                 WITH ORDINALITY AS t(u, k, e, c, ev, p, r, n)
             ORDER BY n",
        )
        .await?;
    let (actor, reason) = (by.map(|(actor, _)| actor), by.map(|(_, reason)| reason));
    tx.execute(&audit, &[&users, &keys, &earned_at, &causes, &events, &progress, &recorded, &actor, &reason]).await?;
    // Ids are drawn in unlock order (ORDER BY n), and a user earns a key
    // once, so (user, key) finds each row's id.
    let queue = tx
        .prepare_cached(
            "INSERT INTO notifications (user_id, achievement_key, earned_at, cause, backfill, created_at)
             SELECT u, k, e, c, b, r
             FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::boolean[], $6::text[])
                 WITH ORDINALITY AS t(u, k, e, c, b, r, n)
             ORDER BY n
             RETURNING id, user_id, achievement_key",
        )
        .await?;
    let mut ids: HashMap<(i64, String), i64> = HashMap::with_capacity(unlocks.len());
    for row in tx.query(&queue, &[&users, &keys, &earned_at, &causes, &backfill, &recorded]).await? {
        ids.insert((row.try_get(1)?, row.try_get(2)?), row.try_get(0)?);
    }
    let queued = unlocks
        .iter()
        .zip(earned_at)
        .zip(recorded.into_iter().zip(backfill))
        .map(|((u, earned_at), (created_at, &backfill))| {
            let id = ids
                .get(&(u.user_id, u.unlock.key.clone()))
                .copied()
                .ok_or_else(|| StoreError::Corrupt(format!("no notification id came back for `{}`", u.unlock.key)))?;
            Ok(Notification {
                id,
                user_id: u.user_id,
                key: u.unlock.key.clone(),
                earned_at,
                cause: u.unlock.record.cause.as_str().to_owned(),
                backfill,
                read: false,
                created_at,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    // Every path that notifies also tells the webhooks, in this transaction.
    super::webhooks::enqueue(tx, &queued).await?;
    Ok(queued)
}

/// The first audit record of a user's unlock of `key`, if any.
///
/// # Errors
/// PostgreSQL errors.
pub(crate) async fn first_audit(
    client: &impl GenericClient,
    user_id: i64,
    key: &str,
) -> Result<Option<Audit>, StoreError> {
    let row = client
        .query_opt(
            "SELECT earned_at, cause, event_id, progress_at_unlock, recorded_at FROM unlock_audit
             WHERE user_id = $1 AND achievement_key = $2 ORDER BY seq LIMIT 1",
            &[&user_id, &key],
        )
        .await?;
    row.map(|r| {
        Ok(Audit {
            earned_at: r.try_get(0)?,
            cause: r.try_get(1)?,
            event_id: r.try_get(2)?,
            progress_at_unlock: r.try_get(3)?,
            recorded_at: r.try_get(4)?,
        })
    })
    .transpose()
}
