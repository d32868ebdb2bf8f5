//! What browsers on other origins may call (CORS), and how fast any caller may call (rate limits).
//!
//! - `--cors-origin ORIGIN` (repeatable): the origins whose pages may call
//!   the API from a browser. Without it, no CORS header is ever sent, and
//!   browsers keep other origins out as they do by default.
//! - `--rate-limit N`: each caller may make N requests a second, in bursts
//!   of up to N (see [`crate::rate_limit`]); `--service-rate-limit M`
//!   gives service tokens M instead (default 10 × N).

use anyhow::bail;
use axum::http::{HeaderName, HeaderValue, Method, header};
use clap::Args;
use std::num::NonZeroU32;
use std::time::Duration;
use tower_http::cors::{AllowOrigin, CorsLayer};

/// The parsed options (see [`HttpPolicyArgs`]).
#[derive(Clone, Debug, Default)]
pub struct HttpPolicyOptions {
    /// Origins allowed to call from a browser, as browsers send them
    /// (`https://app.example.com`, `http://localhost:5173`); none: no CORS.
    pub cors_origins: Vec<String>,
    /// Requests a second (and burst) per caller; `None`: no limit.
    pub rate_limit: Option<RateLimits>,
}

impl HttpPolicyOptions {
    /// The CORS layer for `--cors-origin`: preflights answered, and the
    /// headers set, for those origins only; `None` without the flag (no
    /// CORS header at all).
    pub(crate) fn cors(&self) -> Option<CorsLayer> {
        if self.cors_origins.is_empty() {
            return None;
        }
        // Validated at start-up (`parse_origin`), so each is a header value.
        let origins = self.cors_origins.iter().filter_map(|o| HeaderValue::from_str(o).ok());
        Some(
            CorsLayer::new()
                .allow_origin(AllowOrigin::list(origins))
                .allow_methods([Method::GET, Method::HEAD, Method::POST, Method::PATCH, Method::DELETE])
                .allow_headers([
                    header::AUTHORIZATION,
                    header::CONTENT_TYPE,
                    header::IF_NONE_MATCH,
                    HeaderName::from_static("last-event-id"),
                ])
                .expose_headers([header::RETRY_AFTER, header::ETAG, header::WWW_AUTHENTICATE])
                .max_age(Duration::from_secs(600)),
        )
    }
}

/// `--rate-limit` and `--service-rate-limit`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimits {
    /// A user, or an anonymous caller's address.
    pub per_caller: NonZeroU32,
    /// A service token (by service name).
    pub per_service: NonZeroU32,
}

impl RateLimits {
    /// `per_caller` a second for everyone, ten times that for services.
    pub fn new(per_caller: NonZeroU32) -> Self {
        RateLimits { per_caller, per_service: per_caller.saturating_mul(SERVICE_FACTOR) }
    }
}

/// A service's limit, as a multiple of `--rate-limit`, unless
/// `--service-rate-limit` says otherwise: a platform's backend posts the
/// events of all its members through one token.
const SERVICE_FACTOR: NonZeroU32 = NonZeroU32::new(10).expect("10 is not zero");

/// The flags of `serve` for this part.
#[derive(Debug, Args)]
pub(crate) struct HttpPolicyArgs {
    /// An origin (`https://app.example.com`, scheme://host[:port], no path)
    /// whose pages may call the API from a browser: CORS headers and
    /// preflight answers for it. Repeat for several. Without it, no CORS
    /// headers at all.
    #[arg(long = "cors-origin", value_name = "ORIGIN")]
    pub cors_origins: Vec<String>,
    /// Requests a second each caller may make (a user, a service token, or
    /// an anonymous client's IP address), in bursts of up to N; over it,
    /// `429` with `Retry-After`. Without it, no limit.
    #[arg(long, value_name = "N")]
    pub rate_limit: Option<NonZeroU32>,
    /// Requests a second for each service token [default: 10 × --rate-limit].
    #[arg(long, value_name = "N", requires = "rate_limit")]
    pub service_rate_limit: Option<NonZeroU32>,
}

