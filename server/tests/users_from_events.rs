//! Users from events: `serve --create-users` lets `POST events/` create an
//! unknown user on their first applied event; an event's `timezone`
//! changes the user's zone (days already recorded keep their dates). On
//! the backend `ACHIEVEMENTS_TEST_BACKEND` names.

#![allow(clippy::unwrap_used)]

use achievements_server::platform::PlatformOptions;
use achievements_testkit::{Setup, TestServer, event};
use serde_json::{Value, json};

async fn creating() -> TestServer {
    let platform = PlatformOptions { create_users: true, ..PlatformOptions::default() };
    TestServer::start_with(Setup { platform, ..Setup::default() }).await
}

fn statuses(results: &[Value]) -> Vec<(String, String)> {
    results
        .iter()
        .map(|r| {
            let code = r["code"].as_str().unwrap_or("").to_owned();
            (r["status"].as_str().unwrap().to_owned(), code)
        })
        .collect()
}

fn pair(status: &str, code: &str) -> (String, String) {
    (status.to_owned(), code.to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_flag_an_unknown_user_is_refused() {
    let server = TestServer::start().await;
    let service = server.add_service("platform");
    let results = server.post_events(&service, &event("e1", "newbie", "login", "2026-03-20T10:00:00Z")).await;
    assert_eq!(statuses(&results), [pair("rejected", "unknown_user")]);
    assert_eq!(server.count("SELECT count(*) FROM users"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_flag_the_first_applied_event_creates_the_user() {
    let server = creating().await;
    let root = server.add_user("root", "UTC", true);
    let service = server.add_service("platform");
    let body = json!({"events": [
        {"id": "e1", "user": "newbie", "type": "no_such_type", "at": "2026-03-20T09:00:00Z"},
        {"id": "e2", "user": "newbie", "type": "project_created", "at": "2026-03-20T10:00:00Z", "timezone": "asia/tokyo"},
        {"id": "e3", "user": "Newbie", "type": "login", "at": "2026-03-20T10:00:00Z"},
        {"id": "e4", "user": "bad name", "type": "login", "at": "2026-03-20T10:00:00Z"},
        {"id": "e5", "user": "root", "type": "login", "at": "2026-03-20T10:00:00Z"},
        {"id": "e6", "user": "ghost", "type": "no_such_type", "at": "2026-03-20T10:00:00Z"},
    ]});
    let results = server.post_events(&service, &body).await;
    assert_eq!(
        statuses(&results),
        [
            pair("rejected", "unknown_event_type"),
            pair("applied", ""),
            pair("rejected", "invalid_user"),
            pair("rejected", "invalid_user"),
            pair("applied", ""),
            pair("rejected", "unknown_event_type"),
        ],
        "{results:?}"
    );
    assert!(results[2]["detail"].as_str().unwrap().contains("collides with the existing user `newbie`"), "{results:?}");
    assert_eq!(results[1]["unlocked"], json!(["first_project"]));
    let users = server.rows("SELECT name, timezone FROM users ORDER BY name");
    let expected = [["newbie", "Asia/Tokyo"], ["root", "UTC"]].map(|r| r.map(|v| Some(v.to_owned())).to_vec());
    assert_eq!(users, expected, "ghost's only event was refused: not created");

    let (_, newbie) = server.get("/api/v1/admin/users/newbie/", Some(&root)).await;
    assert_eq!((newbie["timezone"].as_str(), newbie["is_admin"].as_bool()), (Some("Asia/Tokyo"), Some(false)));
    let (_, me) = server.get("/api/v1/me/?user=newbie", Some(&root)).await;
    assert_eq!(me["points"], 10, "{me}");
    assert_eq!(me["state"]["timezone"], "Asia/Tokyo");
    // The next event finds them; a duplicate stays a duplicate.
    let again = server.post_events(&service, &event("e2", "newbie", "project_created", "2026-03-20T10:00:00Z")).await;
    assert_eq!(statuses(&again), [pair("duplicate", "")]);
    assert_eq!(server.count("SELECT count(*) FROM users"), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_timezone_changes_the_zone_and_keeps_the_recorded_days() {
    let server = TestServer::start().await;
    let ann = server.add_user("ann", "UTC", false);
    let service = server.add_service("platform");
    // 23:30 UTC on the 18th: the 18th in UTC.
    server.post_events(&service, &event("e1", "ann", "login", "2026-03-18T23:30:00Z")).await;
    // 23:30 UTC on the 19th is the 20th in Tokyo.
    let body =
        json!({"id": "e2", "user": "ann", "type": "login", "at": "2026-03-19T23:30:00Z", "timezone": "Asia/Tokyo"});
    assert_eq!(statuses(&server.post_events(&service, &body).await), [pair("applied", "")]);
    let (_, me) = server.get("/api/v1/me/", Some(&ann)).await;
    assert_eq!(me["timezone"], "Asia/Tokyo", "{me}");
    assert_eq!(
        me["state"]["streak_days"]["current_streak"],
        json!([["2026-03-18", "2026-03-18"], ["2026-03-20", "2026-03-20"]])
    );
    assert_eq!(server.rows("SELECT timezone FROM users WHERE name = 'ann'"), [vec![Some("Asia/Tokyo".to_owned())]]);

    // A refused event changes no zone; a bad zone rejects the event.
    let refused = json!({"id": "e3", "user": "ann", "type": "no_such_type", "timezone": "Europe/Paris"});
    assert_eq!(statuses(&server.post_events(&service, &refused).await), [pair("rejected", "unknown_event_type")]);
    let bad = json!({"id": "e4", "user": "ann", "type": "login", "timezone": "Mars/Olympus"});
    assert_eq!(statuses(&server.post_events(&service, &bad).await), [pair("rejected", "invalid_timezone")]);
    let (_, me) = server.get("/api/v1/me/", Some(&ann)).await;
    assert_eq!(me["timezone"], "Asia/Tokyo");
    assert_eq!(server.count("SELECT count(*) FROM events"), 2);
}

/// PostgreSQL: two instances with `--create-users` receive the first events
/// of the same new user at once; one creates them, the other's transaction
/// is retried and finds them: one user, every event applied once.
/// Without `ACHIEVEMENTS_TEST_POSTGRES`, SKIPPED.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_creating_the_same_user_at_once_create_one() {
    use achievements_testkit::{Kept, TestPostgres};
    let Some(db) = TestPostgres::from_env() else {
        println!("SKIPPED: ACHIEVEMENTS_TEST_POSTGRES is not set (scripts/postgres.sh prints one)");
        return;
    };
    let platform = PlatformOptions { create_users: true, ..PlatformOptions::default() };
    let a = TestServer::start_in(Kept::on_postgres(db), Setup { platform: platform.clone(), ..Setup::default() }).await;
    let b = TestServer::start_beside(&a, Setup { platform, ..Setup::default() }).await;
    let service = a.add_service("platform");
    for round in 0..5 {
        let name = format!("new{round}");
        let mut posts = Vec::new();
        for (n, server) in [&a, &b, &a, &b].into_iter().enumerate() {
            let url = server.url("/api/v1/events/");
            let body = json!({"id": format!("{name}-{n}"), "user": name, "type": "project_created"});
            let request = server.client.post(url).bearer_auth(&service).json(&body);
            posts.push(tokio::spawn(async move { request.send().await.unwrap().json::<Value>().await.unwrap() }));
        }
        for post in posts {
            let answer = post.await.unwrap();
            assert_eq!(answer["applied"], 1, "{answer}");
        }
        assert_eq!(a.count(&format!("SELECT count(*) FROM users WHERE name = '{name}'")), 1);
        assert_eq!(a.count(&format!("SELECT count(*) FROM events WHERE id LIKE '{name}-%'")), 4);
    }
}
