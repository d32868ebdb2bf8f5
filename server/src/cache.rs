//! In-memory caches in front of the database on the read path: bearer
//! token → caller, and user → rule state. Reading progress is the hot path
//! (every page view); with both warm, a read touches neither the database
//! nor a blocking thread.
//!
//! Why they stay correct:
//! - **Tokens**: a token's owner never changes. An entry lives
//!   [`TOKEN_TTL`], so a change to the user's record made by another process
//!   (a future `users` command) shows within that time. Unknown tokens are
//!   never cached: each is checked against the database.
//! - **States**: this process's writer thread writes user states, and
//!   every save bumps the row's `version`. Writers publish the state they
//!   committed, readers publish what they loaded, and the cache keeps the
//!   highest version it was given, so publishing out of order never goes
//!   back in time. The operators' commands (`award-retroactive`,
//!   `recalculate`, `import-events`) save states from another process: an
//!   entry is therefore trusted for [`STATE_TTL`] only, then re-read (a
//!   read of the same version refreshes it), so their changes show within
//!   that time.
//!
//! Both are bounded: when one is full, an arbitrary half is dropped.

use crate::store::users::TokenOwner;
use achievements_core::UserState;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// How long a token's owner is trusted without asking the database.
pub(crate) const TOKEN_TTL: Duration = Duration::from_secs(60);
/// How long a cached state is trusted without asking the database.
pub(crate) const STATE_TTL: Duration = Duration::from_secs(10);
const MAX_TOKENS: usize = 100_000;
const MAX_STATES: usize = 100_000;

/// A state: its row's version, when it was last confirmed, the state.
type CachedState = (i64, Instant, Arc<UserState>);

/// The caches of one server.
#[derive(Debug, Default)]
pub(crate) struct Caches {
    tokens: RwLock<HashMap<[u8; 32], (Instant, TokenOwner)>>,
    states: RwLock<HashMap<i64, CachedState>>,
}

impl Caches {
    /// The owner of the token with this hash, if cached and fresh.
    pub(crate) fn token(&self, hash: &[u8; 32]) -> Option<TokenOwner> {
        let tokens = self.tokens.read().ok()?;
        let (at, owner) = tokens.get(hash)?;
        (at.elapsed() < TOKEN_TTL).then(|| owner.clone())
    }

    pub(crate) fn put_token(&self, hash: [u8; 32], owner: TokenOwner) {
        if let Ok(mut tokens) = self.tokens.write() {
            make_room(&mut tokens, MAX_TOKENS);
            tokens.insert(hash, (Instant::now(), owner));
        }
    }

    /// A user's last known committed state, if fresh.
    pub(crate) fn state(&self, user_id: i64) -> Option<Arc<UserState>> {
        let states = self.states.read().ok()?;
        let (_, at, state) = states.get(&user_id)?;
        (at.elapsed() < STATE_TTL).then(|| Arc::clone(state))
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
        let caches = Caches::default();
        let mut newer = engine.new_state(achievements_core::TimeZone::utc());
        engine.set_stat(&mut newer, "project_count", 2).expect("field");
        caches.put_state(7, 2, Arc::new(newer));
        caches.put_state(7, 1, Arc::new(engine.new_state(achievements_core::TimeZone::utc())));
        let cached = caches.state(7).expect("cached");
        assert_eq!(engine.stat(&cached, "project_count"), 2);
    }

    #[test]
    fn tokens_are_cached_by_hash() {
        let caches = Caches::default();
        assert!(caches.token(&[1; 32]).is_none());
        caches.put_token([1; 32], TokenOwner::Service("platform".into()));
        assert_eq!(caches.token(&[1; 32]), Some(TokenOwner::Service("platform".into())));
    }
}
