//! Faults on PostgreSQL: a user's row locked elsewhere for longer than the
//! server waits answers `503 database_busy` with `Retry-After` (not a
//! hang), stores nothing, and the retry applies once.
//!
//! Without `ACHIEVEMENTS_TEST_POSTGRES` (outside CI) it says SKIPPED.

#![allow(clippy::unwrap_used)]

use achievements_testkit::{Kept, Setup, TestPostgres, TestServer, event};
use reqwest::StatusCode;
use serde_json::Value;
use std::time::{Duration, Instant};

const AT: &str = "2026-03-20T10:00:00Z";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_locked_elsewhere_past_the_wait_is_a_503_with_retry_after_and_nothing_stored() {
    let Some(db) = TestPostgres::from_env() else {
        println!("SKIPPED: ACHIEVEMENTS_TEST_POSTGRES is not set (scripts/postgres.sh prints one)");
        return;
    };
    let url = db.url().to_owned();
    let server = TestServer::start_in(Kept::on_postgres(db), Setup::default()).await;
    server.add_user("ann", "UTC", false);
    let service = server.add_service("platform");

    // An operator's transaction holds ann's row.
    let (mut client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    let holder = client.transaction().await.unwrap();
    holder.execute("SELECT id FROM users WHERE name = 'ann' FOR UPDATE", &[]).await.unwrap();

    let start = Instant::now();
    let response = server
        .client
        .post(server.url("/api/v1/events/"))
        .bearer_auth(&service)
        .json(&event("e1", "ann", "login", AT))
        .timeout(Duration::from_secs(30))
        .send()
        .await
        .unwrap();
    let waited = start.elapsed();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.headers()["retry-after"], "5");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "database_busy", "{body}");
    assert!(waited < Duration::from_secs(15), "answered after {waited:?}, not a hang");
    holder.rollback().await.unwrap();
    assert_eq!(server.count("SELECT count(*) FROM events"), 0, "nothing stored");

    // The retry, once the lock is gone, applies once.
    let answer = server.post_events(&service, &event("e1", "ann", "login", AT)).await;
    assert_eq!(answer[0]["status"], "applied", "{answer:?}");
    assert_eq!(server.count("SELECT count(*) FROM events"), 1);
}
