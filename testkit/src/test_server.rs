//! The server's router in this process, on port 0, over a database of its
//! own: `test.db` in a temporary folder, or, when
//! `ACHIEVEMENTS_TEST_BACKEND=postgres`, a fresh PostgreSQL database (see
//! [`Backend`]). `scripts/test.sh` runs the server's suite once each way.

use crate::postgres::TestPostgres;
use crate::{accounts, now};
use achievements_server::catalog_file::CatalogSource;
use achievements_server::clock::Clock;
use achievements_server::connections::ConnectionTimeouts;
use achievements_server::platform::PlatformOptions;
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
    /// The platform flags (`serve`'s defaults unless set).
    pub platform: PlatformOptions,
}

impl Default for Setup {
    fn default() -> Self {
        Setup {
            clock: Clock::fixed(now()),
            catalog: CatalogSource::Shipped,
            www: None,
            demo: false,
            connection_timeouts: None,
            platform: PlatformOptions::default(),
        }
    }
}

/// Which database a [`TestServer`] runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The variable that picks the backend of every [`TestServer`]:
/// `postgres`, or `sqlite` (the default).
pub const BACKEND_ENV: &str = "ACHIEVEMENTS_TEST_BACKEND";

impl Backend {
    /// The backend [`BACKEND_ENV`] asks for.
    ///
    /// # Panics
    /// For a value that is neither `sqlite` nor `postgres`.
    pub fn from_env() -> Backend {
        match std::env::var(BACKEND_ENV).as_deref() {
            Err(_) | Ok("" | "sqlite") => Backend::Sqlite,
            Ok("postgres") => Backend::Postgres,
            Ok(other) => panic!("{BACKEND_ENV}={other}: expected `sqlite` or `postgres`"),
        }
    }
}

/// A test server's database, kept between a [`TestServer::stop`] and the
/// next [`TestServer::start_in`]: its folder, and its PostgreSQL database
/// when it has one (dropped with this, unless it is another server's).
#[derive(Debug)]
pub struct Kept {
    pub dir: TempDir,
    database: Database,
}

#[derive(Debug)]
enum Database {
    /// `test.db` in the folder (made when the server starts).
    InDir,
    /// A PostgreSQL database of its own.
    Postgres(TestPostgres),
    /// Another server's database (a second instance).
    Shared(store::Location),
}

impl From<TempDir> for Kept {
    /// A folder with no database yet: the server makes one on the backend
    /// [`Backend::from_env`] names.
    fn from(dir: TempDir) -> Self {
        Kept { dir, database: Database::InDir }
    }
}

impl Kept {
    /// A new folder over `db`, whatever [`Backend::from_env`] says.
    pub fn on_postgres(db: TestPostgres) -> Self {
        Kept { dir: tempfile::tempdir().expect("a temporary folder"), database: Database::Postgres(db) }
    }

    fn fill(mut self) -> Self {
        if matches!(self.database, Database::InDir) && Backend::from_env() == Backend::Postgres {
            let db = TestPostgres::from_env()
                .unwrap_or_else(|| panic!("{BACKEND_ENV}=postgres needs {}", crate::postgres::POSTGRES_ENV));
            self.database = Database::Postgres(db);
        }
        self
    }

