//! `users add`, `tokens add` and `load-achievements` as an operator runs
//! them: output lines, the token alone on the last line, exit codes, and
//! nothing stored when a command fails.

#![allow(clippy::unwrap_used)]

use achievements_server::store::{self, users};
use achievements_testkit::binary;
use std::path::Path;
use std::process::Output;

fn run(db: &Path, args: &[&str]) -> Output {
    binary!().args(args).arg("--db").arg(db).output().unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The last line, checked to be a token and nothing else.
fn token_on_last_line(out: &Output) -> String {
    assert!(out.status.success(), "{}{}", stdout(out), stderr(out));
    let text = stdout(out);
    let last = text.lines().last().unwrap();
    assert!(last.starts_with("ach_") && last.len() == 68 && !last.contains(' '), "last line: {last:?}");
    last.to_owned()
}

fn count(db: &Path, sql: &str) -> i64 {
    store::open(db).unwrap().query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn users_add_prints_a_working_token_alone_on_the_last_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let out = run(&db, &["users", "add", "ann", "--timezone", "europe/paris", "--admin"]);
    let token = token_on_last_line(&out);
    assert!(stdout(&out).starts_with("created user ann (time zone Europe/Paris, admin)\n"), "{}", stdout(&out));
    let owner = users::token_owner(&store::open(&db).unwrap(), &token).unwrap();
    let Some(store::TokenOwner::User(user)) = owner else { panic!("{owner:?}") };
    assert_eq!((user.name.as_str(), user.timezone.as_str(), user.is_admin), ("ann", "Europe/Paris", true));

    let offset = run(&db, &["users", "add", "raj", "--timezone", "-03:30"]);
    token_on_last_line(&offset);
    assert!(stdout(&offset).starts_with("created user raj (time zone -03:30)\n"), "{}", stdout(&offset));

    let again = token_on_last_line(&run(&db, &["tokens", "add", "--user", "ann"]));
    assert_ne!(again, token);
    assert_eq!(count(&db, "SELECT count(*) FROM tokens"), 3);
}

#[test]
fn users_add_refuses_bad_input_and_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    for (args, message) in [
        (vec!["users", "add", "bob", "--timezone", "Mars/Olympus"], "unknown time zone `Mars/Olympus`"),
        (vec!["users", "add", "has space"], "is not a valid name"),
        (vec!["users", "add", ""], "is not a valid name"),
    ] {
        let out = run(&db, &args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(stderr(&out).contains(message), "{args:?}: {}", stderr(&out));
        assert!(stdout(&out).is_empty());
    }
    assert_eq!(count(&db, "SELECT count(*) FROM users"), 0);
    token_on_last_line(&run(&db, &["users", "add", "bob"]));
    let out = run(&db, &["users", "add", "bob"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("a user named `bob` already exists"), "{}", stderr(&out));
    assert_eq!(count(&db, "SELECT count(*) FROM tokens"), 1);
}

#[test]
fn tokens_add_issues_service_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let token = token_on_last_line(&run(&db, &["tokens", "add", "--service", "platform"]));
    let owner = users::token_owner(&store::open(&db).unwrap(), &token).unwrap();
    assert_eq!(owner, Some(store::TokenOwner::Service { name: "platform".into(), is_admin: false }));

    let out = run(&db, &["tokens", "add", "--user", "nobody"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no user named `nobody`"));
    let out = run(&db, &["tokens", "add"]);
    assert_eq!(out.status.code(), Some(2), "clap usage error");
    let out = run(&db, &["tokens", "add", "--service", "a", "--user", "b"]);
    assert_eq!(out.status.code(), Some(2), "one owner only");
    assert_eq!(count(&db, "SELECT count(*) FROM tokens"), 1);
}

#[test]
fn the_database_can_come_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("env.db");
    let out = binary!().args(["tokens", "add", "--service", "platform"]).env("ACHIEVEMENTS_DB", &db).output().unwrap();
    token_on_last_line(&out);
    assert!(db.exists());
}

#[test]
fn load_achievements_reports_added_changed_and_deactivated() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let out = run(&db, &["load-achievements"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert_eq!(text.lines().filter(|l| l.starts_with("added ")).count(), 23);
    assert!(text.lines().any(|l| l == "added unbroken"));
    let last = text.lines().last().unwrap();
    assert!(last.starts_with("loaded the shipped catalog into "), "{last}");
    assert!(
        last.ends_with(
            ": 23 achievements, 9 event types; 23 added, 0 changed, 0 deactivated, 0 reactivated, 0 unchanged"
        ),
        "{last}"
    );

    let out = run(&db, &["load-achievements"]);
    assert!(stdout(&out).trim_end().ends_with("0 added, 0 changed, 0 deactivated, 0 reactivated, 23 unchanged"));
    assert_eq!(stdout(&out).lines().count(), 1);

    // A file that renames one badge, turns one off, drops one and adds one.
    let mut catalog: serde_json::Value = serde_json::from_str(achievements_core::SHIPPED_CATALOG_JSON).unwrap();
    let defs = catalog["achievements"].as_array_mut().unwrap();
    defs.iter_mut().find(|d| d["key"] == "help_5").unwrap()["name"] = "Helpful".into();
    defs.iter_mut().find(|d| d["key"] == "10_quizzes").unwrap()["is_active"] = false.into();
    defs.retain(|d| d["key"] != "crowd_favourite");
    let mut extra = defs[0].clone();
    extra["key"] = "2_projects".into();
    extra["criteria_type"] = "count".into();
    extra["criteria_value"] = 2.into();
    defs.push(extra);
    let file = dir.path().join("changed.json");
    std::fs::write(&file, catalog.to_string()).unwrap();
    let out = run(&db, &["load-achievements", "--catalog", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let lines: Vec<String> = stdout(&out).lines().map(str::to_owned).collect();
    assert_eq!(
        lines[..4],
        [
            "added 2_projects",
            "changed help_5",
            "deactivated 10_quizzes",
            "deactivated crowd_favourite (removed from the catalog file)",
        ]
    );
    assert!(lines[4].ends_with(
        "23 achievements, 9 event types; 1 added, 1 changed, 2 deactivated, 0 reactivated, 20 unchanged; 1 retired definition(s) kept inactive"
    ), "{}", lines[4]);
    assert_eq!(count(&db, "SELECT count(*) FROM achievements WHERE retired = 1 AND is_active = 0"), 1);

    // Back to the shipped file: the dropped and the disabled come back.
    let out = run(&db, &["load-achievements"]);
    let text = stdout(&out);
    assert!(text.contains("reactivated 10_quizzes\n") && text.contains("reactivated crowd_favourite\n"), "{text}");
    assert!(text.contains("deactivated 2_projects (removed from the catalog file)\n"), "{text}");
}

#[test]
fn load_achievements_refuses_an_invalid_catalog_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    assert!(run(&db, &["load-achievements"]).status.success());
    let invalid = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/invalid/many-errors.json");
    let out = run(&db, &["load-achievements", "--catalog", invalid.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("invalid catalog") && err.contains("(7 error(s))"), "{err}");
    assert!(err.contains("achievements[1] (5_projects).criteria_value: must be at least 1, got 0"), "{err}");
    assert_eq!(count(&db, "SELECT count(*) FROM achievements WHERE is_active = 1"), 23);
    let missing = run(&db, &["load-achievements", "--catalog", "/nonexistent/catalog.json"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(stderr(&missing).contains("cannot read /nonexistent/catalog.json"));
}

#[test]
fn a_database_from_a_newer_build_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    rusqlite::Connection::open(&db).unwrap().pragma_update(None, "user_version", 999).unwrap();
    let out = run(&db, &["users", "add", "ann"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("schema is version 999, newer than this build knows"), "{}", stderr(&out));
}
