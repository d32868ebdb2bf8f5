//! Webhooks: the platform learns about unlocks without polling. Unlocks
//! are written to an outbox in their own transaction and delivered after
//! commit, signed, retried, at least once.
//!
//! - The outbox lives in the store ([`crate::store::outbox`]): every path
//!   that queues a notification also queues a delivery per endpoint, in
//!   the same transaction, so a delivery exists if and only if its unlocks
//!   committed.
//! - [`sender`]: the background task `serve` runs, which claims due
//!   deliveries, POSTs them and records the outcome (retries with
//!   exponential backoff, then gives up).
//! - [`signing`]: the body and its HMAC-SHA256 signature.
//! - [`endpoint`]: what an endpoint may be (URL, secret, events).
//! - [`cli`]: `achievements webhooks add|list|remove`.

pub(crate) mod cli;
pub(crate) mod endpoint;
pub(crate) mod sender;
pub(crate) mod signing;

use clap::Args;
use std::time::Duration;

/// How deliveries are retried. The defaults are production's; tests
/// shorten them (`serve`'s hidden `--webhook-retry-base` and
/// `--webhook-retry-for`).
#[derive(Clone, Debug)]
pub struct WebhookOptions {
    /// The wait after the first failed attempt; it doubles after each
    /// further one (10 s).
    pub retry_base: Duration,
    /// The longest wait between attempts (1 h).
    pub retry_cap: Duration,
    /// How long after the first attempt a delivery is retried before it is
    /// marked failed (24 h).
    pub retry_for: Duration,
    /// The time limit of one attempt, connection included (10 s).
    pub attempt_timeout: Duration,
    /// How often the outbox is looked at when no commit wakes the sender
    /// (other instances' deliveries, retries; 5 s).
    pub poll: Duration,
}

impl Default for WebhookOptions {
    fn default() -> Self {
        WebhookOptions {
            retry_base: Duration::from_secs(10),
            retry_cap: Duration::from_secs(3600),
            retry_for: Duration::from_secs(24 * 3600),
            attempt_timeout: Duration::from_secs(10),
            poll: Duration::from_secs(5),
        }
    }
}

impl WebhookOptions {
    /// The wait before the attempt after `attempts` failed ones: the base,
    /// doubled per further failure, at most the cap.
    pub(crate) fn delay_after(&self, attempts: i64) -> Duration {
        let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
        self.retry_base.saturating_mul(1u32 << doublings).min(self.retry_cap)
    }
}

/// `serve`'s webhook flags: hidden, for tests that cannot wait minutes.
#[derive(Debug, Args)]
pub(crate) struct WebhookArgs {
    /// The first retry's wait (doubling after each failure) [default: 10s].
    #[arg(long, value_name = "DURATION", hide = true, value_parser = humantime::parse_duration)]
    pub webhook_retry_base: Option<Duration>,
    /// How long a delivery is retried before it is marked failed [default: 24h].
    #[arg(long, value_name = "DURATION", hide = true, value_parser = humantime::parse_duration)]
    pub webhook_retry_for: Option<Duration>,
}

impl WebhookArgs {
    pub(crate) fn into_options(self) -> WebhookOptions {
        let defaults = WebhookOptions::default();
        let retry_base = self.webhook_retry_base.unwrap_or(defaults.retry_base).max(Duration::from_millis(1));
        WebhookOptions {
            retry_base,
            retry_for: self.webhook_retry_for.unwrap_or(defaults.retry_for),
            // A test's short base should not wait for the production poll.
            poll: defaults.poll.min(retry_base),
            ..defaults
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_double_from_the_base_up_to_the_cap() {
        let options = WebhookOptions::default();
        let waits: Vec<u64> = (1..=11).map(|n| options.delay_after(n).as_secs()).collect();
        assert_eq!(waits, [10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600]);
        assert_eq!(options.delay_after(1_000).as_secs(), 3600);
    }

    #[test]
    fn the_hidden_flags_shorten_the_retries_and_the_poll() {
        use clap::Parser;
        let parse = |args: &[&str]| {
            let cli = crate::cli::Cli::try_parse_from([&["achievements", "serve"], args].concat()).expect("parses");
            match cli.command {
                crate::cli::Command::Serve(serve) => serve.platform.webhooks.into_options(),
                other => panic!("not serve: {other:?}"),
            }
        };
        let short = parse(&["--webhook-retry-base", "100ms", "--webhook-retry-for", "2s"]);
        assert_eq!((short.retry_base, short.retry_for), (Duration::from_millis(100), Duration::from_secs(2)));
        assert_eq!(short.poll, Duration::from_millis(100));
        let production = parse(&[]);
        assert_eq!((production.retry_base, production.poll), (Duration::from_secs(10), Duration::from_secs(5)));
        assert_eq!(production.retry_for, Duration::from_secs(24 * 3600));
    }
}
