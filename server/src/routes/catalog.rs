//! `GET achievements/catalog/`: the rule catalog for client-side
//! computation (the WASM module, the terminal app): the event table and
//! every non-secret definition with its criteria, secrets replaced by
//! placeholders. It is the core's `Catalog::public_view()` in the catalog
//! file format, so clients load it with the core's own loader.

use super::load_caller;
use crate::api_error::ApiError;
use crate::app::AppState;
use crate::auth::Credentials;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Clients may keep it but must revalidate (cheap: a 304 has no body).
const CACHE_CONTROL: &str = "no-cache";

pub(crate) async fn catalog(
    State(app): State<AppState>,
    credentials: Credentials,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    load_caller(&app, credentials).await?;
    let served = app.catalog();
    let etag = HeaderValue::from_str(served.etag()).map_err(|_| ApiError::Internal)?;
    let cache = HeaderValue::from_static(CACHE_CONTROL);
    let fresh = headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| if_none_match_hits(v, served.etag()));
    if fresh {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag), (header::CACHE_CONTROL, cache)]).into_response());
    }
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("application/json")),
            (header::ETAG, etag),
            (header::CACHE_CONTROL, cache),
        ],
        served.public_json().clone(),
    )
        .into_response())
}

/// `If-None-Match` matching (RFC 9110 §13.1.2: weak comparison, `*`, lists).
fn if_none_match_hits(header: &str, etag: &str) -> bool {
    header.split(',').map(str::trim).any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag)
}

#[cfg(test)]
mod tests {
    use super::if_none_match_hits;

    #[test]
    fn matches_lists_weak_tags_and_star() {
        let etag = "\"abc\"";
        assert!(if_none_match_hits("\"abc\"", etag));
        assert!(if_none_match_hits("\"x\", W/\"abc\"", etag));
        assert!(if_none_match_hits("*", etag));
        assert!(!if_none_match_hits("\"abd\"", etag));
        assert!(!if_none_match_hits("abc", etag));
    }
}
