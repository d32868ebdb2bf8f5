//! The operators' commands through the real binary with `--db` a
//! PostgreSQL URL: the same lines, exit codes and effects as on SQLite
//! (`commands.rs`, `cli.rs`, `stored_catalog.rs`), the reading commands
//! change no row, and what a command changes reaches running instances.
//!
//! PostgreSQL only: without `ACHIEVEMENTS_TEST_POSTGRES` (outside CI) each
//! test says SKIPPED and passes; in CI it fails instead.

#![allow(clippy::unwrap_used)]

mod common;

use achievements_testkit::postgres::{execute, query_i64, text_rows};
use achievements_testkit::{Kept, Setup, TestPostgres, TestServer, binary, read_unlocks};
use reqwest::StatusCode;
use std::process::Output;
use std::time::{Duration, Instant};

fn postgres() -> Option<TestPostgres> {
    let db = TestPostgres::from_env();
    if db.is_none() {
        println!("SKIPPED: ACHIEVEMENTS_TEST_POSTGRES is not set (scripts/postgres.sh prints one)");
    }
    db
}

/// Runs `achievements ARGS --db URL`.
fn output(db: &TestPostgres, args: &[&str]) -> Output {
    binary!().args(args).arg("--db").arg(db.url()).output().unwrap()
}

/// Runs `achievements ARGS --db URL`; asserts success; returns standard output.
fn run(db: &TestPostgres, args: &[&str]) -> String {
    let out = output(db, args);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{args:?} failed: {stdout}{}", String::from_utf8_lossy(&out.stderr));
    stdout
}

