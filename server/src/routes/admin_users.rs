//! The admin API's users: list (paginated, `?q=` prefix), create, read, change, erase; badges granted and revoked by hand.

use crate::app::AppState;
use axum::Router;

/// This part's routes, merged into the API router by [`crate::app::router`].
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
}
