//! PostgreSQL storage: the connection pool, TLS, and the schema, for
//! running several `achievements serve` instances on one database
//! (issue 13). SQLite (the rest of [`crate::store`]) stays the default.
//!
//! - [`url`]: reading a `postgres://` URL, including the libpq `sslmode`
//!   values tokio-postgres does not know.
//! - [`tls`]: rustls (ring provider) configured as the `sslmode` asks.
//! - [`migrations`]: the numbered schema, tracked in `schema_migrations`.
//! - [`Pg`], here: the pool, opened as a command needs it (migrating,
//!   existing, read-only), and the listener for other instances' changes.
//! - [`operations`]: [`crate::store::Store`]'s operations, each one
//!   transaction, retried when PostgreSQL says a retry may pass.
//! - [`users`], [`state`], [`intake`], [`unlocks`], [`notifications`],
//!   [`catalog`], [`stats`], [`recalculate`], [`inspect`]: the queries, as
//!   the SQLite backend's files.
//! - [`changes`]: what instances tell each other (LISTEN/NOTIFY).
//!
//! # Schema choices
//! The tables, keys and rules are the SQLite schema's
//! (`store/migrations.rs`), in PostgreSQL's types:
//! - **Timestamps are `TEXT`**, in the RFC 3339 form the SQLite store
//!   writes (`store::ts`). The core's `Instant` has nanosecond precision;
//!   `timestamptz` keeps microseconds, so an instant would not come back
//!   as it went in, and the two backends would disagree on the same data.
//! - **Every `TEXT` column is `COLLATE "C"`**: bytewise comparison, as
//!   SQLite's default, so `ORDER BY key` and text comparisons give the
//!   same order on both backends whatever the database's locale.
//! - **Ids are `BIGINT GENERATED ALWAYS AS IDENTITY`** (SQLite's
//!   `INTEGER PRIMARY KEY`); no code supplies its own. Identity values are
//!   taken at insert, not at commit: two transactions can commit ids out
//!   of order. Readers that resume from an id (`notifications` behind
//!   `Last-Event-ID`, `events.seq`) are safe only because every write for
//!   one user is serialized in the database (a row lock on the user's
//!   row, `users`), so one user's ids commit in order.
//! - **Flags are `BOOLEAN`**, the token hash `BYTEA`, documents (`user_state.
//!   snapshot`, `catalog.document`) `TEXT`, not `jsonb`: stored byte for
//!   byte, as written.
//! - **The event log and the unlock audit log are append-only**: triggers
//!   refuse `UPDATE`, `DELETE` and `TRUNCATE` with an error.
//! - **Migrations run one at a time across instances**: each in its own
//!   transaction holding `pg_advisory_xact_lock`, so two instances started
//!   together do not both migrate, and a crash leaves the previous version.
//!   A database migrated by a newer build is refused.

mod catalog;
pub(crate) mod changes;
mod committer;
mod inspect;
mod intake;
mod migrations;
mod notifications;
mod operations;
mod people;
mod recalculate;
mod state;
mod stats;
mod tls;
mod tokens;
mod unlocks;
mod url;
mod users;
pub(crate) mod webhooks;

pub use migrations::LATEST;

use super::health::{self, Load, PoolLoad, Readiness};
use super::{StoreError, Unavailable};
use changes::Change;
use deadpool_postgres::{Manager, ManagerConfig, Pool, PoolError, RecyclingMethod, Runtime, TimeoutType};
use operations::{ATTEMPTS, is_transient};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{broadcast, mpsc};
use tokio::task::JoinHandle;
use tokio_postgres::error::SqlState;
use tokio_postgres_rustls::MakeRustlsConnect;

/// Whether `--db` names a PostgreSQL database (a URL) rather than a SQLite
/// file.
pub fn is_postgres_url(s: &str) -> bool {
    s.starts_with("postgres://") || s.starts_with("postgresql://")
}

/// The pool's limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolOptions {
    /// Connections held open at most. A connection serves one transaction
    /// at a time; 16 keeps two cores busy while others wait on the
    /// database, and several instances stay well under PostgreSQL's default
    /// `max_connections` (100).
    pub max_size: usize,
    /// How long a request waits for a free connection, or for a new one to
    /// be accepted, before it fails as [`Unavailable::Busy`]. The same five
    /// seconds SQLite waits for another process's write lock.
    pub wait_timeout: Duration,
}

impl Default for PoolOptions {
    fn default() -> Self {
        PoolOptions { max_size: 16, wait_timeout: Duration::from_secs(5) }
    }
}

