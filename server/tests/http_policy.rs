//! `serve --cors-origin` (which browsers on other origins may call) and
//! `serve --rate-limit` / `--service-rate-limit` (how fast each caller may
//! call), over HTTP, on the backend `ACHIEVEMENTS_TEST_BACKEND` names.

#![allow(clippy::unwrap_used)]

use achievements_server::platform::{HttpPolicyOptions, PlatformOptions, RateLimits};
use achievements_testkit::{Setup, TestServer};
use futures_util::future::join_all;
use reqwest::header::HeaderMap;
use reqwest::{Client, Method, StatusCode};
use serde_json::Value;
use std::net::{IpAddr, Ipv4Addr};
use std::num::NonZeroU32;

const APP: &str = "https://app.example.com";

fn with_http(http: HttpPolicyOptions) -> Setup {
    Setup { platform: PlatformOptions { http, ..Default::default() }, ..Default::default() }
}

async fn options(server: &TestServer, path: &str, origin: &str) -> (StatusCode, HeaderMap) {
    let response = server
        .client
        .request(Method::OPTIONS, server.url(path))
        .header("Origin", origin)
        .header("Access-Control-Request-Method", "GET")
        .header("Access-Control-Request-Headers", "authorization, last-event-id")
        .send()
        .await
        .unwrap();
    (response.status(), response.headers().clone())
}

async fn get_from(server: &TestServer, path: &str, origin: &str, token: Option<&str>) -> (StatusCode, HeaderMap) {
    let mut request = server.client.get(server.url(path)).header("Origin", origin);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    (response.status(), response.headers().clone())
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers.get(name).map_or("", |v| v.to_str().unwrap())
}

