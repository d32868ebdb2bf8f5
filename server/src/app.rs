//! The application: shared state and the router.

use crate::cache::{Caches, Lifetimes};
use crate::clock::Clock;
use crate::platform::PlatformOptions;
use crate::rate_limit::{self, Limiter};
use crate::routes::{
    self, MAX_BODY_BYTES, achievements, admin_tokens, admin_users, admin_webhooks, catalog, compat, events, fallback,
    me, notifications, stats,
};
use crate::served_catalog::ServedCatalog;
use crate::sign_in::TokenUses;
use crate::store::Store;
use crate::store::model::{Notification, SavedState};
use crate::store::postgres::changes::Change;
use crate::views::NotificationJson;
use crate::www::{self, WwwRoot};
use achievements_core::Instant;
use axum::extract::DefaultBodyLimit;
use axum::routing::{any, get, post};
use axum::{Router, middleware};
use std::sync::Arc;
use tokio::sync::{Notify, broadcast, watch};
use tower_http::trace::TraceLayer;

/// How many pushed notifications a slow stream may fall behind before it
/// re-reads from the database.
const PUSH_BUFFER: usize = 1024;

/// What the open streams are told.
#[derive(Debug)]
pub(crate) enum Pushed {
    /// A notification this instance committed, rendered.
    Rendered {
        user_id: i64,
        id: i64,
        /// The notification JSON (as `GET notifications/` lists it).
        json: String,
    },
    /// Another instance committed notifications up to `id` for this user
    /// (or, with `user_id` `None`, for anyone: changes may have been
    /// missed): the stream reads what it has not sent from the database.
    Wake { user_id: Option<i64>, id: i64 },
    /// The user was erased: their streams end.
    Erased { user_id: i64 },
    /// A token was revoked or a user's admin flag changed, here or on
    /// another instance: every open stream checks its credentials again.
    Recheck,
}

/// What every handler shares: the database, the catalog, the clock.
#[derive(Clone, Debug)]
pub(crate) struct AppState {
    inner: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    store: Store,
    caches: Caches,
    /// Which tokens' last use is being written (see [`crate::sign_in`]).
    token_uses: TokenUses,
    catalog: Arc<ServedCatalog>,
    clock: Clock,
    platform: PlatformOptions,
    /// Notifications, after their transaction committed.
    pushed: broadcast::Sender<Arc<Pushed>>,
    /// Signalled when notifications committed (here or, on PostgreSQL,
    /// anywhere): their unlocks may have queued webhook deliveries.
    committed: Notify,
    /// `true` once the server is shutting down: open streams end.
    closing: watch::Sender<bool>,
}

impl AppState {
    /// The state of a server on `store`. On a store that other instances
    /// share, it also follows their changes (see [`AppState::follow`]).
    pub(crate) fn new(store: Store, catalog: ServedCatalog, clock: Clock, platform: PlatformOptions) -> Self {
        let (pushed, _) = broadcast::channel(PUSH_BUFFER);
        let (closing, _) = watch::channel(false);
        let lifetimes = if store.is_shared() { Lifetimes::SHARED } else { Lifetimes::SOLE };
        let changes = store.changes();
        let state = AppState {
            inner: Arc::new(Shared {
                store,
                caches: Caches::new(lifetimes),
                token_uses: TokenUses::default(),
                catalog: Arc::new(catalog),
                clock,
                platform,
                pushed,
                committed: Notify::new(),
                closing,
            }),
        };
        if let Some(changes) = changes {
            tokio::spawn(state.clone().follow(changes));
        }
        state
    }

    /// Applies what other instances (and this one) committed, as the
    /// store's listener reports it, until the server closes.
    async fn follow(self, mut changes: broadcast::Receiver<Change>) {
        let mut closing = self.closing();
        loop {
            let change = tokio::select! {
                _ = closing.wait_for(|closing| *closing) => return,
                change = changes.recv() => change,
            };
            match change {
                Ok(Change::User { user_id, version, notification }) => {
                    self.inner.caches.forget_state_before(user_id, version);
                    if notification > 0 {
                        let _ =
                            self.inner.pushed.send(Arc::new(Pushed::Wake { user_id: Some(user_id), id: notification }));
                        self.inner.committed.notify_one();
                    }
                }
                Ok(Change::Erased { user_id }) => self.forget_erased(user_id),
                Ok(Change::Access) => self.access_changed(),
                Ok(Change::Lost) | Err(broadcast::error::RecvError::Lagged(_)) => {
                    self.inner.caches.forget_all();
                    let _ = self.inner.pushed.send(Arc::new(Pushed::Wake { user_id: None, id: 0 }));
                    self.inner.committed.notify_one();
                }
                Err(broadcast::error::RecvError::Closed) => return,
            }
        }
    }

    /// Sends committed notifications to the open streams. Call it from a
    /// [`Store`] write's after-commit hook.
    pub(crate) fn push(&self, notifications: &[Notification]) {
        if notifications.is_empty() {
            return;
        }
        self.inner.committed.notify_one();
        if self.inner.pushed.receiver_count() == 0 {
            return;
        }
        for n in notifications {
            match serde_json::to_string(&NotificationJson::new(&self.inner.catalog, n)) {
                Ok(json) => {
                    let _ = self.inner.pushed.send(Arc::new(Pushed::Rendered { user_id: n.user_id, id: n.id, json }));
                }
                Err(e) => tracing::error!(error = %e, "a notification did not serialize"),
            }
        }
    }

