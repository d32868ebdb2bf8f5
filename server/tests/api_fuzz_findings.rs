//! What `scripts/api-fuzz.sh` (schemathesis against `openapi.json`) found,
//! each kept fixed through a real server: the document must allow what the
//! server accepts and forbid what it refuses, for every kind of caller.

#![allow(clippy::unwrap_used)]

use achievements_testkit::{TestServer, event};
use serde_json::{Value, json};

async fn document(server: &TestServer) -> Value {
    let (status, spec) = server.get("/api/v1/openapi.json", None).await;
    assert_eq!(status, 200);
    spec
}

fn documented(spec: &Value, method: &str, path: &str, status: u16) -> bool {
    spec["paths"][path][method]["responses"][status.to_string()].is_object()
}

/// A service token on the user routes got a `403` the document did not list
/// (`my-progress/`, `notifications/read/`, `notifications/stream/`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_or_anonymous_caller_gets_documented_statuses_only() {
    let server = TestServer::start().await;
    let service = server.add_service("platform");
    let spec = document(&server).await;
    let mut calls = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let url = server.url(
                &path
                    .replace("{key}", "first_project")
                    .replace("{username}", "nobody")
                    .replace("{name}", "nobody")
                    .replace("{id}", "1"),
            );
            for token in [Some(service.as_str()), None] {
                let mut request = match method.as_str() {
                    "get" => server.client.get(&url),
                    "delete" => server.client.delete(&url),
                    _ => server.client.post(&url).json(&json!({"all": true})),
                };
                if let Some(token) = token {
                    request = request.bearer_auth(token);
                }
                let status = request.send().await.unwrap().status().as_u16();
                assert!(
                    documented(&spec, method, path, status),
                    "{method} {path} answered {status} to {}, not documented",
                    if token.is_some() { "a service" } else { "an anonymous caller" }
                );
                calls += 1;
            }
        }
    }
    assert!(calls >= 28, "{calls}");
}

/// `?category=` and `?rarity=` were plain strings, so an empty or unknown
/// value was schema-valid and refused with `400`: they are enums of exactly
/// what the server accepts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn category_and_rarity_are_enums_of_what_the_server_accepts() {
    let server = TestServer::start().await;
    let ann = server.add_user("ann", "UTC", false);
    let spec = document(&server).await;
    let parameters = spec["paths"]["/api/v1/achievements/"]["get"]["parameters"].as_array().unwrap();
    for name in ["category", "rarity"] {
        let parameter = parameters.iter().find(|p| p["name"] == name).unwrap();
        let values = parameter["schema"]["enum"].as_array().unwrap_or_else(|| panic!("{name}: {parameter}"));
        assert!(values.len() >= 3, "{name}: {values:?}");
        for value in values {
            let value = value.as_str().unwrap();
            let (status, _) = server.get(&format!("/api/v1/achievements/?{name}={value}"), Some(&ann)).await;
            assert_eq!(status, 200, "{name}={value}");
        }
        let (status, body) = server.get(&format!("/api/v1/achievements/?{name}="), Some(&ann)).await;
        assert_eq!(status, 400, "{name}= (not in the enum): {body}");
    }
}

/// `stats/?until=` (empty) was schema-valid and refused: the dates are
/// `format: date`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stats_dates_are_documented_as_dates() {
    let server = TestServer::start().await;
    let root = server.add_user("root", "UTC", true);
    let spec = document(&server).await;
    let parameters = spec["paths"]["/api/v1/stats/"]["get"]["parameters"].as_array().unwrap();
    for name in ["from", "until"] {
        let parameter = parameters.iter().find(|p| p["name"] == name).unwrap();
        assert_eq!(parameter["schema"]["format"], "date", "{parameter}");
    }
    let (status, _) = server.get("/api/v1/stats/?from=2026-03-01&until=2026-03-20", Some(&root)).await;
    assert_eq!(status, 200);
    let (status, _) = server.get("/api/v1/stats/?until=", Some(&root)).await;
    assert_eq!(status, 400);
}

/// `{"ids": [7.0]}` is an array of integers to JSON Schema and was refused
/// with `422`; `{"all": false, "ids": null}` was schema-valid and refused.
/// Now integral numbers are ids, and the body's schema is exactly the two
/// one-field shapes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mark_read_takes_integral_numbers_and_documents_its_two_shapes() {
    let server = TestServer::start().await;
    let ann = server.add_user("ann", "UTC", false);
    let service = server.add_service("platform");
    let results = server.post_events(&service, &event("e1", "ann", "project_created", "2026-03-20T10:00:00Z")).await;
    assert_eq!(results[0]["status"], "applied", "{results:?}");
    let (_, list) = server.get("/api/v1/notifications/", Some(&ann)).await;
    let id = list["results"][0]["id"].as_i64().unwrap();

    let written = format!(r#"{{"ids": [{id}.0, 1e0, -194.0]}}"#);
    let response = server
        .client
        .post(server.url("/api/v1/notifications/read/"))
        .bearer_auth(&ann)
        .header("content-type", "application/json")
        .body(written)
        .send()
        .await
        .unwrap();
    let (status, body) = achievements_testkit::read(response).await;
    assert_eq!((status.as_u16(), body), (200, json!({"marked": 1})));

    for refused in [
        json!({"all": false, "ids": null}),
        json!({"all": false}),
        json!({"ids": [1.5]}),
        json!({"ids": [9_223_372_036_854_775_808_u64]}),
        json!({"ids": [1], "all": true}),
    ] {
        let (status, _) = server.post("/api/v1/notifications/read/", Some(&ann), &refused).await;
        assert_eq!(status, 422, "{refused}");
    }
    let spec = document(&server).await;
    let schema =
        &spec["paths"]["/api/v1/notifications/read/"]["post"]["requestBody"]["content"]["application/json"]["schema"];
    let shapes = schema["oneOf"].as_array().unwrap();
    assert_eq!(shapes.len(), 2, "{schema}");
    for shape in shapes {
        assert_eq!(shape["additionalProperties"], false, "{shape}");
        assert_eq!(shape["required"].as_array().unwrap().len(), 1, "{shape}");
    }
    assert_eq!(shapes[1]["properties"]["all"]["const"], true);
}

/// An event object with bad fields is answered `200` with the event
/// `rejected` (one bad event does not sink a batch), yet the document
/// typed the body's fields, so schema-violating bodies were "accepted". The
/// document now constrains only what is a request error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_body_schema_constrains_only_request_errors() {
    let server = TestServer::start().await;
    let service = server.add_service("platform");
    let bad_event = json!({"at": "", "id": "", "type": "", "user": "", "value": 9_223_372_036_854_775_808_u64});
    let (status, body) = server.post("/api/v1/events/", Some(&service), &bad_event).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["rejected"], 1);
    for malformed in [json!({"events": "x"}), json!({"events": [], "other": 1}), json!([1])] {
        let (status, _) = server.post("/api/v1/events/", Some(&service), &malformed).await;
        assert_eq!(status, 422, "{malformed}");
    }
    let spec = document(&server).await;
    let schema = &spec["paths"]["/api/v1/events/"]["post"]["requestBody"]["content"]["application/json"]["schema"];
    let shapes = schema["oneOf"].as_array().unwrap();
    assert_eq!(shapes[0]["not"]["required"], json!(["events"]), "{schema}");
    assert!(shapes[0].get("properties").is_none(), "per-event fields are checked per event: {schema}");
    assert_eq!(shapes[1]["additionalProperties"], false, "{schema}");
}
