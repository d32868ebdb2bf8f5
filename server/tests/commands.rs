//! The operators' commands through the real binary on real SQLite files:
//! import-events, award-retroactive, recalculate, check, debug.

#![allow(clippy::unwrap_used)]

mod common;

use achievements_testkit::binary;
use std::path::Path;
use tempfile::TempDir;

/// Runs `achievements ARGS --db DB`; asserts success; returns standard output.
fn run(db: &Path, args: &[&str]) -> String {
    let output = binary!().args(args).arg("--db").arg(db).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{args:?} failed: {stdout}{}", String::from_utf8_lossy(&output.stderr));
    stdout
}

fn setup() -> (TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ops.db");
    run(&db, &["load-achievements"]);
    run(&db, &["users", "add", "ann"]);
    run(&db, &["users", "add", "bob"]);
    (dir, db)
}

fn sql(db: &Path, query: &str) -> i64 {
    rusqlite::Connection::open(db).unwrap().query_row(query, [], |r| r.get(0)).unwrap()
}

fn import(dir: &TempDir, db: &Path, lines: &[&str]) -> String {
    let file = dir.path().join("events.jsonl");
    std::fs::write(&file, lines.join("\n")).unwrap();
    run(db, &["import-events", file.to_str().unwrap()])
}

const EVENTS: &[&str] = &[
    r#"{"id": "e1", "user": "ann", "type": "project_created", "at": "2026-03-01T10:00:00Z"}"#,
    r#"{"id": "e2", "user": "ann", "type": "project_created", "at": "2026-03-02T10:00:00Z"}"#,
    r#"{"id": "e1", "user": "ann", "type": "project_created", "at": "2026-03-01T10:00:00Z"}"#,
    "{not json",
    "",
    r#"{"id": "e3", "user": "zed", "type": "project_created"}"#,
    r#"{"id": "e4", "user": "ann", "type": "no_such_type"}"#,
    r#"{"id": "e5", "user": "bob", "type": "login", "at": "2026-03-02T10:00:00Z"}"#,
];

#[test]
fn import_events_counts_duplicates_and_lists_rejected_lines() {
    let (dir, db) = setup();
    let out = import(&dir, &db, EVENTS);
    assert!(out.contains("applied 3, duplicate 1, rejected 3"), "{out}");
    assert!(out.contains("line 4: rejected: JSON parse error"), "{out}");
    assert!(out.contains("line 6: rejected: id e3: no user named `zed`"), "{out}");
    assert!(out.contains("line 7: rejected: id e4:"), "{out}");
    assert_eq!(sql(&db, "SELECT count(*) FROM events"), 3);
    assert_eq!(sql(&db, "SELECT count(*) FROM earned WHERE achievement_key = 'first_project'"), 1);
    // Unlocks from an import are backfill notifications.
    assert!(sql(&db, "SELECT count(*) FROM notifications") > 0);
    assert_eq!(sql(&db, "SELECT count(*) FROM notifications WHERE backfill = 0"), 0);
    // Idempotent by id.
    let again = import(&dir, &db, EVENTS);
    assert!(again.contains("applied 0, duplicate 4, rejected 3"), "{again}");
    assert_eq!(sql(&db, "SELECT count(*) FROM events"), 3);
}

#[test]
fn award_retroactive_twice_gives_the_same_result() {
    let (_dir, db) = setup();
    // A state whose conditions hold but whose badges were never awarded
    // (as after a catalog change): the counter is set directly.
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute(
        "UPDATE user_state SET snapshot = json_set(snapshot, '$.stats.project_count', 5)
         WHERE user_id = (SELECT id FROM users WHERE name = 'ann')",
        [],
    )
    .unwrap();
    drop(conn);
    let first = run(&db, &["award-retroactive"]);
    assert!(first.contains("ann: unlocked") && first.contains("first_project"), "{first}");
    assert!(first.contains("evaluated 2 user(s)"), "{first}");
    let earned = sql(&db, "SELECT count(*) FROM earned");
    assert!(earned >= 2, "{first}");
    assert_eq!(sql(&db, "SELECT count(*) FROM notifications WHERE backfill = 1"), earned);
    assert_eq!(sql(&db, "SELECT count(*) FROM unlock_audit WHERE event_id IS NULL"), earned);
    let second = run(&db, &["award-retroactive"]);
    assert!(second.contains("0 achievement(s) unlocked for 0 user(s)"), "{second}");
    assert_eq!(sql(&db, "SELECT count(*) FROM earned"), earned);
    assert_eq!(sql(&db, "SELECT count(*) FROM notifications"), earned);
    let one = run(&db, &["award-retroactive", "--user", "bob"]);
    assert!(one.contains("evaluated 1 user(s): 0 achievement(s)"), "{one}");
    let output = binary!().args(["award-retroactive", "--user", "nobody", "--db"]).arg(&db).output().unwrap();
    assert!(!output.status.success());
}

#[test]
fn recalculate_restores_tampered_counters_and_keeps_badges() {
    let (dir, db) = setup();
    import(&dir, &db, EVENTS);
    let earned = sql(&db, "SELECT count(*) FROM earned");
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute(
        "UPDATE user_state SET snapshot = json_set(snapshot, '$.stats.project_count', 1)
         WHERE user_id = (SELECT id FROM users WHERE name = 'ann')",
        [],
    )
    .unwrap();
    drop(conn);
    let out = run(&db, &["recalculate", "--user", "ann"]);
    assert!(out.contains("fixed project_count: stored 1, rebuilt 2"), "{out}");
    assert!(out.contains("replayed 2 event(s) of ann"), "{out}");
    let restored = sql(
        &db,
        "SELECT json_extract(snapshot, '$.stats.project_count') FROM user_state
         WHERE user_id = (SELECT id FROM users WHERE name = 'ann')",
    );
    assert_eq!(restored, 2);
    assert_eq!(sql(&db, "SELECT count(*) FROM earned"), earned, "nothing revoked");
    let again = run(&db, &["recalculate", "--user", "ann"]);
    assert!(again.contains("no differences"), "{again}");
}

#[test]
fn check_and_debug_explain_a_users_standing() {
    let (dir, db) = setup();
    import(&dir, &db, EVENTS);
    common::assert_anns_standing(|args| run(&db, args));
    let output = binary!().args(["debug", "--user", "ann", "--achievement", "nope", "--db"]).arg(&db).output().unwrap();
    assert!(!output.status.success());
}

#[test]
fn import_events_spans_several_batches() {
    let (dir, db) = setup();
    let lines: Vec<String> = (0..2500)
        .map(|n| {
            let day = n % 28 + 1;
            format!(r#"{{"id": "big-{n}", "user": "ann", "type": "login", "at": "2026-02-{day:02}T10:00:00Z"}}"#)
        })
        .collect();
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let out = import(&dir, &db, &refs);
    assert!(out.contains("applied 2500, duplicate 0, rejected 0"), "{out}");
    assert_eq!(sql(&db, "SELECT count(*) FROM events"), 2500);
    let again = import(&dir, &db, &refs);
    assert!(again.contains("applied 0, duplicate 2500, rejected 0"), "{again}");
    // The streak the import built is what a replay rebuilds.
    let check = run(&db, &["recalculate", "--user", "ann"]);
    assert!(check.contains("no differences"), "{check}");
}
