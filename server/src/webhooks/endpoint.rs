//! What a webhook endpoint may be, checked the same way for the API and
//! the command line: an `http` or `https` URL with a host (at most
//! [`MAX_URL`] bytes), a non-empty secret (at most [`MAX_SECRET`] characters, no
//! control characters), and events from [`EVENTS`] (`unlock`).

use crate::store::outbox::EVENTS;

/// The longest URL accepted, in bytes.
pub(crate) const MAX_URL: usize = 2048;
/// The longest secret accepted, in characters (so at most 2 KiB).
pub(crate) const MAX_SECRET: usize = 512;

/// An endpoint to register, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct NewEndpoint {
    pub url: String,
    pub secret: String,
    pub events: Vec<String>,
}

/// Checks an endpoint; the message says what is wrong.
///
/// # Errors
/// A message naming the field and the rule.
pub(crate) fn check(url: &str, secret: &str, events: &[String]) -> Result<NewEndpoint, String> {
    Ok(NewEndpoint { url: check_url(url)?, secret: check_secret(secret)?, events: check_events(events)? })
}

fn check_url(url: &str) -> Result<String, String> {
    if url.len() > MAX_URL {
        return Err(format!("`url` is too long: at most {MAX_URL} bytes."));
    }
    if url.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err("`url` must not contain spaces or control characters.".into());
    }
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("`url` is not a valid URL: {e}."))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err("`url` must be an http:// or https:// URL.".into());
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err("`url` must name a host.".into());
    }
    Ok(parsed.to_string())
}

fn check_secret(secret: &str) -> Result<String, String> {
    if secret.is_empty() {
        return Err("`secret` must not be empty.".into());
    }
    if secret.chars().count() > MAX_SECRET {
        return Err(format!("`secret` is too long: at most {MAX_SECRET} characters."));
    }
    if secret.chars().any(char::is_control) {
        return Err("`secret` must not contain control characters.".into());
    }
    Ok(secret.to_owned())
}

fn check_events(events: &[String]) -> Result<Vec<String>, String> {
    if events.is_empty() {
        return Err(format!("`events` must name at least one of: {}.", EVENTS.join(", ")));
    }
    let mut out: Vec<String> = Vec::new();
    for event in events {
        if !EVENTS.contains(&event.as_str()) {
            let shown: String = event.chars().take(64).collect();
            return Err(format!("`events`: unknown event `{shown}` (expected one of: {}).", EVENTS.join(", ")));
        }
        if !out.contains(event) {
            out.push(event.clone());
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unlock() -> Vec<String> {
        vec!["unlock".into()]
    }

    #[test]
    fn accepts_http_and_https_urls_with_a_host() {
        assert!(check("https://platform.example/hooks/achievements", "s3cret", &unlock()).is_ok());
        assert!(check("http://127.0.0.1:9000/", "s", &["unlock".into(), "unlock".into()]).is_ok());
    }

    #[test]
    fn refuses_what_an_endpoint_cannot_be() {
        let bad = [
            ("ftp://example.com/", "s", unlock()),
            ("javascript:alert(1)", "s", unlock()),
            ("not a url", "s", unlock()),
            ("https://", "s", unlock()),
            ("https://example.com/\n", "s", unlock()),
            ("https://example.com/", "", unlock()),
            ("https://example.com/", "a\u{0}b", unlock()),
            ("https://example.com/", "s", vec![]),
            ("https://example.com/", "s", vec!["delete".into()]),
        ];
        for (url, secret, events) in bad {
            assert!(check(url, secret, &events).is_err(), "{url:?} {secret:?} {events:?}");
        }
        assert!(check(&format!("https://example.com/{}", "a".repeat(MAX_URL)), "s", &unlock()).is_err());
        assert!(check("https://example.com/", &"s".repeat(MAX_SECRET + 1), &unlock()).is_err());
        assert!(check("https://example.com/", &"s".repeat(MAX_SECRET), &unlock()).is_ok());
    }
}
