//! The webhook tables as both backends keep them: endpoints
//! ([`Webhook`]), and the outbox of deliveries written in the unlocks'
//! transaction ([`Claimed`] when a sender takes one, [`Finish`] when it is
//! done with it). What a delivery carries is decided here, once:
//! [`batches`].

use super::model::Notification;
use serde::Serialize;

/// The most unlocks one delivery carries; a bigger batch is split.
pub(crate) const MAX_UNLOCKS_PER_DELIVERY: usize = 500;

/// The events an endpoint may ask for.
pub(crate) const EVENTS: &[&str] = &["unlock"];

/// A registered endpoint, as listed (never its secret).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct Webhook {
    pub id: i64,
    pub url: String,
    pub events: Vec<String>,
    pub created_at: String,
    /// Deliveries still to be sent (or being retried).
    pub pending: i64,
    /// Deliveries given up on after the retry window (kept).
    pub failed: i64,
}

/// One unlock as a delivery's body carries it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct UnlockItem {
    pub user: String,
    pub achievement: String,
    pub name: String,
    pub points: i64,
    pub cause: String,
    pub earned_at: String,
}

/// A delivery a sender has claimed (its lease runs until it finishes it).
#[derive(Clone, Debug)]
pub(crate) struct Claimed {
    pub seq: i64,
    /// The delivery id receivers dedupe by.
    pub id: String,
    pub url: String,
    pub secret: String,
    pub event: String,
    pub created_at: String,
    /// Attempts so far, this one included.
    pub attempts: i64,
    /// When the first attempt started (Unix ms, wall clock).
    pub first_attempt_at: i64,
    pub unlocks: Vec<UnlockItem>,
}

/// How an attempt ended.
#[derive(Clone, Debug)]
pub(crate) enum Finish {
    /// A 2xx: the delivery leaves the outbox.
    Delivered,
    /// Try again at this time (Unix ms).
    Retry { at_ms: i64, error: String },
    /// Given up: kept, marked failed.
    Failed { error: String },
}

/// The notifications of one write, as deliveries: live and backfill apart,
/// at most [`MAX_UNLOCKS_PER_DELIVERY`] each. Returns `(backfill, ids)`.
pub(crate) fn batches(queued: &[Notification]) -> Vec<(bool, Vec<i64>)> {
    let mut out = Vec::new();
    for backfill in [false, true] {
        let ids: Vec<i64> = queued.iter().filter(|n| n.backfill == backfill).map(|n| n.id).collect();
        out.extend(ids.chunks(MAX_UNLOCKS_PER_DELIVERY).map(|chunk| (backfill, chunk.to_vec())));
    }
    out
}

/// A new delivery id: `whd_` and 32 random hex digits.
///
/// # Errors
/// The operating system's random source failed.
pub(crate) fn new_delivery_id() -> Result<String, super::StoreError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| super::StoreError::Corrupt(format!("no random bytes: {e}")))?;
    let mut id = String::from("whd_");
    for b in bytes {
        id.push_str(&format!("{b:02x}"));
    }
    Ok(id)
}

/// `events` as stored: comma-separated.
pub(crate) fn events_column(events: &[String]) -> String {
    events.join(",")
}

/// `events` as stored, read back.
pub(crate) fn events_of_column(column: &str) -> Vec<String> {
    column.split(',').filter(|e| !e.is_empty()).map(str::to_owned).collect()
}
