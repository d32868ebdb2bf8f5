//! The application: shared state and the router.

use crate::cache::Caches;
use crate::clock::Clock;
use crate::routes::{MAX_BODY_BYTES, achievements, catalog, events, fallback, me};
use crate::served_catalog::ServedCatalog;
use crate::store::Db;
use crate::store::intake::SavedState;
use achievements_core::Instant;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{any, get, post};
use std::path::Path;
use std::sync::Arc;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::trace::TraceLayer;

/// What every handler shares: the database, the catalog, the clock.
#[derive(Clone, Debug)]
pub struct AppState {
    inner: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    db: Db,
    caches: Caches,
    catalog: Arc<ServedCatalog>,
    clock: Clock,
}

impl AppState {
    pub fn new(db: Db, catalog: ServedCatalog, clock: Clock) -> Self {
        AppState { inner: Arc::new(Shared { db, caches: Caches::default(), catalog: Arc::new(catalog), clock }) }
    }

    pub fn db(&self) -> &Db {
        &self.inner.db
    }

    /// Token and state caches in front of the database.
    pub fn caches(&self) -> &Caches {
        &self.inner.caches
    }

    /// Publishes states a write committed, for the readers. Call it from a
    /// [`Db::write_then`] hook, so it runs even if the request is dropped.
    pub fn publish<'a>(&self, states: impl IntoIterator<Item = &'a SavedState>) {
        for saved in states {
            self.inner.caches.put_state(saved.user_id, saved.version, Arc::clone(&saved.state));
        }
    }

    pub fn catalog(&self) -> &Arc<ServedCatalog> {
        &self.inner.catalog
    }

    /// The time, read here and passed down to the core.
    pub fn now(&self) -> Instant {
        self.inner.clock.now()
    }
}

/// The API under `/api/v1/`, and the web page in `www` at `/` (any path that
/// is not a file gets `index.html`, for client-side routing).
pub fn router(state: AppState, www: Option<&Path>) -> Router {
    let api = Router::new()
        .route("/api/v1/achievements/", get(achievements::list))
        .route("/api/v1/achievements/earned/", get(achievements::earned))
        .route("/api/v1/achievements/categories/", get(achievements::categories))
        .route("/api/v1/achievements/check/", post(achievements::check))
        .route("/api/v1/achievements/catalog/", get(catalog::catalog))
        .route("/api/v1/achievements/{key}/", get(achievements::detail))
        .route("/api/v1/me/", get(me::me))
        .route("/api/v1/events/", post(events::post_events))
        .route("/api", any(fallback::api_not_found))
        .route("/api/{*rest}", any(fallback::api_not_found))
        .method_not_allowed_fallback(fallback::method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state);
    let app = match www {
        Some(dir) => {
            let index = ServeFile::new(dir.join("index.html"));
            api.fallback_service(ServeDir::new(dir).fallback(index))
        }
        None => api.fallback(fallback::not_found),
    };
    app.layer(TraceLayer::new_for_http())
}
