//! The PostgreSQL schema on a real server: migrations (once, refused when
//! newer, serialized across instances), the append-only logs, the unique
//! keys, the read-only and existing-database openings, and TLS.
//!
//! Each test makes its own database from `ACHIEVEMENTS_TEST_POSTGRES`
//! (`export ACHIEVEMENTS_TEST_POSTGRES=$(scripts/postgres.sh)`); without it
//! they print `SKIPPED` and pass, except in CI, where they fail.

#![allow(clippy::unwrap_used)]

use achievements_server::store::StoreError;
use achievements_server::store::postgres::{LATEST, Pg, PoolOptions};
use achievements_testkit::TestPostgres;
use tokio_postgres::error::SqlState;

fn database() -> Option<TestPostgres> {
    let db = TestPostgres::from_env();
    if db.is_none() {
        println!("SKIPPED: ACHIEVEMENTS_TEST_POSTGRES not set");
    }
    db
}

/// A plain connection to the test database, to look at or tamper with
/// what the store wrote.
async fn sql(db: &TestPostgres) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(db.url(), tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    client
}

async fn open(db: &TestPostgres) -> Result<Pg, StoreError> {
    Pg::open(db.url(), PoolOptions::default()).await
}

/// What the schema is: its tables and columns, its triggers, and the
/// migrations recorded (with when they were applied).
async fn schema(sql: &tokio_postgres::Client) -> Vec<String> {
    let mut lines = Vec::new();
    let queries = [
        "SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable
         FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, column_name",
        "SELECT event_object_table || ' ' || trigger_name || ' ' || event_manipulation
         FROM information_schema.triggers ORDER BY 1",
        "SELECT indexname || ' ' || indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1",
        "SELECT version || ' ' || applied_at FROM schema_migrations ORDER BY version",
    ];
    for query in queries {
        for row in sql.query(query, &[]).await.unwrap() {
            lines.push(row.get::<_, String>(0));
        }
    }
    lines
}

async fn versions(sql: &tokio_postgres::Client) -> Vec<i32> {
    let rows = sql.query("SELECT version FROM schema_migrations ORDER BY version", &[]).await.unwrap();
    rows.iter().map(|r| r.get(0)).collect()
}

fn all_versions() -> Vec<i32> {
    (1..=i32::try_from(LATEST).unwrap()).collect()
}

#[tokio::test]
async fn a_fresh_database_is_migrated_once() {
    let Some(db) = database() else { return };
    let pg = open(&db).await.unwrap();
    assert_eq!(pg.schema_version().await.unwrap(), LATEST);
    let sql = sql(&db).await;
    let tables: Vec<String> = sql
        .query("SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let expected = [
        "achievements",
        "actors",
        "catalog",
        "earned",
        "erasing",
        "erasures",
        "events",
        "notifications",
        "revocations",
        "schema_migrations",
        "tokens",
        "unlock_audit",
        "user_name_keys",
        "user_state",
        "users",
        "webhook_deliveries",
        "webhook_delivery_unlocks",
        "webhooks",
    ];
    assert_eq!(tables, expected);
    assert_eq!(versions(&sql).await, all_versions());
    let before = schema(&sql).await;
    drop(pg);

    let again = open(&db).await.unwrap();
    assert_eq!(again.schema_version().await.unwrap(), LATEST);
    assert_eq!(schema(&sql).await, before, "a second open changes nothing");
}

