//! The server's router in this process, on port 0 over `test.db` in a
//! temporary folder.

use crate::now;
use achievements_server::catalog_file::CatalogSource;
use achievements_server::clock::Clock;
use achievements_server::connections::ConnectionTimeouts;
use achievements_server::serve::{ServeOptions, Server};
use achievements_server::store;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use tempfile::TempDir;
use tokio::sync::oneshot;

/// How to start a [`TestServer`]: by default the shipped catalog, the clock
/// fixed at [`crate::NOW`], no web folder, no demo user, the production
/// connection limits.
#[derive(Debug)]
pub struct Setup {
    pub clock: Clock,
    pub catalog: CatalogSource,
    pub www: Option<PathBuf>,
    pub demo: bool,
    /// Shorter limits on slow and idle clients (`None`: the production ones).
    pub connection_timeouts: Option<ConnectionTimeouts>,
}

impl Default for Setup {
    fn default() -> Self {
        Setup {
            clock: Clock::fixed(now()),
            catalog: CatalogSource::Shipped,
            www: None,
            demo: false,
            connection_timeouts: None,
        }
    }
}

/// How the server ended: `Err` carries its error's message.
type Outcome = Result<(), String>;

/// A running server. Dropping it asks the server to stop without waiting;
/// [`TestServer::stop`] (or [`TestServer::stop_blocking`]) waits and hands
/// back the folder, to start another server over the same database.
#[derive(Debug)]
pub struct TestServer {
    /// Where it listens (`127.0.0.1`, a port the system chose).
    pub addr: SocketAddr,
    /// An async HTTP client that bypasses any proxy.
    pub client: reqwest::Client,
    clock: Clock,
    /// `Some` until [`TestServer::stop`] takes it back.
    dir: Option<TempDir>,
    stop: Option<oneshot::Sender<()>>,
    finished: Option<oneshot::Receiver<Outcome>>,
    /// The server's own thread (started by [`TestServer::start_blocking`]).
    thread: Option<std::thread::JoinHandle<()>>,
}

impl TestServer {
    /// A server with the shipped catalog and the clock fixed at [`crate::NOW`],
    /// on the caller's tokio runtime.
    pub async fn start() -> Self {
        Self::start_with(Setup::default()).await
    }

    /// A server started as `setup` says, on the caller's tokio runtime.
    pub async fn start_with(setup: Setup) -> Self {
        Self::start_in(tempfile::tempdir().expect("a temporary folder"), setup).await
    }

    /// A server over `dir/test.db`: to restart one over the same database
    /// (with the folder [`TestServer::stop`] returns), or to put files beside it.
    pub async fn start_in(dir: TempDir, setup: Setup) -> Self {
        let server = launch(dir.path(), &setup).await.unwrap_or_else(|e| panic!("the test server did not start: {e}"));
        let addr = server.local_addr();
        let (stop, stopped) = oneshot::channel();
        let (done, finished) = oneshot::channel();
        tokio::spawn(async move {
            let _ = done.send(run(server, stopped).await);
        });
        Self::running(addr, setup.clock, dir, stop, finished, None)
    }

