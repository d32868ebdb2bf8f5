//! Several `achievements serve` instances on one PostgreSQL database, as a
//! platform runs them behind a load balancer: nothing lost or doubled
//! between them, unlocks reach streams on any instance, and a killed
//! instance loses nothing it acknowledged.
//!
//! PostgreSQL only: without `ACHIEVEMENTS_TEST_POSTGRES` (outside CI) each
//! test says SKIPPED and passes; in CI it fails instead.

#![allow(clippy::unwrap_used)]

use achievements_core::{Engine, Event as CoreEvent, SHIPPED_CATALOG_JSON, TimeZone};
use achievements_testkit::{Kept, ServeProcess, Setup, TestPostgres, TestServer, binary, event, read_unlocks};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const AT: &str = "2026-03-20T10:00:00Z";

fn postgres() -> Option<TestPostgres> {
    let db = TestPostgres::from_env();
    if db.is_none() {
        println!("SKIPPED: ACHIEVEMENTS_TEST_POSTGRES is not set (scripts/postgres.sh prints one)");
    }
    db
}

/// Two instances on one fresh database.
async fn two_instances(db: TestPostgres) -> (TestServer, TestServer) {
    let a = TestServer::start_in(Kept::on_postgres(db), Setup::default()).await;
    let b = TestServer::start_beside(&a, Setup::default()).await;
    (a, b)
}

