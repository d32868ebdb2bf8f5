//! What the command-line tests of both backends assert alike
//! (`commands.rs` on SQLite, `commands_postgres.rs` on PostgreSQL).

#![allow(clippy::unwrap_used, dead_code)]

/// What `check` and `debug` say of `ann` after the shared `EVENTS`: her
/// first project earned by `e1`, `5_projects` locked at 2/5. `run` runs
/// `achievements ARGS --db …` and returns its standard output.
pub(crate) fn assert_anns_standing(run: impl Fn(&[&str]) -> String) {
    let table = run(&["check", "--user", "ann"]);
    let header = table.lines().next().unwrap();
    assert!(header.starts_with("ACHIEVEMENT") && header.contains("BLOCKED BY"), "{table}");
    let first = table.lines().find(|l| l.starts_with("first_project ")).unwrap();
    assert!(first.contains("earned 2026-03-01T10:00:00Z"), "{first}");
    let five = table.lines().find(|l| l.starts_with("5_projects ")).unwrap();
    assert!(five.contains("locked") && five.contains("2/5") && five.contains("below the target 5"), "{five}");
    assert!(table.contains("ann: 1 of"), "{table}");

    let debug = run(&["debug", "--user", "ann", "--achievement", "first_project"]);
    assert!(debug.contains("condition:") && debug.contains("status:        earned"), "{debug}");
    assert!(debug.contains("audit record:") && debug.contains("event:         e1"), "{debug}");
    let locked = run(&["debug", "--user", "ann", "--achievement", "5_projects"]);
    assert!(locked.contains("blocked:") && locked.contains("none (not unlocked)"), "{locked}");
}
