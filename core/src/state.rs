//! One user's progress: counters by tracking field, active streak days,
//! earned achievements and their time zone.
//!
//! [`UserState`] is laid out for one [`crate::Engine`] (vectors indexed by
//! the engine's field and achievement numbers), which is what makes applying
//! an event cheap. [`StateSnapshot`] is its portable form, keyed by name, for
//! storage and the wire; anything in a snapshot that the engine's catalog does
//! not know is kept aside and written back unchanged.

use crate::model::wire_enum;
use crate::sorted_map::SortedMap;
use crate::streak::{DayRun, DayRuns};
use crate::time::{Date, Instant as Timestamp, TimeZone};
use serde::{Deserialize, Serialize};

wire_enum! {
    /// Why an achievement unlocked.
    Cause ("cause") {
        /// The event updated the achievement's own tracked field.
        Event = "event",
        /// Points credited by other unlocks reached the target.
        Points = "points",
        /// A prerequisite was earned (or nothing else explains it).
        Prerequisite = "prerequisite",
        /// A retroactive evaluation found its conditions met.
        Evaluation = "evaluation",
        /// Given as part of an initial or imported state, not by the rules.
        Granted = "granted",
    }
}

/// The record of one earned achievement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(tsify::Tsify))]
#[serde(deny_unknown_fields)]
pub struct EarnedRecord {
    /// The time of the event (or evaluation) that unlocked it: deterministic,
    /// and a late event records when it really happened.
    #[cfg_attr(feature = "ts", tsify(type = "string"))]
    pub earned_at: Timestamp,
    /// The tracked value at that moment (the longest run, for streak badges).
    #[serde(serialize_with = "crate::int64::serialize", deserialize_with = "crate::int64::deserialize")]
    #[cfg_attr(feature = "ts", tsify(type = "Int64"))]
    pub progress_at_unlock: i64,
    pub cause: Cause,
}

/// A user's state, laid out for one engine. Create it with
/// [`crate::Engine::new_state`] or [`crate::Engine::state_from_snapshot`].
#[derive(Clone, Debug)]
pub struct UserState {
    pub(crate) timezone: TimeZone,
    /// Indexed by the engine's field number.
    pub(crate) values: Vec<i64>,
    /// Indexed by achievement slot: definitions, then secret placeholders.
    pub(crate) earned: Vec<Option<EarnedRecord>>,
    /// Indexed by the engine's streak slot.
    pub(crate) streaks: Vec<DayRuns>,
    /// What a snapshot held that this engine's catalog does not know.
    pub(crate) foreign: StateSnapshot,
    /// `true` when no unearned achievement's condition held after the last
    /// step, so the next event need only check what it can change. Anything
    /// that sets values or grants achievements directly clears it.
    pub(crate) settled: bool,
}

impl UserState {
    /// The user's time zone, which decides what a "day" is for streaks.
    pub fn timezone(&self) -> &TimeZone {
        &self.timezone
    }

    /// Changes the time zone; days already recorded keep their dates.
    pub fn set_timezone(&mut self, timezone: TimeZone) {
        self.timezone = timezone;
    }

    /// How many achievements are earned (placeholders included).
    pub fn earned_count(&self) -> usize {
        self.earned.iter().filter(|e| e.is_some()).count() + self.foreign.earned.len()
    }
}

/// The portable form of a [`UserState`]: storage rows and wire JSON.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(tsify::Tsify))]
#[serde(deny_unknown_fields)]
pub struct StateSnapshot {
    /// IANA time zone name; empty or absent means UTC.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub timezone: String,
    /// Counter values by tracking field. Streak fields are derived from
    /// `streak_days` and are written for reading only.
    #[serde(default, serialize_with = "stats", deserialize_with = "crate::int64::deserialize_map")]
    #[cfg_attr(feature = "ts", tsify(type = "Record<string, Int64>"))]
    pub stats: SortedMap<String, i64>,
    /// Active local days of each streak field, as inclusive date ranges.
    #[serde(default)]
    #[cfg_attr(feature = "ts", tsify(type = "Record<string, Array<[string, string]>>"))]
    pub streak_days: SortedMap<String, Vec<DateRange>>,
    /// Earned achievements by key.
    #[serde(default)]
    #[cfg_attr(feature = "ts", tsify(type = "Record<string, EarnedRecord>"))]
    pub earned: SortedMap<String, EarnedRecord>,
}

/// The counters, each exactly (`crate::int64`).
fn stats<S: serde::Serializer>(stats: &SortedMap<String, i64>, serializer: S) -> Result<S::Ok, S::Error> {
    crate::int64::serialize_map(stats.iter(), serializer)
}

/// Inclusive range of consecutive local dates, `["2026-03-01", "2026-03-07"]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct DateRange(pub Date, pub Date);

/// Read as exactly two dates; anything else is "expected a pair of dates"
/// (a derived tuple struct would name the Rust type in its message).
impl<'de> Deserialize<'de> for DateRange {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Pair;
        impl<'de> serde::de::Visitor<'de> for Pair {
            type Value = DateRange;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a pair of dates")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<DateRange, A::Error> {
                let first = seq.next_element()?.ok_or_else(|| serde::de::Error::invalid_length(0, &self))?;
                let last = seq.next_element()?.ok_or_else(|| serde::de::Error::invalid_length(1, &self))?;
                match seq.next_element::<serde::de::IgnoredAny>()? {
                    None => Ok(DateRange(first, last)),
                    Some(_) => Err(serde::de::Error::invalid_length(3, &self)),
                }
            }
        }
        deserializer.deserialize_seq(Pair)
    }
}

impl DateRange {
    /// The run as dates; `None` if a day of it is not a date of years
    /// 0000–9999 (a state never records one: see `Engine::apply`).
    pub(crate) fn from_run(run: DayRun) -> Option<Self> {
        Some(DateRange(Date::from_day_number(run.first)?, Date::from_day_number(run.last)?))
    }
}

/// Problems turning names into a user state.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StateError {
    #[error("unknown time zone `{0}` (use an IANA name such as Europe/Paris)")]
    UnknownTimeZone(String),
    #[error("no event updates `{0}` in this catalog")]
    UnknownField(String),
    #[error("`{0}` is derived from streak days and cannot be set directly")]
    DerivedField(String),
    #[error("unknown achievement `{0}`")]
    UnknownAchievement(String),
}

/// Why an achievement cannot be granted or revoked by hand.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum GrantError {
    #[error("unknown achievement `{0}`")]
    UnknownAchievement(String),
    #[error("`{0}` is already earned")]
    AlreadyEarned(String),
    #[error("`{0}` is not earned")]
    NotEarned(String),
}

pub use crate::time::time_zone;

#[cfg(test)]
mod cause_tests {
    use super::Cause;

    /// `Cause` is one list of names: `ALL`, `parse`, `as_str` and serde
    /// (what the server stores and the module reads) agree on every value.
    #[test]
    fn every_cause_has_one_wire_name_for_parse_and_serde() {
        assert_eq!(Cause::expected_list(), "event, points, prerequisite, evaluation, granted");
        for &cause in Cause::ALL {
            let json = serde_json::to_string(&cause).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", cause.as_str()));
            assert_eq!(serde_json::from_str::<Cause>(&json).ok(), Some(cause));
            assert_eq!(Cause::parse(cause.as_str()), Some(cause));
        }
        assert_eq!(Cause::parse("luck"), None);
        let refused = serde_json::from_str::<Cause>("\"luck\"").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(
            refused.starts_with(
                "unknown cause `luck` (expected one of: event, points, prerequisite, evaluation, granted)"
            ),
            "{refused}"
        );
    }
}
