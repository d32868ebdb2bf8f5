//! Every rule scenario in `fixtures/scenarios/`, replayed through the real
//! server over HTTP (`POST events/` for event steps, `POST achievements/check/`
//! for evaluation steps), unlocks exactly what the core's runner expects.
//!
//! This is the server's parity test with the core: same catalog, same events,
//! same unlocks. Scenarios that start from a hand-made state
//! (`initial_stats`, `initial_earned`) cannot be posted as events and are
//! covered by the core's own runner only.
#![allow(clippy::unwrap_used)]

use achievements_core::Instant;
use achievements_core::scenario::{Action, Scenario, parse_scenario};
use achievements_testkit::{CatalogSource, Clock, Setup, TestServer};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Later than every scenario's events, so none is "in the future".
const SERVER_NOW: &str = "2030-01-01T00:00:00Z";

async fn start(catalog: CatalogSource) -> TestServer {
    let now: Instant = SERVER_NOW.parse().unwrap();
    TestServer::start_with(Setup { clock: Clock::fixed(now), catalog, ..Setup::default() }).await
}

/// A request that must succeed; its JSON answer.
async fn call(server: &TestServer, method: reqwest::Method, path: &str, token: &str, body: Option<Value>) -> Value {
    let mut request = server.client.request(method, server.url(path)).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let value: Value = response.json().await.unwrap();
    assert!(status.is_success(), "{path}: {status} {value}");
    value
}

fn scenario_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

fn keys_of(items: &Value) -> BTreeSet<String> {
    items.as_array().unwrap().iter().map(|i| i["key"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scenarios_unlock_the_same_through_the_http_api() {
    let mut replayed = 0;
    let mut failures = Vec::new();
    for path in scenario_files() {
        let scenario: Scenario = parse_scenario(&std::fs::read_to_string(&path).unwrap()).unwrap();
        if !scenario.initial_stats.is_empty() || !scenario.initial_earned.is_empty() {
            continue;
        }
        let catalog = match &scenario.catalog {
            Some(rel) => CatalogSource::File(path.parent().unwrap().join(rel)),
            None => CatalogSource::Shipped,
        };
        let server = start(catalog).await;
        let (token, service) = (server.add_user("player", &scenario.timezone, false), server.add_service("platform"));
        let name = scenario.name.clone().unwrap_or_else(|| path.display().to_string());
        for (i, step) in scenario.steps.iter().enumerate() {
            let (unlocked, rejected) = match &step.action {
                Action::Event { event_type, value } => {
                    let mut event =
                        json!({"id": format!("e{i}"), "user": "player", "type": event_type, "at": step.at.to_string()});
                    if let Some(v) = value {
                        event["value"] = json!(v);
                    }
                    let answer = call(&server, reqwest::Method::POST, "/api/v1/events/", &service, Some(event)).await;
                    let result = &answer["results"][0];
                    match result["status"].as_str().unwrap() {
                        "applied" => (
                            result["unlocked"]
                                .as_array()
                                .unwrap()
                                .iter()
                                .map(|k| k.as_str().unwrap().to_owned())
                                .collect(),
                            false,
                        ),
                        "rejected" => (BTreeSet::new(), true),
                        other => panic!("{name} step {}: unexpected status {other}", i + 1),
                    }
                }
                Action::Evaluate => {
                    let answer =
                        call(&server, reqwest::Method::POST, "/api/v1/achievements/check/", &token, None).await;
                    (keys_of(&answer["unlocked"]), false)
                }
            };
            if rejected != step.rejected {
                failures.push(format!("{name} step {}: rejected {rejected}, expected {}", i + 1, step.rejected));
            }
            if let Some(expected) = &step.unlocks
                && !step.rejected
                && *expected != unlocked
            {
                failures.push(format!("{name} step {}: unlocked {unlocked:?}, expected {expected:?}", i + 1));
            }
        }
        if let Some(expected) = &scenario.expect.earned {
            let earned = keys_of(
                &call(&server, reqwest::Method::GET, "/api/v1/achievements/earned/?page_size=1000", &token, None).await
                    ["results"],
            );
            if earned != *expected {
                failures.push(format!("{name}: earned {earned:?}, expected {expected:?}"));
            }
        }
        let me = call(&server, reqwest::Method::GET, "/api/v1/me/", &token, None).await;
        for (field, expected) in &scenario.expect.stats {
            let got = me["state"]["stats"][field].as_i64().unwrap_or(0);
            if got != *expected {
                failures.push(format!("{name}: stats.{field} = {got}, expected {expected}"));
            }
        }
        server.stop().await;
        replayed += 1;
    }
    assert!(replayed >= 20, "only {replayed} scenarios could be replayed");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