impl HttpPolicyArgs {
    /// The options these flags ask for.
    ///
    /// # Errors
    /// An origin that is not `scheme://host[:port]` (the message names the
    /// flag).
    pub(crate) fn into_options(self) -> anyhow::Result<HttpPolicyOptions> {
        let cors_origins = self
            .cors_origins
            .iter()
            .map(|origin| parse_origin(origin).map_err(|why| anyhow::anyhow!("--cors-origin `{origin}`: {why}")))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let rate_limit = self.rate_limit.map(|n| {
            let limits = RateLimits::new(n);
            RateLimits { per_service: self.service_rate_limit.unwrap_or(limits.per_service), ..limits }
        });
        Ok(HttpPolicyOptions { cors_origins, rate_limit })
    }
}

/// An origin as a browser sends it in `Origin`: `http` or `https`, a host
/// (a name, an IPv4 address or a bracketed IPv6 one) and an optional port,
/// nothing else; returned lowercased, as browsers send it.
///
/// # Errors
/// What is wrong with it.
pub(crate) fn parse_origin(text: &str) -> anyhow::Result<String> {
    let expected = "expected scheme://host[:port], e.g. https://app.example.com";
    let Some((scheme, rest)) = text.split_once("://") else { bail!("{expected}") };
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        bail!("the scheme must be http or https ({expected})");
    }
    if rest.contains(['/', '?', '#']) {
        bail!("an origin has no path, query or fragment, not even a trailing `/` ({expected})");
    }
    if rest.contains('@') {
        bail!("an origin has no user name or password ({expected})");
    }
    let (host, port) = match rest.rsplit_once(':') {
        Some((host, port)) if !port.contains(']') => (host, Some(port)),
        _ => (rest, None),
    };
    if let Some(port) = port
        && (port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) || port.parse::<u16>().is_err())
    {
        bail!("the port must be a number up to 65535 ({expected})");
    }
    let valid_host = if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        inner.parse::<std::net::Ipv6Addr>().is_ok()
    } else {
        !host.is_empty()
            && host.len() <= 253
            && host.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                    && !label.starts_with('-')
                    && !label.ends_with('-')
            })
    };
    if !valid_host {
        bail!("`{host}` is not a host name or IP address ({expected})");
    }
    Ok(format!("{scheme}://{}", rest.to_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_scheme_host_and_port_only() {
        for good in ["https://app.example.com", "http://localhost:5173", "http://127.0.0.1:8000", "https://[::1]:8443"]
        {
            assert_eq!(parse_origin(good).map_err(|e| e.to_string()), Ok(good.to_owned()));
        }
        assert_eq!(parse_origin("HTTPS://App.Example.COM").ok().as_deref(), Some("https://app.example.com"));
        for bad in [
            "app.example.com",
            "ftp://example.com",
            "https://example.com/",
            "https://example.com/app",
            "https://example.com?x",
            "https://user@example.com",
            "https://",
            "https://example.com:",
            "https://example.com:99999",
            "https://example.com:80a",
            "https://exa mple.com",
            "https://-bad.example",
            "https://a..b",
            "https://[nothex]:1",
            "*",
        ] {
            assert!(parse_origin(bad).is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn services_get_ten_times_the_limit_unless_told() {
        let n = |v| NonZeroU32::new(v).expect("not zero");
        let args =
            |rate, service| HttpPolicyArgs { cors_origins: vec![], rate_limit: rate, service_rate_limit: service };
        let limits = |a: HttpPolicyArgs| a.into_options().expect("valid").rate_limit;
        assert_eq!(limits(args(None, None)), None);
        assert_eq!(limits(args(Some(n(5)), None)), Some(RateLimits { per_caller: n(5), per_service: n(50) }));
        assert_eq!(limits(args(Some(n(5)), Some(n(7)))), Some(RateLimits { per_caller: n(5), per_service: n(7) }));
        let error = HttpPolicyArgs {
            cors_origins: vec!["https://x.example/".into()],
            rate_limit: None,
            service_rate_limit: None,
        }
        .into_options()
        .expect_err("a path");
        assert!(error.to_string().starts_with("--cors-origin `https://x.example/`:"), "{error}");
    }
}
