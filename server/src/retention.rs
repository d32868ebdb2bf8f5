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
                Ok(0) => tracing::debug!("no read notifications to prune"),
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
