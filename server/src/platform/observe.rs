//! What operators watch: health, readiness, Prometheus metrics; and how long read notifications are kept.
//!
//! `--metrics-token FILE` protects `GET /metrics` (see
//! [`crate::routes::operations`]); `--notifications-retention` starts the
//! pruning of read notifications (see [`crate::retention`]).

use crate::file_read::read_text_file;
use anyhow::{Context, bail};
use clap::Args;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// The parsed options (see [`ObserveArgs`]).
#[derive(Clone, Debug, Default)]
pub struct ObserveOptions {
    /// `--metrics-token`: `GET /metrics` asks for `Authorization: Bearer`
    /// this token; `None`: open to anyone who can reach it.
    pub metrics_token: Option<MetricsToken>,
    /// `--notifications-retention`: read notifications older than this are
    /// deleted (at start, then hourly); `None`: kept forever.
    pub notifications_retention: Option<Duration>,
}

/// The secret `GET /metrics` asks for. Its `Debug` does not show it.
#[derive(Clone, PartialEq, Eq)]
pub struct MetricsToken(String);

impl MetricsToken {
    /// The token `text` holds, surrounding white space trimmed; `None` when
    /// nothing is left.
    pub fn new(text: &str) -> Option<MetricsToken> {
        let token = text.trim();
        (!token.is_empty()).then(|| MetricsToken(token.to_owned()))
    }

    /// Whether `offered` is this token, in time that does not depend on
    /// where they differ (both are hashed first, so not on their lengths
    /// either).
    pub(crate) fn matches(&self, offered: &str) -> bool {
        use sha2::{Digest, Sha256};
        let expected = Sha256::digest(self.0.as_bytes());
        let offered = Sha256::digest(offered.as_bytes());
        expected.iter().zip(offered.iter()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
    }
}

impl fmt::Debug for MetricsToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MetricsToken(..)")
    }
}

/// The flags of `serve` for this part.
#[derive(Debug, Args)]
pub(crate) struct ObserveArgs {
    /// A file holding the token `GET /metrics` asks for (`Authorization:
    /// Bearer TOKEN`; surrounding white space is ignored). Without it the
    /// metrics are open: bind to loopback or put them behind the proxy.
    #[arg(long, value_name = "FILE")]
    pub metrics_token: Option<PathBuf>,
    /// Delete read notifications older than this (`90d`, `12h`, `30days`),
    /// at start and then every hour. Unread notifications are never
    /// deleted. Without it every notification is kept.
    #[arg(long, value_name = "DURATION", value_parser = parse_retention)]
    pub notifications_retention: Option<Duration>,
}

impl ObserveArgs {
    /// The options these flags ask for.
    ///
    /// # Errors
    /// A flag's file cannot be read or its value is invalid.
    pub(crate) fn into_options(self) -> anyhow::Result<ObserveOptions> {
        let metrics_token = match &self.metrics_token {
            None => None,
            Some(path) => {
                let text = read_text_file(path).context("--metrics-token")?;
                let Some(token) = MetricsToken::new(&text) else {
                    bail!("--metrics-token: {} is empty: put the token /metrics asks for in it", path.display())
                };
                // What an `Authorization: Bearer` header can carry (see `auth::bearer_token`).
                if token.0.len() > 256 || !token.0.bytes().all(|b| b.is_ascii_graphic()) {
                    bail!(
                        "--metrics-token: {}: the token must be at most 256 visible ASCII characters (no spaces)",
                        path.display()
                    );
                }
                Some(token)
            }
        };
        Ok(ObserveOptions { metrics_token, notifications_retention: self.notifications_retention })
    }
}

/// A retention: a humantime duration of at least one second.
fn parse_retention(text: &str) -> Result<Duration, String> {
    let duration = humantime::parse_duration(text.trim())
        .map_err(|e| format!("{e}: expected a duration such as `90d`, `12h` or `30days`"))?;
    if duration < Duration::from_secs(1) {
        return Err("a retention under one second would delete notifications as soon as they are read".to_owned());
    }
    Ok(duration)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn options(token_file: &str) -> anyhow::Result<ObserveOptions> {
        let mut file = tempfile::NamedTempFile::new()?;
        file.write_all(token_file.as_bytes())?;
        ObserveArgs { metrics_token: Some(file.path().to_owned()), notifications_retention: None }.into_options()
    }

    #[test]
    fn the_metrics_token_is_read_trimmed_and_an_empty_file_is_refused() -> anyhow::Result<()> {
        let token = options("  s3cret\n")?.metrics_token;
        assert_eq!(token, MetricsToken::new("s3cret"));
        assert!(token.is_some_and(|t| t.matches("s3cret") && !t.matches("s3cre") && !t.matches("s3cret ")));
        let err = options(" \n\t").expect_err("empty");
        assert!(err.to_string().contains("is empty"), "{err}");
        for unusable in ["two words", "caf\u{e9}", &"x".repeat(257)] {
            let err = options(unusable).expect_err(unusable);
            assert!(err.to_string().contains("at most 256 visible ASCII"), "{err}");
        }
        let missing = ObserveArgs { metrics_token: Some("/no/such/file".into()), notifications_retention: None };
        let err = missing.into_options().expect_err("missing");
        assert!(format!("{err:#}").starts_with("--metrics-token: cannot read /no/such/file"), "{err:#}");
        Ok(())
    }

    #[test]
    fn the_token_never_shows_in_debug_output() {
        let options = ObserveOptions { metrics_token: MetricsToken::new("s3cret"), notifications_retention: None };
        assert!(!format!("{options:?}").contains("s3cret"));
    }

    #[test]
    fn retentions_are_humantime_durations_of_a_second_or_more() {
        assert_eq!(parse_retention("90d"), Ok(Duration::from_secs(90 * 86_400)));
        assert_eq!(parse_retention("12h"), Ok(Duration::from_secs(12 * 3_600)));
        assert!(parse_retention("0s").is_err());
        assert!(parse_retention("500ms").is_err());
        assert!(parse_retention("ninety days").is_err());
        assert!(parse_retention("").is_err());
    }
}
