//! Rule scenarios: a catalog, an initial state, steps with expected unlocks,
//! and expectations at the end. The format is documented in
//! `fixtures/README.md`; this module parses one (with located errors) and runs
//! it against an [`Engine`]. Reading files and resolving the `catalog` path is
//! the caller's job.

use crate::diagnostic::{Diagnostics, InvalidFile};
use crate::engine::Engine;
use crate::event::Event;
use crate::json::Json;
use crate::json_reader::{self, Object};
use crate::load::parse_instant;
use crate::state::{Cause, EarnedRecord, time_zone};
use crate::time::Instant as Timestamp;
use std::collections::BTreeSet;

/// A parsed scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scenario {
    pub name: Option<String>,
    /// Catalog path relative to the scenario file; `None` means the shipped one.
    pub catalog: Option<String>,
    pub timezone: String,
    pub initial_stats: Vec<(String, i64)>,
    pub initial_earned: Vec<String>,
    pub steps: Vec<Step>,
    pub expect: Expect,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub action: Action,
    pub at: Timestamp,
    /// The exact set of keys the step must unlock, if given.
    pub unlocks: Option<BTreeSet<String>>,
    /// The step must be refused and change nothing.
    pub rejected: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    Event { event_type: String, value: Option<i64> },
    Evaluate,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Expect {
    pub now: Option<Timestamp>,
    pub earned: Option<BTreeSet<String>>,
    pub stats: Vec<(String, i64)>,
    pub progress: Vec<(String, ExpectedProgress)>,
}

/// Expected progress; only the given parts are compared.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ExpectedProgress {
    pub current: Option<i64>,
    pub target: Option<i64>,
    pub percent: Option<i64>,
    pub earned: Option<bool>,
}

const SCENARIO_FIELDS: &[&str] = &["name", "catalog", "timezone", "initial_stats", "initial_earned", "steps", "expect"];
const STEP_FIELDS: &[&str] = &["event", "evaluate", "at", "value", "unlocks", "rejected"];
const EXPECT_FIELDS: &[&str] = &["now", "earned", "stats", "progress"];
const PROGRESS_FIELDS: &[&str] = &["current", "target", "percent", "earned"];

/// Parses scenario JSON, reporting every problem with its location.
///
/// # Errors
/// [`InvalidFile`] with every problem found.
pub fn parse_scenario(text: &str) -> Result<Scenario, InvalidFile> {
    let value = json_reader::parse(text).map_err(|e| InvalidFile { errors: vec![e], warnings: vec![] })?;
    let mut diags = Diagnostics::default();
    let scenario = read_scenario(&value, &mut diags);
    match scenario {
        Some(s) if diags.errors.is_empty() => Ok(s),
        _ => Err(InvalidFile { errors: diags.errors, warnings: diags.warnings }),
    }
}

fn read_scenario(value: &Json<'_>, diags: &mut Diagnostics) -> Option<Scenario> {
    let top = Object::new(value, "", SCENARIO_FIELDS, diags)?;
    let name = top.opt_string("name", diags).map(str::to_owned);
    let catalog = top.opt_string("catalog", diags).map(str::to_owned);
    let timezone = top.opt_string("timezone", diags).unwrap_or("UTC").to_owned();
    if let Err(e) = time_zone(&timezone) {
        diags.error("timezone", e.to_string());
    }
    let initial_stats = top
        .opt_int_map("initial_stats", diags)
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    let initial_earned =
        top.opt_string_list("initial_earned", diags).unwrap_or_default().into_iter().map(str::to_owned).collect();

    let mut steps = Vec::new();
    match top.required("steps", diags) {
        Some(Json::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                let path = format!("steps[{i}] (step {})", i + 1);
                if let Some(obj) = Object::new(item, path, STEP_FIELDS, diags) {
                    steps.extend(read_step(&obj, diags));
                }
            }
        }
        Some(other) => diags.error("steps", format!("expected an array, got {}", other.type_name())),
        None => {}
    }
    let expect = match top.raw("expect") {
        Some(v) => {
            Object::new(v, "expect", EXPECT_FIELDS, diags).map(|obj| read_expect(&obj, diags)).unwrap_or_default()
        }
        None => Expect::default(),
    };
    Some(Scenario { name, catalog, timezone, initial_stats, initial_earned, steps, expect })
}

