//! Prometheus metrics: the recorder behind the `metrics` macros, the
//! metric names (a contract with operators' dashboards: docs/server.md
//! lists them), and the few helpers the rest of the server emits through.
//!
//! The recorder is process-global (the `metrics` facade has one): it is
//! installed once, by the first router built ([`handle`]), without the
//! exporter's own HTTP listener; `GET /metrics` renders it
//! ([`crate::routes::operations`]). Until it is installed every macro is a
//! no-op, so commands that never serve pay nothing.
//!
//! Labels are bounded: a request is counted under its route *template*
//! (`/api/v1/achievements/{key}/`), never its raw path, and an unknown
//! method is `other`.

use crate::app::AppState;
use crate::store::health::Load;
use crate::store::model::Notification;
use axum::extract::{MatchedPath, Request};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use metrics::{Unit, counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Duration;

pub(crate) const HTTP_REQUESTS: &str = "achievements_http_requests_total";
pub(crate) const HTTP_DURATION: &str = "achievements_http_request_duration_seconds";
pub(crate) const EVENTS: &str = "achievements_events_total";
pub(crate) const UNLOCKS: &str = "achievements_unlocks_total";
pub(crate) const WRITER_QUEUE: &str = "achievements_writer_queue_depth";
pub(crate) const COMMIT_BATCH: &str = "achievements_commit_batch_size";
pub(crate) const OPEN_STREAMS: &str = "achievements_open_streams";
pub(crate) const POOL_CONNECTIONS: &str = "achievements_pool_connections";
pub(crate) const POOL_MAX: &str = "achievements_pool_max";

/// The route label of a request no route matched (the web page, 404s).
pub(crate) const UNMATCHED: &str = "unmatched";

/// Request durations, in seconds: from a cached read to a slow batch.
const DURATION_BUCKETS: &[f64] = &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];
/// Writes per commit: 1 up to the group limit (32).
const BATCH_BUCKETS: &[f64] = &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0];

/// How often the recorder's histograms are folded in, so that a server
/// nobody scrapes does not keep every sample.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process's Prometheus recorder, installed on first call.
pub(crate) fn handle() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let recorder = builder().build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            // Only if something else installed one first: /metrics is then empty.
            tracing::warn!("another metrics recorder is installed: /metrics shows nothing");
        }
        describe();
        handle
    })
}

fn builder() -> PrometheusBuilder {
    let with_buckets = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Full(HTTP_DURATION.to_owned()), DURATION_BUCKETS)
        .and_then(|b| b.set_buckets_for_metric(Matcher::Full(COMMIT_BATCH.to_owned()), BATCH_BUCKETS));
    // Only an empty bucket list fails, and ours are not empty.
    with_buckets.unwrap_or_else(|_| PrometheusBuilder::new())
}

fn describe() {
    describe_counter!(HTTP_REQUESTS, "HTTP requests answered, by route template, method and status.");
    describe_histogram!(HTTP_DURATION, Unit::Seconds, "Time to answer an HTTP request (to its headers), by route.");
    describe_counter!(EVENTS, "Events posted to events/, by outcome: applied, duplicate or rejected.");
    describe_counter!(UNLOCKS, "Achievements unlocked (committed), by cause.");
    describe_gauge!(WRITER_QUEUE, "Writes waiting for the database writer (SQLite) or group commit (PostgreSQL).");
    describe_histogram!(COMMIT_BATCH, "Writes committed together in one transaction.");
    describe_gauge!(OPEN_STREAMS, "Open notification streams (Server-Sent Events).");
    describe_gauge!(POOL_CONNECTIONS, "PostgreSQL pool connections, by state: in_use or idle.");
    describe_gauge!(POOL_MAX, "The PostgreSQL pool's size limit.");
}

/// Folds the histograms in every few seconds until the server closes.
pub(crate) fn spawn_upkeep(state: &AppState) {
    let mut closing = state.closing();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(UPKEEP_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = closing.wait_for(|closing| *closing) => return,
                _ = tick.tick() => handle().run_upkeep(),
            }
        }
    });
}

/// Middleware: counts every request under its route template and times it.
pub(crate) async fn track_requests(request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().map_or(UNMATCHED, MatchedPath::as_str).to_owned();
    let method = method_label(request.method());
    let started = std::time::Instant::now();
    let response = next.run(request).await;
    let elapsed = started.elapsed().as_secs_f64();
    let status = response.status().as_str().to_owned();
    counter!(HTTP_REQUESTS, "route" => route.clone(), "method" => method, "status" => status).increment(1);
    histogram!(HTTP_DURATION, "route" => route).record(elapsed);
    response
}

/// The method as a label: the standard ones by name, any other `other`
/// (a client could otherwise make up one label value per request).
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Counts the events of one `POST events/` by outcome.
pub(crate) fn count_events(applied: usize, duplicate: usize, rejected: usize) {
    for (outcome, n) in [("applied", applied), ("duplicate", duplicate), ("rejected", rejected)] {
        if n > 0 {
            counter!(EVENTS, "outcome" => outcome).increment(n as u64);
        }
    }
}

/// Counts committed unlocks by cause: every unlock queues exactly one
/// notification, which carries the cause. Call it after the commit.
pub(crate) fn count_unlocks(notifications: &[Notification]) {
    for n in notifications {
        counter!(UNLOCKS, "cause" => n.cause.clone()).increment(1);
    }
}

/// A group of `n` writes committed together (or tried).
pub(crate) fn commit_batch(n: usize) {
    histogram!(COMMIT_BATCH).record(n as f64);
}

/// The store's queue and pool, sampled when `/metrics` is scraped.
pub(crate) fn sample(load: &Load) {
    gauge!(WRITER_QUEUE).set(load.writer_queue as f64);
    if let Some(pool) = &load.pool {
        gauge!(POOL_CONNECTIONS, "state" => "in_use").set(pool.in_use as f64);
        gauge!(POOL_CONNECTIONS, "state" => "idle").set(pool.idle as f64);
        gauge!(POOL_MAX).set(pool.max as f64);
    }
}

/// An open notification stream: counted in [`OPEN_STREAMS`] until dropped.
#[derive(Debug)]
pub(crate) struct OpenStream(());

impl OpenStream {
    pub(crate) fn new() -> Self {
        gauge!(OPEN_STREAMS).increment(1.0);
        OpenStream(())
    }
}

impl Drop for OpenStream {
    fn drop(&mut self) {
        gauge!(OPEN_STREAMS).decrement(1.0);
    }
}
