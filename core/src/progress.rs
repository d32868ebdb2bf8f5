//! Progress toward each achievement (the plan's `calculate_progress`).

use crate::engine::Engine;
use crate::state::UserState;
use crate::time::Instant as Timestamp;
use serde::Serialize;

/// How far a user is toward one achievement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(tsify::Tsify))]
pub struct Progress {
    /// The tracked value; for streak badges the current run as of `now`.
    #[serde(serialize_with = "crate::int64::serialize")]
    #[cfg_attr(feature = "ts", tsify(type = "Int64"))]
    pub current: i64,
    #[serde(serialize_with = "crate::int64::serialize")]
    #[cfg_attr(feature = "ts", tsify(type = "Int64"))]
    pub target: i64,
    /// `floor(100 × current / target)`, between 0 and 100; 100 once earned.
    pub percent: u8,
    pub earned: bool,
}

/// `floor(100 × current / target)` clamped to 0..=100 (no overflow).
pub fn percent(current: i64, target: i64) -> u8 {
    if target <= 0 {
        return 100;
    }
    let p = (i128::from(current) * 100).div_euclid(i128::from(target)).clamp(0, 100);
    u8::try_from(p).unwrap_or(100)
}

impl Engine {
    /// Progress toward the achievement `key` at `now`; `None` for unknown keys.
    pub fn progress(&self, state: &UserState, key: &str, now: Timestamp) -> Option<Progress> {
        let index = self.catalog().achievements.iter().position(|d| d.key == key)?;
        Some(self.progress_at(state, index, now))
    }

    /// Progress toward every definition, in catalog order.
    pub fn progress_all(&self, state: &UserState, now: Timestamp) -> Vec<Progress> {
        (0..self.catalog().achievements.len()).map(|i| self.progress_at(state, i, now)).collect()
    }

    /// Progress toward the definition at `index` in catalog order.
    ///
    /// # Panics
    /// If `index` is out of range.
    pub fn progress_at(&self, state: &UserState, index: usize, now: Timestamp) -> Progress {
        let rule = &self.rules[index];
        let current = match rule.longest_run_of {
            Some(slot) => state.streaks[slot].run_as_of(self.local_day(state, now)),
            None => state.values[rule.field],
        };
        let earned = state.earned[index].is_some();
        Progress {
            current,
            target: rule.target,
            percent: if earned { 100 } else { percent(current, rule.target) },
            earned,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::percent;

    #[test]
    fn percent_floors_and_clamps() {
        for (current, target, expected) in
            [(3, 7, 42), (0, 10, 0), (10, 10, 100), (25, 10, 100), (-5, 10, 0), (i64::MAX, 1, 100), (1, i64::MAX, 0)]
        {
            assert_eq!(percent(current, target), expected, "{current}/{target}");
        }
    }
}
