//! `recalculate` through the real binary, across catalog changes: each
//! earned badge's points are credited once, and what the event log cannot
//! rebuild is kept.

#![allow(clippy::unwrap_used)]

use achievements_testkit::binary;
use std::path::Path;

/// A small catalog: `three_projects` needs `target` projects, and
/// `two_projects` is active or not.
fn catalog(target: i64, two_projects_active: bool) -> String {
    let def = |key: &str, points: i64, criteria: &str, value: i64, active: bool| {
        format!(
            r#"{{"key": "{key}", "name": "{key}", "description": "d", "icon": "faStar", "color_from": "a",
                "color_to": "b", "category": "projects", "points": {points}, "criteria_type": "{criteria}",
                "criteria_value": {value}, "tracking_field": "project_count", "requires_achievements": [],
                "is_secret": false, "rarity": "common", "order": 1, "is_active": {active}}}"#
        )
    };
    format!(
        r#"{{"version": 1, "points_field": "total_points",
            "events": {{"project_created": [{{"field": "project_count", "op": "add"}}],
                        "points_earned": [{{"field": "total_points", "op": "add"}}]}},
            "achievements": [{}, {}, {}]}}"#,
        def("first_project", 10, "first_time", 1, true),
        def("two_projects", 20, "count", 2, two_projects_active),
        def("three_projects", 40, "count", target, true),
    )
}

fn run(dir: &Path, args: &[&str]) -> String {
    let output = binary!().current_dir(dir).args(args).args(["--db", "points.db"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{args:?} failed: {stdout}{}", String::from_utf8_lossy(&output.stderr));
    stdout
}

fn total_points(dir: &Path) -> i64 {
    let conn = rusqlite::Connection::open(dir.join("points.db")).unwrap();
    conn.query_row("SELECT json_extract(snapshot, '$.stats.total_points') FROM user_state", [], |r| r.get(0)).unwrap()
}

/// After a catalog change makes one badge newly qualify and makes an earned
/// one inactive, the points field is the points events added plus those of
/// every earned badge, and a second run has nothing to fix. (Before the fix
/// the replay's credits were kept and the evaluation after it credited the
/// new badge again, while the inactive badge's points were lost: 130 → 190
/// after one run, and a second run "fixed" it to 150.)
#[test]
fn recalculate_credits_every_earned_badge_once_and_a_second_run_finds_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path();
    std::fs::write(path.join("before.json"), catalog(3, true)).unwrap();
    std::fs::write(path.join("after.json"), catalog(2, false)).unwrap();
    std::fs::write(
        path.join("events.jsonl"),
        [
            r#"{"id": "p1", "user": "ann", "type": "project_created", "at": "2026-03-01T10:00:00Z"}"#,
            r#"{"id": "p2", "user": "ann", "type": "project_created", "at": "2026-03-02T10:00:00Z"}"#,
            r#"{"id": "b1", "user": "ann", "type": "points_earned", "value": 100, "at": "2026-03-02T11:00:00Z"}"#,
        ]
        .join("\n"),
    )
    .unwrap();
    run(path, &["load-achievements", "--catalog", "before.json"]);
    run(path, &["users", "add", "ann"]);
    run(path, &["import-events", "events.jsonl"]);
    // 100 from the event, first_project 10, two_projects 20.
    assert_eq!(total_points(path), 130);

    // three_projects now qualifies (2 of 2); two_projects, earned, is now inactive.
    run(path, &["load-achievements", "--catalog", "after.json"]);
    let first = run(path, &["recalculate", "--user", "ann"]);
    assert!(first.contains("no differences"), "the stored points were right: {first}");
    assert!(first.contains("unlocked three_projects"), "{first}");
    // 100 + 10 + 20 (inactive, still earned) + 40 (unlocked now, credited once).
    assert_eq!(total_points(path), 170, "{first}");

    let second = run(path, &["recalculate", "--user", "ann"]);
    assert!(second.contains("no differences"), "{second}");
    assert!(second.contains("ann: 0 difference(s) fixed, 0 achievement(s) unlocked"), "{second}");
    assert_eq!(total_points(path), 170, "{second}");

    // A tampered points field is put back to the same figure.
    let conn = rusqlite::Connection::open(path.join("points.db")).unwrap();
    conn.execute("UPDATE user_state SET snapshot = json_set(snapshot, '$.stats.total_points', 999)", []).unwrap();
    drop(conn);
    let fixed = run(path, &["recalculate", "--user", "ann"]);
    assert!(fixed.contains("fixed total_points: stored 999, rebuilt 170"), "{fixed}");
    assert_eq!(total_points(path), 170);
}

/// A catalog that drops an event type and a badge (retired): the replay
/// refuses the old events, but the badge's counter, which no event writes
/// any more, keeps its value, and the retired badge's points still count.
#[test]
fn recalculate_keeps_what_the_event_log_cannot_rebuild() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path();
    let def = |key: &str, points: i64, field: &str| {
        format!(
            r#"{{"key": "{key}", "name": "{key}", "description": "d", "icon": "faStar", "color_from": "a",
                "color_to": "b", "category": "projects", "points": {points}, "criteria_type": "first_time",
                "criteria_value": 1, "tracking_field": "{field}", "requires_achievements": [],
                "is_secret": false, "rarity": "common", "order": 1, "is_active": true}}"#
        )
    };
    let before = format!(
        r#"{{"version": 1, "points_field": "total_points",
            "events": {{"project_created": [{{"field": "project_count", "op": "add"}}],
                        "snowball_thrown": [{{"field": "snowballs", "op": "add"}}]}},
            "achievements": [{}, {}]}}"#,
        def("first_project", 10, "project_count"),
        def("first_snowball", 15, "snowballs"),
    );
    let after = format!(
        r#"{{"version": 1, "points_field": "total_points",
            "events": {{"project_created": [{{"field": "project_count", "op": "add"}}]}},
            "achievements": [{}]}}"#,
        def("first_project", 10, "project_count"),
    );
    std::fs::write(path.join("before.json"), before).unwrap();
    std::fs::write(path.join("after.json"), after).unwrap();
    std::fs::write(
        path.join("events.jsonl"),
        [
            r#"{"id": "p1", "user": "ann", "type": "project_created", "at": "2026-03-01T10:00:00Z"}"#,
            r#"{"id": "s1", "user": "ann", "type": "snowball_thrown", "at": "2026-03-01T11:00:00Z"}"#,
            r#"{"id": "s2", "user": "ann", "type": "snowball_thrown", "at": "2026-03-01T12:00:00Z"}"#,
        ]
        .join("\n"),
    )
    .unwrap();
    run(path, &["load-achievements", "--catalog", "before.json"]);
    run(path, &["users", "add", "ann"]);
    run(path, &["import-events", "events.jsonl"]);
    let retired = run(path, &["load-achievements", "--catalog", "after.json"]);
    assert!(retired.contains("deactivated first_snowball (removed from the catalog file)"), "{retired}");

    let out = run(path, &["recalculate", "--user", "ann"]);
    assert!(out.starts_with("replayed 3 event(s) of ann (2 refused by the current catalog)\n"), "{out}");
    assert!(out.contains("no differences"), "{out}");
    let conn = rusqlite::Connection::open(path.join("points.db")).unwrap();
    let snowballs: i64 =
        conn.query_row("SELECT json_extract(snapshot, '$.stats.snowballs') FROM user_state", [], |r| r.get(0)).unwrap();
    assert_eq!(snowballs, 2);
    assert_eq!(total_points(path), 25, "first_project 10 + first_snowball 15 (retired, still earned)");
}
