//! `GET openapi.json`: every route of the API is documented, and every
//! documented route answers with a documented status and the documented
//! top-level fields; the routes that take `?user=` say so.

#![allow(clippy::unwrap_used)]

use achievements_testkit::{TestServer, event};
use serde_json::{Value, json};

/// Every route the router has (method, path).
const ROUTES: &[(&str, &str)] = &[
    ("get", "/api/v1/achievements/"),
    ("get", "/api/v1/achievements/earned/"),
    ("get", "/api/v1/achievements/{key}/"),
    ("get", "/api/v1/achievements/categories/"),
    ("post", "/api/v1/achievements/check/"),
    ("get", "/api/v1/achievements/catalog/"),
    ("get", "/api/v1/me/"),
    ("post", "/api/v1/events/"),
    ("get", "/api/v1/notifications/"),
    ("post", "/api/v1/notifications/read/"),
    ("get", "/api/v1/notifications/stream/"),
    ("get", "/api/v1/stats/"),
    ("get", "/api/v1/me/achievements/my-progress/"),
    ("get", "/api/v1/users/{username}/achievements/"),
    ("get", "/api/v1/openapi.json"),
    ("get", "/healthz"),
    ("get", "/readyz"),
    ("get", "/metrics"),
    ("get", "/api/v1/admin/webhooks/"),
    ("post", "/api/v1/admin/webhooks/"),
    ("delete", "/api/v1/admin/webhooks/{id}/"),
    ("get", "/api/v1/admin/users/"),
    ("post", "/api/v1/admin/users/"),
    ("get", "/api/v1/admin/users/{name}/"),
    ("patch", "/api/v1/admin/users/{name}/"),
    ("delete", "/api/v1/admin/users/{name}/"),
    ("post", "/api/v1/admin/users/{name}/achievements/"),
    ("delete", "/api/v1/admin/users/{name}/achievements/{key}/"),
    ("get", "/api/v1/admin/users/{name}/tokens/"),
    ("post", "/api/v1/admin/users/{name}/tokens/"),
    ("delete", "/api/v1/admin/tokens/{id}/"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_is_documented_and_answers_as_documented() {
    let server = TestServer::start().await;
    let root = server.add_user("root", "UTC", true);
    let service = server.add_service("platform");
    server.add_user("ann", "UTC", false);
    server.post_events(&service, &event("e1", "root", "project_created", "2026-03-20T10:00:00Z")).await;

    let (status, spec) = server.get("/api/v1/openapi.json", None).await;
    assert_eq!(status, 200);
    assert!(spec["openapi"].as_str().unwrap().starts_with("3."));
    let paths = spec["paths"].as_object().unwrap();
    let mut documented = Vec::new();
    for (path, item) in paths {
        for method in item.as_object().unwrap().keys() {
            if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                documented.push((method.clone(), path.clone()));
            }
        }
    }
    let mut expected: Vec<(String, String)> = ROUTES.iter().map(|(m, p)| ((*m).to_owned(), (*p).to_owned())).collect();
    documented.sort();
    expected.sort();
    assert_eq!(documented, expected, "the document covers exactly the router's routes");

    let mut checked = 0;
    for (method, path) in &documented {
        let token = if path == "/api/v1/events/" { &service } else { &root };
        let request = request(&server, method, path, "");
        let response = request.bearer_auth(token).send().await.unwrap();
        let status = response.status().as_u16().to_string();
        let operation = &spec["paths"][path][method];
        let documented_response = &operation["responses"][&status];
        assert!(documented_response.is_object(), "{method} {path} answered {status}, not documented");
        if response.status() == reqwest::StatusCode::NO_CONTENT {
            continue;
        }
        let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
        if content_type.starts_with("text/event-stream") {
            assert!(documented_response["content"]["text/event-stream"].is_object(), "{path}");
            continue;
        }
        if content_type.starts_with("text/plain") {
            assert!(documented_response["content"]["text/plain"].is_object(), "{path}");
            continue;
        }
        let body: Value = response.json().await.unwrap();
        let reference = documented_response["content"]["application/json"]["schema"]["$ref"].as_str();
        let Some(reference) = reference else { continue };
        let name = reference.rsplit('/').next().unwrap();
        let schema = &spec["components"]["schemas"][name];
        for field in schema["required"].as_array().into_iter().flatten() {
            let field = field.as_str().unwrap();
            assert!(body.get(field).is_some(), "{method} {path}: `{field}` of {name} missing from {body}");
            checked += 1;
        }
    }
    assert!(checked > 40, "only {checked} documented fields were checked");
}

/// A request to the documented `path` (its parameters filled in), with
/// `query` appended and a body the route accepts.
fn request(server: &TestServer, method: &str, path: &str, query: &str) -> reqwest::RequestBuilder {
    let url = path
        .replace("{key}", "first_project")
        .replace("{username}", "root")
        .replace("{name}", "ann")
        .replace("{id}", "999");
    let url = server.url(&format!("{url}{query}"));
    match method {
        "get" => server.client.get(url),
        "patch" => server.client.patch(url).json(&json!({"public_profile": false})),
        "delete" => server.client.delete(url).json(&json!({"reason": "documented"})),
        _ => {
            let body = match path {
                "/api/v1/events/" => event("e2", "root", "login", "2026-03-20T10:00:00Z"),
                "/api/v1/notifications/read/" => json!({"all": true}),
                "/api/v1/admin/users/" => json!({"name": "zoe"}),
                "/api/v1/admin/users/{name}/achievements/" => json!({"key": "first_login", "reason": "documented"}),
                _ => json!({}),
            };
            server.client.post(url).json(&body)
        }
    }
}

/// An operation documents `?user=` exactly when the route acts for the user
/// it names: asked by an admin for a user who does not exist, it answers
/// the documented `404` naming them; the others do not read it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_routes_that_act_for_another_user_document_user() {
    let server = TestServer::start().await;
    let root = server.add_user("root", "UTC", true);
    server.add_user("ann", "UTC", false);
    let (_, spec) = server.get("/api/v1/openapi.json", None).await;
    let mut acting = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            if path == "/api/v1/notifications/stream/" {
                // Answers 200 and streams; its `user` is tested in tests/tokens.rs.
                continue;
            }
            let documents_user = operation["parameters"]
                .as_array()
                .is_some_and(|ps| ps.iter().any(|p| p["name"] == "user" && p["in"] == "query"));
            let response = request(&server, method, path, "?user=nobody_such").bearer_auth(&root).send().await.unwrap();
            let status = response.status().as_u16();
            let body: Value = response.json().await.unwrap_or(Value::Null);
            let acted = status == 404 && body["detail"] == "No user named `nobody_such`.";
            assert_eq!(
                documents_user, acted,
                "{method} {path}: documents `user`: {documents_user}; answered {status} {body}"
            );
            if acted {
                assert!(
                    operation["responses"]["404"].is_object() && operation["responses"]["403"].is_object(),
                    "{path}"
                );
                acting.push(path.clone());
            }
        }
    }
    assert!(acting.len() >= 9, "{acting:?}");
}
