//! The admin API's tokens: a user's tokens listed (never the secret), issued, revoked.

use crate::app::AppState;
use axum::Router;

/// This part's routes, merged into the API router by [`crate::app::router`].
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
}
