//! `recalculate` on PostgreSQL: one transaction that locks the user's row
//! (so no instance writes for them meanwhile; see [`super::state`]), loads
//! their state and events, rebuilds the state ([`replay::rebuild`]),
//! stores it when it differs, and evaluates it.

use super::intake::evaluate_state;
use super::{state, users};
use crate::store::StoreError;
use crate::store::model::Recalculated;
use crate::store::replay::{self, Progress, StoredEvent};
use achievements_core::{Engine, Instant};
use deadpool_postgres::Transaction;

/// Rebuilds the named user's state from their event log, stores it, and
/// evaluates it.
///
/// # Errors
/// [`StoreError::UnknownUser`], [`StoreError::Corrupt`], PostgreSQL errors.
pub(crate) async fn recalculate_user(
    tx: &Transaction<'_>,
    engine: &Engine,
    name: &str,
    now: Instant,
    progress: &Progress,
) -> Result<Recalculated, StoreError> {
    let user = users::user_by_name(tx, name).await?.ok_or_else(|| StoreError::UnknownUser(name.to_owned()))?;
    let stored = state::lock_and_load_one(tx, engine, &user).await?;
    // After the lock: every event committed for the user is seen.
    let (rebuilt, replayed) = replay::rebuild(engine, &stored.state, user_events(tx, user.id).await?, progress)?;
    // Nothing differs: the stored state stands as it is (no new version).
    let version = if rebuilt.differences.is_empty() {
        stored.version
    } else {
        let versions = state::save_states(tx, engine, &[(user.id, &rebuilt.state)], now).await?;
        versions.get(&user.id).copied().unwrap_or(stored.version)
    };
    let evaluated = evaluate_state(tx, engine, user.id, version, rebuilt.state, now).await?;
    Ok(Recalculated { replayed, refused: rebuilt.refused, differences: rebuilt.differences, evaluated })
}

/// The user's events as stored, in arrival order.
async fn user_events(tx: &Transaction<'_>, user_id: i64) -> Result<Vec<StoredEvent>, StoreError> {
    tx.query("SELECT type, value, at FROM events WHERE user_id = $1 ORDER BY seq", &[&user_id])
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
        .collect()
}
