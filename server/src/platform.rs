//! What `serve` is told about the platform it runs beside: how its people
//! sign in ([`identity`]), which browsers and how fast callers may call
//! ([`http_policy`]), what operators watch ([`observe`]), and whether an
//! event may create its user. Each part's flags are parsed in its own
//! module; [`PlatformArgs`] gathers them for `serve`.

pub(crate) mod http_policy;
pub mod identity;
pub(crate) mod observe;

pub use http_policy::{HttpPolicyOptions, RateLimits};

use clap::Args;

pub use observe::{MetricsToken, ObserveOptions};

/// The platform options of one `serve`; the default is today's behaviour:
/// opaque tokens only, no CORS headers, no rate limit, no metrics token,
/// notifications kept forever, unknown users refused.
#[derive(Clone, Debug, Default)]
pub struct PlatformOptions {
    pub identity: identity::IdentityOptions,
    pub http: http_policy::HttpPolicyOptions,
    pub observe: observe::ObserveOptions,
    /// `--create-users`: `POST events/` creates an unknown user on their
    /// first event instead of rejecting it.
    pub create_users: bool,
    /// How webhook deliveries are retried (see [`crate::webhooks`]).
    pub webhooks: crate::webhooks::WebhookOptions,
}

/// `serve`'s platform flags (see [`PlatformOptions`]).
#[derive(Debug, Args)]
pub(crate) struct PlatformArgs {
    #[command(flatten)]
    pub identity: identity::IdentityArgs,
    #[command(flatten)]
    pub http: http_policy::HttpPolicyArgs,
    #[command(flatten)]
    pub observe: observe::ObserveArgs,
    /// Let `POST events/` create a user it has not seen (time zone from the
    /// event's `timezone`, else UTC) instead of rejecting the event.
    #[arg(long)]
    pub create_users: bool,
    #[command(flatten)]
    pub webhooks: crate::webhooks::WebhookArgs,
}

impl PlatformArgs {
    /// The options these flags ask for.
    ///
    /// # Errors
    /// A flag's file cannot be read or its value is invalid (the message
    /// names the flag).
    pub(crate) fn into_options(self) -> anyhow::Result<PlatformOptions> {
        Ok(PlatformOptions {
            identity: self.identity.into_options()?,
            http: self.http.into_options()?,
            observe: self.observe.into_options()?,
            create_users: self.create_users,
            webhooks: self.webhooks.into_options(),
        })
    }
}
