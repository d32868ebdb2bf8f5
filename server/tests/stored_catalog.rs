//! The operators' commands run the catalog stored in the database (what the
//! server runs), through the real binary: `check`, `debug` and `stats` leave
//! the database exactly as it was; the writing commands upsert a catalog
//! only when given `--catalog FILE`, printing what `load-achievements`
//! prints; without a stored catalog they say so; and no command that has
//! nothing to store creates a database.

#![allow(clippy::unwrap_used)]

use achievements_testkit::binary;
use rusqlite::types::Value;
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::process::Output;
use tempfile::TempDir;

const WINTER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/catalogs/winter-event.json");
const NO_CATALOG: &str = "no catalog loaded: run achievements load-achievements first";

fn run(dir: &Path, db: &Path, args: &[&str]) -> Output {
    binary!().current_dir(dir).args(args).arg("--db").arg(db).output().unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn ok(dir: &Path, db: &Path, args: &[&str]) -> String {
    let out = run(dir, db, args);
    assert!(out.status.success(), "{args:?} failed: {}{}", stdout(&out), stderr(&out));
    stdout(&out)
}

/// Every table's rows (sorted, as text), the schema version, and the bytes
/// of the database file — read through a read-only connection, so that
/// looking does not change what is looked at.
#[derive(Debug, PartialEq)]
struct Dump {
    tables: Vec<(String, Vec<String>)>,
    user_version: i64,
    file: Vec<u8>,
}

fn dump(db: &Path) -> Dump {
    let file = std::fs::read(db).unwrap();
    let conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let names: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let tables = names
        .into_iter()
        .map(|name| {
            let mut stmt = conn.prepare(&format!("SELECT * FROM \"{name}\"")).unwrap();
            let columns = stmt.column_count();
            let mut rows: Vec<String> = stmt
                .query_map([], |r| {
                    Ok((0..columns)
                        .map(|i| format!("{:?}", r.get::<_, Value>(i).unwrap()))
                        .collect::<Vec<_>>()
                        .join("|"))
                })
                .unwrap()
                .map(Result::unwrap)
                .collect();
            rows.sort();
            (name, rows)
        })
        .collect();
    let user_version = conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
    Dump { tables, user_version, file }
}

fn rows<'a>(dump: &'a Dump, table: &str) -> &'a [String] {
    &dump.tables.iter().find(|(name, _)| name == table).unwrap().1
}

/// A database running the winter-event catalog, with two users and some
/// history: badges earned, audit rows, notifications.
fn winter_database() -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("winter.db");
    ok(dir.path(), &db, &["load-achievements", "--catalog", WINTER]);
    ok(dir.path(), &db, &["users", "add", "alice"]);
    ok(dir.path(), &db, &["users", "add", "bob"]);
    let events = dir.path().join("events.jsonl");
    let lines: Vec<String> = (0..20)
        .map(|n| {
            format!(
                r#"{{"id": "s{n}", "user": "alice", "type": "snowball_thrown", "at": "2026-03-0{}T10:00:00Z"}}"#,
                n % 8 + 1
            )
        })
        .chain([r#"{"id": "l1", "user": "bob", "type": "level_changed", "value": 6, "at": "2026-03-02T10:00:00Z"}"#
            .to_owned()])
        .collect();
    std::fs::write(&events, lines.join("\n")).unwrap();
    // (`--catalog` again changes nothing: the same catalog is loaded.)
    let imported = ok(dir.path(), &db, &["import-events", events.to_str().unwrap(), "--catalog", WINTER]);
    assert!(imported.contains("applied 21, duplicate 0, rejected 0"), "{imported}");
    (dir, db)
}

