//! The admin API's webhook endpoints: registered, listed, removed.

use crate::app::AppState;
use axum::Router;

/// This part's routes, merged into the API router by [`crate::app::router`].
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
}