fn has_cors_headers(headers: &HeaderMap) -> bool {
    headers.keys().any(|name| name.as_str().starts_with("access-control-"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preflights_and_answers_carry_cors_headers_for_the_allowed_origins_only() {
    let http =
        HttpPolicyOptions { cors_origins: vec![APP.into(), "http://localhost:5173".into()], ..Default::default() };
    let server = TestServer::start_with(with_http(http)).await;
    let ann = server.add_user("ann", "UTC", false);

    for origin in [APP, "http://localhost:5173"] {
        let (status, headers) = options(&server, "/api/v1/notifications/stream/", origin).await;
        assert!(matches!(status, StatusCode::OK | StatusCode::NO_CONTENT), "{status}");
        assert_eq!(header(&headers, "access-control-allow-origin"), origin);
        let methods = header(&headers, "access-control-allow-methods").to_ascii_uppercase();
        for method in ["GET", "POST", "PATCH", "DELETE"] {
            assert!(methods.contains(method), "{method} in {methods}");
        }
        let allowed = header(&headers, "access-control-allow-headers").to_ascii_lowercase();
        for name in ["authorization", "content-type", "last-event-id"] {
            assert!(allowed.contains(name), "{name} in {allowed}");
        }
        assert!(header(&headers, "vary").to_ascii_lowercase().contains("origin"));
    }

    // Another origin: the preflight gets no permission.
    for origin in ["https://evil.example", "https://app.example.com:8443", "http://app.example.com"] {
        let (_, headers) = options(&server, "/api/v1/achievements/", origin).await;
        assert!(headers.get("access-control-allow-origin").is_none(), "{origin}: {headers:?}");
    }

    // A plain request from the page: answered, with the headers a page may read.
    let (status, headers) = get_from(&server, "/api/v1/me/", APP, Some(&ann)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&headers, "access-control-allow-origin"), APP);
    assert!(header(&headers, "access-control-expose-headers").to_ascii_lowercase().contains("retry-after"));
    // An error answer carries them too, so the page can read the error.
    let (status, headers) = get_from(&server, "/api/v1/me/", APP, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(header(&headers, "access-control-allow-origin"), APP);
    // Another origin's request is answered (CORS is the browser's check), without permission.
    let (status, headers) = get_from(&server, "/api/v1/me/", "https://evil.example", Some(&ann)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers.get("access-control-allow-origin").is_none(), "{headers:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_flags_there_are_no_cors_headers_and_no_limit() {
    let server = TestServer::start().await;
    let ann = server.add_user("ann", "UTC", false);
    let (_, headers) = options(&server, "/api/v1/achievements/", APP).await;
    assert!(!has_cors_headers(&headers), "{headers:?}");
    let (status, headers) = get_from(&server, "/api/v1/me/", APP, Some(&ann)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!has_cors_headers(&headers), "{headers:?}");

    let answers = burst(&server.client, &server, "/api/v1/me/", Some(&ann), 60).await;
    assert!(answers.iter().all(|(status, _, _)| *status == StatusCode::OK));
}

#[test]
fn origins_are_checked_when_the_server_starts() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_achievements"))
        .args(["serve", "--db", ":memory:", "--cors-origin", "https://app.example.com/"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--cors-origin `https://app.example.com/`"), "{stderr}");
}

/// Another token for `user`, from `achievements tokens add`.
fn second_token(server: &TestServer, user: &str) -> String {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_achievements"))
        .args(["tokens", "add", "--user", user, "--db"])
        .arg(server.db_arg())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap().lines().last().unwrap().trim().to_owned()
}

/// `count` requests at once: status, `Retry-After` and body of each.
async fn burst(
    client: &Client,
    server: &TestServer,
    path: &str,
    token: Option<&str>,
    count: usize,
) -> Vec<(StatusCode, Option<String>, Value)> {
    let requests = (0..count).map(|_| {
        let mut request = client.get(server.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        async move {
            let response = request.send().await.unwrap();
            let status = response.status();
            let retry = response.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
            let body = response.json::<Value>().await.unwrap_or(Value::Null);
            (status, retry, body)
        }
    });
    join_all(requests).await
}

fn passed(answers: &[(StatusCode, Option<String>, Value)]) -> usize {
    answers.iter().filter(|(status, _, _)| *status == StatusCode::OK).count()
}

fn limits(per_caller: u32, per_service: u32) -> Setup {
    let n = |v| NonZeroU32::new(v).unwrap();
    with_http(HttpPolicyOptions {
        rate_limit: Some(RateLimits { per_caller: n(per_caller), per_service: n(per_service) }),
        ..Default::default()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_over_the_limit_is_throttled_and_others_are_not() {
    let server = TestServer::start_with(limits(3, 40)).await;
    let ann = server.add_user("ann", "UTC", false);
    let bob = server.add_user("bob", "UTC", false);
    let ann_again = second_token(&server, "ann");

    // Both of ann's tokens at once: one budget, the user's. A fresh caller
    // has a burst of 3 and earns 3 more a second, so however slow the
    // machine, no more than 3 + 3 a second of the burst's time pass (two
    // budgets, one a token, would let at least 6 through a fast burst).
    let started = std::time::Instant::now();
    let (first, second) = tokio::join!(
        burst(&server.client, &server, "/api/v1/me/", Some(&ann), 10),
        burst(&server.client, &server, "/api/v1/me/", Some(&ann_again), 10)
    );
    let earned = (started.elapsed().as_secs_f64() * 3.0).ceil() as usize;
    let answers: Vec<_> = first.into_iter().chain(second).collect();
    assert!(passed(&answers) >= 3, "{answers:?}");
    assert!(passed(&answers) <= 3 + earned, "{} passed in {:?}: {answers:?}", passed(&answers), started.elapsed());
    assert!(passed(&answers) < 20, "{answers:?}");
    for (status, retry, body) in answers.iter().filter(|(status, _, _)| *status != StatusCode::OK) {
        assert_eq!(*status, StatusCode::TOO_MANY_REQUESTS, "{body}");
        assert_eq!(retry.as_deref(), Some("1"), "at 3 a second, the next comes within a second");
        assert_eq!(body["code"], "throttled", "{body}");
        assert!(body["detail"].as_str().unwrap().contains("throttled"), "{body}");
    }
    // Another user is not.
    let (status, _) = server.get("/api/v1/me/", Some(&bob)).await;
    assert_eq!(status, StatusCode::OK);
    // A second later the bucket has refilled.
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    let (status, _) = server.get("/api/v1/me/", Some(&ann)).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_callers_are_limited_by_address() {
    let server = TestServer::start_with(limits(3, 40)).await;
    let ann = server.add_user("ann", "UTC", false);
    let here = Client::builder().no_proxy().local_address(IpAddr::V4(Ipv4Addr::LOCALHOST)).build().unwrap();
    let answers = burst(&here, &server, "/api/v1/achievements/", None, 20).await;
    assert!((3..20).contains(&passed(&answers)), "{answers:?}");
    assert!(
        answers.iter().any(|(status, _, body)| *status == StatusCode::TOO_MANY_REQUESTS && body["code"] == "throttled")
    );
    // The same address with a token is that user, not the address.
    let (status, _) = server.get("/api/v1/achievements/", Some(&ann)).await;
    assert_eq!(status, StatusCode::OK);
    // Another address (loopback is a /8) has its own limit.
    let there = Client::builder().no_proxy().local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2))).build().unwrap();
    let response = there.get(server.url("/api/v1/achievements/")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_tokens_have_their_own_higher_limit() {
    let server = TestServer::start_with(limits(3, 40)).await;
    let service = server.add_service("platform");
    let started = std::time::Instant::now();
    let answers = burst(&server.client, &server, "/api/v1/achievements/", Some(&service), 20).await;
    assert_eq!(passed(&answers), 20, "within a service's burst of 40 (a user's 3 would refuse most)");
    let answers = burst(&server.client, &server, "/api/v1/achievements/", Some(&service), 60).await;
    // 20 of the burst are left, and 40 more a second come back: however
    // slow the machine, no more than that pass.
    let earned = (started.elapsed().as_secs_f64() * 40.0).ceil() as usize;
    assert!(passed(&answers) <= 20 + earned, "{} passed in {:?}", passed(&answers), started.elapsed());
    if passed(&answers) < 60 {
        assert!(answers.iter().any(|(status, retry, _)| *status == StatusCode::TOO_MANY_REQUESTS && retry.is_some()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_open_stream_counts_once() {
    let server = TestServer::start_with(limits(3, 40)).await;
    let ann = server.add_user("ann", "UTC", false);
    let stream = server.client.get(server.url("/api/v1/notifications/stream/")).bearer_auth(&ann).send().await.unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    // The stream took one of the 3: two more pass now, and the stream,
    // still open, takes nothing more.
    let answers = burst(&server.client, &server, "/api/v1/me/", Some(&ann), 2).await;
    assert_eq!(passed(&answers), 2, "{answers:?}");
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    let answers = burst(&server.client, &server, "/api/v1/me/", Some(&ann), 3).await;
    assert_eq!(passed(&answers), 3, "{answers:?}");
    drop(stream);
}
