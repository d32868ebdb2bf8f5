//! Server benchmark over loopback HTTP against the release binary:
//!
//! - durable intake (every acknowledged event committed with fsync): single
//!   events one request at a time and from 32 concurrent clients, and
//!   1,000-event batches;
//! - latency of `GET /api/v1/achievements/` for a user with progress, at 1
//!   and 50 concurrent clients, and at 50 through the rate limiter
//!   (`serve --rate-limit`, a limit the load never reaches).
//!
//! Each has a baseline measured in the same run, on the same machine: plain
//! SQLite commits of one row (and of 1,000 rows) with the server's pragmas,
//! and the cheapest HTTP round trip the server has (a `304` for the catalog:
//! no body, no database).
//!
//! Run: `cargo bench -p achievements-server --bench server`. Request counts
//! are fixed and small; everything stays on 127.0.0.1 and the server is
//! stopped at the end. Latencies are the median of three rounds (by p99).
//! Prints a Markdown table for BENCHMARKS.md.

#![allow(clippy::unwrap_used)]

mod common;

use achievements_testkit::{ServeProcess, binary};
use common::{Target, command, fetch, measure_gets, post, rate};
use serde_json::{Value, json};
use std::path::Path;
use std::time::{Duration, Instant};

const SINGLE_SEQUENTIAL: usize = 2_000;
const SINGLE_CONCURRENT: usize = 10_000;
const SINGLE_CLIENTS: usize = 32;
const BATCHES: usize = 60;
const BATCH_SIZE: usize = 1_000;
const GETS_ONE_CLIENT: usize = 3_000;
const GETS_PER_CLIENT_AT_50: usize = 200;

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` runs us too: be quick then.
    if !std::env::args().any(|a| a == "--bench") {
        println!("server bench: skipped (run with `cargo bench`)");
        return;
    }
    let dir = tempfile::Builder::new().prefix("achievements-bench").tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let db = dir.path().join("bench.db");
    command(&db, &["users", "add", "bench"]);
    let service = command(&db, &["tokens", "add", "--service", "bench"]);

    let server = ServeProcess::spawn(binary!(), &db, &["--demo"]);
    let demo_token = server.printed.iter().find_map(|l| l.strip_prefix("demo token: ")).unwrap().to_owned();
    let addr = server.addr.to_string();

    let mut rows = sqlite_baselines(dir.path());
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rows.extend(runtime.block_on(run(&addr, &service, &demo_token)));
    server.terminate(Duration::from_secs(60));

    // The same reads through the rate limiter (keyed by the token; a limit
    // this load never reaches): what `--rate-limit` costs a request.
    let limited = ServeProcess::spawn(binary!(), &db, &["--rate-limit", "1000000"]);
    rows.push(runtime.block_on(rate_limited(&limited.addr.to_string(), &demo_token)));
    limited.terminate(Duration::from_secs(60));

    println!("\n| Measure | Requests | Result |");
    println!("|---|---:|---|");
    for (measure, requests, result) in rows {
        println!("| {measure} | {requests} | {result} |");
    }
}

async fn run(addr: &str, service: &str, user_token: &str) -> Vec<(String, usize, String)> {
    let http = reqwest::Client::builder().no_proxy().pool_max_idle_per_host(64).build().unwrap();
    let events_url = format!("http://{addr}/api/v1/events/");
    let mut rows = Vec::new();
    let event =
        |id: String| json!({"id": id, "user": "bench", "type": "project_created", "at": "2026-03-10T10:00:00Z"});

    // Warm-up: connections, page cache, statement caches.
    for i in 0..200 {
        post(&http, &events_url, service, &event(format!("warm-{i}"))).await;
    }

    let start = Instant::now();
    for i in 0..SINGLE_SEQUENTIAL {
        post(&http, &events_url, service, &event(format!("s-{i}"))).await;
    }
    rows.push(rate("Intake, single events, 1 client", SINGLE_SEQUENTIAL, SINGLE_SEQUENTIAL, start.elapsed()));

    let start = Instant::now();
    let per_client = SINGLE_CONCURRENT / SINGLE_CLIENTS;
    let mut tasks = Vec::new();
    for c in 0..SINGLE_CLIENTS {
        let (http, url, service) = (http.clone(), events_url.clone(), service.to_owned());
        tasks.push(tokio::spawn(async move {
            for i in 0..per_client {
                let body = json!({"id": format!("c{c}-{i}"), "user": "bench", "type": "project_created", "at": "2026-03-10T10:00:00Z"});
                post(&http, &url, &service, &body).await;
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let n = per_client * SINGLE_CLIENTS;
    rows.push(rate(&format!("Intake, single events, {SINGLE_CLIENTS} clients"), n, n, start.elapsed()));

    let batches: Vec<Value> = (0..BATCHES)
        .map(|b| json!({"events": (0..BATCH_SIZE).map(|i| event(format!("b{b}-{i}"))).collect::<Vec<_>>()}))
        .collect();
    let start = Instant::now();
    for batch in &batches {
        post(&http, &events_url, service, batch).await;
    }
    rows.push(rate(
        &format!("Intake, {BATCH_SIZE}-event batches, 1 client"),
        BATCHES,
        BATCHES * BATCH_SIZE,
        start.elapsed(),
    ));

    let list = Target::List(format!("http://{addr}/api/v1/achievements/"), user_token.to_owned());
    let catalog_url = format!("http://{addr}/api/v1/achievements/catalog/");
    let etag = http.get(&catalog_url).send().await.unwrap().headers()["etag"].to_str().unwrap().to_owned();
    let not_modified = Target::NotModified(catalog_url, etag);
    for target in [&list, &not_modified] {
        for _ in 0..200 {
            fetch(&http, target).await;
        }
    }
    for clients in [1, 50] {
        let per_client = if clients == 1 { GETS_ONE_CLIENT } else { GETS_PER_CLIENT_AT_50 };
        rows.push(
            measure_gets(
                &http,
                std::slice::from_ref(&not_modified),
                clients,
                per_client,
                "baseline: `GET catalog/` answered 304 (no body, no database)",
            )
            .await,
        );
        rows.push(
            measure_gets(
                &http,
                std::slice::from_ref(&list),
                clients,
                per_client,
                "`GET achievements/`, user with progress",
            )
            .await,
        );
    }
    rows
}

/// `GET achievements/` at 50 clients on a server started with
/// `--rate-limit`.
async fn rate_limited(addr: &str, user_token: &str) -> (String, usize, String) {
    let http = reqwest::Client::builder().no_proxy().pool_max_idle_per_host(64).build().unwrap();
    let list = Target::List(format!("http://{addr}/api/v1/achievements/"), user_token.to_owned());
    for _ in 0..200 {
        fetch(&http, &list).await;
    }
    let label = "`GET achievements/`, user with progress, through `--rate-limit 1000000` (never reached)";
    measure_gets(&http, std::slice::from_ref(&list), 50, GETS_PER_CLIENT_AT_50, label).await
}

/// Plain SQLite on the same disk with the server's pragmas: the floor
/// under durable intake.
fn sqlite_baselines(dir: &Path) -> Vec<(String, usize, String)> {
    let conn = rusqlite::Connection::open(dir.join("baseline.db")).unwrap();
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    conn.pragma_update(None, "synchronous", "FULL").unwrap();
    conn.execute_batch("CREATE TABLE t (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, v INTEGER)").unwrap();
    let insert_one = |conn: &rusqlite::Connection, id: String| {
        conn.prepare_cached("INSERT INTO t (id, v) VALUES (?1, 1)").unwrap().execute([id]).unwrap();
    };
    let start = Instant::now();
    for i in 0..SINGLE_SEQUENTIAL {
        insert_one(&conn, format!("one-{i}"));
    }
    let single = rate(
        "baseline: SQLite, one-row commits (WAL, synchronous=FULL)",
        SINGLE_SEQUENTIAL,
        SINGLE_SEQUENTIAL,
        start.elapsed(),
    );
    let start = Instant::now();
    for b in 0..BATCHES {
        conn.execute_batch("BEGIN IMMEDIATE").unwrap();
        for i in 0..BATCH_SIZE {
            insert_one(&conn, format!("batch-{b}-{i}"));
        }
        conn.execute_batch("COMMIT").unwrap();
    }
    let batched =
        rate(&format!("baseline: SQLite, {BATCH_SIZE}-row commits"), BATCHES, BATCHES * BATCH_SIZE, start.elapsed());
    vec![single, batched]
}
