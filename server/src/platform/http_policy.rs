//! What browsers on other origins may call (CORS), and how fast any caller may call (rate limits).

use clap::Args;

/// The parsed options (see [`HttpPolicyArgs`]).
#[derive(Clone, Debug, Default)]
pub struct HttpPolicyOptions {}

/// The flags of `serve` for this part.
#[derive(Debug, Args)]
pub(crate) struct HttpPolicyArgs {}

impl HttpPolicyArgs {
    /// The options these flags ask for.
    ///
    /// # Errors
    /// A flag's file cannot be read or its value is invalid.
    #[allow(clippy::unnecessary_wraps)]
    pub(crate) fn into_options(self) -> anyhow::Result<HttpPolicyOptions> {
        Ok(HttpPolicyOptions {})
    }
}
