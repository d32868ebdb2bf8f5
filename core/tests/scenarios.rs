//! Every scenario under `fixtures/scenarios/` passes, and together they
//! unlock every achievement of the shipped catalog.

use achievements_core::scenario::{Action, Scenario, parse_scenario, run_scenario};
use achievements_core::{Engine, Event, SHIPPED_CATALOG_JSON, time_zone};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

fn scenarios() -> Vec<(PathBuf, Scenario)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixtures().join("scenarios"))
        .expect("fixtures/scenarios exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("readable scenario");
            let scenario = parse_scenario(&text).unwrap_or_else(|e| panic!("{}: {}", path.display(), e.report()));
            (path, scenario)
        })
        .collect()
}

fn engine_for(path: &Path, scenario: &Scenario) -> Engine {
    let text = match &scenario.catalog {
        Some(rel) => std::fs::read_to_string(path.parent().expect("scenario has a folder").join(rel))
            .expect("scenario catalog readable"),
        None => SHIPPED_CATALOG_JSON.to_owned(),
    };
    Engine::from_json(&text).unwrap_or_else(|e| panic!("{}: catalog: {}", path.display(), e.report())).0
}

#[test]
fn every_scenario_passes() {
    let all = scenarios();
    assert!(all.len() >= 20, "expected the shipped scenarios, found {}", all.len());
    let mut failures = Vec::new();
    for (path, scenario) in &all {
        let report = run_scenario(scenario, &engine_for(path, scenario));
        if !report.passed() {
            failures.push(format!("{}:\n  {}", path.display(), report.failures.join("\n  ")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Replays the scenarios that use the shipped catalog and collects what they
/// unlock: every shipped achievement must be unlocked by at least one.
#[test]
fn scenarios_unlock_every_shipped_achievement() {
    let (shipped, _) = Engine::from_json(SHIPPED_CATALOG_JSON).expect("shipped catalog is valid");
    let mut unlocked = BTreeSet::new();
    for (path, scenario) in scenarios() {
        let engine = engine_for(&path, &scenario);
        if engine.catalog() != shipped.catalog() {
            continue;
        }
        let mut state = engine.new_state(time_zone(&scenario.timezone).expect("valid zone"));
        for (field, value) in &scenario.initial_stats {
            engine.set_stat(&mut state, field, *value).expect("valid initial stat");
        }
        for step in &scenario.steps {
            let unlocks = match &step.action {
                Action::Event { event_type, value } => {
                    engine.apply(&mut state, &Event { event_type, value: *value, at: step.at }).unwrap_or_default()
                }
                Action::Evaluate => engine.evaluate(&mut state, step.at),
            };
            unlocked.extend(unlocks.into_iter().map(|u| u.key));
        }
    }
    let missing: Vec<&str> =
        shipped.catalog().achievements.iter().map(|d| d.key.as_str()).filter(|k| !unlocked.contains(*k)).collect();
    assert!(missing.is_empty(), "no scenario unlocks {missing:?}");
}
