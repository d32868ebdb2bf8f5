//! A delivery's body and signature.
//!
//! The body is JSON: `{"id", "event", "created", "timestamp", "unlocks"}`.
//! `timestamp` is the attempt's time in Unix seconds, the same as the
//! `X-Achievements-Timestamp` header: since the signature covers the body,
//! it covers the timestamp, and a receiver can refuse old replays by it.
//! The signature is HMAC-SHA256 of the exact body bytes, keyed with the
//! endpoint's secret (its UTF-8 bytes), in lowercase hex:
//! `X-Achievements-Signature: sha256=<hex>`.

use crate::store::outbox::{Claimed, UnlockItem};
use hmac::{Hmac, KeyInit, Mac};
use serde::Serialize;
use sha2::Sha256;

/// The signature header's value for `body`: `sha256=<hex>`.
pub(crate) fn signature(secret: &str, body: &[u8]) -> String {
    // HMAC takes a key of any length.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap_or_else(|_| unreachable!("any key length"));
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256=");
    for byte in digest.iter() {
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

#[derive(Serialize)]
struct Body<'a> {
    id: &'a str,
    event: &'a str,
    created: &'a str,
    timestamp: i64,
    unlocks: &'a [UnlockItem],
}

/// The body of an attempt at `delivery`, made at `timestamp` (Unix s).
///
/// # Errors
/// The body did not serialize (a bug).
pub(crate) fn body(delivery: &Claimed, timestamp: i64) -> serde_json::Result<Vec<u8>> {
    serde_json::to_vec(&Body {
        id: &delivery.id,
        event: &delivery.event,
        created: &delivery.created_at,
        timestamp,
        unlocks: &delivery.unlocks,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4231 test case 2.
    #[test]
    fn signs_as_rfc_4231_says() {
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
