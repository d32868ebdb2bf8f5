//! Faults injected under a live `achievements serve` process: the database
//! locked by another process past the busy timeout, the disk full during
//! intake, and clients that go away mid-request. Each answers in words (a
//! `503` with `Retry-After`, never a hang or a `500`), and nothing
//! acknowledged is lost, nothing is doubled, nothing is half-written.

#![allow(clippy::unwrap_used)]

use achievements_testkit::{ServeProcess, binary};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::io::Write;
use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn last_line(db: &Path, args: &[&str]) -> String {
    let out = binary!().args(args).arg("--db").arg(db).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().lines().last().unwrap().to_owned()
}

/// A database with the shipped catalog, user `ann` and a service token.
fn prepare(db: &Path) -> String {
    last_line(db, &["load-achievements"]);
    last_line(db, &["users", "add", "ann"]);
    last_line(db, &["tokens", "add", "--service", "platform"])
}

/// A prepared database `NAME.db` in a temporary folder under a running
/// `serve` process, and the service token.
fn serve(name: &str) -> (tempfile::TempDir, std::path::PathBuf, String, ServeProcess) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join(format!("{name}.db"));
    let service = prepare(&db);
    let server = ServeProcess::spawn(binary!(), &db, &[]);
    (dir, db, service, server)
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(30)).build().unwrap()
}

fn project(id: &str) -> Value {
    json!({"id": id, "user": "ann", "type": "project_created", "at": "2026-03-10T10:00:00Z"})
}

async fn post(server: &ServeProcess, service: &str, body: &Value) -> (StatusCode, Option<String>, Value) {
    let response = client().post(server.url("/api/v1/events/")).bearer_auth(service).json(body).send().await.unwrap();
    let status = response.status();
    let retry = response.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_owned);
    (status, retry, response.json().await.unwrap_or(Value::Null))
}

