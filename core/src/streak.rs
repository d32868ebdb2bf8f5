//! Active days of one streak field, kept as sorted runs of consecutive days.
//!
//! Keeping every run (not just the current count) is what lets a late event
//! land on its own day and join two runs, exactly as if events had arrived in
//! order. Runs only grow and merge, so the longest run never shrinks.

use serde::{Deserialize, Serialize};

/// A day as a count of days since 1970-01-01 (proleptic Gregorian).
pub type DayNumber = i32;

/// Inclusive range of consecutive active days.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayRun {
    pub first: DayNumber,
    pub last: DayNumber,
}

impl DayRun {
    /// How many days the run spans.
    pub fn days(self) -> i64 {
        i64::from(self.last) - i64::from(self.first) + 1
    }
}

/// The set of active local days, as sorted, non-adjacent runs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DayRuns {
    runs: Vec<DayRun>,
    longest: i64,
}

impl DayRuns {
    /// Builds from runs in any order, merging overlaps and neighbours and
    /// dropping inverted ranges (`first > last`).
    pub fn from_runs(runs: impl IntoIterator<Item = DayRun>) -> Self {
        // Stored runs come back in order, so an insertion sort is linear
        // here, and it keeps a general sort's code out of the WebAssembly build.
        let mut sorted: Vec<DayRun> = Vec::new();
        for run in runs.into_iter().filter(|r| r.first <= r.last) {
            let at = sorted.partition_point(|r| r.first <= run.first);
            sorted.insert(at, run);
        }
        let mut merged: Vec<DayRun> = Vec::with_capacity(sorted.len());
        for run in sorted {
            match merged.last_mut() {
                Some(prev) if i64::from(run.first) <= i64::from(prev.last) + 1 => prev.last = prev.last.max(run.last),
                _ => merged.push(run),
            }
        }
        let longest = merged.iter().map(|r| r.days()).max().unwrap_or(0);
        DayRuns { runs: merged, longest }
    }

    /// Records an active day. Returns `true` if it was new.
    pub fn insert(&mut self, day: DayNumber) -> bool {
        // Index of the first run that ends at or after `day - 1`: the only
        // runs that can contain or touch `day` are it and the one after it.
        let i = self.runs.partition_point(|r| r.last < day.saturating_sub(1));
        let touches_left = self.runs.get(i).is_some_and(|r| r.first <= day.saturating_add(1));
        if touches_left {
            let run = self.runs[i];
            if run.first <= day && day <= run.last {
                return false;
            }
            if day == run.last + 1 {
                self.runs[i].last = day;
                // Bridging to the next run merges the two.
                if self.runs.get(i + 1).is_some_and(|next| next.first == day + 1) {
                    self.runs[i].last = self.runs[i + 1].last;
                    self.runs.remove(i + 1);
                }
            } else {
                self.runs[i].first = day; // day == run.first - 1
            }
            self.longest = self.longest.max(self.runs[i].days());
        } else {
            self.runs.insert(i, DayRun { first: day, last: day });
            self.longest = self.longest.max(1);
        }
        true
    }

    /// The runs, sorted by day.
    pub fn runs(&self) -> &[DayRun] {
        &self.runs
    }

    /// The longest run ever, in days.
    pub fn longest(&self) -> i64 {
        self.longest
    }

    /// The run ending at the latest active day (the field's value).
    pub fn latest_run(&self) -> i64 {
        self.runs.last().map_or(0, |r| r.days())
    }

    /// The current run as of local day `today`: let L be the latest active day
    /// on or before `today`; the run ending at L if `today` is L or L + 1,
    /// else 0 (a whole day passed with no activity).
    pub fn run_as_of(&self, today: DayNumber) -> i64 {
        let i = self.runs.partition_point(|r| r.first <= today);
        let Some(run) = i.checked_sub(1).map(|j| self.runs[j]) else { return 0 };
        let latest = run.last.min(today);
        if today - latest <= 1 { i64::from(latest) - i64::from(run.first) + 1 } else { 0 }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn runs_of(days: &[DayNumber]) -> DayRuns {
        let mut r = DayRuns::default();
        for &d in days {
            r.insert(d);
        }
        r
    }

    #[test]
    fn runs_merge_in_any_order() {
        let r = runs_of(&[5, 1, 2, 3, 7, 6, 4]);
        assert_eq!(r.runs(), &[DayRun { first: 1, last: 7 }]);
        assert_eq!(r.longest(), 7);
    }

    #[test]
    fn a_late_day_bridges_two_runs() {
        let mut r = runs_of(&[1, 2, 3, 5, 6, 7]);
        assert_eq!(r.longest(), 3);
        assert_eq!(r.latest_run(), 3);
        assert!(r.insert(4));
        assert_eq!(r.runs(), &[DayRun { first: 1, last: 7 }]);
        assert_eq!(r.latest_run(), 7);
        assert!(!r.insert(4), "same day twice counts once");
    }

    #[test]
    fn gaps_keep_the_longest_but_reset_the_latest() {
        let r = runs_of(&[1, 2, 3, 4, 10]);
        assert_eq!((r.longest(), r.latest_run()), (4, 1));
    }

    #[test]
    fn run_as_of_today() {
        let r = runs_of(&[1, 2, 3]);
        assert_eq!(r.run_as_of(3), 3);
        assert_eq!(r.run_as_of(4), 3, "yesterday's run still counts today");
        assert_eq!(r.run_as_of(5), 0, "a whole day with no activity");
        assert_eq!(r.run_as_of(2), 2, "days after now are ignored");
        assert_eq!(r.run_as_of(0), 0);
    }

    #[test]
    fn from_runs_normalises() {
        let r = DayRuns::from_runs([DayRun { first: 4, last: 6 }, DayRun { first: 1, last: 3 }]);
        assert_eq!(r.runs(), &[DayRun { first: 1, last: 6 }]);
        assert_eq!(r.longest(), 6);

        // Out of order, overlapping, equal starts, an inverted range dropped.
        let runs = [(20, 22), (1, 2), (9, 9), (20, 25), (8, 10), (30, 29), (1, 1)];
        let r = DayRuns::from_runs(runs.map(|(first, last)| DayRun { first, last }));
        let expected = [(1, 2), (8, 10), (20, 25)].map(|(first, last)| DayRun { first, last });
        assert_eq!(r.runs(), &expected);
        assert_eq!(r.longest(), 6);
    }
}
