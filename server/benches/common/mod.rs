//! What the server benchmarks share: requests, GET latency rounds, and
//! the rows of their Markdown tables.

#![allow(clippy::unwrap_used, dead_code, unreachable_pub)]

use serde_json::Value;
use std::time::{Duration, Instant};

/// Rounds of each latency measure; the median round (by p99) is reported.
pub const ROUNDS: usize = 3;

/// What a GET measures.
#[derive(Clone)]
pub enum Target {
    /// The list with a user's token: a 200 with ~10 kB of JSON.
    List(String, String),
    /// The catalog with its current ETag: a 304.
    NotModified(String, String),
}

pub async fn fetch(http: &reqwest::Client, target: &Target) {
    match target {
        Target::List(url, token) => get(http, url, token).await,
        Target::NotModified(url, etag) => {
            let response = http.get(url).header("If-None-Match", etag).send().await.unwrap();
            assert_eq!(response.status(), 304);
            let _ = response.bytes().await.unwrap();
        }
    }
}

/// Runs [`ROUNDS`] rounds and reports the round with the median p99 (the
/// machine is shared: single rounds are noisy). Client `c` asks
/// `targets[c % len]` (instances behind a load balancer).
pub async fn measure_gets(
    http: &reqwest::Client,
    targets: &[Target],
    clients: usize,
    per_client: usize,
    label: &str,
) -> (String, usize, String) {
    let mut rounds = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        let start = Instant::now();
        let mut tasks = Vec::new();
        for c in 0..clients {
            let (http, target) = (http.clone(), targets[c % targets.len()].clone());
            tasks.push(tokio::spawn(async move {
                let mut mine = Vec::with_capacity(per_client);
                for _ in 0..per_client {
                    let t = Instant::now();
                    fetch(&http, &target).await;
                    mine.push(t.elapsed());
                }
                mine
            }));
        }
        let mut samples = Vec::with_capacity(clients * per_client);
        for t in tasks {
            samples.extend(t.await.unwrap());
        }
        let elapsed = start.elapsed();
        samples.sort();
        rounds.push((samples, elapsed));
    }
    rounds.sort_by_key(|(samples, _)| quantile(samples, 0.99));
    let (samples, elapsed) = &rounds[ROUNDS / 2];
    let plural = if clients == 1 { "" } else { "s" };
    let (label, n, text) = latency(&format!("{label}, {clients} client{plural}"), samples);
    (label, n, format!("{text}; {:.0} req/s", n as f64 / elapsed.as_secs_f64()))
}

pub fn quantile(sorted: &[Duration], q: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * q).round() as usize]
}

pub async fn post(http: &reqwest::Client, url: &str, token: &str, body: &Value) {
    let response = http.post(url).bearer_auth(token).json(body).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["rejected"], 0, "{answer}");
}

pub async fn get(http: &reqwest::Client, url: &str, token: &str) {
    let response = http.get(url).bearer_auth(token).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let body = response.bytes().await.unwrap();
    assert!(body.len() > 1000);
}

pub fn rate(label: &str, requests: usize, events: usize, elapsed: Duration) -> (String, usize, String) {
    let per_second = events as f64 / elapsed.as_secs_f64();
    eprintln!("{label}: {per_second:.0} events/s");
    (
        label.to_owned(),
        requests,
        format!("**{per_second:.0} events/s** ({events} events in {:.2} s)", elapsed.as_secs_f64()),
    )
}

pub fn latency(label: &str, sorted: &[Duration]) -> (String, usize, String) {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let text = format!(
        "p50 **{:.2} ms**, p99 **{:.2} ms**, max {:.2} ms",
        ms(quantile(sorted, 0.50)),
        ms(quantile(sorted, 0.99)),
        ms(quantile(sorted, 1.0))
    );
    eprintln!("{label}: {text}");
    (label.to_owned(), sorted.len(), text)
}

/// Runs `achievements ARGS --db DB` and returns the last line it printed
/// (a command that issues a token prints it last).
pub fn command(db: &std::path::Path, args: &[&str]) -> String {
    let out = achievements_testkit::binary!().args(args).arg("--db").arg(db).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().lines().last().unwrap_or_default().to_owned()
}
