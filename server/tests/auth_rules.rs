//! docs/api.md's rule for the `Authorization` header, on every route:
//! without it a caller is anonymous (enough for the public routes); with a
//! header that is not `Bearer TOKEN`, or a token the server does not know,
//! every route answers `401 authentication_failed`, public ones included.

#![allow(clippy::unwrap_used)]

use achievements_testkit::TestServer;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Every documented route as (method, concrete path, documented statuses).
async fn documented_routes(server: &TestServer) -> Vec<(String, String, Value)> {
    let (status, spec) = server.get("/api/v1/openapi.json", None).await;
    assert_eq!(status, StatusCode::OK, "the document is public");
    let mut routes = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        // The operators' probes (`/healthz`, `/readyz`, `/metrics`) are
        // outside the API and its tokens: tests/operations.rs covers them.
        if !path.starts_with("/api/") {
            continue;
        }
        for (method, operation) in item.as_object().unwrap() {
            let url = path
                .replace("{key}", "first_project")
                .replace("{username}", "ann")
                .replace("{name}", "ann")
                .replace("{id}", "1");
            routes.push((method.clone(), url, operation["responses"].clone()));
        }
    }
    assert!(routes.len() >= 15, "{routes:?}");
    routes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_credential_is_401_on_every_route() {
    let server = TestServer::start().await;
    server.add_user("ann", "UTC", false);
    let bad_headers =
        ["Foo", "Bearer ach_not_a_token_the_server_issued", "Bearer", "Basic YW5uOnB3", "Bearer two words"];
    let mut routes = documented_routes(&server).await;
    routes.push(("get".to_owned(), "/api/v1/no-such-route/".to_owned(), json!({"401": {}})));
    for (method, url, responses) in &routes {
        assert!(responses["401"].is_object(), "{method} {url}: 401 is not documented");
        for header in bad_headers {
            let request = match method.as_str() {
                "get" => server.client.get(server.url(url)),
                other => {
                    let method = reqwest::Method::from_bytes(other.to_uppercase().as_bytes()).unwrap();
                    server.client.request(method, server.url(url)).json(&json!({"all": true}))
                }
            };
            let response = request.header("Authorization", header).send().await.unwrap();
            let status = response.status();
            let challenge = response.headers().get("www-authenticate").map(|v| v.to_str().unwrap().to_owned());
            let body: Value = response.json().await.unwrap();
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {url} with `{header}`: {body}");
            assert_eq!(body["code"], "authentication_failed", "{method} {url} with `{header}`");
            assert!(body["detail"].as_str().is_some_and(|d| !d.is_empty()), "{body}");
            assert_eq!(challenge.as_deref(), Some("Bearer realm=\"api\""), "{method} {url}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_header_the_public_routes_answer_and_the_others_ask_for_one() {
    let server = TestServer::start().await;
    let ann = server.add_user("ann", "UTC", false);
    for path in [
        "/api/v1/openapi.json",
        "/api/v1/users/ann/achievements/",
        "/api/v1/achievements/",
        "/api/v1/achievements/catalog/",
        "/api/v1/achievements/categories/",
        "/api/v1/achievements/first_project/",
    ] {
        assert_eq!(server.get(path, None).await.0, StatusCode::OK, "{path} anonymous");
        assert_eq!(server.get(path, Some(&ann)).await.0, StatusCode::OK, "{path} with a good token");
    }
    let (status, body) = server.get("/api/v1/me/", None).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("not_authenticated")));
    // The stream's query-string token follows the same rule.
    let (status, body) = server.get("/api/v1/notifications/stream/?token=ach_unknown", None).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("authentication_failed")));
}
