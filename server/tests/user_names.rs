//! User names that look alike, through the real `achievements` binary:
//! `users add` refuses a name in two scripts and a name that reads like an
//! existing user's, saying which; `serve --demo` keeps the same rule; a
//! database that already holds look-alikes from before the rule still opens.

#![allow(clippy::unwrap_used)]

use achievements_server::store;
use achievements_testkit::binary;
use std::path::Path;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

fn run(db: &Path, args: &[&str]) -> Output {
    binary!().args(args).arg("--db").arg(db).output().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn add_user(db: &Path, name: &str) -> Output {
    run(db, &["users", "add", name])
}

fn user_names(db: &Path) -> Vec<String> {
    let conn = store::open(db).unwrap();
    let mut stmt = conn.prepare("SELECT name FROM users ORDER BY id").unwrap();
    stmt.query_map([], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap()
}

#[test]
fn a_name_that_reads_like_an_existing_user_is_refused_naming_them() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    assert!(add_user(&db, "alice").status.success());
    for look_alike in ["ALICE", "Alice", "\u{ff41}lice", "a1ice", "AIice"] {
        let out = add_user(&db, look_alike);
        assert_eq!(out.status.code(), Some(1), "{look_alike}");
        assert!(out.stdout.is_empty(), "{look_alike}");
        let expected = format!("error: user name `{look_alike}` collides with the existing user `alice` (");
        assert!(stderr(&out).starts_with(&expected), "{look_alike}: {}", stderr(&out));
    }
    // Wholly Cyrillic, so single-script, but it reads like a Latin name.
    assert!(add_user(&db, "coco").status.success());
    let cyrillic = "\u{441}\u{43e}\u{441}\u{43e}";
    let out = add_user(&db, cyrillic);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains(&format!("user name `{cyrillic}` collides with the existing user `coco`")));
    assert_eq!(user_names(&db), ["alice", "coco"]);
}

#[test]
fn a_name_that_mixes_scripts_is_refused_and_single_script_names_are_welcome() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    for (name, scripts) in [("\u{430}lice", "Cyrillic, Latin"), ("Ωmega", "Greek, Latin"), ("山田taro", "Han, Latin")]
    {
        let out = add_user(&db, name);
        assert_eq!(out.status.code(), Some(1), "{name}");
        assert_eq!(
            stderr(&out),
            format!(
                "error: `{name}` is not a valid name: it mixes scripts ({scripts}); use the letters of one script\n"
            )
        );
    }
    let welcome = ["José", "山田", "やまだ太郎", "Ωμέγα", "Мария", "user_42"];
    for name in welcome {
        let out = add_user(&db, name);
        assert!(out.status.success(), "{name}: {}", stderr(&out));
    }
    assert_eq!(user_names(&db), welcome);
}

#[test]
fn service_names_follow_the_character_and_script_rules_but_may_repeat() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let out = run(&db, &["tokens", "add", "--service", "p\u{430}tform"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("it mixes scripts (Latin, Cyrillic)"), "{}", stderr(&out));
    for _ in 0..2 {
        assert!(run(&db, &["tokens", "add", "--service", "platform"]).status.success());
    }
}

#[test]
fn the_demo_user_is_created_under_the_same_rule() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    assert!(add_user(&db, "DEMO").status.success());
    let mut serve = binary!()
        .args(["serve", "--bind", "127.0.0.1:0", "--demo", "--db"])
        .arg(&db)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // It must stop at start-up; a server that starts would serve forever.
    let deadline = Instant::now() + Duration::from_secs(60);
    while serve.try_wait().unwrap().is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    if serve.try_wait().unwrap().is_none() {
        serve.kill().unwrap();
        serve.wait().unwrap();
        panic!("`serve --demo` started beside the user `DEMO`");
    }
    let out = serve.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("user name `demo` collides with the existing user `DEMO`"), "{}", stderr(&out));
}

/// A database of schema version 2 that already holds `alice`, `ALICE` and
/// `bob`: the binary migrates it, keeps all three, and compares new names
/// with both look-alikes.
#[test]
fn look_alikes_stored_before_the_rule_do_not_stop_the_database_from_opening() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("old.db");
    {
        let conn = store::open(&db).unwrap();
        // Back to the version-2 users table, as an older build left it.
        conn.execute_batch(
            "DROP TABLE user_name_keys;
             DROP TABLE catalog;
             DROP TABLE webhook_delivery_unlocks;
             DROP TABLE webhook_deliveries;
             DROP TABLE webhooks;
             DROP TRIGGER events_no_delete; DROP TRIGGER unlock_audit_no_delete;
             CREATE TRIGGER events_no_delete BEFORE DELETE ON events
             BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
             CREATE TRIGGER unlock_audit_no_delete BEFORE DELETE ON unlock_audit
             BEGIN SELECT RAISE(ABORT, 'the unlock audit log is append-only'); END;
             DROP TABLE actors; DROP TABLE revocations; DROP TABLE erasures; DROP TABLE erasing;
             ALTER TABLE unlock_audit DROP COLUMN actor_id; ALTER TABLE unlock_audit DROP COLUMN reason;
             DROP INDEX tokens_by_user;
             ALTER TABLE tokens DROP COLUMN expires_at;
             ALTER TABLE tokens DROP COLUMN revoked_at;
             ALTER TABLE tokens DROP COLUMN last_used_at;
             ALTER TABLE tokens DROP COLUMN is_admin;
             PRAGMA user_version = 2;
             INSERT INTO users (name, timezone, created_at) VALUES
                 ('alice', 'UTC', '2026-01-01T00:00:00Z'),
                 ('ALICE', 'UTC', '2026-01-02T00:00:00Z'),
                 ('bob', 'UTC', '2026-01-03T00:00:00Z');",
        )
        .unwrap();
    }
    let out = run(&db, &["tokens", "add", "--user", "ALICE"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = add_user(&db, "Alice");
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("collides with the existing user `alice`"), "{}", stderr(&out));
    assert!(add_user(&db, "carol").status.success());
    assert_eq!(user_names(&db), ["alice", "ALICE", "bob", "carol"]);
}
