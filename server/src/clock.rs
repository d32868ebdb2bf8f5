//! The only place the server reads the time. Everything downstream — the
//! core above all — receives `now` as an argument, so tests can fix it.

use jiff::Timestamp;
use std::fmt;
use std::sync::Arc;

/// A source of "now".
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> Timestamp + Send + Sync>);

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Clock(Arc::new(Timestamp::now))
    }

    /// A clock that always answers `at` (tests).
    pub fn fixed(at: Timestamp) -> Self {
        Clock(Arc::new(move || at))
    }

    /// Any function of nothing to a timestamp (tests that move time).
    pub fn from_fn(f: impl Fn() -> Timestamp + Send + Sync + 'static) -> Self {
        Clock(Arc::new(f))
    }

    pub fn now(&self) -> Timestamp {
        (self.0)()
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Clock")
    }
}
