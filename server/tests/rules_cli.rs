//! The `achievements rules` commands as a user runs them: output lines and
//! exit codes are a contract.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

fn achievements(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_achievements")).args(args).output().expect("the binary runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn validate_summarises_a_valid_catalog_in_one_line() {
    let out = achievements(&["rules", "validate", fixtures().join("achievements.json").to_str().expect("utf-8")]);
    assert!(out.status.success());
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.contains("valid catalog: 23 achievements"), "{text}");
}

#[test]
fn validate_lists_every_problem_and_fails() {
    let out =
        achievements(&["rules", "validate", fixtures().join("invalid/many-errors.json").to_str().expect("utf-8")]);
    assert!(!out.status.success());
    let text = stdout(&out);
    assert!(text.contains("achievements[1] (5_projects).criteria_value: must be at least 1, got 0\n"), "{text}");
    assert!(text.lines().count() >= 6, "{text}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid catalog"));
}

#[test]
fn validate_reports_an_unreadable_file() {
    let out = achievements(&["rules", "validate", "/nonexistent/catalog.json"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read /nonexistent/catalog.json"));
}

#[test]
fn test_runs_the_shipped_scenarios() {
    let out = achievements(&["rules", "test", fixtures().join("scenarios").to_str().expect("utf-8")]);
    let text = stdout(&out);
    assert!(out.status.success(), "{text}");
    let last = text.lines().last().expect("a closing line");
    assert!(last.ends_with(" passed, 0 failed"), "{last}");
    assert!(text.lines().filter(|l| l.starts_with("ok ")).count() >= 20, "{text}");
}

#[test]
fn test_reports_what_differed_and_counts_malformed_files() {
    let dir = tempfile::tempdir().expect("temp dir");
    let wrong = r#"{"name": "wrong expectation", "steps": [
        {"event": "project_created", "at": "2026-03-01T10:00:00Z", "unlocks": ["5_projects"]}]}"#;
    std::fs::write(dir.path().join("a.json"), wrong).expect("write");
    std::fs::write(dir.path().join("b.json"), r#"{"steps": [{"event": "login", "at": "yesterday"}]}"#).expect("write");
    std::fs::write(dir.path().join("c.json"), "{ not json").expect("write");
    std::fs::write(dir.path().join("ignored.txt"), "not a scenario").expect("write");
    let out = achievements(&["rules", "test", dir.path().to_str().expect("utf-8")]);
    let text = stdout(&out);
    assert!(!out.status.success());
    assert!(text.contains("FAILED wrong expectation\n"), "{text}");
    assert!(
        text.contains(
            "step 1 (project_created at 2026-03-01T10:00:00Z): unlocks: expected [5_projects], got [first_project]"
        ),
        "{text}"
    );
    assert!(text.contains("steps[0] (step 1).at: `yesterday` is not an RFC 3339 instant"), "{text}");
    assert!(text.contains("line 1, column 3: invalid JSON"), "{text}");
    assert_eq!(text.lines().last(), Some("0 passed, 3 failed"), "{text}");
}

#[test]
fn test_counts_a_missing_path_as_failed() {
    let out = achievements(&["rules", "test", "/nonexistent/scenarios"]);
    assert!(!out.status.success());
    assert_eq!(stdout(&out).lines().last(), Some("0 passed, 1 failed"));
}