/// Stored events and ann's project count, read from the file.
fn stored(db: &Path) -> (i64, i64) {
    let conn = rusqlite::Connection::open(db).unwrap();
    let events = conn.query_row("SELECT count(*) FROM events", [], |r| r.get(0)).unwrap();
    let snapshot: String =
        conn.query_row("SELECT snapshot FROM user_state", [], |r| r.get(0)).unwrap_or_else(|_| "{}".into());
    let snapshot: Value = serde_json::from_str(&snapshot).unwrap();
    (events, snapshot["stats"]["project_count"].as_i64().unwrap_or(0))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_locked_elsewhere_answers_503_with_retry_after_not_a_hang() {
    let (_dir, db, service, server) = serve("locked");

    // Another process (this test) takes the write lock and keeps it.
    let holder = rusqlite::Connection::open(&db).unwrap();
    holder.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let started = Instant::now();
    let (status, retry, body) = post(&server, &service, &project("e1")).await;
    let waited = started.elapsed();
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(retry.as_deref(), Some("5"));
    assert_eq!(body["code"], "database_busy", "{body}");
    // It waited for the busy timeout (5 s), and no more than that by far.
    assert!(waited >= Duration::from_secs(4) && waited < Duration::from_secs(20), "{waited:?}");
    // Reads do not wait for the writer (WAL).
    let me = client().get(server.url("/api/v1/achievements/catalog/")).send().await.unwrap();
    assert_eq!(me.status(), StatusCode::OK);
    holder.execute_batch("ROLLBACK").unwrap();
    drop(holder);
    assert_eq!(stored(&db), (0, 0), "nothing of the refused request was stored");

    // The same event, retried once the lock is gone, is applied once.
    let (status, _, body) = post(&server, &service, &project("e1")).await;
    assert_eq!((status, body["applied"].as_i64()), (StatusCode::OK, Some(1)), "{body}");
    let (_, _, body) = post(&server, &service, &project("e1")).await;
    assert_eq!(body["duplicate"].as_i64(), Some(1), "{body}");
    server.terminate(Duration::from_secs(10));
    assert_eq!(stored(&db), (1, 1));
}

/// A tmpfs of `size` mounted at `dir` for the life of the value (root only).
struct Tmpfs(std::path::PathBuf);

impl Tmpfs {
    fn mount(dir: &Path, size: &str) -> Option<Self> {
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir)
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Tmpfs(dir.to_owned()))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// Fills the file system under `dir` with `ballast` until nothing is left.
fn fill(ballast: &Path) {
    let mut file = std::fs::File::create(ballast).unwrap();
    let chunk = vec![0u8; 64 * 1024];
    while file.write_all(&chunk).is_ok() {}
    let _ = file.sync_all();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_during_intake_answers_503_and_loses_no_acknowledged_event() {
    let outer = tempfile::tempdir().unwrap();
    // A small file system of its own, so the test can fill it.
    let Some(_tmpfs) = Tmpfs::mount(outer.path(), "16m") else {
        // Mounting needs root (CI runs as root); say so rather than pass.
        eprintln!("SKIPPED a_full_disk_during_intake…: cannot mount a tmpfs here (not root?)");
        return;
    };
    let db = outer.path().join("full.db");
    let service = prepare(&db);
    let server = ServeProcess::spawn(binary!(), &db, &[]);

    let mut acknowledged = Vec::new();
    for n in 0..20 {
        let (status, _, body) = post(&server, &service, &project(&format!("before-{n}"))).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        acknowledged.push(format!("before-{n}"));
    }
    let ballast = outer.path().join("ballast");
    fill(&ballast);

    // Batches of new events until the disk refuses one: each is answered
    // 200 (stored) or 503 `storage_full` (nothing stored), never 500.
    let mut refused = Vec::new();
    for n in 0..200 {
        let ids: Vec<String> = (0..25).map(|i| format!("full-{n}-{i}")).collect();
        let events: Vec<Value> = ids.iter().map(|id| project(id)).collect();
        let (status, retry, body) = post(&server, &service, &json!({"events": events})).await;
        match status {
            StatusCode::OK => acknowledged.extend(ids),
            StatusCode::SERVICE_UNAVAILABLE => {
                assert_eq!((body["code"].as_str(), retry.as_deref()), (Some("storage_full"), Some("60")), "{body}");
                refused.extend(ids);
                if refused.len() >= 50 {
                    break;
                }
            }
            other => panic!("a full disk answered {other}: {body}"),
        }
    }
    assert!(!refused.is_empty(), "the disk never filled up");

    // Space comes back; the refused events are sent again and stored once.
    std::fs::remove_file(&ballast).unwrap();
    for chunk in refused.chunks(25) {
        let events: Vec<Value> = chunk.iter().map(|id| project(id)).collect();
        let (status, _, body) = post(&server, &service, &json!({"events": events})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    server.terminate(Duration::from_secs(10));

    let all = acknowledged.len() + refused.len();
    let (events, projects) = stored(&db);
    assert_eq!((events, projects), (i64::try_from(all).unwrap(), i64::try_from(all).unwrap()));
    let conn = rusqlite::Connection::open(&db).unwrap();
    for id in &acknowledged {
        let found: i64 = conn.query_row("SELECT count(*) FROM events WHERE id = ?1", [id], |r| r.get(0)).unwrap();
        assert_eq!(found, 1, "acknowledged event {id}");
    }
}

/// One HTTP/1.1 request written by hand, the connection closed after its
/// head and `sent` bytes of its body, without reading the answer.
fn send_and_hang_up(server: &ServeProcess, service: &str, body: &str, sent: usize) {
    let mut stream = TcpStream::connect(server.addr).unwrap();
    let request = format!(
        "POST /api/v1/events/ HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {service}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    // The head's length is counted, not guessed: a guess too long sent a
    // "cut" body whole, and the server rightly stored it.
    let head = request.len() - body.len();
    stream.write_all(&request.as_bytes()[..head.saturating_add(sent).min(request.len())]).unwrap();
    stream.shutdown(std::net::Shutdown::Both).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_gone_mid_request_leaves_nothing_half_written() {
    let (_dir, db, service, server) = serve("cancel");

    // Gone while sending the body: nothing of it is stored.
    let batch: Vec<Value> = (0..50).map(|i| project(&format!("half-{i}"))).collect();
    let text = json!({"events": batch}).to_string();
    for cut in [40, text.len() / 2, text.len() - 1] {
        send_and_hang_up(&server, &service, &text, cut);
    }
    // Gone right after sending it all: the whole batch is stored or none of it.
    for n in 0..20 {
        let batch: Vec<Value> = (0..50).map(|i| project(&format!("sent-{n}-{i}"))).collect();
        send_and_hang_up(&server, &service, &json!({"events": batch}).to_string(), usize::MAX);
    }
    // Let the server finish what it accepted, then read through the API.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (status, _, body) = post(&server, &service, &project("last")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    server.terminate(Duration::from_secs(10));

    let conn = rusqlite::Connection::open(&db).unwrap();
    let half: i64 = conn.query_row("SELECT count(*) FROM events WHERE id LIKE 'half-%'", [], |r| r.get(0)).unwrap();
    assert_eq!(half, 0, "a body cut short stores nothing");
    for n in 0..20 {
        let stored: i64 = conn
            .query_row("SELECT count(*) FROM events WHERE id LIKE ?1", [format!("sent-{n}-%")], |r| r.get(0))
            .unwrap();
        assert!(stored == 0 || stored == 50, "batch {n}: {stored} of 50 events stored");
    }
    // Every stored event was counted once: the counter equals the events.
    let (events, projects) = stored(&db);
    assert_eq!(events, projects);
}