#[test]
fn check_debug_and_stats_leave_every_table_as_it_was() {
    let (dir, db) = winter_database();
    let before = dump(&db);
    assert!(rows(&before, "earned").len() >= 3, "{:?}", rows(&before, "earned"));

    let table = ok(dir.path(), &db, &["check", "--user", "alice"]);
    // The stored catalog's badges, not the shipped catalog's.
    assert!(table.lines().any(|l| l.starts_with("first_snowball ") && l.contains("earned 2026-03-01")), "{table}");
    assert!(!table.contains("first_project"), "{table}");
    assert!(table.contains("alice: 2 of 4 achievement(s) earned"), "{table}");
    let debug = ok(dir.path(), &db, &["debug", "--user", "bob", "--achievement", "frost_level_5"]);
    assert!(debug.contains("status:        earned") && debug.contains("event:         l1"), "{debug}");
    let stats = ok(dir.path(), &db, &["stats", "--from", "2026-03-01", "--until", "2026-03-09"]);
    assert!(stats.contains("users: 2, with at least one achievement: 2 (100.0%)"), "{stats}");
    // Failing reads change nothing either.
    assert!(!run(dir.path(), &db, &["check", "--user", "nobody"]).status.success());
    assert!(!run(dir.path(), &db, &["debug", "--user", "alice", "--achievement", "first_project"]).status.success());

    assert_eq!(dump(&db), before);
    // SQLite may leave its WAL index beside the file; nothing was written through it.
    let wal = PathBuf::from(format!("{}-wal", db.display()));
    assert!(std::fs::metadata(&wal).map_or(0, |m| m.len()) == 0, "a read-only command wrote a WAL");
}

#[test]
fn without_a_stored_catalog_every_command_says_so_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("empty.db");
    ok(dir.path(), &db, &["users", "add", "alice"]);
    let events = dir.path().join("events.jsonl");
    std::fs::write(&events, r#"{"id": "p1", "user": "alice", "type": "project_created"}"#).unwrap();
    let before = dump(&db);
    for args in [
        &["check", "--user", "alice"][..],
        &["debug", "--user", "alice", "--achievement", "first_project"],
        &["award-retroactive"],
        &["award-retroactive", "--user", "alice"],
        &["recalculate", "--user", "alice"],
        &["import-events", events.to_str().unwrap()],
    ] {
        let out = run(dir.path(), &db, args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stdout(&out));
        assert_eq!(stderr(&out), format!("error: {NO_CATALOG}\n"), "{args:?}");
        assert_eq!(stdout(&out), "", "{args:?}");
    }
    // `stats` counts rows and needs no rules: it answers, with no badges to list.
    let stats = ok(dir.path(), &db, &["stats"]);
    assert!(stats.contains("users: 1, with at least one achievement: 0 (0.0%)"), "{stats}");
    assert!(stats.contains("most earned:\nleast earned:\n"), "{stats}");
    assert_eq!(dump(&db), before);
}

#[test]
fn no_command_creates_a_database_it_has_nothing_to_store_in() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("missing.db");
    let events = dir.path().join("events.jsonl");
    std::fs::write(&events, "").unwrap();
    for args in [
        &["check", "--user", "alice"][..],
        &["debug", "--user", "alice", "--achievement", "first_project"],
        &["stats"],
        &["award-retroactive"],
        &["recalculate", "--user", "alice"],
        &["import-events", events.to_str().unwrap()],
    ] {
        let out = run(dir.path(), &db, args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(stderr(&out).starts_with(&format!("error: no database at {}", db.display())), "{}", stderr(&out));
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(left, ["events.jsonl"], "{args:?} created a file");
    }
    // Given a catalog, a writing command creates and loads the database, as load-achievements does.
    let out = ok(dir.path(), &db, &["award-retroactive", "--catalog", WINTER]);
    assert!(out.contains("loaded") && out.contains("evaluated 0 user(s)"), "{out}");
    let again = ok(dir.path(), &db, &["award-retroactive"]);
    assert!(again.starts_with("evaluated 0 user(s)"), "the stored catalog serves: {again}");
}

#[test]
fn writing_commands_use_the_stored_catalog_and_upsert_only_a_catalog_given() {
    let (dir, db) = winter_database();
    let catalog_rows = |d: &Dump| (rows(d, "achievements").to_vec(), rows(d, "catalog").to_vec());
    let before = dump(&db);
    // Without --catalog: the winter badges stay active, nothing is upserted.
    let award = ok(dir.path(), &db, &["award-retroactive"]);
    assert!(!award.contains("loaded") && award.contains("evaluated 2 user(s)"), "{award}");
    let recalculated = ok(dir.path(), &db, &["recalculate", "--user", "alice"]);
    assert!(recalculated.contains("no differences"), "{recalculated}");
    assert!(recalculated.starts_with("replayed 20 event(s) of alice\n"), "{recalculated}");
    assert_eq!(catalog_rows(&dump(&db)), catalog_rows(&before));
    let table = ok(dir.path(), &db, &["check", "--user", "alice"]);
    assert!(table.contains("alice: 2 of 4 achievement(s) earned"), "{table}");
}

