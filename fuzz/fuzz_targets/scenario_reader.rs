//! The scenario reader (`parse_scenario`, the format `achievements rules
//! test` runs; see `fixtures/README.md`) on any UTF-8 text: it never panics,
//! a refusal names at least one problem, and a scenario it accepts runs to a
//! report (`run_scenario`) without panicking, the same report twice.
//!
//! A scenario's `catalog` is a path the command line resolves; here the
//! paths of the shipped scenarios map to their catalogs, embedded, and any
//! other path runs against the shipped catalog.

#![no_main]

use achievements_core::scenario::{parse_scenario, run_scenario};
use achievements_core::{Engine, SHIPPED_CATALOG_JSON};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

/// The catalogs the shipped scenarios name, by the path they use.
const CATALOGS: &[(&str, &str)] = &[
    ("../catalogs/winter-event.json", include_str!("../../fixtures/catalogs/winter-event.json")),
    ("catalogs/inactive.json", include_str!("../../fixtures/scenarios/catalogs/inactive.json")),
    ("catalogs/streak-threshold.json", include_str!("../../fixtures/scenarios/catalogs/streak-threshold.json")),
];

fn engines() -> &'static (Engine, Vec<(&'static str, Engine)>) {
    static ENGINES: OnceLock<(Engine, Vec<(&'static str, Engine)>)> = OnceLock::new();
    ENGINES.get_or_init(|| {
        let load = |text: &str| Engine::from_json(text).expect("a fixture catalog is valid").0;
        (load(SHIPPED_CATALOG_JSON), CATALOGS.iter().map(|(path, text)| (*path, load(text))).collect())
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let scenario = match parse_scenario(text) {
        Ok(scenario) => scenario,
        Err(invalid) => {
            assert!(!invalid.errors.is_empty(), "refused without a reason: {text:?}");
            let _ = invalid.report();
            return;
        }
    };
    let (shipped, others) = engines();
    let engine = scenario
        .catalog
        .as_deref()
        .and_then(|path| others.iter().find(|(p, _)| *p == path))
        .map_or(shipped, |(_, engine)| engine);
    let first = run_scenario(&scenario, engine);
    let second = run_scenario(&scenario, engine);
    assert_eq!(first, second, "the same scenario ran differently twice");
});
