//! The in-memory cache in front of the database on the read path: user →
//! rule state. Reading progress is the hot path (every page view); with it
//! warm, a read needs the database only for its token (see
//! [`crate::sign_in`]: tokens are never cached, so that a revoked or expired
//! token is refused at once on every instance).
//!
//! Why it stays correct:
//! - **States**: this process's writer thread writes user states, and
//!   every save bumps the row's `version`. Writers publish the state they
//!   committed, readers publish what they loaded, and the cache keeps the
//!   highest version it was given, so publishing out of order never goes
//!   back in time. The operators' commands (`award-retroactive`,
//!   `recalculate`, `import-events`) save states from another process: an
//!   entry is therefore trusted for [`Lifetimes::state`] only, then re-read (a
//!   read of the same version refreshes it), so their changes show within
//!   that time.
//! - **Several instances** (PostgreSQL): another instance's writes reach
//!   this one as [changes](crate::store::postgres::changes), which drop the
//!   older cached state at once; and entries live [`Lifetimes::SHARED`]
//!   only, so even a change that never arrives is seen within a second.
//!
//! It is bounded: when full, an arbitrary half is dropped.

use achievements_core::UserState;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// How long cached entries are trusted without asking the database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Lifetimes {
    pub state: Duration,
}

impl Lifetimes {
    /// One server on its own SQLite file: only the operators' commands
    /// write besides it.
    pub(crate) const SOLE: Lifetimes = Lifetimes { state: Duration::from_secs(10) };
    /// Instances sharing a database: a second at most, whatever happens to
    /// the changes they tell each other.
    pub(crate) const SHARED: Lifetimes = Lifetimes { state: Duration::from_secs(1) };
}
const MAX_STATES: usize = 100_000;

/// A state: its row's version, when it was last confirmed, the state.
type CachedState = (i64, Instant, Arc<UserState>);

/// The cache of one server.
#[derive(Debug)]
pub(crate) struct Caches {
    lifetimes: Lifetimes,
    states: RwLock<HashMap<i64, CachedState>>,
}

impl Caches {
    pub(crate) fn new(lifetimes: Lifetimes) -> Self {
        Caches { lifetimes, states: RwLock::default() }
    }

    /// A user's last known committed state, if fresh.
    pub(crate) fn state(&self, user_id: i64) -> Option<Arc<UserState>> {
        let states = self.states.read().ok()?;
        let (_, at, state) = states.get(&user_id)?;
        (at.elapsed() < self.lifetimes.state).then(|| Arc::clone(state))
    }

    /// Records a committed state unless a newer version is already known.
    pub(crate) fn put_state(&self, user_id: i64, version: i64, state: Arc<UserState>) {
        if let Ok(mut states) = self.states.write() {
            match states.get_mut(&user_id) {
                Some((known, _, _)) if *known > version => return,
                Some((known, at, _)) if *known == version => {
                    *at = Instant::now();
                    return;
                }
                _ => {}
            }
            make_room(&mut states, MAX_STATES);
            states.insert(user_id, (version, Instant::now(), state));
        }
    }
}

impl Caches {
    /// Forgets a user's cached state if it is older than `version`.
    pub(crate) fn forget_state_before(&self, user_id: i64, version: i64) {
        if let Ok(mut states) = self.states.write()
            && states.get(&user_id).is_some_and(|(known, _, _)| *known < version)
        {
            states.remove(&user_id);
        }
    }

    /// Forgets an erased user's cached state, whatever its version (SQLite
    /// may give their id to the next user created). Tokens are never
    /// cached (see `crate::sign_in`).
    pub(crate) fn forget_user(&self, user_id: i64) {
        if let Ok(mut states) = self.states.write() {
            states.remove(&user_id);
        }
    }

    /// Forgets everything.
    pub(crate) fn forget_all(&self) {
        if let Ok(mut states) = self.states.write() {
            states.clear();
        }
    }
}

fn make_room<K: Copy + Eq + std::hash::Hash, V>(map: &mut HashMap<K, V>, limit: usize) {
    if map.len() >= limit {
        let drop: Vec<K> = map.keys().take(limit / 2).copied().collect();
        for key in drop {
            map.remove(&key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use achievements_core::{Engine, SHIPPED_CATALOG_JSON};

    #[test]
    fn a_state_never_goes_back_to_an_older_version() {
        let (engine, _) = Engine::from_json(SHIPPED_CATALOG_JSON).expect("shipped catalog");
        let caches = Caches::new(Lifetimes::SOLE);
        let mut newer = engine.new_state(achievements_core::TimeZone::utc());
        engine.set_stat(&mut newer, "project_count", 2).expect("field");
        caches.put_state(7, 2, Arc::new(newer));
        caches.put_state(7, 1, Arc::new(engine.new_state(achievements_core::TimeZone::utc())));
        let cached = caches.state(7).expect("cached");
        assert_eq!(engine.stat(&cached, "project_count"), 2);
    }

    #[test]
    fn a_change_drops_only_older_states() {
        let (engine, _) = Engine::from_json(SHIPPED_CATALOG_JSON).expect("shipped catalog");
        let caches = Caches::new(Lifetimes::SHARED);
        caches.put_state(7, 3, Arc::new(engine.new_state(achievements_core::TimeZone::utc())));
        caches.forget_state_before(7, 3);
        assert!(caches.state(7).is_some(), "the same version stays");
        caches.forget_state_before(7, 4);
        assert!(caches.state(7).is_none(), "an older one goes");
    }
}
