//! How the platform's people sign in: the platform's signed tokens (JWT), beside the opaque `ach_…` tokens.

use clap::Args;

/// The parsed options (see [`IdentityArgs`]).
#[derive(Clone, Debug, Default)]
pub struct IdentityOptions {}

/// The flags of `serve` for this part.
#[derive(Debug, Args)]
pub(crate) struct IdentityArgs {}

impl IdentityArgs {
    /// The options these flags ask for.
    ///
    /// # Errors
    /// A flag's file cannot be read or its value is invalid.
    #[allow(clippy::unnecessary_wraps)]
    pub(crate) fn into_options(self) -> anyhow::Result<IdentityOptions> {
        Ok(IdentityOptions {})
    }
}
