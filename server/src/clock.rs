//! The only place the server reads the time. Everything downstream — the
//! core above all — receives `now` as an argument, so tests can fix it.

use achievements_core::Instant;
use std::fmt;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// A source of "now".
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> Instant + Send + Sync>);

impl Clock {
    /// The system clock.
    pub(crate) fn system() -> Self {
        Clock(Arc::new(system_now))
    }

    /// A clock that always answers `at` (tests).
    pub fn fixed(at: Instant) -> Self {
        Clock(Arc::new(move || at))
    }

    /// A clock that answers whatever `now` does (tests that move time).
    pub fn from_fn(now: impl Fn() -> Instant + Send + Sync + 'static) -> Self {
        Clock(Arc::new(now))
    }

    pub fn now(&self) -> Instant {
        (self.0)()
    }
}

/// The system clock as a core [`Instant`] (the epoch if the clock is set
/// before 1970 or past 9999).
fn system_now() -> Instant {
    let since = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let seconds = i64::try_from(since.as_secs()).unwrap_or(i64::MAX);
    Instant::from_unix(seconds, since.subsec_nanos()).unwrap_or(Instant::UNIX_EPOCH)
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Clock")
    }
}
