//! Every bad catalog under `fixtures/invalid/` is refused with exactly the
//! messages in its `.expected` file (one `PATH: message` per line).

use achievements_core::load_catalog;
use std::path::Path;

#[test]
fn every_invalid_fixture_is_refused_with_its_expected_messages() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/invalid");
    let mut checked = 0;
    let mut failures = Vec::new();
    let mut entries: Vec<_> =
        std::fs::read_dir(&dir).expect("fixtures/invalid exists").map(|e| e.expect("entry").path()).collect();
    entries.sort();
    for path in entries.iter().filter(|p| p.extension().is_some_and(|e| e == "json")) {
        let text = std::fs::read_to_string(path).expect("readable fixture");
        let expected_path = path.with_extension("expected");
        let expected = std::fs::read_to_string(&expected_path)
            .unwrap_or_else(|_| panic!("{} needs {}", path.display(), expected_path.display()));
        match load_catalog(&text) {
            Ok(_) => failures.push(format!("{}: accepted, expected:\n{expected}", path.display())),
            Err(invalid) if invalid.report() != expected => {
                failures.push(format!("{}:\nexpected:\n{expected}got:\n{}", path.display(), invalid.report()));
            }
            Err(_) => {}
        }
        checked += 1;
    }
    assert!(checked >= 20, "expected the invalid fixtures, found {checked}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_many_errors_fixture_reports_every_error_not_just_the_first() {
    let text = include_str!("../../fixtures/invalid/many-errors.json");
    let invalid = load_catalog(text).expect_err("invalid");
    assert!(invalid.errors.len() >= 6, "{}", invalid.report());
}

#[test]
fn shipped_and_example_catalogs_are_valid() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
    for rel in ["achievements.json", "catalogs/winter-event.json"] {
        let text = std::fs::read_to_string(fixtures.join(rel)).expect("readable");
        if let Err(e) = load_catalog(&text) {
            panic!("{rel}:\n{}", e.report());
        }
    }
}

#[test]
fn an_inactive_prerequisite_warns_but_does_not_fail() {
    let text = include_str!("../../fixtures/scenarios/catalogs/inactive.json");
    let loaded = load_catalog(text).expect("warnings do not fail");
    let warnings: Vec<String> = loaded.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(
        warnings,
        [
            "achievements[1] (encore).requires_achievements[0]: `retired_launch` is inactive, so only users who already earned it can unlock this"
        ]
    );
}
