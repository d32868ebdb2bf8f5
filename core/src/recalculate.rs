//! Rebuilding a user's state from their event log (the operators'
//! `recalculate`): which counters and streak days the log gives, and which
//! points the points field holds.
//!
//! The rule, and why (ARCHITECTURE.md, "Rule decisions"): the stored earned
//! set is the truth — earned is forever, and a replay under today's catalog
//! may unlock badges at other times, or not unlock ones earned under an
//! older catalog. So the counters and streak days come from replaying the
//! events, while the points field is *the points the events added to it*
//! plus *the points of every earned badge, each counted once* (inactive and
//! retired ones included). Nothing else is credited: a badge that now
//! qualifies is not earned by the rebuild; the caller's next evaluation
//! unlocks it and credits its points once, as any evaluation does.

use crate::engine::Engine;
use crate::event::Event;
use crate::sorted_map::SortedMap;
use crate::state::{DateRange, StateSnapshot, UserState};
use std::fmt;

/// What [`Engine::recalculate`] rebuilt.
#[derive(Clone, Debug)]
pub struct Recalculation {
    /// The rebuilt state: counters and streak days from the events, the
    /// stored earned records, and the points field as the module doc says.
    /// Not known to be settled: the next step checks every achievement.
    pub state: UserState,
    /// How the rebuilt state differs from the stored one: counters (by field
    /// name), then streak days (by field name). Empty when they agree.
    pub differences: Vec<Difference>,
    /// Events the catalog refused (they changed nothing in the replay).
    pub refused: usize,
}

/// One field whose stored value differs from the rebuilt one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Difference {
    /// `FIELD: stored A, rebuilt B` (0 stands for absent).
    Counter { field: String, stored: i64, rebuilt: i64 },
    /// `FIELD days: stored RUNS, rebuilt RUNS`, runs as `FIRST..LAST` or
    /// `DAY`, separated by spaces, `none` when empty.
    StreakDays { field: String, stored: Vec<DateRange>, rebuilt: Vec<DateRange> },
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Difference::Counter { field, stored, rebuilt } => write!(f, "{field}: stored {stored}, rebuilt {rebuilt}"),
            Difference::StreakDays { field, stored, rebuilt } => {
                write!(f, "{field} days: stored {}, rebuilt {}", Runs(stored), Runs(rebuilt))
            }
        }
    }
}

struct Runs<'a>(&'a [DateRange]);

impl fmt::Display for Runs<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("none");
        }
        for (i, DateRange(first, last)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            if first == last { write!(f, "{first}")? } else { write!(f, "{first}..{last}")? }
        }
        Ok(())
    }
}

impl Engine {
    /// Rebuilds `stored` from the user's `events`, given in the order they
    /// happened (by `at`; the caller breaks ties, e.g. by arrival).
    ///
    /// The replay runs the events through [`Engine::apply`] on a fresh state
    /// in `stored`'s time zone, so a refused event is refused exactly as it
    /// was live; the points its unlocks credited are then taken back out, and
    /// the points of every badge `stored` has earned are credited instead,
    /// once each. Earned records, and what the log cannot rebuild (counters
    /// and streak days of fields no event of this catalog writes, badges of
    /// other catalogs), are kept from `stored` unchanged.
    ///
    /// Recalculating a state built by applying the same events changes
    /// nothing, and recalculating twice gives what recalculating once did
    /// (`core/tests/properties.rs` holds it to both).
    pub fn recalculate<'e>(&self, stored: &UserState, events: impl IntoIterator<Item = Event<'e>>) -> Recalculation {
        let mut replay = self.new_state(stored.timezone().clone());
        let mut credited: i64 = 0;
        let mut refused = 0;
        for event in events {
            match self.apply(&mut replay, &event) {
                Ok(unlocks) => {
                    for unlock in &unlocks {
                        credited = credited.saturating_add(self.points_of(&unlock.key));
                    }
                }
                Err(_) => refused += 1,
            }
        }

        let before = self.snapshot(stored);
        let replayed = self.snapshot(&replay);
        let mut rebuilt = StateSnapshot { timezone: before.timezone.clone(), ..StateSnapshot::default() };
        // What this catalog's events write comes from the replay; the rest
        // stays as stored: fields it does not know, and fields only retired
        // definitions track (no event writes them any more, so the log
        // cannot say what they should be; earlier catalogs' events did).
        for (field, &value) in &replayed.stats {
            rebuilt.stats.insert(field.clone(), value);
        }
        for (field, &value) in &before.stats {
            if !self.written_by_events(field) {
                rebuilt.stats.insert(field.clone(), value);
            }
        }
        for (field, days) in &replayed.streak_days {
            rebuilt.streak_days.insert(field.clone(), days.clone());
        }
        for (field, days) in &before.streak_days {
            if !self.is_streak_field(field) {
                rebuilt.streak_days.insert(field.clone(), days.clone());
            }
        }
        rebuilt.earned = before.earned.clone();
        if let Some(points_field) = self.catalog().points_field.as_deref() {
            let from_events = self.stat(&replay, points_field).saturating_sub(credited);
            let from_badges = before.earned.keys().fold(0i64, |sum, key| sum.saturating_add(self.points_of(key)));
            rebuilt.stats.insert(points_field.to_owned(), from_events.saturating_add(from_badges));
        }

        let state = self.state_from_snapshot_in(&rebuilt, stored.timezone().clone());
        let differences = differences(&before, &self.snapshot(&state));
        Recalculation { state, differences, refused }
    }

    /// `true` if an event of this catalog writes `field` (a streak's
    /// longest field included).
    fn written_by_events(&self, field: &str) -> bool {
        self.catalog()
            .events
            .values()
            .flatten()
            .any(|effect| effect.field == field || effect.longest_field.as_deref() == Some(field))
    }

    /// The points a badge credits (0 for a key the catalog does not have,
    /// such as a secret placeholder's id).
    fn points_of(&self, key: &str) -> i64 {
        self.catalog().definition(key).map_or(0, |d| d.points)
    }
}

/// Counters, then streak days, each by field name, where `before` and
/// `after` differ (an absent counter reads as 0, absent days as none).
fn differences(before: &StateSnapshot, after: &StateSnapshot) -> Vec<Difference> {
    let mut out = Vec::new();
    for field in union(&before.stats, &after.stats) {
        let stored = before.stats.get(field).copied().unwrap_or(0);
        let rebuilt = after.stats.get(field).copied().unwrap_or(0);
        if stored != rebuilt {
            out.push(Difference::Counter { field: field.clone(), stored, rebuilt });
        }
    }
    for field in union(&before.streak_days, &after.streak_days) {
        let stored = before.streak_days.get(field).cloned().unwrap_or_default();
        let rebuilt = after.streak_days.get(field).cloned().unwrap_or_default();
        if stored != rebuilt {
            out.push(Difference::StreakDays { field: field.clone(), stored, rebuilt });
        }
    }
    out
}

/// The keys of both maps, sorted, each once.
fn union<'a, V>(a: &'a SortedMap<String, V>, b: &'a SortedMap<String, V>) -> Vec<&'a String> {
    let keys: SortedMap<&String, ()> = a.keys().chain(b.keys()).map(|k| (k, ())).collect();
    keys.into_keys().collect()
}