/// A pool of connections to one PostgreSQL database.
#[derive(Clone)]
pub struct Pg {
    pool: Pool,
    options: PoolOptions,
    /// The URL without its password, for messages.
    shown: String,
    /// How to open a connection outside the pool (the change listener's).
    direct: Arc<(tokio_postgres::Config, MakeRustlsConnect)>,
    /// The change listener, once [`Pg::changes`] started it.
    listener: Arc<Mutex<Option<Listener>>>,
    /// The group commit's queue, once the first write started it.
    committer: Arc<Mutex<Option<mpsc::UnboundedSender<committer::Job>>>>,
    /// Requests sent to the group commit and not yet taken.
    queued: Arc<AtomicUsize>,
}

/// The task that listens for changes, and where it sends them.
struct Listener {
    changes: broadcast::Sender<Change>,
    task: JoinHandle<()>,
}

/// How many changes a slow follower may fall behind before it is told
/// that it lost some ([`broadcast::error::RecvError::Lagged`]).
const CHANGES_BUFFER: usize = 4096;

impl std::fmt::Debug for Pg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pg").field("database", &self.shown).field("options", &self.options).finish_non_exhaustive()
    }
}

/// What the sessions of a pool may do.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Access {
    ReadWrite,
    /// Every transaction is read-only (`default_transaction_read_only`):
    /// the database refuses a write even if a bug attempts one.
    ReadOnly,
}

impl Pg {
    /// Connects and migrates the database to [`LATEST`] (`serve`, and
    /// commands that write).
    ///
    /// # Errors
    /// The URL is unusable, the database cannot be reached, or its schema
    /// is newer than this build ([`StoreError::SchemaTooNew`]).
    pub async fn open(url: &str, options: PoolOptions) -> Result<Pg, StoreError> {
        let pg = Pg::connect(url, options, Access::ReadWrite)?;
        let mut client = pg.client().await?;
        let start = migrations::migrate(&mut client).await?;
        if start < LATEST {
            tracing::info!(from = start, to = LATEST, database = %pg.shown, "migrated the PostgreSQL schema");
        }
        Ok(pg)
    }

    /// [`Pg::open`] for a database that must already hold this
    /// application's schema: a command with nothing to store fails rather
    /// than fill an empty database with tables. An older schema is
    /// migrated.
    ///
    /// # Errors
    /// [`StoreError::NoDatabase`], or as [`Pg::open`].
    pub async fn open_existing(url: &str, options: PoolOptions) -> Result<Pg, StoreError> {
        let pg = Pg::connect(url, options, Access::ReadWrite)?;
        let mut client = pg.client_of_existing().await?;
        if migrations::version(&client).await? == 0 {
            return Err(StoreError::NoDatabase(pg.shown.clone()));
        }
        migrations::migrate(&mut client).await?;
        Ok(pg)
    }

    /// Opens an existing database for commands that only read (`check`,
    /// `debug`, `stats`), as SQLite's `open_read_only`: it never migrates
    /// (an older schema is an error that says what migrates it), and every
    /// session is read-only.
    ///
    /// # Errors
    /// [`StoreError::NoDatabase`], [`StoreError::SchemaTooOld`],
    /// [`StoreError::SchemaTooNew`], or the database cannot be reached.
    pub async fn open_read_only(url: &str, options: PoolOptions) -> Result<Pg, StoreError> {
        let pg = Pg::connect(url, options, Access::ReadOnly)?;
        let client = pg.client_of_existing().await?;
        let found = migrations::version(&client).await?;
        if found == 0 {
            return Err(StoreError::NoDatabase(pg.shown.clone()));
        }
        migrations::check_current(found)?;
        Ok(pg)
    }

    /// A connection from the pool, returned to it when dropped. It caches
    /// prepared statements (`prepare_cached`).
    ///
    /// # Errors
    /// [`StoreError::Pool`] ([`Unavailable::Busy`]) when none is free in
    /// time; [`StoreError::Postgres`] when a new one cannot connect.
    pub(crate) async fn client(&self) -> Result<deadpool_postgres::Client, StoreError> {
        self.pool.get().await.map_err(|e| self.pool_error(e))
    }

    /// What every instance commits from now on, this one's included (see
    /// [`changes`]). The first call starts the listener, on a connection of
    /// its own.
    pub(crate) fn changes(&self) -> broadcast::Receiver<Change> {
        let mut listener = self.listener.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(listener) = listener.as_ref() {
            return listener.changes.subscribe();
        }
        let (sender, receiver) = broadcast::channel(CHANGES_BUFFER);
        let direct = Arc::clone(&self.direct);
        let connect = move || {
            let direct = Arc::clone(&direct);
            async move { direct.0.connect(direct.1.clone()).await }
        };
        let task = tokio::spawn(changes::listen(connect, sender.clone()));
        *listener = Some(Listener { changes: sender, task });
        receiver
    }

