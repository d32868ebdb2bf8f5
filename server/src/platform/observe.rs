//! What operators watch: health, readiness, Prometheus metrics; and how long read notifications are kept.

use clap::Args;

/// The parsed options (see [`ObserveArgs`]).
#[derive(Clone, Debug, Default)]
pub struct ObserveOptions {}

/// The flags of `serve` for this part.
#[derive(Debug, Args)]
pub(crate) struct ObserveArgs {}

impl ObserveArgs {
    /// The options these flags ask for.
    ///
    /// # Errors
    /// A flag's file cannot be read or its value is invalid.
    #[allow(clippy::unnecessary_wraps)]
    pub(crate) fn into_options(self) -> anyhow::Result<ObserveOptions> {
        Ok(ObserveOptions {})
    }
}