#[tokio::test]
async fn a_newer_schema_is_refused() {
    let Some(db) = database() else { return };
    drop(open(&db).await.unwrap());
    let sql = sql(&db).await;
    let newer = i32::try_from(LATEST + 1).unwrap();
    sql.execute("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, '2099-01-01T00:00:00Z')", &[&newer])
        .await
        .unwrap();
    let options = PoolOptions::default();
    for (how, opened) in [
        ("open", Pg::open(db.url(), options).await),
        ("open_existing", Pg::open_existing(db.url(), options).await),
        ("open_read_only", Pg::open_read_only(db.url(), options).await),
    ] {
        match opened {
            Err(StoreError::SchemaTooNew { found, known }) => {
                assert_eq!((found, known), (LATEST + 1, LATEST), "{how}");
            }
            other => panic!("{how}: {other:?}"),
        }
    }
    assert_eq!(versions(&sql).await.len(), all_versions().len() + 1, "nothing was migrated");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_starting_together_migrate_once() {
    let Some(db) = database() else { return };
    let opens: Vec<_> = (0..4)
        .map(|_| {
            let url = db.url().to_owned();
            tokio::spawn(async move { Pg::open(&url, PoolOptions::default()).await })
        })
        .collect();
    for open in opens {
        let pg = open.await.unwrap().unwrap_or_else(|e| panic!("every instance starts: {e}"));
        assert_eq!(pg.schema_version().await.unwrap(), LATEST);
    }
    assert_eq!(versions(&sql(&db).await).await, all_versions());
}

#[tokio::test]
async fn commands_that_do_not_create_refuse_an_empty_or_missing_database() {
    let Some(db) = database() else { return };
    let options = PoolOptions::default();
    let missing = match db.url().split_once('?') {
        Some((base, query)) => format!("{base}_missing?{query}"),
        None => format!("{}_missing", db.url()),
    };
    let password = db.url().split("://").nth(1).and_then(|rest| rest.split('@').next()?.split_once(':'));
    for (how, opened) in [
        ("existing, empty", Pg::open_existing(db.url(), options).await),
        ("read-only, empty", Pg::open_read_only(db.url(), options).await),
        ("existing, missing", Pg::open_existing(&missing, options).await),
        ("read-only, missing", Pg::open_read_only(&missing, options).await),
    ] {
        // An empty database is filled by `load-achievements`; a missing
        // one must be created first: the messages say which.
        let shown = match (how.ends_with("missing"), opened) {
            (false, Err(StoreError::NoDatabase(shown))) | (true, Err(StoreError::NoPostgresDatabase(shown))) => shown,
            (_, other) => panic!("{how}: {other:?}"),
        };
        if let Some((_, password)) = password {
            assert!(!shown.contains(&format!(":{password}@")), "{how}: no password in {shown}");
        }
    }
    let created: bool = sql(&db).await.query_one("SELECT to_regclass('users') IS NOT NULL", &[]).await.unwrap().get(0);
    assert!(!created, "nothing was created");

    drop(open(&db).await.unwrap());
    let read_only = Pg::open_read_only(db.url(), options).await.unwrap();
    assert_eq!(read_only.schema_version().await.unwrap(), LATEST);
    Pg::open_existing(db.url(), options).await.unwrap();
}

/// One user, one definition, one event and its unlock.
async fn one_unlock(sql: &tokio_postgres::Client) {
    sql.batch_execute(
        "INSERT INTO users (name, timezone, created_at) VALUES ('ada', 'UTC', '2026-03-20T12:00:00Z');
         INSERT INTO achievements (key, position, definition, is_active, created_at, updated_at)
             VALUES ('first', 0, '{}', TRUE, '2026-03-20T12:00:00Z', '2026-03-20T12:00:00Z');
         INSERT INTO events (id, user_id, type, value, at, received_at, source)
             SELECT 'e1', id, 'play', 1, '2026-03-20T12:00:00Z', '2026-03-20T12:00:00.5Z', 'test' FROM users;
         INSERT INTO earned (user_id, achievement_key, earned_at, progress_at_unlock, cause)
             SELECT id, 'first', '2026-03-20T12:00:00Z', 1, 'event' FROM users;
         INSERT INTO unlock_audit (user_id, achievement_key, earned_at, cause, event_id, progress_at_unlock, recorded_at)
             SELECT id, 'first', '2026-03-20T12:00:00Z', 'event', 'e1', 1, '2026-03-20T12:00:00Z' FROM users;",
    )
    .await
    .unwrap();
}

async fn count(sql: &tokio_postgres::Client, table: &str) -> i64 {
    sql.query_one(&format!("SELECT COUNT(*) FROM {table}"), &[]).await.unwrap().get(0)
}

#[tokio::test]
async fn the_event_and_audit_logs_are_append_only() {
    let Some(db) = database() else { return };
    drop(open(&db).await.unwrap());
    let sql = sql(&db).await;
    one_unlock(&sql).await;
    for (statement, log) in [
        ("UPDATE events SET value = 3", "the event log"),
        ("DELETE FROM events", "the event log"),
        ("UPDATE unlock_audit SET cause = 'edited'", "the unlock audit log"),
        ("DELETE FROM unlock_audit", "the unlock audit log"),
        ("TRUNCATE unlock_audit", "the unlock audit log"),
        ("TRUNCATE events CASCADE", "append-only"),
    ] {
        let err = sql.batch_execute(statement).await.expect_err(statement);
        let db_error = err.as_db_error().unwrap_or_else(|| panic!("{statement}: {err:?}"));
        assert!(db_error.message().contains(log), "{statement}: {}", db_error.message());
        assert!(db_error.message().contains("append-only"), "{statement}: {}", db_error.message());
        assert_eq!(err.code(), Some(&SqlState::RESTRICT_VIOLATION), "{statement}");
    }
    assert_eq!((count(&sql, "events").await, count(&sql, "unlock_audit").await), (1, 1));
    assert_eq!(
        sql.query_one("SELECT value FROM events", &[]).await.unwrap().get::<_, Option<i64>>(0),
        Some(1),
        "the event is as written"
    );
}

#[tokio::test]
async fn an_event_id_and_an_unlock_are_stored_once() {
    let Some(db) = database() else { return };
    drop(open(&db).await.unwrap());
    let sql = sql(&db).await;
    one_unlock(&sql).await;
    let again = sql
        .batch_execute(
            "INSERT INTO events (id, user_id, type, at, received_at, source)
             SELECT 'e1', id, 'play', 'x', 'y', 'other' FROM users",
        )
        .await
        .expect_err("a second event e1");
    assert_eq!(again.code(), Some(&SqlState::UNIQUE_VIOLATION), "{again:?}");
    let twice = sql
        .batch_execute(
            "INSERT INTO earned (user_id, achievement_key, earned_at, progress_at_unlock, cause)
             SELECT id, 'first', 'later', 2, 'event' FROM users",
        )
        .await
        .expect_err("a second unlock of `first`");
    assert_eq!(twice.code(), Some(&SqlState::UNIQUE_VIOLATION), "{twice:?}");
    assert_eq!((count(&sql, "events").await, count(&sql, "earned").await), (1, 1));
}

#[tokio::test]
async fn timestamps_keep_their_nanoseconds() {
    let Some(db) = database() else { return };
    drop(open(&db).await.unwrap());
    let sql = sql(&db).await;
    one_unlock(&sql).await;
    let at = "2026-03-20T12:00:00.123456789Z";
    sql.execute(
        "INSERT INTO events (id, user_id, type, at, received_at, source) SELECT 'e2', id, 't', $1, $1, 's' FROM users",
        &[&at],
    )
    .await
    .unwrap();
    let stored: String = sql.query_one("SELECT at FROM events WHERE id = 'e2'", &[]).await.unwrap().get(0);
    assert_eq!(stored, at);
}

/// The local test server (Debian's default configuration) offers TLS with
/// a self-signed certificate: `require` encrypts without checking it, and
/// `verify-full` refuses it. Skipped where the server has TLS off.
#[tokio::test]
async fn sslmode_require_encrypts_and_verify_full_checks() {
    let Some(db) = database() else { return };
    let sql = sql(&db).await;
    let ssl: String = sql.query_one("SHOW ssl", &[]).await.unwrap().get(0);
    if ssl != "on" {
        println!("SKIPPED: the test server has ssl = {ssl}");
        return;
    }
    let options = PoolOptions::default();
    let require = Pg::open(&format!("{}?sslmode=require", db.url()), options).await.unwrap();
    // The pool keeps the session it migrated with: it must be encrypted.
    let row = sql
        .query_one(
            "SELECT COUNT(*), bool_and(s.ssl) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)
             WHERE a.datname = current_database() AND a.application_name = 'achievements'",
            &[],
        )
        .await
        .unwrap();
    let (sessions, encrypted): (i64, Option<bool>) = (row.get(0), row.get(1));
    assert!(sessions >= 1, "the pool holds a session");
    assert_eq!(encrypted, Some(true), "the pool's sessions use TLS");
    drop(require);

    match Pg::open(&format!("{}?sslmode=verify-full", db.url()), options).await {
        Err(StoreError::Postgres(_) | StoreError::PostgresUrl(_)) => {}
        other => panic!("a self-signed certificate is not trusted: {other:?}"),
    }
}

/// `sslrootcert` names the roots to trust. With the test server's own
/// certificate as the root (Debian's self-signed `snakeoil`, which names
/// `localhost`, not `127.0.0.1`): `verify-ca` connects, `verify-full`
/// refuses 127.0.0.1 by name. Skipped where the server has TLS off or its
/// certificate file cannot be read here.
#[tokio::test]
async fn sslrootcert_is_trusted_and_verify_full_checks_the_name() {
    let Some(db) = database() else { return };
    let sql = sql(&db).await;
    let ssl: String = sql.query_one("SHOW ssl", &[]).await.unwrap().get(0);
    let cert: String = sql.query_one("SHOW ssl_cert_file", &[]).await.unwrap().get(0);
    if ssl != "on" || !std::path::Path::new(&cert).is_absolute() || std::fs::read(&cert).is_err() {
        println!("SKIPPED: the test server has ssl = {ssl}, certificate {cert}");
        return;
    }
    assert!(db.url().contains("@127.0.0.1:"), "the test URL names 127.0.0.1: {}", db.url());
    let options = PoolOptions::default();
    let root = format!("sslrootcert={}", cert.replace('/', "%2F"));
    Pg::open(&format!("{}?sslmode=verify-ca&{root}", db.url()), options)
        .await
        .unwrap_or_else(|e| panic!("verify-ca trusts the server's certificate: {e}"));
    Pg::open(&format!("{}?sslmode=require&{root}", db.url()), options)
        .await
        .unwrap_or_else(|e| panic!("require with a root is verify-ca: {e}"));
    match Pg::open(&format!("{}?sslmode=verify-full&{root}", db.url()), options).await {
        Err(StoreError::Postgres(e)) => assert!(format!("{e:?}").contains("NotValidForName"), "{e:?}"),
        other => panic!("the certificate does not name 127.0.0.1: {other:?}"),
    }
    let by_name = db.url().replace("@127.0.0.1:", "@localhost:");
    Pg::open(&format!("{by_name}?sslmode=verify-full&{root}"), options)
        .await
        .unwrap_or_else(|e| panic!("verify-full accepts the name the certificate gives: {e}"));
}