fn read_step(obj: &Object<'_>, diags: &mut Diagnostics) -> Option<Step> {
    let at = read_instant(obj, "at", diags);
    if !obj.has("at") {
        diags.error(obj.at("at"), "missing required field");
    }
    let evaluate = obj.opt_bool("evaluate", diags).unwrap_or(false);
    let event = obj.opt_string("event", diags);
    let value = obj.opt_int("value", diags);
    let rejected = obj.opt_bool("rejected", diags).unwrap_or(false);
    let unlocks = obj.opt_string_list("unlocks", diags).map(|keys| keys.into_iter().map(str::to_owned).collect());
    let action = match (event, evaluate) {
        (Some(_), true) => {
            diags.error(&obj.path, "a step is either an `event` or `evaluate`, not both");
            return None;
        }
        (Some(event_type), false) => Action::Event { event_type: event_type.to_owned(), value },
        (None, true) => {
            if obj.has("value") {
                diags.error(obj.at("value"), "evaluation steps take no value");
            }
            if rejected {
                diags.error(obj.at("rejected"), "evaluation steps are never rejected");
            }
            Action::Evaluate
        }
        (None, false) => {
            diags.error(&obj.path, "a step needs `event` (an event type) or `\"evaluate\": true`");
            return None;
        }
    };
    Some(Step { action, at: at?, unlocks, rejected })
}

fn read_expect(obj: &Object<'_>, diags: &mut Diagnostics) -> Expect {
    let now = read_instant(obj, "now", diags);
    let earned = obj.opt_string_list("earned", diags).map(|keys| keys.into_iter().map(str::to_owned).collect());
    let stats =
        obj.opt_int_map("stats", diags).unwrap_or_default().into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
    let mut progress = Vec::new();
    if let Some(value) = obj.raw("progress") {
        match value {
            Json::Object(fields) => {
                for (key, item) in fields {
                    let Some(p) = Object::new(item, format!("expect.progress.{key}"), PROGRESS_FIELDS, diags) else {
                        continue;
                    };
                    let expected = ExpectedProgress {
                        current: p.opt_int("current", diags),
                        target: p.opt_int("target", diags),
                        percent: p.opt_int("percent", diags),
                        earned: p.opt_bool("earned", diags),
                    };
                    progress.push((key.to_string(), expected));
                }
            }
            other => diags.error("expect.progress", format!("expected an object, got {}", other.type_name())),
        }
    }
    Expect { now, earned, stats, progress }
}

fn read_instant(obj: &Object<'_>, field: &str, diags: &mut Diagnostics) -> Option<Timestamp> {
    let text = obj.opt_string(field, diags)?;
    parse_instant(text).map_err(|message| diags.error(obj.at(field), message)).ok()
}

/// What a run found: empty `failures` means the scenario passed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub failures: Vec<String>,
}

