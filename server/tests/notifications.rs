//! Notifications: queued with every unlock, listed, marked read, and
//! streamed as Server-Sent Events (with resume from `Last-Event-ID`).

#![allow(clippy::unwrap_used)]

use achievements_testkit::{TestServer, event, read_unlocks};
use reqwest::StatusCode;
use serde_json::json;
use std::time::Duration;

const AT: &str = "2026-03-20T10:00:00Z";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_unlock_queues_a_notification() {
    let server = TestServer::start().await;
    let ann = server.add_user("ann", "UTC", false);
    let bob = server.add_user("bob", "UTC", false);
    let service = server.add_service("platform");
    server.post_events(&service, &event("e1", "ann", "project_created", AT)).await;

    let (status, list) = server.get("/api/v1/notifications/", Some(&ann)).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!((list["count"].as_i64(), list["unread"].as_i64()), (Some(1), Some(1)));
    let first = &list["results"][0];
    for field in [
        "id",
        "key",
        "name",
        "description",
        "icon",
        "color_from",
        "color_to",
        "category",
        "rarity",
        "points",
        "earned_at",
        "cause",
        "backfill",
        "read",
        "created_at",
    ] {
        assert!(first.get(field).is_some(), "missing {field}: {first}");
    }
    assert_eq!(first["key"], "first_project");
    assert_eq!(first["name"], "First Launch");
    assert_eq!(first["cause"], "event");
    assert_eq!(first["backfill"], false);
    assert_eq!(first["read"], false);
    assert_eq!(first["earned_at"], AT);
    assert_eq!(server.count("SELECT count(*) FROM notifications"), server.count("SELECT count(*) FROM earned"));

    // Another user sees none of them, and cannot mark them.
    let (_, theirs) = server.get("/api/v1/notifications/", Some(&bob)).await;
    assert_eq!(theirs["count"], 0);
    let id = first["id"].as_i64().unwrap();
    let (status, marked) = server.post("/api/v1/notifications/read/", Some(&bob), &json!({"ids": [id]})).await;
    assert_eq!((status, marked), (StatusCode::OK, json!({"marked": 0})));

    // A second unlock: unread first, then newest first.
    server
        .post_events(&service, &json!({"id": "e2", "user": "ann", "type": "project_created", "value": 4, "at": AT}))
        .await;
    let (_, list) = server.get("/api/v1/notifications/", Some(&ann)).await;
    assert_eq!(list["count"], 2);
    let (status, marked) = server.post("/api/v1/notifications/read/", Some(&ann), &json!({"ids": [id]})).await;
    assert_eq!((status, marked), (StatusCode::OK, json!({"marked": 1})));
    let (_, list) = server.get("/api/v1/notifications/", Some(&ann)).await;
    assert_eq!(list["unread"], 1);
    assert_eq!(list["results"][0]["key"], "5_projects");
    assert_eq!(list["results"][0]["read"], false);
    assert_eq!(list["results"][1]["read"], true);
    let (_, marked) = server.post("/api/v1/notifications/read/", Some(&ann), &json!({"all": true})).await;
    assert_eq!(marked, json!({"marked": 1}));
    let (_, list) = server.get("/api/v1/notifications/", Some(&ann)).await;
    assert_eq!(list["unread"], 0);

    for bad in [json!({}), json!({"all": false}), json!({"ids": ["x"]}), json!({"ids": [1], "all": true}), json!([1])] {
        let (status, answer) = server.post("/api/v1/notifications/read/", Some(&ann), &bad).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {answer}");
        assert_eq!(answer["code"], "invalid");
    }
    let (status, _) = server.get("/api/v1/notifications/", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = server.get("/api/v1/notifications/", Some(&service)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_receives_unlocks_posted_by_another_client_and_resumes() {
    let server = TestServer::start().await;
    let ann = server.add_user("ann", "UTC", false);
    server.add_user("bob", "UTC", false);
    let service = server.add_service("platform");

    let (status, _) = server.get("/api/v1/notifications/stream/", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // The token in the query string, as a browser's EventSource sends it.
    let mut stream =
        server.client.get(server.url(&format!("/api/v1/notifications/stream/?token={ann}"))).send().await.unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    assert!(stream.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));

    // Another client posts: bob's unlock is not ann's; ann's arrives.
    server.post_events(&service, &event("b1", "bob", "project_created", AT)).await;
    server.post_events(&service, &event("a1", "ann", "project_created", AT)).await;
    let got = read_unlocks(&mut stream, 1).await;
    assert_eq!(got[0].1["key"], "first_project");
    assert_eq!(got[0].1["backfill"], false);
    assert_eq!(got[0].1["id"].as_i64(), Some(got[0].0));
    let first_id = got[0].0;
    drop(stream);

    // While disconnected, another unlock; resuming from the last id seen
    // replays it, then goes on live.
    server
        .post_events(&service, &json!({"id": "a2", "user": "ann", "type": "project_created", "value": 4, "at": AT}))
        .await;
    let mut resumed = server
        .client
        .get(server.url("/api/v1/notifications/stream/"))
        .bearer_auth(&ann)
        .header("Last-Event-ID", first_id.to_string())
        .send()
        .await
        .unwrap();
    let replayed = read_unlocks(&mut resumed, 1).await;
    assert_eq!(replayed[0].1["key"], "5_projects");
    assert!(replayed[0].0 > first_id);
    server.post_events(&service, &json!({"id": "a3", "user": "ann", "type": "project_published", "at": AT})).await;
    let live = read_unlocks(&mut resumed, 1).await;
    assert!(live[0].0 > replayed[0].0);

    // `?last_event_id=0` replays everything.
    let mut all = server
        .client
        .get(server.url(&format!("/api/v1/notifications/stream/?token={ann}&last_event_id=0")))
        .send()
        .await
        .unwrap();
    let everything = read_unlocks(&mut all, 3).await;
    let ids: Vec<i64> = everything.iter().map(|(id, _)| *id).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");

    // Graceful shutdown does not wait for open streams.
    tokio::time::timeout(Duration::from_secs(10), server.stop()).await.expect("the server stops with streams open");
    drop((resumed, all));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retroactive_check_queues_backfill_notifications_and_pushes_them() {
    let server = TestServer::start().await;
    let ann = server.add_user("ann", "UTC", false);
    // Conditions that hold but were never evaluated (as after a catalog change).
    server.execute(
        "UPDATE user_state SET snapshot = json_set(snapshot, '$.stats.project_count', 1)
         WHERE user_id = (SELECT id FROM users WHERE name = 'ann')",
        "UPDATE user_state SET snapshot = jsonb_set(snapshot::jsonb, '{stats,project_count}', '1')::text
         WHERE user_id = (SELECT id FROM users WHERE name = 'ann')",
    );
    let mut stream =
        server.client.get(server.url("/api/v1/notifications/stream/")).bearer_auth(&ann).send().await.unwrap();
    let (status, checked) = server.post("/api/v1/achievements/check/", Some(&ann), &json!({})).await;
    assert_eq!(status, StatusCode::OK, "{checked}");
    assert_eq!(checked["unlocked"][0]["key"], "first_project");
    let pushed = read_unlocks(&mut stream, 1).await;
    assert_eq!(pushed[0].1["key"], "first_project");
    assert_eq!(pushed[0].1["cause"], "evaluation");
    assert_eq!(pushed[0].1["backfill"], true);
    let (_, list) = server.get("/api/v1/notifications/", Some(&ann)).await;
    assert_eq!(list["results"][0]["backfill"], true);
}
