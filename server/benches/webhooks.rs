//! Webhook delivery over loopback, against the release binary: how fast
//! the sender drains its outbox into a receiver that answers at once, and
//! into one that takes 20 ms an answer (where the 16 deliveries sent at
//! once set the pace).
//!
//! Each case: a fresh database with one endpoint registered
//! (`achievements webhooks add`), `serve --create-users`, and 2,000 events
//! posted one a request from 16 clients, each a new user's first project,
//! so each unlocks `first_project` once. The receiver (axum, in this
//! process) counts the unlocks its deliveries carry; the case ends when
//! all 2,000 have arrived.
//!
//! Run: `cargo bench -p achievements-server --bench webhooks`. Everything
//! stays on 127.0.0.1; the servers are stopped at the end. Prints a
//! Markdown table for BENCHMARKS.md.

#![allow(clippy::unwrap_used)]

mod common;

use achievements_testkit::{ServeProcess, binary};
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use common::{command, post as post_event};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const USERS: usize = 2_000;
const CLIENTS: usize = 16;

/// What the receiver has seen.
#[derive(Clone, Default)]
struct Seen {
    deliveries: Arc<AtomicUsize>,
    unlocks: Arc<AtomicUsize>,
    answer_after: Duration,
}

async fn hook(State(seen): State<Seen>, body: Bytes) -> &'static str {
    if !seen.answer_after.is_zero() {
        tokio::time::sleep(seen.answer_after).await;
    }
    let delivery: Value = serde_json::from_slice(&body).unwrap();
    seen.unlocks.fetch_add(delivery["unlocks"].as_array().map_or(0, Vec::len), Ordering::SeqCst);
    seen.deliveries.fetch_add(1, Ordering::SeqCst);
    "ok"
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` runs us too: be quick then.
    if !std::env::args().any(|a| a == "--bench") {
        println!("webhooks bench: skipped (run with `cargo bench`)");
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let mut rows = Vec::new();
    for answer_after in [Duration::ZERO, Duration::from_millis(20)] {
        rows.push(case(&runtime, answer_after));
    }
    println!(
        "\n| Receiver | Unlocks | Deliveries | Events posted in | Last unlock delivered after | Unlocks delivered a second |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    for row in rows {
        println!("{row}");
    }
}

fn case(runtime: &tokio::runtime::Runtime, answer_after: Duration) -> String {
    let dir = tempfile::Builder::new().prefix("achievements-bench").tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let db = dir.path().join("bench.db");
    let seen = Seen { answer_after, ..Seen::default() };
    let receiver = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = Router::new().route("/hook", post(hook)).with_state(seen.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        addr
    });
    let service = command(&db, &["tokens", "add", "--service", "bench"]);
    command(
        &db,
        &["webhooks", "add", "--url", &format!("http://{receiver}/hook"), "--secret", "bench-secret-0123456789"],
    );
    let server = ServeProcess::spawn(binary!(), &db, &["--create-users"]);
    let url = format!("http://{}/api/v1/events/", server.addr);

    let start = Instant::now();
    let posted = runtime.block_on(async {
        let http = reqwest::Client::builder().no_proxy().build().unwrap();
        let tasks: Vec<_> = (0..CLIENTS)
            .map(|c| {
                let (http, url, service) = (http.clone(), url.clone(), service.clone());
                tokio::spawn(async move {
                    for n in (c..USERS).step_by(CLIENTS) {
                        let event = json!({"id": format!("e{n}"), "user": format!("member{n}"),
                                           "type": "project_created", "at": "2026-03-10T10:00:00Z"});
                        post_event(&http, &url, &service, &event).await;
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        start.elapsed()
    });
    let deadline = Instant::now() + Duration::from_secs(300);
    while seen.unlocks.load(Ordering::SeqCst) < USERS {
        assert!(Instant::now() < deadline, "deliveries stalled at {}", seen.unlocks.load(Ordering::SeqCst));
        std::thread::sleep(Duration::from_millis(2));
    }
    let drained = start.elapsed();
    server.terminate(Duration::from_secs(60));
    let (unlocks, deliveries) = (seen.unlocks.load(Ordering::SeqCst), seen.deliveries.load(Ordering::SeqCst));
    #[allow(clippy::cast_precision_loss)]
    let per_second = unlocks as f64 / drained.as_secs_f64();
    let receiver =
        if answer_after.is_zero() { "answers at once".to_owned() } else { format!("answers after {answer_after:?}") };
    format!(
        "| {receiver} | {unlocks} | {deliveries} | {:.2} s | {:.2} s | **{per_second:.0}** |",
        posted.as_secs_f64(),
        drained.as_secs_f64()
    )
}
