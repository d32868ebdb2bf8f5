//! Why an achievement is locked, or how it was unlocked: the core's answer
//! for the `debug` command and detail views.

use crate::engine::{Engine, in_window};
use crate::model::{CriteriaType, Definition};
use crate::progress::Progress;
use crate::state::{EarnedRecord, UserState};
use crate::time::Instant as Timestamp;
use serde::Serialize;
use std::fmt;

/// Everything that decides one achievement for one user at one moment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Explanation {
    pub key: String,
    pub name: String,
    /// The condition in words, e.g. "project count ≥ 5".
    pub criteria: String,
    pub tracking_field: String,
    /// The tracked value as progress reads it (for streak badges, the run
    /// as of `now`): the same number the progress bar and `BelowTarget` show.
    #[serde(serialize_with = "crate::int64::serialize")]
    pub value: i64,
    #[serde(serialize_with = "crate::int64::serialize")]
    pub target: i64,
    pub active: bool,
    pub available_from: Option<Timestamp>,
    pub available_until: Option<Timestamp>,
    pub prerequisites: Vec<PrerequisiteStatus>,
    pub earned: Option<EarnedRecord>,
    /// Empty when earned, or when every condition holds (it unlocks at the
    /// next event or evaluation).
    pub blockers: Vec<Blocker>,
    pub progress: Progress,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(tsify::Tsify))]
pub struct PrerequisiteStatus {
    pub key: String,
    pub earned: bool,
}

/// One reason an achievement cannot unlock now. This is also the wire shape
/// of the API's `blockers` (`{"kind": "window_closed", "until": …}`), so the
/// server, the module and the terminal app read one definition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(tsify::Tsify), tsify(rename = "BlockerReason", missing_as_null))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Blocker {
    /// The definition was retired from the catalog.
    Inactive,
    /// The window opens at `from`.
    NotYetAvailable {
        #[cfg_attr(feature = "ts", tsify(type = "string"))]
        from: Timestamp,
    },
    /// The window closed at `until` (exclusive).
    WindowClosed {
        #[cfg_attr(feature = "ts", tsify(type = "string"))]
        until: Timestamp,
    },
    /// One prerequisite not earned yet: its key (a placeholder id, for a
    /// secret the catalog only knows as one) and its name when the catalog
    /// has its definition. Adapters that hold secret definitions (the
    /// server) must mask unearned secrets before showing this.
    Requires { key: String, name: Option<String> },
    /// The tracked value, as progress reads it (the run as of now, for
    /// streak badges), is below the target.
    BelowTarget {
        #[serde(serialize_with = "crate::int64::serialize")]
        #[cfg_attr(feature = "ts", tsify(type = "Int64"))]
        value: i64,
        #[serde(serialize_with = "crate::int64::serialize")]
        #[cfg_attr(feature = "ts", tsify(type = "Int64"))]
        target: i64,
    },
}

impl Blocker {
    /// `true` for a reason other than progress: the achievement could not
    /// unlock now even with its value at the target. A client shows these
    /// instead of a full progress bar.
    pub fn is_gate(&self) -> bool {
        !matches!(self, Blocker::BelowTarget { .. })
    }
}

impl fmt::Display for Blocker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Blocker::Inactive => f.write_str("the achievement is inactive"),
            Blocker::NotYetAvailable { from } => write!(f, "not available before {from}"),
            Blocker::WindowClosed { until } => write!(f, "no longer available since {until}"),
            Blocker::Requires { key, .. } => write!(f, "requires {key} first"),
            Blocker::BelowTarget { value, target } => write!(f, "tracked value {value} is below the target {target}"),
        }
    }
}

/// The unlock condition of a definition in words: "project count ≥ 5",
/// "a 7-day streak (current streak)".
pub fn describe_criteria(def: &Definition) -> String {
    let field = def.tracking_field.replace('_', " ");
    let n = def.criteria_value;
    let mut text = match def.criteria_type {
        CriteriaType::FirstTime => format!("{field} ≥ 1 (the first time)"),
        CriteriaType::Count | CriteriaType::Cumulative | CriteriaType::Threshold => format!("{field} ≥ {n}"),
        CriteriaType::Streak => format!("a {n}-day streak ({field})"),
    };
    match (def.available_from, def.available_until) {
        (Some(from), Some(until)) => text.push_str(&format!(", from {from} until {until}")),
        (Some(from), None) => text.push_str(&format!(", from {from}")),
        (None, Some(until)) => text.push_str(&format!(", until {until}")),
        (None, None) => {}
    }
    if !def.requires_achievements.is_empty() {
        text.push_str(&format!(", after earning {}", def.requires_achievements.join(", ")));
    }
    text
}

