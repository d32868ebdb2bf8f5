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
    /// What the condition compares (the longest run, for streak badges).
    pub value: i64,
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
pub struct PrerequisiteStatus {
    pub key: String,
    pub earned: bool,
}

/// One reason an achievement cannot unlock now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Blocker {
    Inactive,
    NotYetAvailable { from: Timestamp },
    NoLongerAvailable { until: Timestamp },
    MissingPrerequisites { keys: Vec<String> },
    BelowTarget { value: i64, target: i64 },
}

impl fmt::Display for Blocker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Blocker::Inactive => f.write_str("the achievement is inactive"),
            Blocker::NotYetAvailable { from } => write!(f, "not available before {from}"),
            Blocker::NoLongerAvailable { until } => write!(f, "no longer available since {until}"),
            Blocker::MissingPrerequisites { keys } => write!(f, "requires {} first", keys.join(", ")),
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
        let rule = &self.rules[index];
        let value = self.tracked_value(state, rule);
        let earned = self.earned(state, key);
        let prerequisites: Vec<PrerequisiteStatus> = self
            .prerequisite_slots(index)
            .iter()
            .map(|&slot| PrerequisiteStatus {
                key: self.slot_name(slot).to_owned(),
                earned: state.earned[slot].is_some(),
            })
            .collect();

        let mut blockers = Vec::new();
        if earned.is_none() {
            if !def.is_active {
                blockers.push(Blocker::Inactive);
            }
            if !in_window(rule, now) {
                match (def.available_from, def.available_until) {
                    (Some(from), _) if now < from => blockers.push(Blocker::NotYetAvailable { from }),
                    (_, Some(until)) => blockers.push(Blocker::NoLongerAvailable { until }),
                    _ => {}
                }
            }
            let missing: Vec<String> = prerequisites.iter().filter(|p| !p.earned).map(|p| p.key.clone()).collect();
            if !missing.is_empty() {
                blockers.push(Blocker::MissingPrerequisites { keys: missing });
            }
            if value < rule.target {
                blockers.push(Blocker::BelowTarget { value, target: rule.target });
            }
        }
        Some(Explanation {
            key: def.key.clone(),
            name: def.name.clone(),
            criteria: describe_criteria(def),
            tracking_field: def.tracking_field.clone(),
            value,
            target: rule.target,
            active: def.is_active,
            available_from: def.available_from,
            available_until: def.available_until,
            prerequisites,
            earned,
            blockers,
            progress: self.progress_at(state, index, now),
        })
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