impl Report {
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// Runs a scenario against an engine (built from the scenario's catalog).
pub fn run_scenario(scenario: &Scenario, engine: &Engine) -> Report {
    let mut failures = Vec::new();
    let Ok(tz) = time_zone(&scenario.timezone) else {
        return Report { failures: vec![format!("unknown time zone `{}`", scenario.timezone)] };
    };
    let mut state = engine.new_state(tz);
    for (field, value) in &scenario.initial_stats {
        if let Err(e) = engine.set_stat(&mut state, field, *value) {
            failures.push(format!("initial_stats.{field}: {e}"));
        }
    }
    // Granted achievements are dated at the first step (or the epoch).
    let granted_at = scenario.steps.first().map_or(Timestamp::UNIX_EPOCH, |s| s.at);
    for key in &scenario.initial_earned {
        let record = EarnedRecord { earned_at: granted_at, progress_at_unlock: 0, cause: Cause::Granted };
        if let Err(e) = engine.grant(&mut state, key, record) {
            failures.push(format!("initial_earned: {e}"));
        }
    }
    if !failures.is_empty() {
        return Report { failures };
    }

    for (i, step) in scenario.steps.iter().enumerate() {
        let label = match &step.action {
            Action::Event { event_type, .. } => format!("step {} ({event_type} at {})", i + 1, step.at),
            Action::Evaluate => format!("step {} (evaluate at {})", i + 1, step.at),
        };
        let outcome = match &step.action {
            Action::Event { event_type, value } => {
                let before = engine.snapshot(&state);
                let result = engine.apply(&mut state, &Event { event_type, value: *value, at: step.at });
                if result.is_err() && engine.snapshot(&state) != before {
                    failures.push(format!("{label}: a refused event changed the state"));
                }
                result
            }
            Action::Evaluate => Ok(engine.evaluate(&mut state, step.at)),
        };
        match (outcome, step.rejected) {
            (Ok(unlocks), false) => {
                if let Some(expected) = &step.unlocks {
                    let got: BTreeSet<String> = unlocks.into_iter().map(|u| u.key).collect();
                    if let Some(diff) = set_difference("unlocks", expected, &got) {
                        failures.push(format!("{label}: {diff}"));
                    }
                }
            }
            (Ok(unlocks), true) => {
                let keys: Vec<String> = unlocks.into_iter().map(|u| u.key).collect();
                failures.push(format!(
                    "{label}: expected the event to be rejected, got applied (unlocked [{}])",
                    keys.join(", ")
                ));
            }
            (Err(e), false) => failures.push(format!("{label}: expected the event to be applied, got rejected: {e}")),
            (Err(_), true) => {}
        }
    }

    let expect = &scenario.expect;
    let now = expect.now.or_else(|| scenario.steps.last().map(|s| s.at)).unwrap_or(Timestamp::UNIX_EPOCH);
    if let Some(expected) = &expect.earned {
        let got: BTreeSet<String> = engine.snapshot(&state).earned.into_keys().collect();
        if let Some(diff) = set_difference("expect.earned", expected, &got) {
            failures.push(diff);
        }
    }
    for (field, expected) in &expect.stats {
        if !engine.field_names().any(|f| f == field) {
            failures.push(format!("expect.stats.{field}: no such field in the catalog"));
            continue;
        }
        let got = engine.stat(&state, field);
        if got != *expected {
            failures.push(format!("expect.stats.{field}: expected {expected}, got {got}"));
        }
    }
    for (key, expected) in &expect.progress {
        let Some(got) = engine.progress(&state, key, now) else {
            failures.push(format!("expect.progress.{key}: unknown achievement"));
            continue;
        };
        let mut check = |what: &str, want: Option<String>, have: String| {
            if let Some(want) = want.filter(|w| *w != have) {
                failures.push(format!("expect.progress.{key}.{what}: expected {want}, got {have}"));
            }
        };
        check("current", expected.current.map(|v| v.to_string()), got.current.to_string());
        check("target", expected.target.map(|v| v.to_string()), got.target.to_string());
        check("percent", expected.percent.map(|v| v.to_string()), got.percent.to_string());
        check("earned", expected.earned.map(|v| v.to_string()), got.earned.to_string());
    }
    Report { failures }
}

/// `None` when equal, else "what: expected [..], got [..] (missing [..]; unexpected [..])".
fn set_difference(what: &str, expected: &BTreeSet<String>, got: &BTreeSet<String>) -> Option<String> {
    if expected == got {
        return None;
    }
    let list = |s: &mut dyn Iterator<Item = &String>| s.map(String::as_str).collect::<Vec<_>>().join(", ");
    let mut detail = Vec::new();
    let missing = list(&mut expected.difference(got));
    if !missing.is_empty() {
        detail.push(format!("missing [{missing}]"));
    }
    let unexpected = list(&mut got.difference(expected));
    if !unexpected.is_empty() {
        detail.push(format!("unexpected [{unexpected}]"));
    }
    Some(format!(
        "{what}: expected [{}], got [{}] ({})",
        list(&mut expected.iter()),
        list(&mut got.iter()),
        detail.join("; ")
    ))
}