impl Engine {
    /// Explains achievement `key` for `state` at `now`; `None` for unknown keys.
    pub fn explain(&self, state: &UserState, key: &str, now: Timestamp) -> Option<Explanation> {
        let index = self.catalog().achievements.iter().position(|d| d.key == key)?;
        let def = &self.catalog().achievements[index];
        let prerequisites: Vec<PrerequisiteStatus> = self
            .prerequisite_slots(index)
            .iter()
            .map(|&slot| PrerequisiteStatus {
                key: self.slot_name(slot).to_owned(),
                earned: state.earned[slot].is_some(),
            })
            .collect();
        let progress = self.progress_at(state, index, now);
        Some(Explanation {
            key: def.key.clone(),
            name: def.name.clone(),
            criteria: describe_criteria(def),
            tracking_field: def.tracking_field.clone(),
            value: progress.current,
            target: progress.target,
            active: def.is_active,
            available_from: def.available_from,
            available_until: def.available_until,
            prerequisites,
            earned: self.earned(state, key),
            blockers: self.blockers_at(state, index, now),
            progress,
        })
    }

    /// Why the definition at `index` (catalog order) cannot unlock at
    /// `now`: empty once earned, or when every condition holds.
    ///
    /// `BelowTarget` carries the value progress shows (for a streak, the run
    /// as of now), so a bar, an explanation and the API never show two
    /// numbers; whether it applies is the unlock condition's own test (for
    /// a streak, the longest run), so it is never listed for a condition
    /// that holds.
    ///
    /// # Panics
    /// If `index` is out of range.
    pub fn blockers_at(&self, state: &UserState, index: usize, now: Timestamp) -> Vec<Blocker> {
        let mut blockers = Vec::new();
        if state.earned[index].is_some() {
            return blockers;
        }
        let def = &self.catalog().achievements[index];
        let rule = &self.rules[index];
        if !def.is_active {
            blockers.push(Blocker::Inactive);
        }
        if !in_window(rule, now) {
            match (def.available_from, def.available_until) {
                (Some(from), _) if now < from => blockers.push(Blocker::NotYetAvailable { from }),
                (_, Some(until)) => blockers.push(Blocker::WindowClosed { until }),
                _ => {}
            }
        }
        for &slot in self.prerequisite_slots(index) {
            if state.earned[slot].is_none() {
                let key = self.slot_name(slot);
                let name = self.catalog().achievements.get(slot).map(|d| d.name.clone());
                blockers.push(Blocker::Requires { key: key.to_owned(), name });
            }
        }
        if self.tracked_value(state, rule) < rule.target {
            let value = self.progress_at(state, index, now).current;
            blockers.push(Blocker::BelowTarget { value, target: rule.target });
        }
        blockers
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} ({})", self.name, self.key)?;
        writeln!(f, "  condition:     {}", self.criteria)?;
        writeln!(f, "  tracked value: {} = {} (target {})", self.tracking_field, self.value, self.target)?;
        writeln!(
            f,
            "  progress:      {}% ({}/{})",
            self.progress.percent, self.progress.current, self.progress.target
        )?;
        writeln!(f, "  active:        {}", if self.active { "yes" } else { "no" })?;
        if self.available_from.is_some() || self.available_until.is_some() {
            let show = |t: Option<Timestamp>| t.map_or_else(|| "open".to_owned(), |t| t.to_string());
            writeln!(f, "  window:        {} → {}", show(self.available_from), show(self.available_until))?;
        }
        for p in &self.prerequisites {
            writeln!(f, "  requires:      {} ({})", p.key, if p.earned { "earned" } else { "not earned" })?;
        }
        match (&self.earned, self.blockers.as_slice()) {
            (Some(e), _) => write!(
                f,
                "  status:        earned at {} (cause: {}, value at unlock: {})",
                e.earned_at,
                e.cause.as_str(),
                e.progress_at_unlock
            ),
            (None, []) => write!(
                f,
                "  status:        locked, but every condition holds: it unlocks at the next event or evaluation"
            ),
            (None, blockers) => {
                write!(f, "  status:        locked")?;
                for b in blockers {
                    write!(f, "\n  blocked:       {b}")?;
                }
                Ok(())
            }
        }
    }
}