/// Runs a command that must fail with exit code 1; returns standard error.
fn fails(db: &TestPostgres, args: &[&str]) -> String {
    let out = output(db, args);
    assert_eq!(out.status.code(), Some(1), "{args:?}: {}", String::from_utf8_lossy(&out.stdout));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn sql(db: &TestPostgres, query: &str) -> i64 {
    query_i64(db.url(), query).unwrap()
}

/// The last line, checked to be a token and nothing else.
fn token_on_last_line(text: &str) -> String {
    let last = text.lines().last().unwrap();
    assert!(last.starts_with("ach_") && last.len() == 68 && !last.contains(' '), "last line: {last:?}");
    last.to_owned()
}

/// A database with the shipped catalog and the users ann and bob.
fn setup() -> Option<TestPostgres> {
    let db = postgres()?;
    run(&db, &["load-achievements"]);
    run(&db, &["users", "add", "ann"]);
    run(&db, &["users", "add", "bob"]);
    Some(db)
}

fn import(db: &TestPostgres, lines: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("events.jsonl");
    std::fs::write(&file, lines.join("\n")).unwrap();
    run(db, &["import-events", file.to_str().unwrap()])
}

/// Sets a stat in a user's stored state directly, as a bug or a hand edit
/// would: no instance is told.
fn tamper(db: &TestPostgres, user: &str, field: &str, value: i64) {
    execute(
        db.url(),
        &format!(
            "UPDATE user_state SET snapshot = jsonb_set(snapshot::jsonb, '{{stats,{field}}}', '{value}')::text
             WHERE user_id = (SELECT id FROM users WHERE name = '{user}')"
        ),
    )
    .unwrap();
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
fn users_and_tokens_are_managed_as_on_sqlite() {
    let Some(db) = postgres() else { return };
    let added = run(&db, &["users", "add", "ann", "--timezone", "europe/paris", "--admin"]);
    assert!(added.starts_with("created user ann (time zone Europe/Paris, admin)\n"), "{added}");
    let first = token_on_last_line(&added);
    assert_eq!(sql(&db, "SELECT count(*) FROM users WHERE name = 'ann' AND is_admin AND timezone = 'Europe/Paris'"), 1);
    assert!(fails(&db, &["users", "add", "ann"]).contains("a user named `ann` already exists"));
    assert!(fails(&db, &["users", "add", "ANN"]).contains("collides with the existing user `ann`"));
    assert!(fails(&db, &["users", "add", "has space"]).contains("is not a valid name"));
    assert!(fails(&db, &["users", "add", "bob", "--timezone", "Mars/Olympus"]).contains("unknown time zone"));
    assert_eq!(sql(&db, "SELECT count(*) FROM users"), 1, "nothing stored by a refused command");

    let public = run(&db, &["users", "set", "ann", "--public-profile", "true"]);
    assert_eq!(public, "the profile of ann is now public (GET users/ann/achievements/)\n");
    assert_eq!(sql(&db, "SELECT count(*) FROM users WHERE public_profile"), 1);
    run(&db, &["users", "set", "ann", "--public-profile", "false"]);
    assert_eq!(sql(&db, "SELECT count(*) FROM users WHERE public_profile"), 0);
    assert!(fails(&db, &["users", "set", "nobody", "--public-profile", "true"]).contains("no user named `nobody`"));

    let again = run(&db, &["tokens", "add", "--user", "ann"]);
    assert!(again.starts_with("new token for user ann (shown only now;"), "{again}");
    assert_ne!(token_on_last_line(&again), first);
    let service = run(&db, &["tokens", "add", "--service", "platform"]);
    assert!(service.starts_with("service token for platform, allowed to post events"), "{service}");
    token_on_last_line(&service);
    assert!(fails(&db, &["tokens", "add", "--user", "nobody"]).contains("no user named `nobody`"));
    assert_eq!(sql(&db, "SELECT count(*) FROM tokens"), 3);
    assert_eq!(sql(&db, "SELECT count(*) FROM tokens WHERE service = 'platform'"), 1);
}

#[test]
fn load_achievements_twice_changes_nothing_the_second_time() {
    let Some(db) = postgres() else { return };
    let first = run(&db, &["load-achievements"]);
    assert_eq!(first.lines().filter(|l| l.starts_with("added ")).count(), 23, "{first}");
    let summary = first.lines().last().unwrap();
    assert!(summary.starts_with("loaded the shipped catalog into postgres://achievements:***@"), "{summary}");
    assert!(summary.ends_with("23 added, 0 changed, 0 deactivated, 0 reactivated, 0 unchanged"), "{summary}");
    assert!(!first.contains(":achievements@"), "the password is never printed: {first}");
    let before = text_rows(db.url(), "SELECT key, updated_at FROM achievements ORDER BY key").unwrap();
    let second = run(&db, &["load-achievements"]);
    assert_eq!(second.lines().count(), 1, "{second}");
    assert!(second.ends_with("0 added, 0 changed, 0 deactivated, 0 reactivated, 23 unchanged\n"), "{second}");
    assert_eq!(text_rows(db.url(), "SELECT key, updated_at FROM achievements ORDER BY key").unwrap(), before);
}

#[test]
fn import_events_counts_duplicates_and_lists_rejected_lines() {
    let Some(db) = setup() else { return };
    let out = import(&db, EVENTS);
    assert!(out.contains("applied 3, duplicate 1, rejected 3"), "{out}");
    assert!(out.contains("line 4: rejected: JSON parse error"), "{out}");
    assert!(out.contains("line 6: rejected: id e3: no user named `zed`"), "{out}");
    assert!(out.contains("line 7: rejected: id e4:"), "{out}");
    assert_eq!(sql(&db, "SELECT count(*) FROM events"), 3);
    assert_eq!(sql(&db, "SELECT count(*) FROM events WHERE source = 'import'"), 3);
    assert_eq!(sql(&db, "SELECT count(*) FROM earned WHERE achievement_key = 'first_project'"), 1);
    assert!(sql(&db, "SELECT count(*) FROM notifications") > 0);
    assert_eq!(sql(&db, "SELECT count(*) FROM notifications WHERE NOT backfill"), 0);
    let again = import(&db, EVENTS);
    assert!(again.contains("applied 0, duplicate 4, rejected 3"), "{again}");
    assert_eq!(sql(&db, "SELECT count(*) FROM events"), 3);
}

#[test]
fn award_retroactive_twice_gives_the_same_result() {
    let Some(db) = setup() else { return };
    tamper(&db, "ann", "project_count", 5);
    let first = run(&db, &["award-retroactive"]);
    assert!(first.contains("ann: unlocked") && first.contains("first_project"), "{first}");
    assert!(first.contains("evaluated 2 user(s)"), "{first}");
    let earned = sql(&db, "SELECT count(*) FROM earned");
    assert!(earned >= 2, "{first}");
    assert_eq!(sql(&db, "SELECT count(*) FROM notifications WHERE backfill"), earned);
    assert_eq!(sql(&db, "SELECT count(*) FROM unlock_audit WHERE event_id IS NULL"), earned);
    let second = run(&db, &["award-retroactive"]);
    assert!(second.contains("0 achievement(s) unlocked for 0 user(s)"), "{second}");
    assert_eq!(sql(&db, "SELECT count(*) FROM earned"), earned);
    let one = run(&db, &["award-retroactive", "--user", "bob"]);
    assert!(one.contains("evaluated 1 user(s): 0 achievement(s)"), "{one}");
    assert!(fails(&db, &["award-retroactive", "--user", "nobody"]).contains("no user named `nobody`"));
}

#[test]
fn recalculate_restores_tampered_counters_and_keeps_badges() {
    let Some(db) = setup() else { return };
    import(&db, EVENTS);
    let earned = sql(&db, "SELECT count(*) FROM earned");
    tamper(&db, "ann", "project_count", 1);
    let out = run(&db, &["recalculate", "--user", "ann"]);
    assert!(out.contains("fixed project_count: stored 1, rebuilt 2"), "{out}");
    assert!(out.contains("replayed 2 event(s) of ann"), "{out}");
    assert!(out.ends_with("ann: 1 difference(s) fixed, 0 achievement(s) unlocked\n"), "{out}");
    let restored = sql(
        &db,
        "SELECT (snapshot::jsonb #>> '{stats,project_count}')::bigint FROM user_state
         WHERE user_id = (SELECT id FROM users WHERE name = 'ann')",
    );
    assert_eq!(restored, 2);
    assert_eq!(sql(&db, "SELECT count(*) FROM earned"), earned, "nothing revoked");
    let again = run(&db, &["recalculate", "--user", "ann"]);
    assert!(again.contains("no differences"), "{again}");
    assert!(fails(&db, &["recalculate", "--user", "nobody"]).contains("no user named `nobody`"));
}

#[test]
fn check_debug_and_stats_explain_and_change_no_row() {
    let Some(db) = setup() else { return };
    import(&db, EVENTS);
    let before = dump(&db);

    common::assert_anns_standing(|args| run(&db, args));
    assert!(fails(&db, &["debug", "--user", "ann", "--achievement", "nope"]).contains("no achievement with the key"));
    assert!(fails(&db, &["check", "--user", "nobody"]).contains("no user named `nobody`"));

    let stats = run(&db, &["stats", "--from", "2026-03-01", "--until", "2026-03-03"]);
    assert!(stats.contains("users: 2, with at least one achievement: 2 (100.0%)"), "{stats}");

    assert_eq!(dump(&db), before, "a reading command changed a row");
}

#[test]
fn without_a_catalog_or_a_schema_the_commands_stop_and_create_nothing() {
    let Some(db) = postgres() else { return };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("events.jsonl");
    std::fs::write(&file, EVENTS[0]).unwrap();
    let file = file.to_str().unwrap();
    // An empty database: the commands that never create stop at once.
    let readers: &[&[&str]] =
        &[&["check", "--user", "ann"], &["stats"], &["debug", "--user", "a", "--achievement", "k"]];
    let writers: &[&[&str]] = &[&["award-retroactive"], &["recalculate", "--user", "ann"], &["import-events", file]];
    for args in readers.iter().chain(writers) {
        assert!(fails(&db, args).contains("(this command does not create one)"), "{args:?}");
    }
    assert_eq!(sql(&db, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"), 0, "no table created");

    // A schema but no catalog: the same message as on SQLite.
    run(&db, &["users", "add", "ann"]);
    for args in readers.iter().take(1).chain(writers) {
        assert_eq!(
            fails(&db, args),
            "error: no catalog loaded: run achievements load-achievements first\n",
            "{args:?}"
        );
    }
    // With --catalog, a writing command loads it first, as load-achievements.
    let catalog = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/achievements.json");
    let out = run(&db, &["award-retroactive", "--catalog", catalog]);
    assert!(out.contains("loaded") && out.contains("evaluated 1 user(s)"), "{out}");
}

/// What a reading command must leave as it was: every row of the tables
/// the commands touch, and the schema version.
fn dump(db: &TestPostgres) -> Vec<Vec<Vec<Option<String>>>> {
    [
        "SELECT * FROM schema_migrations ORDER BY 1",
        "SELECT * FROM users ORDER BY id",
        "SELECT * FROM tokens ORDER BY created_at, hash",
        "SELECT * FROM user_state ORDER BY user_id",
        "SELECT * FROM events ORDER BY seq",
        "SELECT * FROM earned ORDER BY user_id, achievement_key",
        "SELECT * FROM unlock_audit ORDER BY seq",
        "SELECT * FROM notifications ORDER BY id",
        "SELECT * FROM achievements ORDER BY key",
        "SELECT * FROM catalog",
    ]
    .iter()
    .map(|query| text_rows(db.url(), query).unwrap())
    .collect()
}

/// A running instance hears what a command committed: its open streams
/// get the unlocks of `award-retroactive` (streams wake only when told, on
/// PostgreSQL), and its cached state gives way to `recalculate`'s.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_a_command_changes_reaches_a_running_instance_within_a_second() {
    let Some(db) = postgres() else { return };
    let url = db.url().to_owned();
    let server = TestServer::start_in(Kept::on_postgres(db), Setup::default()).await;
    let ann = server.add_user("ann", "UTC", false);
    let command = {
        let url = url.clone();
        move |args: &'static [&'static str]| {
            let url = url.clone();
            tokio::task::spawn_blocking(move || {
                let out = binary!().args(args).arg("--db").arg(&url).output().unwrap();
                assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
            })
        }
    };

    let mut stream =
        server.client.get(server.url(&format!("/api/v1/notifications/stream/?token={ann}"))).send().await.unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    execute(&url, "UPDATE user_state SET snapshot = jsonb_set(snapshot::jsonb, '{stats,project_count}', '1')::text")
        .unwrap();
    command(&["award-retroactive"]).await.unwrap();
    let told = Instant::now();
    let unlocks = read_unlocks(&mut stream, 1).await;
    assert_eq!(unlocks[0].1["key"], "first_project");
    assert!(told.elapsed() < Duration::from_secs(1), "the unlock took {:?}", told.elapsed());

    // The instance caches ann's state (project_count 1, for a second); the
    // log has no event, so recalculate rebuilds 0, and the instance must
    // drop its cached state when told, not when the second is over.
    let cached = Instant::now();
    let (status, me) = server.get("/api/v1/me/", Some(&ann)).await;
    assert_eq!((status, me["stats"]["project_count"].as_i64()), (StatusCode::OK, Some(1)), "{me}");
    command(&["recalculate", "--user", "ann"]).await.unwrap();
    let told = cached.elapsed();
    loop {
        let (_, me) = server.get("/api/v1/me/", Some(&ann)).await;
        if me["stats"]["project_count"].as_i64() == Some(0) {
            break;
        }
        assert!(cached.elapsed() < Duration::from_secs(5), "still the old state: {me}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // Only meaningful when the command itself ended well within the
    // cache's lifetime (a loaded machine may take longer).
    if told < Duration::from_millis(800) {
        assert!(cached.elapsed() < Duration::from_secs(1), "seen {:?} after caching", cached.elapsed());
    }
}
