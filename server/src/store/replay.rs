//! Rebuilding a user's state from their event log (`recalculate`): the
//! part both backends share. Each backend loads the user's events as
//! stored, in arrival order (`ORDER BY seq`), under the user's write lock;
//! [`rebuild`] orders them by `at` and lets the core's
//! [`Engine::recalculate`] decide; the backend then stores the result.

use super::StoreError;
use achievements_core::{Engine, Event, Instant, Recalculation, UserState};
use std::sync::Arc;

/// Told how far a long operation got: `(done, of)`. It may start again
/// from 0 (a PostgreSQL transaction retried).
pub(crate) type Progress = Arc<dyn Fn(u64, u64) + Send + Sync>;

/// An event as the log stores it: type, value, and `at` (RFC 3339 text).
pub(crate) type StoredEvent = (String, Option<i64>, String);

/// The stored state rebuilt from `events` (in arrival order), and how many
/// were replayed.
///
/// # Errors
/// [`StoreError::Corrupt`] for an event time that does not parse.
pub(crate) fn rebuild(
    engine: &Engine,
    stored: &UserState,
    events: Vec<StoredEvent>,
    progress: &Progress,
) -> Result<(Recalculation, usize), StoreError> {
    let mut events = events
        .into_iter()
        .map(|(event_type, value, at)| {
            let at: Instant = at.parse().map_err(|e| StoreError::Corrupt(format!("event time `{at}`: {e}")))?;
            Ok((event_type, value, at))
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    // In order of `at`; equal times keep arrival order (the sort is stable).
    events.sort_by_key(|e| e.2);
    let total = events.len() as u64;
    progress(0, total);
    let replay = events.iter().zip(1..).map(|((event_type, value, at), done)| {
        progress(done, total);
        Event { event_type, value: *value, at: *at }
    });
    Ok((engine.recalculate(stored, replay), events.len()))
}
