//! Erasure: `DELETE admin/users/{name}/` and `users erase NAME` delete
//! every row of the user, the append-only logs included, in one
//! transaction, and leave only a salted hash of the name in the erasure
//! log; a plain delete from the logs is still refused. On the backend
//! `ACHIEVEMENTS_TEST_BACKEND` names.

#![allow(clippy::unwrap_used)]

use achievements_server::store::Location;
use achievements_testkit::{TestServer, binary, event, stream_ends};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// A name no catalog text or hash contains by chance.
const NAME: &str = "qxzerin";

/// Every (table, column) of the database.
fn columns(server: &TestServer) -> Vec<(String, String)> {
    let sql = match server.location() {
        Location::Postgres(_) => {
            "SELECT table_name, column_name FROM information_schema.columns \
             WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position"
        }
        Location::File(_) => {
            "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p \
             WHERE m.type = 'table' ORDER BY m.name, p.cid"
        }
    };
    server.rows(sql).into_iter().map(|r| (r[0].clone().unwrap(), r[1].clone().unwrap())).collect()
}

/// What in the database still names the user: a `user_id` (or `users.id`)
/// equal to theirs, or any value containing their name.
fn traces(server: &TestServer, user_id: &str) -> Vec<String> {
    let mut found = Vec::new();
    let columns = columns(server);
    let mut tables: Vec<&str> = columns.iter().map(|(t, _)| t.as_str()).collect();
    tables.dedup();
    for table in tables {
        let names: Vec<&str> = columns.iter().filter(|(t, _)| t == table).map(|(_, c)| c.as_str()).collect();
        for row in server.rows(&format!("SELECT * FROM {table}")) {
            for (column, value) in names.iter().zip(&row) {
                let Some(value) = value else { continue };
                let is_user_id = *column == "user_id" || (table == "users" && *column == "id");
                if value.contains(NAME) || (is_user_id && value == user_id) {
                    found.push(format!("{table}.{column} = {value}"));
                }
            }
        }
    }
    found
}