    /// Where the data is, as `--db` takes it.
    pub fn location(&self) -> store::Location {
        match &self.database {
            Database::InDir => store::Location::File(self.dir.path().join("test.db")),
            Database::Postgres(db) => store::Location::Postgres(db.url().to_owned()),
            Database::Shared(location) => location.clone(),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
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
    kept: Option<Kept>,
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

    /// A server over the database of `kept`: to restart one over the same
    /// database (with what [`TestServer::stop`] returns), or over a new one
    /// in a folder the caller put files in.
    pub async fn start_in(kept: impl Into<Kept>, setup: Setup) -> Self {
        let kept = kept.into().fill();
        let server =
            launch(&kept.location(), &setup).await.unwrap_or_else(|e| panic!("the test server did not start: {e}"));
        let addr = server.local_addr();
        let (stop, stopped) = oneshot::channel();
        let (done, finished) = oneshot::channel();
        tokio::spawn(async move {
            let _ = done.send(run(server, stopped).await);
        });
        Self::running(addr, setup.clock, kept, stop, finished, None)
    }

    /// A second instance over `other`'s database (its own folder, clock
    /// and caches), as a platform runs several behind a load balancer.
    pub async fn start_beside(other: &TestServer, setup: Setup) -> Self {
        let dir = tempfile::tempdir().expect("a temporary folder");
        Self::start_in(Kept { dir, database: Database::Shared(other.location()) }, setup).await
    }

    /// A server on a thread and tokio runtime of its own, for callers that
    /// have no runtime (blocking tests, benches). Stop it with
    /// [`TestServer::stop_blocking`].
    pub fn start_blocking(setup: Setup) -> Self {
        Self::start_blocking_in(tempfile::tempdir().expect("a temporary folder"), setup)
    }

    /// [`TestServer::start_blocking`] over the database of `kept`.
    pub fn start_blocking_in(kept: impl Into<Kept>, setup: Setup) -> Self {
        let kept = kept.into().fill();
        let location = kept.location();
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
                match launch(&location, &setup).await {
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
        Self::running(addr, clock, kept, stop, finished, Some(thread))
    }

    fn running(
        addr: SocketAddr,
        clock: Clock,
        kept: Kept,
        stop: oneshot::Sender<()>,
        finished: oneshot::Receiver<Outcome>,
        thread: Option<std::thread::JoinHandle<()>>,
    ) -> Self {
        TestServer {
            addr,
            client: reqwest::Client::builder().no_proxy().build().expect("an HTTP client"),
            clock,
            kept: Some(kept),
            stop: Some(stop),
            finished: Some(finished),
            thread,
        }
    }

    /// Shuts the server down gracefully and waits until it has; returns the
    /// folder and database for reuse. Panics if the server failed.
    pub async fn stop(mut self) -> Kept {
        self.ask_to_stop();
        let finished = self.finished.take().expect("the server is stopped once");
        check(finished.await);
        self.take_dir()
    }

    /// [`TestServer::stop`] for callers outside an async runtime; also
    /// waits for the server's own thread, if it has one.
    pub fn stop_blocking(mut self) -> Kept {
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

    fn take_dir(&mut self) -> Kept {
        self.kept.take().expect("the folder is taken back once")
    }

    fn kept(&self) -> &Kept {
        self.kept.as_ref().expect("the server's folder")
    }

    /// The server's folder (beside its SQLite file, when it has one).
    pub fn dir(&self) -> &Path {
        self.kept().path()
    }

    /// The backend the server runs on.
    pub fn backend(&self) -> Backend {
        match self.location() {
            store::Location::File(_) => Backend::Sqlite,
            store::Location::Postgres(_) => Backend::Postgres,
        }
    }

    /// The server's database, as `--db` takes it.
    pub fn location(&self) -> store::Location {
        self.kept().location()
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The server's URL for `path` (`/api/v1/...`).
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The server's database as a command line's `--db` takes it: the
    /// file's path, or the PostgreSQL URL (password included).
    pub fn db_arg(&self) -> std::ffi::OsString {
        match self.location() {
            store::Location::File(path) => path.into_os_string(),
            store::Location::Postgres(url) => url.into(),
        }
    }

    /// The SQLite file.
    ///
    /// # Panics
    /// On PostgreSQL.
    pub fn db_path(&self) -> PathBuf {
        self.location().file().expect("an SQLite file").to_owned()
    }

    /// A second connection to the server's SQLite file, for making and
    /// checking rows ([`TestServer::count`], [`TestServer::rows`] and
    /// [`TestServer::execute`] work on either backend).
    ///
    /// # Panics
    /// On PostgreSQL.
    pub fn db(&self) -> rusqlite::Connection {
        store::open(&self.db_path()).expect("the test server's database opens")
    }

    /// The one number `sql` selects (`SELECT count(*) FROM ...`), on
    /// either backend.
    pub fn count(&self, sql: &str) -> i64 {
        match self.location() {
            store::Location::Postgres(url) => {
                crate::postgres::query_i64(&url, sql).unwrap_or_else(|e| panic!("{sql}: {e}"))
            }
            store::Location::File(_) => {
                self.db().query_row(sql, [], |r| r.get(0)).unwrap_or_else(|e| panic!("{sql}: {e}"))
            }
        }
    }

    /// Every row `sql` selects, each value as text (`None` for NULL), on
    /// either backend: SQLite's integers and PostgreSQL's text protocol
    /// print numbers the same way.
    pub fn rows(&self, sql: &str) -> Vec<Vec<Option<String>>> {
        match self.location() {
            store::Location::Postgres(url) => {
                crate::postgres::text_rows(&url, sql).unwrap_or_else(|e| panic!("{sql}: {e}"))
            }
            store::Location::File(_) => {
                let db = self.db();
                let mut stmt = db.prepare(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
                let columns = stmt.column_count();
                let rows = stmt
                    .query_map([], |row| {
                        (0..columns)
                            .map(|i| {
                                Ok(match row.get_ref(i)? {
                                    rusqlite::types::ValueRef::Null => None,
                                    rusqlite::types::ValueRef::Integer(n) => Some(n.to_string()),
                                    rusqlite::types::ValueRef::Real(x) => Some(x.to_string()),
                                    rusqlite::types::ValueRef::Text(t) | rusqlite::types::ValueRef::Blob(t) => {
                                        Some(String::from_utf8_lossy(t).into_owned())
                                    }
                                })
                            })
                            .collect()
                    })
                    .unwrap_or_else(|e| panic!("{sql}: {e}"));
                rows.collect::<Result<_, _>>().unwrap_or_else(|e| panic!("{sql}: {e}"))
            }
        }
    }

    /// Runs a statement that changes rows (to set up a case a test needs),
    /// written for the backend the server runs on.
    pub fn execute(&self, sqlite: &str, postgres: &str) {
        match self.location() {
            store::Location::Postgres(url) => {
                crate::postgres::execute(&url, postgres).unwrap_or_else(|e| panic!("{postgres}: {e}"))
            }
            store::Location::File(_) => {
                self.db().execute_batch(sqlite).unwrap_or_else(|e| panic!("{sqlite}: {e}"));
            }
        }
    }

    /// Creates a user (at the server clock's "now") and returns a token for them.
    pub fn add_user(&self, name: &str, timezone: &str, is_admin: bool) -> String {
        accounts::add_user(self.location(), name, timezone, is_admin, self.clock.now())
    }

    /// Creates a service token (the platform's kind of caller) and returns it.
    pub fn add_service(&self, name: &str) -> String {
        accounts::add_service(self.location(), name, self.clock.now())
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.ask_to_stop();
    }
}

async fn launch(location: &store::Location, setup: &Setup) -> Result<Server, String> {
    let options = ServeOptions {
        db: location.clone(),
        bind: SocketAddr::from(([127, 0, 0, 1], 0)),
        catalog: setup.catalog.clone(),
        www: setup.www.clone(),
        demo: setup.demo,
        clock: setup.clock.clone(),
        platform: setup.platform.clone(),
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
