//! `POST /api/v1/events/` over real HTTP: storage of every effect, per-event
//! results, idempotency, bad input, auth, and concurrent writers.

#![allow(clippy::unwrap_used)]

use achievements_testkit::{NOW, TestServer, event};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::HashMap;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_and_all_its_effects_are_stored() {
    let server = TestServer::start().await;
    server.add_user("ann", "UTC", false);
    let service = server.add_service("platform");
    let (status, body) = server
        .post(
            "/api/v1/events/",
            Some(&service),
            &json!({"id": "e1", "user": "ann", "type": "project_created", "at": "2026-03-10T10:00:00Z"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!({"applied": 1, "duplicate": 0, "rejected": 0, "results": [
            {"id": "e1", "status": "applied", "unlocked": ["first_project"]}
        ]})
    );
    let text = |v: &str| Some(v.to_owned());
    let row = server.rows("SELECT type, value, at, received_at, source FROM events WHERE id = 'e1'");
    assert_eq!(row, [[text("project_created"), None, text("2026-03-10T10:00:00Z"), text(NOW), text("platform")]]);
    let audit = server.rows("SELECT achievement_key, earned_at, cause, event_id, progress_at_unlock FROM unlock_audit");
    assert_eq!(audit, [[text("first_project"), text("2026-03-10T10:00:00Z"), text("event"), text("e1"), text("1")]]);
    assert_eq!(server.count("SELECT count(*) FROM earned WHERE achievement_key = 'first_project'"), 1);
    let snapshot = server.rows("SELECT snapshot FROM user_state").remove(0).remove(0).unwrap();
    let snapshot: Value = serde_json::from_str(&snapshot).unwrap();
    assert_eq!(
        (snapshot["stats"]["project_count"].as_i64(), snapshot["stats"]["total_points"].as_i64()),
        (Some(1), Some(10))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_answers_each_event_in_order_and_bad_ones_store_nothing() {
    let server = TestServer::start().await;
    server.add_user("ann", "UTC", false);
    let service = server.add_service("platform");
    let at = "2026-03-10T10:00:00Z";
    let (status, body) = server
        .post(
            "/api/v1/events/",
            Some(&service),
            &json!({"events": [
                event("ok-1", "ann", "project_created", at),
                event("u", "nobody", "project_created", at),
                event("t", "ann", "project_exploded", at),
                {"id": "n", "user": "ann", "type": "project_created", "value": -3, "at": at},
                {"id": "s", "user": "ann", "type": "stars_received", "at": at},
                {"id": "v", "user": "ann", "type": "project_created", "value": "three", "at": at},
                {"id": "a", "user": "ann", "type": "project_created", "at": "last tuesday"},
                {"id": "f", "user": "ann", "type": "project_created", "at": "2026-03-21T12:00:00Z"},
                {"user": "ann", "type": "project_created", "at": at},
                {"id": "x", "user": "ann", "type": "project_created", "at": at, "extra": true},
                {"id": "o", "user": "ann", "type": "project_created", "value": 9_223_372_036_854_775_807_i64, "at": at},
                "not an object",
                event("ok-1", "ann", "project_created", at),
                {"id": "ok-2", "user": "ann", "type": "project_created", "value": 2},
            ]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let results = body["results"].as_array().unwrap();
    let summary: Vec<(Value, &str, Option<&str>)> =
        results.iter().map(|r| (r["id"].clone(), r["status"].as_str().unwrap(), r["code"].as_str())).collect();
    assert_eq!(
        summary,
        vec![
            (json!("ok-1"), "applied", None),
            (json!("u"), "rejected", Some("unknown_user")),
            (json!("t"), "rejected", Some("unknown_event_type")),
            (json!("n"), "rejected", Some("negative_value")),
            (json!("s"), "rejected", Some("missing_value")),
            (json!("v"), "rejected", Some("invalid_value")),
            (json!("a"), "rejected", Some("invalid_at")),
            (json!("f"), "rejected", Some("future_at")),
            (Value::Null, "rejected", Some("invalid_id")),
            (json!("x"), "rejected", Some("unknown_field")),
            (json!("o"), "rejected", Some("overflow")),
            (Value::Null, "rejected", Some("invalid_event")),
            (json!("ok-1"), "duplicate", None),
            (json!("ok-2"), "applied", None),
        ]
    );
    assert!(results.iter().filter(|r| r["status"] == "rejected").all(|r| r["detail"].as_str().unwrap().len() > 10));
    assert_eq!(
        (body["applied"].as_i64(), body["duplicate"].as_i64(), body["rejected"].as_i64()),
        (Some(2), Some(1), Some(11))
    );
    assert_eq!(server.count("SELECT count(*) FROM events"), 2, "only the applied events are stored");
    assert_eq!(
        server.count("SELECT count(*) FROM events WHERE id = 'ok-2' AND at = '2026-03-20T12:00:00Z'"),
        1,
        "no `at` means now"
    );
    let (_, me) = server.get("/api/v1/me/?user=ann", None).await;
    assert_eq!(me["code"], "not_authenticated");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeated_id_is_a_duplicate_and_changes_nothing() {
    let server = TestServer::start().await;
    let ann = server.add_user("ann", "UTC", false);
    let service = server.add_service("platform");
    let first = event("same", "ann", "quiz_completed", "2026-03-10T10:00:00Z");
    let results = server.post_events(&service, &first).await;
    assert_eq!(results[0]["status"], "applied");
    for body in [first.clone(), json!({"id": "same", "user": "ann", "type": "quiz_completed", "value": 50})] {
        let results = server.post_events(&service, &body).await;
        assert_eq!(results[0], json!({"id": "same", "status": "duplicate"}));
    }
    let (_, me) = server.get("/api/v1/me/", Some(&ann)).await;
    assert_eq!(me["stats"]["quiz_count"], 1);
    assert_eq!(server.count("SELECT count(*) FROM events"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_bodies_are_4xx_and_store_nothing() {
    let server = TestServer::start().await;
    server.add_user("ann", "UTC", false);
    let service = server.add_service("platform");
    let send = |body: Vec<u8>, content_type: Option<&'static str>| {
        let server = &server;
        let service = service.clone();
        async move {
            let mut request = server.client.post(server.url("/api/v1/events/")).bearer_auth(service).body(body);
            if let Some(content_type) = content_type {
                request = request.header("Content-Type", content_type);
            }
            achievements_testkit::read(request.send().await.unwrap()).await
        }
    };
    let json_type = Some("application/json");
    let cases: Vec<(Vec<u8>, Option<&'static str>, StatusCode, &str)> = vec![
        (b"{\"id\": \"e\", \"user\": ".to_vec(), json_type, StatusCode::BAD_REQUEST, "parse_error"),
        (b"".to_vec(), json_type, StatusCode::BAD_REQUEST, "parse_error"),
        (b"\xff\xfe".to_vec(), json_type, StatusCode::BAD_REQUEST, "parse_error"),
        (b"[1, 2]".to_vec(), json_type, StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
        (b"42".to_vec(), json_type, StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
        (br#"{"events": "all of them"}"#.to_vec(), json_type, StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
        (br#"{"events": [], "user": "ann"}"#.to_vec(), json_type, StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
        (br#"{"id": "e"}"#.to_vec(), Some("text/plain"), StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
        (
            json!({"events": vec![event("e", "ann", "login", "2026-03-10T10:00:00Z"); 1001]}).to_string().into_bytes(),
            json_type,
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_many_events",
        ),
        (vec![b' '; 3 * 1024 * 1024], json_type, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
    ];
    for (body, content_type, status, code) in cases {
        let shown = String::from_utf8_lossy(&body[..body.len().min(40)]).into_owned();
        let (got, answer) = send(body, content_type).await;
        assert_eq!((got, answer["code"].as_str()), (status, Some(code)), "{shown}: {answer}");
        assert!(answer["detail"].as_str().unwrap().len() > 5);
    }
    // Without a content type the body is still read as JSON.
    let (status, _) = send(event("plain", "ann", "login", "2026-03-10T10:00:00Z").to_string().into_bytes(), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(server.count("SELECT count(*) FROM events"), 1);
    // Exactly 1000 events is allowed.
    let batch: Vec<Value> =
        (0..1000).map(|i| event(&format!("b{i}"), "ann", "login", "2026-03-10T10:00:00Z")).collect();
    let results = server.post_events(&service, &json!({ "events": batch })).await;
    assert_eq!(results.len(), 1000);
    assert_eq!(server.count("SELECT count(*) FROM events"), 1001);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_service_tokens_may_post_events() {
    let server = TestServer::start().await;
    let ann = server.add_user("ann", "UTC", false);
    let root = server.add_user("root", "UTC", true);
    let body = event("e", "ann", "login", "2026-03-10T10:00:00Z");
    for (token, status, code) in [
        (None, StatusCode::UNAUTHORIZED, "not_authenticated"),
        (Some("ach_wrong"), StatusCode::UNAUTHORIZED, "authentication_failed"),
        (Some(ann.as_str()), StatusCode::FORBIDDEN, "permission_denied"),
        (Some(root.as_str()), StatusCode::FORBIDDEN, "permission_denied"),
    ] {
        let (got, answer) = server.post("/api/v1/events/", token, &body).await;
        assert_eq!((got, answer["code"].as_str()), (status, Some(code)));
    }
    // Authentication comes before the body: no token and bad JSON is still 401.
    let response = server.client.post(server.url("/api/v1/events/")).body("{oops").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(server.count("SELECT count(*) FROM events"), 0);
}

/// Many clients post the same events for the same user at once, every
/// event twice: each is applied exactly once, no increment is lost and
/// no badge is earned twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_clients_never_lose_an_increment_or_award_twice() {
    const CLIENTS: usize = 16;
    const EVENTS: usize = 320;
    let server = std::sync::Arc::new(TestServer::start().await);
    let ann = server.add_user("ann", "UTC", false);
    let service = server.add_service("platform");

    let mut tasks = Vec::new();
    for client in 0..CLIENTS {
        let server = std::sync::Arc::clone(&server);
        let service = service.clone();
        let ann = ann.clone();
        tasks.push(tokio::spawn(async move {
            let mut statuses = Vec::new();
            // Every event id is posted by two clients (client c and c + CLIENTS/2).
            let mine = (0..EVENTS).filter(|i| i % (CLIENTS / 2) == client % (CLIENTS / 2));
            for (n, i) in mine.enumerate() {
                let at = format!("2026-03-{:02}T10:00:00Z", 1 + i % 19);
                let body = if i % 5 == 0 {
                    json!({"events": [
                        {"id": format!("p{i}"), "user": "ann", "type": "project_created", "at": at},
                        {"id": format!("h{i}"), "user": "ann", "type": "community_help", "at": at},
                    ]})
                } else {
                    json!({"id": format!("p{i}"), "user": "ann", "type": "project_created", "at": at})
                };
                for result in server.post_events(&service, &body).await {
                    statuses.push((
                        result["id"].as_str().unwrap().to_owned(),
                        result["status"].as_str().unwrap().to_owned(),
                    ));
                }
                if n % 10 == 0 {
                    let (status, _) = server.post("/api/v1/achievements/check/", Some(&ann), &json!({})).await;
                    assert_eq!(status, StatusCode::OK);
                }
            }
            statuses
        }));
    }
    let mut by_id: HashMap<String, Vec<String>> = HashMap::new();
    for task in tasks {
        for (id, status) in task.await.unwrap() {
            by_id.entry(id).or_default().push(status);
        }
    }
    let helps = EVENTS / 5;
    assert_eq!(by_id.len(), EVENTS + helps);
    for (id, mut statuses) in by_id {
        statuses.sort();
        assert_eq!(statuses, ["applied", "duplicate"], "{id}");
    }

    let (_, me) = server.get("/api/v1/me/", Some(&ann)).await;
    assert_eq!(me["stats"]["project_count"], EVENTS);
    assert_eq!(me["stats"]["helpful_actions"], helps);
    assert_eq!(server.count("SELECT count(*) FROM events"), i64::try_from(EVENTS + helps).unwrap());
    let expected =
        ["first_project", "5_projects", "10_projects", "25_projects", "50_projects", "help_5", "help_25", "100_points"];
    for key in expected {
        assert_eq!(server.count(&format!("SELECT count(*) FROM earned WHERE achievement_key = '{key}'")), 1, "{key}");
        assert_eq!(
            server.count(&format!("SELECT count(*) FROM unlock_audit WHERE achievement_key = '{key}'")),
            1,
            "{key}"
        );
    }
    assert_eq!(server.count("SELECT count(*) FROM earned"), i64::try_from(expected.len()).unwrap());
    assert_eq!(server.count("SELECT count(*) FROM unlock_audit"), i64::try_from(expected.len()).unwrap());
    // Points: the badges' points, credited once each.
    let points = 10 + 25 + 50 + 75 + 100 + 25 + 50 + 10;
    assert_eq!(me["points"], points);
}