/// A user with a row in every table that can hold one: state, name keys,
/// tokens, events, earned badges, audit rows (one granted by hand),
/// notifications, a revocation, webhook deliveries waiting for an endpoint
/// that is down; and who, as an admin, granted a badge to someone else.
async fn busy_user(server: &TestServer, root: &str) -> (String, String) {
    let hook = json!({"url": "http://127.0.0.1:9/down", "secret": "s", "events": ["unlock"]});
    assert_eq!(server.send(Method::POST, "/api/v1/admin/webhooks/", Some(root), hook).await.0, StatusCode::CREATED);
    let token = server.add_user(NAME, "Europe/Paris", true);
    let service = server.add_service("platform");
    server.add_user("ann", "UTC", false);
    for (id, kind) in [("e1", "project_created"), ("e2", "login")] {
        server.post_events(&service, &event(id, NAME, kind, "2026-03-20T10:00:00Z")).await;
    }
    let grants = format!("/api/v1/admin/users/{NAME}/achievements/");
    let (status, _) = server.send(Method::POST, &grants, Some(root), json!({"key": "5_battles", "reason": "x"})).await;
    assert_eq!(status, StatusCode::CREATED);
    let revoke = format!("/api/v1/admin/users/{NAME}/achievements/first_login/");
    assert_eq!(server.send(Method::DELETE, &revoke, Some(root), json!({"reason": "y"})).await.0, StatusCode::OK);
    let theirs = "/api/v1/admin/users/ann/achievements/";
    let (status, _) =
        server.send(Method::POST, theirs, Some(&token), json!({"key": "first_login", "reason": "z"})).await;
    assert_eq!(status, StatusCode::CREATED);
    let user_id = server.rows(&format!("SELECT id FROM users WHERE name = '{NAME}'"))[0][0].clone().unwrap();
    let before = traces(server, &user_id);
    assert!(before.len() > 10, "the user is everywhere before: {before:?}");
    assert!(before.iter().any(|t| t.starts_with("webhook_delivery_unlocks.")), "in the outbox too: {before:?}");
    (token, user_id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn erasure_leaves_no_row_naming_the_user() {
    let server = TestServer::start().await;
    let root = server.add_user("root", "UTC", true);
    let (token, user_id) = busy_user(&server, &root).await;
    let (_, before) = server.get("/api/v1/me/", Some(&token)).await;
    assert_eq!(before["name"], NAME, "the token works, and its owner is cached");
    let path = format!("/api/v1/admin/users/{NAME}/");

    let ann = server.add_user("ann2", "UTC", false);
    assert_eq!(server.send(Method::DELETE, &path, None, Value::Null).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(server.send(Method::DELETE, &path, Some(&ann), Value::Null).await.0, StatusCode::FORBIDDEN);
    let (status, body) = server.send(Method::DELETE, &path, Some(&root), Value::Null).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");

    assert_eq!(traces(&server, &user_id), Vec::<String>::new());
    let erasures = server
        .rows("SELECT e.name_hash, e.salt, e.erased_at, a.name FROM erasures e JOIN actors a ON a.id = e.actor_id");
    assert_eq!(erasures.len(), 1);
    assert_eq!(erasures[0][3].as_deref(), Some("user:root"));
    assert_eq!(erasures[0][2].as_deref(), Some(achievements_testkit::NOW));
    assert_eq!(erasures[0][0].as_deref().map(str::len), Some(64), "a SHA-256 in hex");
    // The grant the user made to ann is still audited, under `erased:1`.
    let actor = server.rows("SELECT x.name FROM unlock_audit a JOIN actors x ON x.id = a.actor_id");
    assert_eq!(actor, [vec![Some("erased:1".to_owned())]]);

    // Their token is refused at once, and they are gone from the API.
    let (status, _) = server.get("/api/v1/me/", Some(&token)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(server.get(&path, Some(&root)).await.0, StatusCode::NOT_FOUND);
    assert_eq!(server.send(Method::DELETE, &path, Some(&root), Value::Null).await.0, StatusCode::NOT_FOUND);
    // The name is free again, and a new user of that name starts empty.
    let again = server.add_user(NAME, "UTC", false);
    let (_, me) = server.get("/api/v1/me/", Some(&again)).await;
    assert_eq!((me["points"].as_i64(), me["earned_count"].as_i64()), (Some(0), Some(0)), "{me}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_logs_stay_append_only_outside_an_erasure() {
    let server = TestServer::start().await;
    let root = server.add_user("root", "UTC", true);
    busy_user(&server, &root).await;
    let statements = [
        "DELETE FROM events",
        "DELETE FROM unlock_audit",
        "DELETE FROM revocations",
        "UPDATE events SET value = 3",
        "UPDATE unlock_audit SET reason = 'other'",
        "UPDATE revocations SET reason = 'other'",
    ];
    let refused = |sql: &str| -> String {
        match server.location() {
            Location::Postgres(url) => achievements_testkit::postgres::execute(&url, sql).unwrap_err(),
            Location::File(_) => server.db().execute_batch(sql).unwrap_err().to_string(),
        }
    };
    for sql in statements {
        assert!(refused(sql).contains("append-only"), "{sql}");
    }
    let erase = format!("/api/v1/admin/users/{NAME}/");
    assert_eq!(server.send(Method::DELETE, &erase, Some(&root), Value::Null).await.0, StatusCode::NO_CONTENT);
    for sql in ["DELETE FROM erasures", "UPDATE erasures SET actor_id = 1"] {
        assert!(refused(sql).contains("append-only"), "{sql}");
    }
    // Nothing is left in the marker table that lets an erasure delete.
    assert_eq!(server.count("SELECT count(*) FROM erasing"), 0);
    assert!(server.count("SELECT count(*) FROM events") == 0, "the other users had no events");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_erases_as_cli() {
    let server = TestServer::start().await;
    let root = server.add_user("root", "UTC", true);
    let (_, user_id) = busy_user(&server, &root).await;
    let run = |name: &str| binary!().args(["users", "erase", name, "--db"]).arg(server.db_arg()).output().unwrap();
    let output = run(NAME);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        format!(
            "erased user {NAME}: every row of theirs is deleted; the erasure log keeps a salted hash of the name\n"
        )
    );
    assert_eq!(traces(&server, &user_id), Vec::<String>::new());
    let actor = server.rows("SELECT a.name FROM erasures e JOIN actors a ON a.id = e.actor_id");
    assert_eq!(actor, [vec![Some("cli".to_owned())]]);
    let output = run(NAME);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains(&format!("no user named `{NAME}`")));
}

/// PostgreSQL: another instance that had the user's token and state cached
/// refuses the token well within its cache's one-second lifetime: the
/// erasure's commit told it. Without `ACHIEVEMENTS_TEST_POSTGRES`, SKIPPED.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn another_instance_forgets_the_erased_user_when_the_erasure_commits() {
    use achievements_testkit::{Kept, Setup, TestPostgres};
    use std::time::{Duration, Instant};
    let Some(db) = TestPostgres::from_env() else {
        println!("SKIPPED: ACHIEVEMENTS_TEST_POSTGRES is not set (scripts/postgres.sh prints one)");
        return;
    };
    let a = TestServer::start_in(Kept::on_postgres(db), Setup::default()).await;
    let b = TestServer::start_beside(&a, Setup::default()).await;
    let root = a.add_user("root", "UTC", true);
    let token = a.add_user(NAME, "UTC", false);
    assert_eq!(b.get("/api/v1/me/", Some(&token)).await.0, StatusCode::OK, "cached on b");
    let path = format!("/api/v1/admin/users/{NAME}/");
    assert_eq!(a.send(Method::DELETE, &path, Some(&root), Value::Null).await.0, StatusCode::NO_CONTENT);
    let start = Instant::now();
    loop {
        let (status, _) = b.get("/api/v1/me/", Some(&token)).await;
        if status == StatusCode::UNAUTHORIZED {
            break;
        }
        assert!(start.elapsed() < Duration::from_millis(500), "b still accepts the erased user's token");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// An erased user's open stream ends at once (on SQLite their id may go to
/// the next user created, whose unlocks must not reach it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_erased_users_stream_ends() {
    use std::time::Duration;
    let server = TestServer::start().await;
    let root = server.add_user("root", "UTC", true);
    let token = server.add_user(NAME, "UTC", false);
    let mut stream =
        server.client.get(server.url("/api/v1/notifications/stream/")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    let path = format!("/api/v1/admin/users/{NAME}/");
    assert_eq!(server.send(Method::DELETE, &path, Some(&root), Value::Null).await.0, StatusCode::NO_CONTENT);
    assert!(stream_ends(&mut stream, Duration::from_secs(5)).await, "the stream is still open");
}