    /// The group commit's queue (see [`committer`]), started on first use.
    fn committer(&self) -> mpsc::UnboundedSender<committer::Job> {
        let mut committer = self.committer.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        committer
            .get_or_insert_with(|| {
                let (jobs, queue) = mpsc::unbounded_channel();
                tokio::spawn(committer::run(self.clone(), queue, Arc::clone(&self.queued)));
                jobs
            })
            .clone()
    }

    /// Whether a pooled connection answers `SELECT 1` and the group commit
    /// runs (it starts with the first write: not started yet is ready),
    /// within [`health::READY_WITHIN`].
    pub(crate) async fn ready(&self) -> Readiness {
        let database = health::within("the database", async {
            let client = self.client().await.map_err(|e| e.to_string())?;
            client.query_one("SELECT 1", &[]).await.map(drop).map_err(|e| describe(&e))
        })
        .await;
        let committer = self.committer.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
        let writer = match committer {
            Some(jobs) if jobs.is_closed() => Err("the group commit has stopped".to_owned()),
            _ if self.pool.is_closed() => Err("the store is closed".to_owned()),
            _ => Ok(()),
        };
        Readiness { database, writer }
    }

    /// The group commit's queue and the pool's connections.
    pub(crate) fn load(&self) -> Load {
        let status = self.pool.status();
        Load {
            writer_queue: self.queued.load(Ordering::Relaxed),
            pool: Some(PoolLoad {
                in_use: status.size.saturating_sub(status.available),
                idle: status.available,
                max: status.max_size,
            }),
        }
    }

    /// Stops the listener and closes the pool's connections.
    pub(crate) fn close(&self) {
        if let Some(listener) = self.listener.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take() {
            listener.task.abort();
        }
        // The group commit ends when its queue is dropped: what is queued
        // is still committed and answered.
        self.committer.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
        self.pool.close();
    }

    /// The schema version of the database (the highest migration applied).
    ///
    /// # Errors
    /// As [`Pg::client`], or the query fails.
    pub async fn schema_version(&self) -> Result<u32, StoreError> {
        migrations::version(&self.client().await?).await
    }

    /// The database, without its password, for messages and logs.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    /// Builds the pool. Nothing connects until the first [`Pg::client`].
    fn connect(url: &str, options: PoolOptions, access: Access) -> Result<Pg, StoreError> {
        let url::Target { mut config, verify, shown } = url::parse(url)?;
        // A lock held elsewhere for longer than the pool's wait (an
        // operator's long transaction) fails the statement with 55P03, a
        // `503 database_busy`, rather than leave the request hanging.
        let mut session = format!("-c lock_timeout={}ms", options.wait_timeout.as_millis());
        if access == Access::ReadOnly {
            session.push_str(" -c default_transaction_read_only=on");
        }
        let session = config.get_options().map_or_else(|| session.clone(), |o| format!("{o} {session}"));
        config.options(&session);
        let connector = tls::connector(&verify)?;
        let direct = Arc::new((config.clone(), connector.clone()));
        let manager = Manager::from_config(
            config,
            connector,
            // A closed connection is noticed without a round trip; a broken
            // one fails its next query, which the caller reports.
            ManagerConfig { recycling_method: RecyclingMethod::Fast },
        );
        // Last in, first out: the connection just returned (its prepared
        // statements warm) serves the next request; the others idle.
        let pool = Pool::builder(manager)
            .queue_mode(deadpool_postgres::QueueMode::Lifo)
            .max_size(options.max_size)
            .wait_timeout(Some(options.wait_timeout))
            .create_timeout(Some(options.wait_timeout))
            .recycle_timeout(Some(options.wait_timeout))
            .runtime(Runtime::Tokio1)
            .build()
            .map_err(|e| StoreError::Pool(e.to_string(), None))?;
        Ok(Pg {
            pool,
            options,
            shown,
            direct,
            listener: Arc::new(Mutex::new(None)),
            committer: Arc::new(Mutex::new(None)),
            queued: Arc::new(AtomicUsize::new(0)),
        })
    }

