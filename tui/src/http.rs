//! The real [`Transport`]: blocking HTTP(S) with reqwest and rustls, run on
//! the sync thread (never on the interface's).

use crate::sync::{Response, Transport, Unreachable};
use reqwest::blocking::Client;
use reqwest::header::{ETAG, IF_NONE_MATCH};
use std::time::Duration;

/// A server's base URL (`http://127.0.0.1:8000`), normalised: no trailing
/// slash, no `/api/v1` suffix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerUrl(String);

/// A `--server` value that is not a usable URL.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{url}` is not a server URL: {reason} (expected something like http://127.0.0.1:8000)")]
pub struct BadUrl {
    pub url: String,
    pub reason: String,
}

impl ServerUrl {
    /// Parses and normalises a base URL; `127.0.0.1:8000` gets `http://`.
    ///
    /// # Errors
    /// [`BadUrl`] for anything but an http(s) URL with a host.
    pub fn parse(text: &str) -> Result<Self, BadUrl> {
        let bad = |reason: &str| BadUrl { url: text.to_owned(), reason: reason.to_owned() };
        let trimmed = text.trim();
        let with_scheme = if trimmed.contains("://") { trimmed.to_owned() } else { format!("http://{trimmed}") };
        let url = reqwest::Url::parse(&with_scheme).map_err(|e| bad(&e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(bad("only http and https are supported"));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(bad("it has no host"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(bad("it must not have a query or fragment"));
        }
        let mut base = url.to_string();
        while base.ends_with('/') {
            base.pop();
        }
        for suffix in ["/api/v1", "/api"] {
            if let Some(stripped) = base.strip_suffix(suffix) {
                base = stripped.to_owned();
                break;
            }
        }
        Ok(ServerUrl(base))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for ServerUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// HTTP to one server with one (optional) bearer token.
#[derive(Debug)]
pub struct HttpTransport {
    base: ServerUrl,
    token: Option<String>,
    client: Client,
}

impl HttpTransport {
    /// # Errors
    /// When the HTTP client cannot be built (TLS set-up).
    pub fn new(base: ServerUrl, token: Option<String>) -> Result<Self, reqwest::Error> {
        let client = Client::builder()
            .user_agent(concat!("achievements-tui/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(30))
            .build()?;
        Ok(HttpTransport { base, token, client })
    }
}

impl Transport for HttpTransport {
    fn server(&self) -> &str {
        self.base.as_str()
    }

    fn get(&self, path: &str, if_none_match: Option<&str>) -> Result<Response, Unreachable> {
        let mut request = self.client.get(format!("{}{path}", self.base));
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        if let Some(tag) = if_none_match {
            request = request.header(IF_NONE_MATCH, tag);
        }
        let response = request.send().map_err(|e| Unreachable(describe(&e)))?;
        let status = response.status().as_u16();
        let etag = response.headers().get(ETAG).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let body = response.text().map_err(|e| Unreachable(describe(&e)))?;
        Ok(Response { status, etag, body })
    }
}

/// reqwest's error with its causes ("error sending request: … Connection
/// refused"), the most useful part last.
fn describe(e: &reqwest::Error) -> String {
    let mut text = if e.is_timeout() { "timed out".to_owned() } else { String::new() };
    let mut source: Option<&dyn std::error::Error> = Some(e);
    let mut last = String::new();
    while let Some(s) = source {
        last = s.to_string();
        source = s.source();
    }
    if text.is_empty() {
        text = last;
    } else if !last.is_empty() {
        text = format!("{text} ({last})");
    }
    text
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn server_urls_are_normalised() {
        for (given, expected) in [
            ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
            ("http://127.0.0.1:8000/", "http://127.0.0.1:8000"),
            ("127.0.0.1:8000", "http://127.0.0.1:8000"),
            ("https://example.org/api/v1/", "https://example.org"),
            ("https://example.org/achievements/", "https://example.org/achievements"),
            ("  http://localhost:9  ", "http://localhost:9"),
        ] {
            assert_eq!(ServerUrl::parse(given).unwrap().as_str(), expected, "{given}");
        }
        for bad in ["ftp://x", "http://", "", "http://x/?a=1"] {
            assert!(ServerUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn an_unreachable_server_is_reported() {
        // A port that was free a moment ago: nothing listens there.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let transport = HttpTransport::new(ServerUrl::parse(&format!("127.0.0.1:{port}")).unwrap(), None).unwrap();
        let err = transport.get("/api/v1/me/", None).unwrap_err();
        assert!(!err.0.is_empty());
    }
}