    /// A server on a thread and tokio runtime of its own, for callers that
    /// have no runtime (blocking tests, benches). Stop it with
    /// [`TestServer::stop_blocking`].
    pub fn start_blocking(setup: Setup) -> Self {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let db_dir = dir.path().to_owned();
        let clock = setup.clock.clone();
        let (ready, started) = std::sync::mpsc::channel();
        let (stop, stopped) = oneshot::channel();
        let (done, finished) = oneshot::channel();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("a tokio runtime for the test server");
            runtime.block_on(async move {
                match launch(&db_dir, &setup).await {
                    Ok(server) => {
                        let _ = ready.send(Ok(server.local_addr()));
                        let _ = done.send(run(server, stopped).await);
                    }
                    Err(e) => {
                        let _ = ready.send(Err(e));
                    }
                }
            });
        });
        let addr = started
            .recv()
            .expect("the test server's thread ended before it started")
            .unwrap_or_else(|e| panic!("the test server did not start: {e}"));
        Self::running(addr, clock, dir, stop, finished, Some(thread))
    }

    fn running(
        addr: SocketAddr,
        clock: Clock,
        dir: TempDir,
        stop: oneshot::Sender<()>,
        finished: oneshot::Receiver<Outcome>,
        thread: Option<std::thread::JoinHandle<()>>,
    ) -> Self {
        TestServer {
            addr,
            client: reqwest::Client::builder().no_proxy().build().expect("an HTTP client"),
            clock,
            dir: Some(dir),
            stop: Some(stop),
            finished: Some(finished),
            thread,
        }
    }

    /// Shuts the server down gracefully and waits until it has; returns the
    /// folder (and database) for reuse. Panics if the server failed.
    pub async fn stop(mut self) -> TempDir {
        self.ask_to_stop();
        let finished = self.finished.take().expect("the server is stopped once");
        check(finished.await);
        self.take_dir()
    }

    /// [`TestServer::stop`] for callers outside an async runtime; also
    /// waits for the server's own thread, if it has one.
    pub fn stop_blocking(mut self) -> TempDir {
        self.ask_to_stop();
        let finished = self.finished.take().expect("the server is stopped once");
        check(finished.blocking_recv());
        if let Some(thread) = self.thread.take() {
            thread.join().expect("the test server's thread did not panic");
        }
        self.take_dir()
    }

    fn ask_to_stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    fn take_dir(&mut self) -> TempDir {
        self.dir.take().expect("the folder is taken back once")
    }

    /// The folder the database is in.
    pub fn dir(&self) -> &Path {
        self.dir.as_ref().expect("the server's folder").path()
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The server's URL for `path` (`/api/v1/...`).
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn db_path(&self) -> PathBuf {
        self.dir().join("test.db")
    }

    /// A second connection to the server's database, for making and checking rows.
    pub fn db(&self) -> rusqlite::Connection {
        store::open(&self.db_path()).expect("the test server's database opens")
    }

    /// The one number `sql` selects (`SELECT count(*) FROM ...`).
    pub fn count(&self, sql: &str) -> i64 {
        self.db().query_row(sql, [], |r| r.get(0)).unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// Creates a user (at the server clock's "now") and returns a token for them.
    pub fn add_user(&self, name: &str, timezone: &str, is_admin: bool) -> String {
        let conn = self.db();
        let now = self.clock.now();
        let user = store::users::create_user(&conn, name, timezone, is_admin, now)
            .unwrap_or_else(|e| panic!("user {name} ({timezone}): {e}"));
        store::users::add_token(&conn, store::TokenFor::User(&user), now).expect("a token for the user")
    }

    /// Creates a service token (the platform's kind of caller) and returns it.
    pub fn add_service(&self, name: &str) -> String {
        store::users::add_token(&self.db(), store::TokenFor::Service(name), self.clock.now()).expect("a service token")
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.ask_to_stop();
    }
}

async fn launch(dir: &Path, setup: &Setup) -> Result<Server, String> {
    let options = ServeOptions {
        db: store::Location::File(dir.join("test.db")),
        bind: SocketAddr::from(([127, 0, 0, 1], 0)),
        catalog: setup.catalog.clone(),
        www: setup.www.clone(),
        demo: setup.demo,
        clock: setup.clock.clone(),
    };
    let server = Server::start(options).await.map_err(|e| e.to_string())?;
    Ok(match setup.connection_timeouts {
        Some(timeouts) => server.with_connection_timeouts(timeouts),
        None => server,
    })
}

async fn run(server: Server, stopped: oneshot::Receiver<()>) -> Outcome {
    let shutdown = async move {
        let _ = stopped.await;
    };
    server.run(shutdown).await.map_err(|e| e.to_string())
}

fn check(finished: Result<Outcome, oneshot::error::RecvError>) {
    match finished {
        Ok(Ok(())) => {}
        Ok(Err(e)) => panic!("the test server stopped with an error: {e}"),
        Err(_) => panic!("the test server panicked"),
    }
}