    /// [`Pg::client`], where a database that does not exist is
    /// [`StoreError::NoPostgresDatabase`] (the commands that never create one).
    async fn client_of_existing(&self) -> Result<deadpool_postgres::Client, StoreError> {
        match self.client().await {
            Err(StoreError::Postgres(e)) if e.code() == Some(&SqlState::INVALID_CATALOG_NAME) => {
                Err(StoreError::NoPostgresDatabase(self.shown.clone()))
            }
            other => other,
        }
    }

    fn pool_error(&self, error: PoolError) -> StoreError {
        let seconds = self.options.wait_timeout.as_secs_f64();
        let why = match error {
            PoolError::Backend(e) => return StoreError::Postgres(e),
            PoolError::Timeout(TimeoutType::Wait) => {
                format!("all {} connections of the pool stayed busy for {seconds} s", self.options.max_size)
            }
            PoolError::Timeout(TimeoutType::Create) => {
                format!("{} did not accept a new connection within {seconds} s", self.shown)
            }
            PoolError::Timeout(TimeoutType::Recycle) => {
                format!("{} did not answer a pooled connection's check within {seconds} s", self.shown)
            }
            other => return StoreError::Pool(other.to_string(), None),
        };
        StoreError::Pool(why, Some(Unavailable::Busy))
    }
}

/// A PostgreSQL error in words: tokio-postgres's own `Display` says only
/// "db error", the server's message is its source.
pub(crate) fn describe(error: &tokio_postgres::Error) -> String {
    if let Some(db) = error.as_db_error() {
        return db.to_string();
    }
    match std::error::Error::source(error) {
        Some(source) => format!("{error}: {source}"),
        None => error.to_string(),
    }
}

/// Whether a PostgreSQL error is the database being unavailable for now
/// (see [`Unavailable`]): out of connections, starting up or shutting down,
/// a lock wait past `lock_timeout`, or a full disk.
pub(crate) fn unavailable(error: &tokio_postgres::Error) -> Option<Unavailable> {
    let code = error.code()?;
    if *code == SqlState::DISK_FULL {
        Some(Unavailable::Full)
    } else if [SqlState::TOO_MANY_CONNECTIONS, SqlState::CANNOT_CONNECT_NOW, SqlState::LOCK_NOT_AVAILABLE]
        .contains(code)
    {
        Some(Unavailable::Busy)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The test server's admin URL (see `scripts/postgres.sh`); these tests
    /// need no schema, so they use its database as it is.
    fn test_url() -> Option<String> {
        let url = std::env::var("ACHIEVEMENTS_TEST_POSTGRES").ok().filter(|u| !u.is_empty());
        assert!(
            url.is_some() || std::env::var("CI").as_deref() != Ok("true"),
            "ACHIEVEMENTS_TEST_POSTGRES is not set and CI=true"
        );
        if url.is_none() {
            println!("SKIPPED: ACHIEVEMENTS_TEST_POSTGRES not set");
        }
        url
    }

    #[tokio::test]
    async fn a_full_pool_is_busy_until_a_connection_returns() {
        let Some(url) = test_url() else { return };
        // The timeout also bounds opening the connection, which takes more
        // than 0.2 s on a loaded CI machine: 2 s keeps the test honest there.
        let options = PoolOptions { max_size: 1, wait_timeout: Duration::from_secs(2) };
        let pg = Pg::connect(&url, options, Access::ReadWrite).expect("pool");
        let held = pg.client().await.expect("the one connection");
        let err = pg.client().await.expect_err("none left");
        assert_eq!(err.unavailable(), Some(Unavailable::Busy), "{err}");
        drop(held);
        drop(pg.client().await.expect("the connection came back"));
    }

    #[tokio::test]
    async fn read_only_sessions_are_read_only() {
        let Some(url) = test_url() else { return };
        let pg = Pg::connect(&url, PoolOptions::default(), Access::ReadOnly).expect("pool");
        let client = pg.client().await.expect("connection");
        let row = client.query_one("SHOW default_transaction_read_only", &[]).await.expect("show");
        assert_eq!(row.get::<_, String>(0), "on");
    }

    #[test]
    fn postgres_errors_say_what_the_server_said() {
        let err = "postgres://u@h/db?bogus=1".parse::<tokio_postgres::Config>().expect_err("unknown option");
        assert!(describe(&err).contains("bogus"), "{}", describe(&err));
    }

    #[test]
    fn urls_are_told_from_paths() {
        assert!(is_postgres_url("postgres://u@localhost/db"));
        assert!(is_postgres_url("postgresql://u@localhost/db"));
        assert!(!is_postgres_url("achievements.db"));
        assert!(!is_postgres_url("/var/lib/postgres://x"));
        assert!(!is_postgres_url("POSTGRES://u@h/db"));
    }
}
