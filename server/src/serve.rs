//! `achievements serve`: load and upsert the catalog, open the database,
//! bind, answer until Ctrl-C or SIGTERM, then finish in-flight requests and
//! close the database cleanly.

use crate::admin::{change_lines, change_summary};
use crate::app::{AppState, router};
use crate::catalog_file::{CatalogError, CatalogSource};
use crate::clock::Clock;
use crate::connections::{self, ConnectionTimeouts};
use crate::demo::{DEMO_USER, DemoReport, ensure_demo_user};
use crate::platform::PlatformOptions;
use crate::served_catalog::ServedCatalog;
use crate::store::{Location, Store, StoreError};
use crate::www::{WwwError, WwwRoot, check_database_outside};
use axum::Router;
use std::future::Future;
use std::io::{IsTerminal, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use tokio::net::TcpListener;

/// Everything `serve` needs.
#[derive(Debug)]
pub struct ServeOptions {
    pub db: Location,
    pub bind: SocketAddr,
    pub catalog: CatalogSource,
    pub www: Option<PathBuf>,
    pub demo: bool,
    pub clock: Clock,
    pub platform: PlatformOptions,
}

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Www(#[from] WwwError),
    #[error("cannot listen on {addr}: {source} (is another server using it? try --bind 127.0.0.1:0)")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error("the server stopped: {0}")]
    Io(std::io::Error),
}

/// A server bound to its address, ready to [run](Server::run).
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    addr: SocketAddr,
    app: Router,
    state: AppState,
    store: Store,
    demo: Option<DemoReport>,
    timeouts: ConnectionTimeouts,
}

impl Server {
    /// Loads the catalog, opens the database, binds the address and, with
    /// `demo`, sets up the demo user.
    ///
    /// # Errors
    /// An invalid catalog, an unusable database, or an address in use.
    pub async fn start(options: ServeOptions) -> Result<Self, ServeError> {
        let loaded = options.catalog.load()?;
        for warning in &loaded.warnings {
            tracing::warn!(catalog = %options.catalog.name(), "{warning}");
        }
        if let (Some(www), Some(file)) = (&options.www, options.db.file()) {
            check_database_outside(file, www)?;
        }
        let store = Store::open(&options.db).await?;
        let synced = store.sync_catalog(loaded.catalog.clone(), options.clock.now()).await?;
        for line in change_lines(&synced.changes) {
            tracing::info!("catalog: {line}");
        }
        tracing::info!(
            db = %options.db,
            "loaded {}: {}",
            options.catalog.name(),
            change_summary(&synced.changes)
        );
        let state = AppState::new(
            store.clone(),
            ServedCatalog::new(&loaded.catalog, synced.catalog),
            options.clock,
            options.platform,
        );
        crate::telemetry::spawn_upkeep(&state);
        crate::retention::spawn(&state);

        let listener =
            TcpListener::bind(options.bind).await.map_err(|source| ServeError::Bind { addr: options.bind, source })?;
        let addr = listener.local_addr().map_err(ServeError::Io)?;

        let demo = if options.demo { Some(ensure_demo_user(&state).await?) } else { None };
        let www = match &options.www {
            Some(dir) => {
                let root = WwwRoot::open(dir)?;
                if root.is_none() {
                    tracing::warn!(dir = %dir.display(), "no index.html in the --www folder: serving the API only");
                }
                root
            }
            None => None,
        };
        Ok(Server {
            listener,
            addr,
            app: router(state.clone(), www),
            state,
            store,
            demo,
            timeouts: ConnectionTimeouts::default(),
        })
    }

    /// The address the server listens on (the real port when bound to 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Other connection time limits than the production ones (10 s for a
    /// request head, 75 s idle), for tests that cannot wait that long.
    #[must_use]
    pub fn with_connection_timeouts(mut self, timeouts: ConnectionTimeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// What `--demo` set up, if asked.
    pub(crate) fn demo(&self) -> Option<&DemoReport> {
        self.demo.as_ref()
    }

    /// Answers requests until `shutdown` completes, then lets in-flight
    /// requests finish and closes the database.
    ///
    /// # Errors
    /// An I/O error of the listener.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<(), ServeError> {
        // Open notification streams never end on their own: end them when
        // the shutdown starts, so the graceful shutdown does not wait forever.
        let state = self.state;
        // Webhook deliveries, from the outbox, until the shutdown starts.
        let sender = crate::webhooks::sender::start(state.clone());
        let shutdown = async move {
            shutdown.await;
            state.close_streams();
        };
        connections::serve(self.listener, self.app, self.timeouts, shutdown).await;
        // An attempt cut short here is sent again when its lease runs out.
        sender.abort();
        let _ = sender.await;
        // Every write has been answered.
        self.store.close().await;
        Ok(())
    }
}

/// `achievements serve`: prints the demo token (with `--demo`) and then
/// `listening on http://ADDR` on standard output, and serves until Ctrl-C
/// or SIGTERM.
///
/// # Errors
/// As [`Server::start`] and [`Server::run`].
pub(crate) async fn serve_until_signal(options: ServeOptions) -> Result<(), ServeError> {
    let server = Server::start(options).await?;
    let addr = server.local_addr();
    {
        let mut out = std::io::stdout().lock();
        if let Some(demo) = server.demo() {
            let _ = writeln!(
                out,
                "demo user `{DEMO_USER}`: {} events applied now, {} achievement(s) unlocked now",
                demo.applied,
                demo.unlocked.len()
            );
            let _ = writeln!(
                out,
                "try: curl -H 'Authorization: Bearer {}' http://{addr}/api/v1/achievements/earned/",
                demo.token
            );
            let _ = writeln!(out, "demo token: {}", demo.token);
        }
        let _ = writeln!(out, "listening on http://{addr}");
        let _ = out.flush();
    }
    tracing::info!(%addr, "serving; stop with Ctrl-C");
    server.run(shutdown_signal()).await?;
    tracing::info!("stopped cleanly");
    Ok(())
}

/// Completes on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("Ctrl-C: shutting down"),
        () = terminate => tracing::info!("SIGTERM: shutting down"),
    }
}

/// Logs to standard error; `RUST_LOG` overrides the default `info`.
pub(crate) fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}
