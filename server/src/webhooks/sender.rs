//! The sender: one background task per `serve`, started by
//! [`crate::serve::Server::run`] and stopped with it. It claims due
//! deliveries from the outbox ([`crate::store::Store::claim_deliveries`]),
//! POSTs each, and records the outcome: a 2xx deletes the delivery;
//! anything else (an error status, a refused connection, a timeout) sets
//! the next attempt after [`WebhookOptions::delay_after`], until
//! [`WebhookOptions::retry_for`] after the first attempt, when it is marked
//! failed (and kept).
//!
//! It wakes when notifications committed
//! ([`AppState::notifications_committed`], other instances' commits
//! included on PostgreSQL), and every
//! [`WebhookOptions::poll`] otherwise. Nothing is held in memory: pending
//! deliveries are found in the database at start, and a claim is a lease
//! in the database, so a crash loses nothing (a delivery being sent when
//! the process died is sent again when its lease runs out: at least once).

use super::WebhookOptions;
use super::signing::{body, signature};
use crate::app::AppState;
use crate::store::outbox::{Claimed, Finish};
use futures_util::future::join_all;
use reqwest::header::{CONTENT_TYPE, HeaderValue, USER_AGENT};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::task::JoinHandle;

/// Deliveries claimed (and sent concurrently) at once.
const CLAIM: i64 = 16;

/// Starts the sender on the current runtime.
pub(crate) fn start(state: AppState) -> JoinHandle<()> {
    tokio::spawn(run(state))
}

async fn run(state: AppState) {
    let options = state.platform().webhooks.clone();
    let client = match client(&options) {
        Ok(client) => client,
        Err(e) => {
            tracing::error!(error = %e, "no HTTP client for webhooks: deliveries wait in the outbox");
            return;
        }
    };
    let mut closing = state.closing();
    // A claimed delivery is another sender's for this long: longer than an
    // attempt can take.
    let lease = millis(options.attempt_timeout.saturating_mul(3));
    loop {
        if *closing.borrow() {
            return;
        }
        let soonest = send_due(&state, &client, &options, lease).await;
        match state.store().webhook_outbox_pending().await {
            #[allow(clippy::cast_precision_loss)]
            Ok(pending) => metrics::gauge!("achievements_webhook_outbox_pending").set(pending as f64),
            Err(e) => tracing::warn!(error = %e, "cannot count the webhook outbox"),
        }
        let wait = soonest.map_or(options.poll, |at| options.poll.min(at)).max(Duration::from_millis(1));
        tokio::select! {
            _ = closing.wait_for(|closing| *closing) => return,
            () = state.notifications_committed() => {}
            () = tokio::time::sleep(wait) => {}
        }
    }
}

/// Sends every delivery due now; returns how long until the soonest retry
/// it scheduled, if any.
async fn send_due(
    state: &AppState,
    client: &reqwest::Client,
    options: &WebhookOptions,
    lease: i64,
) -> Option<Duration> {
    let mut soonest: Option<i64> = None;
    loop {
        let claimed = match state.store().claim_deliveries(now_ms(), lease, CLAIM).await {
            Ok(claimed) => claimed,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the webhook outbox; trying again later");
                break;
            }
        };
        if claimed.is_empty() {
            break;
        }
        let full = i64::try_from(claimed.len()).unwrap_or(0) == CLAIM;
        let attempts = claimed.into_iter().map(|delivery| attempt(state, client, options, delivery));
        for retry_at in join_all(attempts).await.into_iter().flatten() {
            soonest = Some(soonest.map_or(retry_at, |s| s.min(retry_at)));
        }
        if !full {
            break;
        }
    }
    soonest.map(|at| Duration::from_millis(u64::try_from(at.saturating_sub(now_ms())).unwrap_or(0)))
}

/// One attempt at a claimed delivery; returns the retry's time (Unix ms)
/// if one was scheduled.
async fn attempt(
    state: &AppState,
    client: &reqwest::Client,
    options: &WebhookOptions,
    delivery: Claimed,
) -> Option<i64> {
    let outcome = post(client, &delivery).await;
    let (how, retry_at) = match outcome {
        Ok(()) => {
            metrics::counter!("achievements_webhook_deliveries_total", "outcome" => "delivered").increment(1);
            (Finish::Delivered, None)
        }
        Err(error) => {
            metrics::counter!("achievements_webhook_deliveries_total", "outcome" => "failed").increment(1);
            let now = now_ms();
            let give_up_at = delivery.first_attempt_at.saturating_add(millis(options.retry_for));
            if now >= give_up_at {
                tracing::warn!(delivery = %delivery.id, attempts = delivery.attempts, %error, "webhook delivery failed: giving up");
                (Finish::Failed { error }, None)
            } else {
                let at = now.saturating_add(millis(options.delay_after(delivery.attempts))).min(give_up_at);
                tracing::info!(delivery = %delivery.id, attempts = delivery.attempts, %error, "webhook delivery failed: will retry");
                (Finish::Retry { at_ms: at, error }, Some(at))
            }
        }
    };
    if let Err(e) = state.store().finish_delivery(delivery.seq, how).await {
        // The lease runs out and the delivery is tried again.
        tracing::warn!(delivery = %delivery.id, error = %e, "cannot record a webhook attempt");
    }
    retry_at
}

/// POSTs the delivery; `Err` says why it did not get a 2xx. The response
/// body is never read.
async fn post(client: &reqwest::Client, delivery: &Claimed) -> Result<(), String> {
    let timestamp = now_ms() / 1000;
    let bytes = body(delivery, timestamp).map_err(|e| format!("the body did not serialize: {e}"))?;
    let signed = signature(&delivery.secret, &bytes);
    let response = client
        .post(&delivery.url)
        .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
        .header("X-Achievements-Signature", signed)
        .header("X-Achievements-Delivery", &delivery.id)
        .header("X-Achievements-Timestamp", timestamp.to_string())
        .header("X-Achievements-Event", &delivery.event)
        .body(bytes)
        .send()
        .await
        .map_err(|e| describe(&e))?;
    let status = response.status();
    drop(response);
    if status.is_success() { Ok(()) } else { Err(format!("HTTP {}", status.as_u16())) }
}

fn describe(e: &reqwest::Error) -> String {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    // reqwest's own message names only the URL: the causes say why.
    let mut text = format!("{what}: {e}");
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    let mut end = text.len().min(500);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    text
}

/// The HTTP client: a time limit per attempt, no redirects followed, no
/// proxy from the environment, TLS by rustls with the ring provider and
/// the system's roots (as the PostgreSQL connections).
fn client(options: &WebhookOptions) -> Result<reqwest::Client, String> {
    let mut roots = rustls::RootCertStore::empty();
    let (added, _) = roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
    if added == 0 {
        tracing::warn!("no system root certificates: https webhook endpoints will fail");
    }
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .timeout(options.attempt_timeout)
        .connect_timeout(options.attempt_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .default_headers(
            [(USER_AGENT, HeaderValue::from_static(concat!("achievements-webhooks/", env!("CARGO_PKG_VERSION"))))]
                .into_iter()
                .collect(),
        )
        .build()
        .map_err(|e| e.to_string())
}

/// The wall clock in Unix milliseconds: retries need real time, whatever
/// clock the application runs on.
fn now_ms() -> i64 {
    let since = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}