/// Polls `GET me/` on `server` until `field` reads `expected`, for at most
/// `limit`; returns the last value read.
async fn stat_within(server: &TestServer, token: &str, field: &str, expected: i64, limit: Duration) -> i64 {
    let start = Instant::now();
    loop {
        let (status, me) = server.get("/api/v1/me/", Some(token)).await;
        assert_eq!(status, StatusCode::OK, "{me}");
        let value = me["stats"][field].as_i64().unwrap();
        if value == expected || start.elapsed() > limit {
            return value;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn eight_clients_alternating_instances_lose_no_increment_and_earn_each_badge_once() {
    let Some(db) = postgres() else { return };
    let (a, b) = two_instances(db).await;
    let ann = a.add_user("ann", "UTC", false);
    let service = a.add_service("platform");
    let (a_url, b_url) = (a.base_url(), b.base_url());
    let mut clients = Vec::new();
    for client in 0..8 {
        let (service, a_url, b_url) = (service.clone(), a_url.clone(), b_url.clone());
        clients.push(tokio::spawn(async move {
            let http = reqwest::Client::builder().no_proxy().build().unwrap();
            for n in 0..100 {
                let base = if n % 2 == 0 { &a_url } else { &b_url };
                let body = event(&format!("c{client}-{n}"), "ann", "project_created", AT);
                let response =
                    http.post(format!("{base}/api/v1/events/")).bearer_auth(&service).json(&body).send().await.unwrap();
                assert_eq!(response.status(), StatusCode::OK);
                let answer: Value = response.json().await.unwrap();
                assert_eq!(answer["applied"], 1, "{answer}");
            }
        }));
    }
    for client in clients {
        client.await.unwrap();
    }
    // Both instances see every increment, the one that did not write too
    // (its cache heard of the change, or expired within a second).
    for server in [&a, &b] {
        let seen = stat_within(server, &ann, "project_count", 800, Duration::from_secs(1)).await;
        assert_eq!(seen, 800);
    }
    let user = "(SELECT id FROM users WHERE name = 'ann')";
    assert_eq!(a.count(&format!("SELECT count(*) FROM events WHERE user_id = {user}")), 800);
    // Each badge once: what the core unlocks for 800 such events, alone.
    let mut earned: Vec<String> = a
        .rows(&format!("SELECT achievement_key FROM earned WHERE user_id = {user}"))
        .into_iter()
        .map(|row| row[0].clone().unwrap())
        .collect();
    earned.sort();
    assert_eq!(earned, unlocked_by_alone(800, "project_created"));
    let earned = earned.len() as i64;
    assert_eq!(a.count(&format!("SELECT count(*) FROM unlock_audit WHERE user_id = {user}")), earned);
    assert_eq!(a.count(&format!("SELECT count(*) FROM notifications WHERE user_id = {user}")), earned);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_event_id_is_applied_once_across_instances() {
    let Some(db) = postgres() else { return };
    let (a, b) = two_instances(db).await;
    a.add_user("ann", "UTC", false);
    a.add_user("bob", "UTC", false);
    let service = a.add_service("platform");
    // The same ids through both instances at once, for two users: one
    // applies, every other is a duplicate.
    let mut sends = Vec::new();
    for (server, user) in [(&a, "ann"), (&b, "bob"), (&a, "bob"), (&b, "ann")] {
        let body =
            json!({"events": (0..50).map(|n| event(&format!("shared-{n}"), user, "login", AT)).collect::<Vec<_>>()});
        sends.push(server.client.post(server.url("/api/v1/events/")).bearer_auth(&service).json(&body).send());
    }
    let mut applied = 0;
    let mut duplicate = 0;
    for answer in futures_util::future::join_all(sends).await {
        let answer: Value = answer.unwrap().json().await.unwrap();
        applied += answer["applied"].as_i64().unwrap();
        duplicate += answer["duplicate"].as_i64().unwrap();
    }
    assert_eq!((applied, duplicate), (50, 150));
    assert_eq!(a.count("SELECT count(*) FROM events"), 50);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_stream_on_one_instance_receives_unlocks_posted_through_the_other_and_resumes_on_either() {
    let Some(db) = postgres() else { return };
    let (a, b) = two_instances(db).await;
    let ann = a.add_user("ann", "UTC", false);
    let service = a.add_service("platform");

    let mut on_b = b.client.get(b.url(&format!("/api/v1/notifications/stream/?token={ann}"))).send().await.unwrap();
    assert_eq!(on_b.status(), StatusCode::OK);
    a.post_events(&service, &event("a1", "ann", "project_created", AT)).await;
    let got = read_unlocks(&mut on_b, 1).await;
    assert_eq!(got[0].1["key"], "first_project");
    let first_id = got[0].0;
    drop(on_b);

    // While disconnected, an unlock through B; resuming on A replays it.
    b.post_events(&service, &json!({"id": "a2", "user": "ann", "type": "project_created", "value": 4, "at": AT})).await;
    let mut on_a = a
        .client
        .get(a.url("/api/v1/notifications/stream/"))
        .bearer_auth(&ann)
        .header("Last-Event-ID", first_id.to_string())
        .send()
        .await
        .unwrap();
    let replayed = read_unlocks(&mut on_a, 1).await;
    assert_eq!(replayed[0].1["key"], "5_projects");
    // And it goes on live with what B commits.
    b.post_events(&service, &json!({"id": "a3", "user": "ann", "type": "project_published", "at": AT})).await;
    let live = read_unlocks(&mut on_a, 1).await;
    assert_eq!(live[0].1["key"], "first_published");
    assert!(live[0].0 > replayed[0].0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_token_or_state_changed_through_one_instance_is_seen_by_the_other_within_a_second() {
    let Some(db) = postgres() else { return };
    let (a, b) = two_instances(db).await;
    let ann = a.add_user("ann", "UTC", false);
    let service = a.add_service("platform");
    // B caches ann's state, then A changes it.
    assert_eq!(stat_within(&b, &ann, "login_count", 0, Duration::ZERO).await, 0);
    a.post_events(&service, &event("l1", "ann", "login", AT)).await;
    assert_eq!(stat_within(&b, &ann, "login_count", 1, Duration::from_secs(1)).await, 1);
}

/// The keys the core unlocks for `n` events of one type on a fresh state.
fn unlocked_by_alone(n: usize, event_type: &str) -> Vec<String> {
    let (engine, _) = Engine::from_json(SHIPPED_CATALOG_JSON).unwrap();
    let mut state = engine.new_state(TimeZone::utc());
    let at = AT.parse().unwrap();
    let mut keys: Vec<String> = (0..n)
        .flat_map(|_| engine.apply(&mut state, &CoreEvent { event_type, value: None, at }).unwrap())
        .map(|unlock| unlock.key)
        .collect();
    keys.sort();
    keys
}

#[test]
fn killing_one_instance_mid_intake_loses_no_acknowledged_event_and_the_other_keeps_serving() {
    let Some(db) = postgres() else { return };
    let server = TestServer::start_blocking_in(Kept::on_postgres(db), Setup::default());
    server.add_user("ann", "UTC", false);
    let service = server.add_service("platform");
    let url = match server.location() {
        achievements_server::store::Location::Postgres(url) => url,
        other => panic!("{other}"),
    };
    let doomed = ServeProcess::spawn(binary!(), &url, &[]);
    let survivor = ServeProcess::spawn(binary!(), &url, &[]);
    let http = reqwest::blocking::Client::builder().no_proxy().timeout(Duration::from_secs(10)).build().unwrap();

    // Batches to the doomed instance from a thread, until it dies.
    let target = doomed.url("/api/v1/events/");
    let (sender_http, sender_service) = (http.clone(), service.clone());
    let sender = std::thread::spawn(move || {
        let mut acknowledged = Vec::new();
        for batch in 0.. {
            let events: Vec<Value> = (0..50).map(|n| event(&format!("k{batch}-{n}"), "ann", "login", AT)).collect();
            let sent = sender_http.post(&target).bearer_auth(&sender_service).json(&json!({"events": events})).send();
            match sent {
                Ok(response) if response.status() == StatusCode::OK => {
                    acknowledged.extend((0..50).map(|n| format!("k{batch}-{n}")));
                }
                _ => return acknowledged,
            }
        }
        acknowledged
    });
    std::thread::sleep(Duration::from_millis(700));
    doomed.kill();
    let acknowledged = sender.join().unwrap();
    assert!(!acknowledged.is_empty(), "some batches were acknowledged before the kill");

    // Every acknowledged event is stored; the survivor serves and takes more.
    let ids = acknowledged.iter().map(|id| format!("'{id}'")).collect::<Vec<_>>().join(",");
    assert_eq!(server.count(&format!("SELECT count(*) FROM events WHERE id IN ({ids})")), acknowledged.len() as i64);
    let after = http
        .post(survivor.url("/api/v1/events/"))
        .bearer_auth(&service)
        .json(&event("after-kill", "ann", "login", AT))
        .send()
        .unwrap();
    assert_eq!(after.status(), StatusCode::OK);
    assert_eq!(server.count("SELECT count(*) FROM events WHERE id = 'after-kill'"), 1);
}
