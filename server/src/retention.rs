//! `serve --notifications-retention`: read notifications older than the
//! retention are deleted when the server starts and then every hour, in
//! batches of [`BATCH`] (each its own short transaction, so users' writes
//! are never held up for long). Unread notifications are never deleted.
//!
//! "Older" is by the notification's `created_at`, against the server's
//! clock ([`AppState::now`]). Several instances on one PostgreSQL database
//! may prune at once: a row two of them pick is deleted once.

use crate::app::AppState;
use crate::store::StoreError;
use std::time::Duration;

/// How often the pruning runs after the first, at start.
pub(crate) const PRUNE_EVERY: Duration = Duration::from_secs(3600);
/// Notifications deleted per transaction.
pub(crate) const BATCH: usize = 1000;

/// Starts the pruning when `serve` was given a retention; it ends when the
/// server closes.
pub(crate) fn spawn(state: &AppState) {
    let Some(retention) = state.platform().observe.notifications_retention else { return };
    let state = state.clone();
    tokio::spawn(async move {
        let mut closing = state.closing();
        let mut tick = tokio::time::interval(PRUNE_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = closing.wait_for(|closing| *closing) => return,
                // The first tick is at once.
                _ = tick.tick() => {}
            }
            match prune(&state, retention).await {
                Ok(pruned) => {
                    tracing::info!(pruned, retention = %humantime::format_duration(retention), "pruned read notifications");
                }
                Err(e) => tracing::error!(error = %e, "pruning read notifications failed; retrying in an hour"),
            }
        }
    });
}

/// Deletes every read notification older than `retention`, batch by batch
/// (stopping early if the server closes); returns how many.
///
/// # Errors
/// A database error (the batches before it stay deleted).
pub(crate) async fn prune(state: &AppState, retention: Duration) -> Result<usize, StoreError> {
    let seconds = i64::try_from(retention.as_secs()).unwrap_or(i64::MAX);
    let Some(before) = state.now().checked_add_seconds(-seconds) else {
        // Before the first representable instant: nothing is that old.
        return Ok(0);
    };
    let closing = state.closing();
    let mut pruned = 0;
    loop {
        let deleted = state.store().prune_read_notifications(before, BATCH).await?;
        pruned += deleted;
        if deleted < BATCH || *closing.borrow() {
            return Ok(pruned);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::store::{Location, Store, StoreError};
    use achievements_core::Instant;

    fn at(text: &str) -> Instant {
        text.parse().unwrap_or(Instant::UNIX_EPOCH)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn pruning_goes_by_batches_to_the_second_and_spares_the_unread() -> Result<(), StoreError> {
        let dir = tempfile::tempdir().map_err(StoreError::Thread)?;
        let path = dir.path().join("t.db");
        let store = Store::open(&Location::File(path.clone())).await?;
        let conn = crate::store::open(&path)?;
        conn.execute_batch(
            "INSERT INTO users (id, name, timezone, created_at) VALUES (1, 'ann', 'UTC', '2026-01-01T00:00:00Z');
             INSERT INTO achievements (key, position, definition, is_active, created_at, updated_at)
                 VALUES ('k', 0, '{}', 1, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');",
        )?;
        // (created_at, read): three read and old, one unread and old, one
        // read in the cutoff's own second (after it), one read and newer.
        let rows = [
            ("2026-01-01T10:00:00Z", 1),
            ("2026-01-01T10:00:00.5Z", 1),
            ("2026-01-02T00:00:00Z", 1),
            ("2026-01-01T09:00:00Z", 0),
            ("2026-01-03T00:00:00.25Z", 1),
            ("2026-01-04T00:00:00Z", 1),
        ];
        for (created, read) in rows {
            conn.execute(
                "INSERT INTO notifications (user_id, achievement_key, earned_at, cause, backfill, read, created_at)
                 VALUES (1, 'k', ?1, 'event', 0, ?2, ?1)",
                rusqlite::params![created, read],
            )?;
        }
        let before = at("2026-01-03T00:00:00.1Z");
        assert_eq!(store.prune_read_notifications(before, 2).await?, 2);
        assert_eq!(store.prune_read_notifications(before, 2).await?, 1);
        assert_eq!(store.prune_read_notifications(before, 2).await?, 0);
        let mut stmt = conn.prepare("SELECT created_at FROM notifications ORDER BY id")?;
        let left: Vec<String> = stmt.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
        assert_eq!(left, ["2026-01-01T09:00:00Z", "2026-01-03T00:00:00.25Z", "2026-01-04T00:00:00Z"]);
        store.close().await;
        Ok(())
    }
}