/// `award-retroactive`, `recalculate` and `import-events` given
/// `--catalog FILE` first print exactly what `load-achievements --catalog
/// FILE` prints on the same database.
#[test]
fn a_catalog_given_to_a_writing_command_prints_the_lines_of_load_achievements() {
    let shipped = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/achievements.json");
    for command in [&["award-retroactive"][..], &["recalculate", "--user", "alice"], &["import-events", "none.jsonl"]] {
        // Two identical databases, each in its own folder under the same
        // relative name, so the `loaded … into …` lines match too.
        let (reference, db) = winter_database();
        let (subject, _) = winter_database();
        std::fs::write(subject.path().join("none.jsonl"), "").unwrap();
        let relative = Path::new(db.file_name().unwrap());
        let expected = ok(reference.path(), relative, &["load-achievements", "--catalog", shipped]);
        assert!(expected.contains("deactivated first_snowball (removed from the catalog file)"), "{expected}");
        assert!(expected.contains("added first_project"), "{expected}");
        let mut args = command.to_vec();
        args.extend(["--catalog", shipped]);
        let got = ok(subject.path(), relative, &args);
        assert!(got.starts_with(&expected), "{command:?}:\n{got}\nexpected first:\n{expected}");
        assert!(got.len() > expected.len(), "{command:?} printed its own lines after");
        // And the catalog is now the shipped one, as after load-achievements.
        let table = ok(subject.path(), relative, &["check", "--user", "alice"]);
        assert!(table.lines().any(|l| l.starts_with("first_project ")), "{table}");
    }
}

/// A database of an older build (before the `catalog` table): a read does
/// not migrate it and says what does; `load-achievements` migrates it and
/// stores the catalog, and reads work from then on.
#[test]
fn a_read_does_not_migrate_an_older_database() {
    let (dir, db) = winter_database();
    let conn = Connection::open(&db).unwrap();
    // Migration 6's tables and columns go too, so that migrating runs it again.
    conn.execute_batch(
        "DROP TABLE catalog; DROP TABLE user_name_keys; DROP INDEX tokens_by_user; \
         ALTER TABLE tokens DROP COLUMN expires_at; ALTER TABLE tokens DROP COLUMN revoked_at; \
         ALTER TABLE tokens DROP COLUMN last_used_at; ALTER TABLE tokens DROP COLUMN is_admin; \
         DROP TABLE webhook_delivery_unlocks; DROP TABLE webhook_deliveries; DROP TABLE webhooks; \
         DROP TRIGGER events_no_delete; DROP TRIGGER unlock_audit_no_delete; \
         CREATE TRIGGER events_no_delete BEFORE DELETE ON events \
         BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END; \
         CREATE TRIGGER unlock_audit_no_delete BEFORE DELETE ON unlock_audit \
         BEGIN SELECT RAISE(ABORT, 'the unlock audit log is append-only'); END; \
         DROP TABLE actors; DROP TABLE revocations; DROP TABLE erasures; DROP TABLE erasing; \
         ALTER TABLE unlock_audit DROP COLUMN actor_id; ALTER TABLE unlock_audit DROP COLUMN reason; \
         PRAGMA user_version = 2;",
    )
    .unwrap();
    drop(conn);
    let before = dump(&db);
    let out = run(dir.path(), &db, &["check", "--user", "alice"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("schema is version 2, older than this build's"), "{}", stderr(&out));
    assert!(stderr(&out).contains("`achievements load-achievements`"), "{}", stderr(&out));
    assert_eq!(dump(&db), before);

    ok(dir.path(), &db, &["load-achievements", "--catalog", WINTER]);
    let table = ok(dir.path(), &db, &["check", "--user", "alice"]);
    assert!(table.contains("alice: 2 of 4 achievement(s) earned"), "{table}");
}
