//! `achievements serve` as a process: killed with SIGKILL mid-intake it
//! loses no acknowledged event; SIGTERM stops it cleanly; `--demo` prints a
//! token that works; bad start-up input fails with a message.

#![allow(clippy::unwrap_used)]

use achievements_server::store;
use achievements_testkit::{ServeProcess, binary};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

fn last_line_token(db: &Path, args: &[&str]) -> String {
    let out = binary!().args(args).arg("--db").arg(db).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().lines().last().unwrap().to_owned()
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(10)).build().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_intake_loses_no_acknowledged_event() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crash.db");
    last_line_token(&db, &["users", "add", "ann"]);
    let service = last_line_token(&db, &["tokens", "add", "--service", "platform"]);
    let server = ServeProcess::spawn(binary!(), &db, &[]);
    let url = server.url("/api/v1/events/");

    let acknowledged = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let acked_count = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let mut clients = Vec::new();
    for c in 0..8 {
        let (url, service, acknowledged, acked_count, stop) =
            (url.clone(), service.clone(), Arc::clone(&acknowledged), Arc::clone(&acked_count), Arc::clone(&stop));
        clients.push(tokio::spawn(async move {
            let http = client();
            for n in 0.. {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let size = if n % 2 == 0 { 1 } else { 25 };
                let events: Vec<Value> = (0..size)
                    .map(|i| json!({"id": format!("c{c}-{n}-{i}"), "user": "ann", "type": "project_created", "at": "2026-03-10T10:00:00Z"}))
                    .collect();
                let Ok(response) = http.post(&url).bearer_auth(&service).json(&json!({"events": events})).send().await else {
                    break;
                };
                if response.status() != reqwest::StatusCode::OK {
                    break;
                }
                let Ok(body) = response.json::<Value>().await else { break };
                let mut acked = acknowledged.lock().unwrap();
                for result in body["results"].as_array().unwrap() {
                    assert_eq!(result["status"], "applied");
                    acked.push(result["id"].as_str().unwrap().to_owned());
                }
                acked_count.fetch_add(size, Ordering::Relaxed);
            }
        }));
    }
    // Kill while every client is busy posting.
    let start = Instant::now();
    while acked_count.load(Ordering::Relaxed) < 3000 && start.elapsed() < Duration::from_secs(20) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    server.kill(); // SIGKILL
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.await.unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() >= 100, "the clients got going: {}", acknowledged.len());

    // Reopen: every acknowledged event is there, and the state agrees with the log.
    let conn = store::open(&db).unwrap();
    let mut stmt = conn.prepare("SELECT id FROM events").unwrap();
    let stored: HashSet<String> = stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
    eprintln!("acknowledged {} events, {} stored at the kill", acknowledged.len(), stored.len());
    let lost: Vec<&String> = acknowledged.iter().filter(|id| !stored.contains(*id)).collect();
    assert!(lost.is_empty(), "{} acknowledged events lost, e.g. {:?}", lost.len(), lost.first());
    let snapshot: String = conn.query_row("SELECT snapshot FROM user_state", [], |r| r.get(0)).unwrap();
    let snapshot: Value = serde_json::from_str(&snapshot).unwrap();
    assert_eq!(snapshot["stats"]["project_count"].as_u64().unwrap(), stored.len() as u64, "counter = event log");
    let earned: i64 = conn.query_row("SELECT count(*) FROM earned", [], |r| r.get(0)).unwrap();
    let audited: i64 = conn.query_row("SELECT count(*) FROM unlock_audit", [], |r| r.get(0)).unwrap();
    assert_eq!(earned, audited);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_and_exits_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("term.db");
    last_line_token(&db, &["users", "add", "ann"]);
    let service = last_line_token(&db, &["tokens", "add", "--service", "platform"]);
    let server = ServeProcess::spawn(binary!(), &db, &[]);
    let response = client()
        .post(server.url("/api/v1/events/"))
        .bearer_auth(&service)
        .json(&json!({"id": "e1", "user": "ann", "type": "login"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    let status = server.terminate(Duration::from_secs(10));
    assert!(status.success(), "{status:?}");
    // Closed cleanly: the write-ahead log was checkpointed into the file.
    assert!(!dir.path().join("term.db-wal").exists());
    let stored: i64 = store::open(&db).unwrap().query_row("SELECT count(*) FROM events", [], |r| r.get(0)).unwrap();
    assert_eq!(stored, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_prints_a_token_that_shows_badges() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let token_of = |lines: &[String]| {
        lines.iter().find_map(|l| l.strip_prefix("demo token: ")).map(str::to_owned).expect("a demo token line")
    };
    let server = ServeProcess::spawn(binary!(), &db, &["--demo"]);
    let lines = &server.printed;
    let token = token_of(lines);
    assert!(lines[0].starts_with("demo user `demo`: 34 events applied now, "), "{lines:?}");
    let earned: Value = client()
        .get(server.url("/api/v1/achievements/earned/"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let keys: Vec<&str> = earned["results"].as_array().unwrap().iter().map(|i| i["key"].as_str().unwrap()).collect();
    for key in ["first_project", "5_projects", "7_day_streak", "help_5", "100_points"] {
        assert!(keys.contains(&key), "{key} in {keys:?}");
    }
    server.kill();

    // Again: nothing is applied twice, and a new token is issued.
    let server = ServeProcess::spawn(binary!(), &db, &["--demo"]);
    let lines = &server.printed;
    assert!(lines[0].starts_with("demo user `demo`: 0 events applied now, 0 achievement(s)"), "{lines:?}");
    for token in [token, token_of(lines)] {
        let status = client().get(server.url("/api/v1/me/")).bearer_auth(&token).send().await.unwrap().status();
        assert_eq!(status, reqwest::StatusCode::OK);
    }
    server.kill();
}

#[test]
fn serve_fails_with_a_message_on_a_bad_catalog_or_a_taken_port() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("bad.db");
    let invalid = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/invalid/unknown-op.json");
    let out = binary!()
        .args(["serve", "--bind", "127.0.0.1:0", "--catalog"])
        .arg(&invalid)
        .arg("--db")
        .arg(&db)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("invalid catalog"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = binary!().args(["serve", "--bind", &addr, "--db"]).arg(&db).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains(&format!("cannot listen on {addr}")));
}
