//! Answers for what no route handles, in the API's error shape: unknown
//! paths under `/api/` (404, or a redirect to the trailing-slash form of a
//! route, as Django's `APPEND_SLASH` does) and wrong methods (405).

use crate::api_error::ApiError;
use axum::http::{Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

/// Unknown path under `/api/`.
pub(crate) async fn api_not_found(method: Method, uri: Uri) -> Response {
    let path = uri.path();
    if (method == Method::GET || method == Method::HEAD) && !path.ends_with('/') && is_route(&format!("{path}/")) {
        let location = match uri.query() {
            Some(q) => format!("{path}/?{q}"),
            None => format!("{path}/"),
        };
        return (StatusCode::MOVED_PERMANENTLY, [(header::LOCATION, location)]).into_response();
    }
    let hint = if path.ends_with('/') { "" } else { " API paths end with a slash." };
    ApiError::NotFound(format!("No API route at {path}.{hint}")).into_response()
}

/// Unknown path outside `/api/` when no web page is served.
pub(crate) async fn not_found(uri: Uri) -> Response {
    ApiError::NotFound(format!("Nothing at {}. The API is under /api/v1/.", uri.path())).into_response()
}

/// A route that exists, called with a method it does not take.
pub(crate) async fn method_not_allowed(method: Method) -> ApiError {
    ApiError::MethodNotAllowed(method)
}

/// `true` for a path one of the API's routes matches.
fn is_route(path: &str) -> bool {
    let Some(rest) = path.strip_prefix("/api/v1/").and_then(|r| r.strip_suffix('/')) else { return false };
    let segments: Vec<&str> = rest.split('/').collect();
    matches!(
        segments.as_slice(),
        ["achievements" | "me" | "events" | "notifications" | "stats"]
            | ["achievements", _]
            | ["notifications", "read" | "stream"]
            | ["me", "achievements", "my-progress"]
            | ["users", _, "achievements"]
    ) && !segments.contains(&"")
}

#[cfg(test)]
mod tests {
    use super::is_route;

    #[test]
    fn knows_the_route_shapes() {
        for yes in ["/api/v1/achievements/", "/api/v1/achievements/first_project/", "/api/v1/me/", "/api/v1/events/"] {
            assert!(is_route(yes), "{yes}");
        }
        for yes in ["/api/v1/notifications/stream/", "/api/v1/users/ann/achievements/", "/api/v1/stats/"] {
            assert!(is_route(yes), "{yes}");
        }
        for no in ["/api/v1/nope/", "/api/v1/achievements/a/b/", "/api/v2/me/", "/api/v1/me", "/api/v1/users/ann/"] {
            assert!(!is_route(no), "{no}");
        }
    }
}
