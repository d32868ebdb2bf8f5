//! `GET /metrics` over real HTTP, scraped and parsed as Prometheus text:
//! requests counted under their route template, events by outcome,
//! unlocks by cause, histograms with their buckets, open streams, the
//! writer and the pool; and `--metrics-token`.
//!
//! The recorder is process-global: every server of this binary counts into
//! it, so each test asserts differences between two scrapes, on series the
//! other test does not touch.

#![allow(clippy::unwrap_used)]

use achievements_server::platform::{MetricsToken, ObserveOptions, PlatformOptions};
use achievements_testkit::{Backend, Setup, TestServer, event};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// One sample: `name{labels} value`.
#[derive(Debug, Clone, PartialEq)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// Parses the Prometheus text exposition format: every line is empty, a
/// `# HELP` or `# TYPE` comment, or `name{label="value",...} value`.
/// Panics, naming the line, on anything else.
fn parse(text: &str) -> Vec<Sample> {
    let mut samples = Vec::new();
    for line in text.lines() {
        if line.is_empty() {
            continue;
        }
        if let Some(comment) = line.strip_prefix("# ") {
            let kind = comment.split(' ').next().unwrap_or("");
            assert!(kind == "HELP" || kind == "TYPE", "an unknown comment: {line}");
            if kind == "TYPE" {
                let parts: Vec<&str> = comment.split(' ').collect();
                assert_eq!(parts.len(), 3, "{line}");
                assert!(["counter", "gauge", "histogram", "summary", "untyped"].contains(&parts[2]), "{line}");
            }
            continue;
        }
        let name_end = line.find(['{', ' ']).unwrap_or_else(|| panic!("no value: {line}"));
        let name = &line[..name_end];
        assert!(
            !name.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
                && !name.starts_with(|c: char| c.is_ascii_digit()),
            "a bad metric name: {line}"
        );
        let mut rest = &line[name_end..];
        let mut labels = BTreeMap::new();
        if let Some(after) = rest.strip_prefix('{') {
            let mut chars = after.char_indices().peekable();
            let end = loop {
                let Some(&(i, c)) = chars.peek() else { panic!("unclosed labels: {line}") };
                if c == '}' {
                    break i;
                }
                let mut key = String::new();
                while let Some(&(_, c)) = chars.peek() {
                    if c == '=' {
                        break;
                    }
                    key.push(c);
                    chars.next();
                }
                assert!(!key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'), "{line}");
                assert_eq!(chars.next().map(|(_, c)| c), Some('='), "{line}");
                assert_eq!(chars.next().map(|(_, c)| c), Some('"'), "{line}");
                let mut value = String::new();
                loop {
                    match chars.next().map(|(_, c)| c) {
                        Some('"') => break,
                        Some('\\') => match chars.next().map(|(_, c)| c) {
                            Some('\\') => value.push('\\'),
                            Some('"') => value.push('"'),
                            Some('n') => value.push('\n'),
                            other => panic!("a bad escape {other:?}: {line}"),
                        },
                        Some(c) => value.push(c),
                        None => panic!("an unclosed label value: {line}"),
                    }
                }
                labels.insert(key, value);
                match chars.peek().map(|&(_, c)| c) {
                    Some(',') => {
                        chars.next();
                    }
                    Some('}') => {}
                    other => panic!("expected , or }} after a label, got {other:?}: {line}"),
                }
            };
            rest = &after[end + 1..];
        }
        let value = rest.strip_prefix(' ').unwrap_or_else(|| panic!("no space before the value: {line}"));
        let value = match value {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            "NaN" => f64::NAN,
            v => v.parse().unwrap_or_else(|_| panic!("not a number `{v}`: {line}")),
        };
        samples.push(Sample { name: name.to_owned(), labels, value });
    }
    samples
}

#[test]
fn the_parser_reads_what_it_should_and_refuses_the_rest() {
    let samples = parse(
        "# HELP a_total Things.\n# TYPE a_total counter\na_total{route=\"/x/{key}/\",q=\"a\\\"b\"} 3\nb 1.5\nc_bucket{le=\"+Inf\"} 2\n",
    );
    assert_eq!(samples.len(), 3);
    assert_eq!(samples[0].labels["route"], "/x/{key}/");
    assert_eq!(samples[0].labels["q"], "a\"b");
    assert_eq!(samples[1].value, 1.5);
    for bad in ["a{x=\"1\" 2", "a 1 2 x", "# WHAT a", "a{x=1} 2", "a", "1a 2"] {
        assert!(std::panic::catch_unwind(|| parse(bad)).is_err(), "{bad} was accepted");
    }
}

/// The value of the one sample named `name` whose labels include `labels`
/// (0 when there is none: a counter not yet incremented).
fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> f64 {
    let found: Vec<&Sample> = samples
        .iter()
        .filter(|s| s.name == name && labels.iter().all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v)))
        .collect();
    assert!(found.len() <= 1, "{name} {labels:?} matches {found:?}");
    found.first().map_or(0.0, |s| s.value)
}

fn has(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> bool {
    samples
        .iter()
        .any(|s| s.name == name && labels.iter().all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v)))
}

