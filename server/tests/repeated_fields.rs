//! A field name written twice in a request body is refused, never resolved
//! silently: the event that has it is `rejected` (code `repeated_field`,
//! the field named; the other events of a batch still apply); any other
//! body with one is `422`. The same holds for `achievements import-events`,
//! which reads the same event format.

#![allow(clippy::unwrap_used)]

use achievements_testkit::{TestServer, binary, read};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// POSTs `body` exactly as written (serde_json could not write a repeat).
async fn post_raw(server: &TestServer, path: &str, token: &str, body: &str) -> (StatusCode, Value) {
    let request = server.client.post(server.url(path)).bearer_auth(token);
    let response = request.header("content-type", "application/json").body(body.to_owned()).send().await.unwrap();
    read(response).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_with_a_repeated_field_is_rejected_and_names_it() {
    let server = TestServer::start().await;
    server.add_user("ann", "UTC", false);
    let service = server.add_service("platform");

    let body = r#"{"id": "a", "user": "ann", "type": "project_created", "id": "b"}"#;
    let (status, answer) = post_raw(&server, "/api/v1/events/", &service, body).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(
        answer,
        json!({"applied": 0, "duplicate": 0, "rejected": 1, "results": [{
            "status": "rejected", "id": null, "code": "repeated_field",
            "detail": "repeated field `id`: an event names each field once"}]})
    );
    assert_eq!(server.count("SELECT count(*) FROM events"), 0, "neither `a` nor `b` was stored");

    let batch = r#"{"events": [
        {"id": "e1", "user": "ann", "type": "project_created"},
        {"id": "e2", "user": "ann", "value": 3, "type": "project_created", "value": 1},
        {"id": "e3", "user": "ann", "type": "project_created", "at": "2026-03-20T11:00:00Z"}]}"#;
    let (status, answer) = post_raw(&server, "/api/v1/events/", &service, batch).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!((answer["applied"].as_i64(), answer["rejected"].as_i64()), (Some(2), Some(1)), "{answer}");
    assert_eq!(
        answer["results"][1],
        json!({"status": "rejected", "id": "e2", "code": "repeated_field",
               "detail": "repeated field `value`: an event names each field once"})
    );
    assert_eq!(server.count("SELECT count(*) FROM events"), 2);
    assert_eq!(server.count("SELECT count(*) FROM events WHERE id = 'e2'"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_bodies_with_a_repeated_field_are_422_naming_it() {
    let server = TestServer::start().await;
    let ann = server.add_user("ann", "UTC", false);
    let service = server.add_service("platform");

    let event = r#"{"id": "e1", "user": "ann", "type": "project_created"}"#;
    let body = format!(r#"{{"events": [], "events": [{event}]}}"#);
    let (status, answer) = post_raw(&server, "/api/v1/events/", &service, &body).await;
    assert_eq!((status, answer["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid")), "{answer}");
    assert_eq!(
        answer["detail"],
        "Repeated field `events` in the request body: a JSON object must name each field once."
    );
    assert_eq!(server.count("SELECT count(*) FROM events"), 0);

    for (body, field) in [
        (r#"{"ids": [1], "ids": [2]}"#, "ids"),
        (r#"{"all": true, "all": false}"#, "all"),
        (r#"{"ids": [{"n": 1, "n": 2}]}"#, "ids[0].n"),
    ] {
        let (status, answer) = post_raw(&server, "/api/v1/notifications/read/", &ann, body).await;
        assert_eq!((status, answer["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid")), "{body}");
        let detail = answer["detail"].as_str().unwrap();
        assert!(detail.starts_with(&format!("Repeated field `{field}` in the request body")), "{body}: {detail}");
    }
    let (status, answer) = post_raw(&server, "/api/v1/notifications/read/", &ann, r#"{"all": true}"#).await;
    assert_eq!((status, answer), (StatusCode::OK, json!({"marked": 0})));
}

#[test]
fn import_events_rejects_a_line_with_a_repeated_field() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("import.db");
    assert!(binary!().args(["users", "add", "ann", "--db"]).arg(&db).output().unwrap().status.success());
    assert!(binary!().args(["load-achievements", "--db"]).arg(&db).output().unwrap().status.success());
    let file = dir.path().join("events.jsonl");
    let lines = [
        r#"{"id": "e1", "user": "ann", "type": "project_created", "at": "2026-03-01T10:00:00Z"}"#,
        r#"{"id": "e2", "user": "ann", "user": "bob", "type": "project_created", "at": "2026-03-01T10:00:00Z"}"#,
    ];
    std::fs::write(&file, lines.join("\n")).unwrap();
    let out = binary!().args(["import-events"]).arg(&file).arg("--db").arg(&db).output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("line 2: rejected: id e2: repeated field `user`: an event names each field once"),
        "{stdout}"
    );
    assert!(stdout.contains("applied 1, duplicate 0, rejected 1"), "{stdout}");
}
