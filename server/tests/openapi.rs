//! `GET openapi.json`: every route of the API is documented, and every
//! documented route answers with a documented status and the documented
//! top-level fields.

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
        let url = path
            .replace("{key}", "first_project")
            .replace("{username}", "root")
            .replace("{name}", "ann")
            .replace("{id}", "999");
        let token = if path == "/api/v1/events/" { &service } else { &root };
        let request = match method.as_str() {
            "get" => server.client.get(server.url(&url)),
            "patch" => server.client.patch(server.url(&url)).json(&json!({"public_profile": false})),
            "delete" => server.client.delete(server.url(&url)).json(&json!({"reason": "documented"})),
            _ => {
                let body = match path.as_str() {
                    "/api/v1/events/" => event("e2", "root", "login", "2026-03-20T10:00:00Z"),
                    "/api/v1/notifications/read/" => json!({"all": true}),
                    "/api/v1/admin/users/" => json!({"name": "zoe"}),
                    "/api/v1/admin/users/{name}/achievements/" => json!({"key": "first_login", "reason": "documented"}),
                    _ => json!({}),
                };
                server.client.post(server.url(&url)).json(&body)
            }
        };
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