    /// Forgets an erased user at once: their cached state and tokens, and
    /// their open streams (on SQLite the next user created may get their
    /// id, and must not be streamed to them).
    pub(crate) fn forget_erased(&self, user_id: i64) {
        self.inner.caches.forget_user(user_id);
        let _ = self.inner.pushed.send(Arc::new(Pushed::Erased { user_id }));
    }

    /// Makes every open stream check its credentials again at once: a token
    /// was revoked or an admin flag changed. Call it after the change
    /// committed; on PostgreSQL the other instances hear of it through
    /// [`Change::Access`].
    pub(crate) fn access_changed(&self) {
        let _ = self.inner.pushed.send(Arc::new(Pushed::Recheck));
    }

    /// Returns once notifications have committed since the last call
    /// returned (at once if some did meanwhile): the webhook sender's cue
    /// to look at the outbox. Many commits in between are one wake.
    pub(crate) async fn notifications_committed(&self) {
        self.inner.committed.notified().await;
    }

    /// Pushed notifications, from now on.
    pub(crate) fn subscribe(&self) -> broadcast::Receiver<Arc<Pushed>> {
        self.inner.pushed.subscribe()
    }

    /// Becomes `true` when the server shuts down.
    pub(crate) fn closing(&self) -> watch::Receiver<bool> {
        self.inner.closing.subscribe()
    }

    /// Ends the open streams (graceful shutdown waits for them).
    pub(crate) fn close_streams(&self) {
        let _ = self.inner.closing.send(true);
    }

    /// The database, whichever backend holds it.
    pub(crate) fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The state cache in front of the database.
    pub(crate) fn caches(&self) -> &Caches {
        &self.inner.caches
    }

    /// Which tokens' last use is being noted.
    pub(crate) fn token_uses(&self) -> &TokenUses {
        &self.inner.token_uses
    }

    /// Publishes states a write committed, for the readers. Call it from a
    /// [`Store`] write's after-commit hook, so it runs even if the request is
    /// dropped.
    pub(crate) fn publish<'a>(&self, states: impl IntoIterator<Item = &'a SavedState>) {
        for saved in states {
            self.inner.caches.put_state(saved.user_id, saved.version, Arc::clone(&saved.state));
        }
    }

    pub(crate) fn catalog(&self) -> &Arc<ServedCatalog> {
        &self.inner.catalog
    }

    /// What `serve` was told about the platform (sign-ins, limits, ...).
    pub(crate) fn platform(&self) -> &PlatformOptions {
        &self.inner.platform
    }

    /// The time, read here and passed down to the core.
    pub(crate) fn now(&self) -> Instant {
        self.inner.clock.now()
    }
}

/// The API under `/api/v1/`, and the web page in `www` at `/` (see
/// [`crate::www`]: hidden names and symlinks out of the folder are 404s; any
/// other path that is not a file gets `index.html`, for client-side routing).
pub(crate) fn router(state: AppState, www: Option<WwwRoot>) -> Router {
    let cors = state.platform().http.cors();
    // Outside the API's layers: probes need no token and are never throttled.
    let operations = routes::operations::routes(state.clone());
    let api = Router::new()
        .route("/api/v1/achievements/", get(achievements::list))
        .route("/api/v1/achievements/earned/", get(achievements::earned))
        .route("/api/v1/achievements/categories/", get(achievements::categories))
        .route("/api/v1/achievements/check/", post(achievements::check))
        .route("/api/v1/achievements/catalog/", get(catalog::catalog))
        .route("/api/v1/achievements/{key}/", get(achievements::detail))
        .route("/api/v1/me/", get(me::me))
        .route("/api/v1/me/achievements/my-progress/", get(compat::my_progress))
        .route("/api/v1/users/{username}/achievements/", get(compat::user_achievements))
        .route("/api/v1/events/", post(events::post_events))
        .route("/api/v1/stats/", get(stats::stats))
        .route("/api/v1/openapi.json", get(crate::openapi::openapi))
        .route("/api/v1/notifications/", get(notifications::list))
        .route("/api/v1/notifications/read/", post(notifications::mark_read))
        .route("/api/v1/notifications/stream/", get(notifications::stream))
        .merge(admin_users::routes())
        .merge(admin_tokens::routes())
        .merge(admin_webhooks::routes())
        .route("/api", any(fallback::api_not_found))
        .route("/api/{*rest}", any(fallback::api_not_found))
        .method_not_allowed_fallback(fallback::method_not_allowed);
    // After authentication (layers run outermost first), so it keys by caller.
    let api = match state.platform().http.rate_limit {
        Some(limits) => api.layer(middleware::from_fn_with_state(Limiter::start(limits), rate_limit::limit)),
        None => api,
    };
    let api = api
        .layer(middleware::from_fn_with_state(state.clone(), routes::authenticate))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
        .merge(operations);
    let app = match www {
        Some(root) => api.fallback_service(any(www::serve).with_state(Arc::new(root))),
        None => api.fallback(fallback::not_found),
    };
    let app = app.layer(middleware::from_fn(crate::telemetry::track_requests));
    // Outside the rest: preflights are answered before authentication and
    // rate limits, and every answer (a 401 or 429 too) carries the headers.
    let app = match cors {
        Some(cors) => app.layer(cors),
        None => app,
    };
    app.layer(TraceLayer::new_for_http())
}