async fn scrape(server: &TestServer, token: Option<&str>) -> Vec<Sample> {
    let mut request = server.client.get(server.url("/metrics"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    parse(&response.text().await.unwrap())
}

const KEY_ROUTE: &str = "/api/v1/achievements/{key}/";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_requests_events_unlocks_and_streams() {
    let server = TestServer::start().await;
    let ann = server.add_user("ann", "UTC", false);
    let service = server.add_service("platform");
    let before = scrape(&server, None).await;

    // One applied event that unlocks a badge, one duplicate, one rejected.
    let at = "2026-03-20T10:00:00Z";
    let results = server
        .post_events(
            &service,
            &json!({"events": [
                event("e1", "ann", "project_created", at),
                event("e1", "ann", "project_created", at),
                event("e2", "nobody", "project_created", at),
            ]}),
        )
        .await;
    let statuses: Vec<&Value> = results.iter().map(|r| &r["status"]).collect();
    assert_eq!(statuses, [&json!("applied"), &json!("duplicate"), &json!("rejected")], "{results:?}");
    let (status, _) = server.get("/api/v1/achievements/first_project/", Some(&ann)).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = server.get("/nowhere", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // A badge granted by hand is an unlock too.
    let root = server.add_user("root", "UTC", true);
    let grant = json!({"key": "5_battles", "reason": "a metrics test"});
    let (status, body) = server.post("/api/v1/admin/users/ann/achievements/", Some(&root), &grant).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    // A stream is open while it is read.
    let stream = server.client.get(server.url("/api/v1/notifications/stream/")).bearer_auth(&ann).send().await.unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    let after = scrape(&server, None).await;

    let delta = |name: &str, labels: &[(&str, &str)]| value(&after, name, labels) - value(&before, name, labels);
    let events = "achievements_events_total";
    assert_eq!(delta(events, &[("outcome", "applied")]), 1.0);
    assert_eq!(delta(events, &[("outcome", "duplicate")]), 1.0);
    assert_eq!(delta(events, &[("outcome", "rejected")]), 1.0);
    assert_eq!(delta("achievements_unlocks_total", &[("cause", "event")]), 1.0, "first_project, by an event");
    assert_eq!(delta("achievements_unlocks_total", &[("cause", "granted")]), 1.0, "5_battles, by hand");

    let requests = "achievements_http_requests_total";
    assert_eq!(delta(requests, &[("route", KEY_ROUTE), ("method", "GET"), ("status", "200")]), 1.0);
    assert_eq!(delta(requests, &[("route", "/api/v1/events/"), ("method", "POST"), ("status", "200")]), 1.0);
    assert_eq!(delta(requests, &[("route", "unmatched"), ("method", "GET"), ("status", "404")]), 1.0);
    // Raw paths never become labels.
    for s in &after {
        if let Some(route) = s.labels.get("route") {
            assert!(!route.contains("first_project") && !route.contains("nowhere"), "{s:?}");
        }
    }

    // Histograms, with their buckets.
    let duration = "achievements_http_request_duration_seconds";
    assert_eq!(
        value(&after, &format!("{duration}_count"), &[("route", KEY_ROUTE)]),
        value(&after, requests, &[("route", KEY_ROUTE), ("method", "GET"), ("status", "200")])
    );
    assert!(has(&after, &format!("{duration}_bucket"), &[("route", KEY_ROUTE), ("le", "0.005")]));
    let inf = value(&after, &format!("{duration}_bucket"), &[("route", KEY_ROUTE), ("le", "+Inf")]);
    assert!(inf >= 1.0, "{inf}");
    assert!(value(&after, &format!("{duration}_sum"), &[("route", KEY_ROUTE)]) > 0.0);
    let batches = "achievements_commit_batch_size";
    assert!(delta(&format!("{batches}_count"), &[]) >= 1.0, "the event's write was committed in a batch");
    assert!(has(&after, &format!("{batches}_bucket"), &[("le", "32")]));

    // The writer and the pool, sampled at the scrape.
    assert!(has(&after, "achievements_writer_queue_depth", &[]));
    if server.backend() == Backend::Postgres {
        assert_eq!(value(&after, "achievements_pool_max", &[]), 16.0);
        assert!(has(&after, "achievements_pool_connections", &[("state", "in_use")]));
        assert!(value(&after, "achievements_pool_connections", &[("state", "idle")]) >= 1.0);
    } else {
        assert!(!has(&after, "achievements_pool_max", &[]), "no pool on SQLite");
    }

    // Streams: one more while open, back once closed.
    let open = "achievements_open_streams";
    assert_eq!(delta(open, &[]), 1.0);
    drop(stream);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let now = scrape(&server, None).await;
        if value(&now, open, &[]) == value(&before, open, &[]) {
            break;
        }
        assert!(Instant::now() < deadline, "the stream is still counted as open");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_metrics_token_is_required_when_given() {
    let observe = ObserveOptions { metrics_token: MetricsToken::new("s3cret"), ..ObserveOptions::default() };
    let platform = PlatformOptions { observe, ..PlatformOptions::default() };
    let server = TestServer::start_with(Setup { platform, ..Setup::default() }).await;

    let (status, body) = server.get("/metrics", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["code"], "not_authenticated", "{body}");
    let (status, body) = server.get("/metrics", Some("wrong")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["code"], "authentication_failed", "{body}");
    let service = server.add_service("platform");
    let (status, _) = server.get("/metrics", Some(&service)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "an API token is not the metrics token");
    let samples = scrape(&server, Some("s3cret")).await;
    assert!(has(&samples, "achievements_http_requests_total", &[("route", "/metrics"), ("status", "401")]));
    // The probes stay open.
    assert_eq!(server.get("/healthz", None).await.0, StatusCode::OK);
    assert_eq!(server.get("/readyz", None).await.0, StatusCode::OK);
}
