//! [`Db`]: the server's async handle on the database.
//!
//! **Writes** go to one dedicated thread that owns the only write
//! connection, so writers are serialized by construction: no lost increment,
//! no double award, no `SQLITE_BUSY` between our own requests. The thread
//! takes every write waiting in its queue (up to [`MAX_GROUP`]) and runs
//! them in one `BEGIN IMMEDIATE` transaction, each inside its own savepoint
//! (group commit): one fsync then acknowledges many requests, and a write
//! that fails is rolled back alone. Nobody is answered before the commit.
//!
//! **Reads** run on tokio's blocking pool over a fixed pool of read-only
//! connections (a semaphore makes extra readers wait for one, so none is
//! opened per request), each call in one read transaction (a consistent
//! snapshot). In WAL mode they never wait for the writer.
//!
//! **Point lookups** ([`Db::look_up`]: a token by its hash, a user by
//! name, read on every request) run on the calling thread over a few
//! connections of their own: the hop to the blocking pool and back costs
//! more than such a query, and a request pays it before any other work.
//! They never wait: with no lookup connection free, or the database busy,
//! the lookup goes the way of every read.

use super::{open, open_read_only, open_reader};
use crate::store::health::{self, Readiness};
use crate::store::{StoreError, Unavailable};
use rusqlite::{Connection, TransactionBehavior};
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread::JoinHandle;
use tokio::sync::{Semaphore, oneshot};

/// The most writes committed together.
pub(crate) const MAX_GROUP: usize = 32;
/// Read connections, and so reads running at once. Reads are short and
/// CPU-bound: a few per core keep the cores busy, and a fixed pool means no
/// connection is ever opened or closed per request.
const READERS: usize = 4;
/// Connections for point lookups on the calling thread: one per core the
/// runtime's workers run on, opened when first needed.
const LOOKUPS: usize = 2;

/// A cheap-to-clone handle: one writer thread, pooled readers.
#[derive(Clone, Debug)]
pub(crate) struct Db {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    path: PathBuf,
    /// One permit per pooled read connection.
    read_permits: Arc<Semaphore>,
    readers: Mutex<Vec<Connection>>,
    lookups: Mutex<Lookups>,
    writer: Mutex<Option<Writer>>,
    /// Writes sent to the writer and not yet taken from its queue.
    queued: Arc<AtomicUsize>,
}

/// The point-lookup connections: idle ones, and how many are open.
#[derive(Debug, Default)]
struct Lookups {
    idle: Vec<Connection>,
    opened: usize,
}

#[derive(Debug)]
struct Writer {
    jobs: mpsc::Sender<Box<dyn WriteJob>>,
    thread: JoinHandle<()>,
}

impl Db {
    /// Opens (creating and migrating) the database and starts its writer.
    ///
    /// # Errors
    /// As [`super::open`].
    pub(crate) fn open(path: &Path) -> Result<Self, StoreError> {
        let conn = open(path)?;
        let (jobs, queue) = mpsc::channel();
        let queued = Arc::new(AtomicUsize::new(0));
        let taken = Arc::clone(&queued);
        let thread = std::thread::Builder::new()
            .name("db-writer".into())
            .spawn(move || writer_loop(conn, &queue, &taken))
            .map_err(StoreError::Thread)?;
        Ok(Db::with(path, Vec::new(), Some(Writer { jobs, thread }), queued))
    }

    /// [`Db::open`] for a database that must already exist: a command with
    /// nothing to store in a new database fails rather than create an
    /// empty file.
    ///
    /// # Errors
    /// [`StoreError::NoDatabase`], or as [`Db::open`].
    pub(crate) fn open_existing(path: &Path) -> Result<Self, StoreError> {
        if !path.is_file() {
            return Err(StoreError::NoDatabase(path.display().to_string()));
        }
        Db::open(path)
    }

    /// A handle with readers only, over an existing database at the
    /// current schema (see [`super::open_read_only`]): no writer thread,
    /// so every write fails with [`StoreError::WriterGone`], and every
    /// connection is read-only, so nothing is created, migrated or changed.
    ///
    /// # Errors
    /// As [`super::open_read_only`].
    pub(crate) fn open_read_only(path: &Path) -> Result<Self, StoreError> {
        let checked = open_read_only(path)?;
        Ok(Db::with(path, vec![checked], None, Arc::new(AtomicUsize::new(0))))
    }

    fn with(path: &Path, readers: Vec<Connection>, writer: Option<Writer>, queued: Arc<AtomicUsize>) -> Self {
        Db {
            inner: Arc::new(Inner {
                path: path.to_owned(),
                read_permits: Arc::new(Semaphore::new(READERS)),
                readers: Mutex::new(readers),
                lookups: Mutex::default(),
                writer: Mutex::new(writer),
                queued,
            }),
        }
    }

    /// Runs `f` in the write transaction and returns its result once the
    /// transaction has committed. If `f` fails, its changes are rolled back.
    ///
    /// # Errors
    /// `f`'s error, a failed commit, or [`StoreError::WriterGone`].
    pub(crate) async fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
    {
        self.write_then(f, |_: &T| {}).await
    }

    /// [`Db::write`], and `after_commit` runs on the writer thread right
    /// after a successful commit, in commit order, whether or not the caller
    /// is still waiting (a request whose client went away is still
    /// committed, and still published).
    ///
    /// # Errors
    /// As [`Db::write`].
    pub(crate) async fn write_then<T, E, F, P>(&self, f: F, after_commit: P) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
        P: FnOnce(&T) + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        {
            let writer = self.inner.writer.lock().map_err(|_| StoreError::WriterGone)?;
            let writer = writer.as_ref().ok_or(StoreError::WriterGone)?;
            // Counted before it is sent, so the writer never takes it first.
            self.inner.queued.fetch_add(1, Ordering::Relaxed);
            if writer.jobs.send(Box::new(Job { f, after_commit, reply })).is_err() {
                self.inner.queued.fetch_sub(1, Ordering::Relaxed);
                return Err(StoreError::WriterGone.into());
            }
        }
        answer.await.map_err(|_| StoreError::WriterGone)?
    }

    /// Runs `f` on a read-only connection, inside one read transaction.
    ///
    /// # Errors
    /// `f`'s error, or a connection that cannot be opened.
    pub(crate) async fn read<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
    {
        // Wait (without a thread) for a free connection.
        let permit = Arc::clone(&self.inner.read_permits).acquire_owned().await.map_err(|_| StoreError::WriterGone)?;
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || {
            // Held until the connection is back in the pool, even if the
            // request that asked has gone away.
            let _permit = permit;
            let pooled = inner.readers.lock().ok().and_then(|mut pool| pool.pop());
            let conn = match pooled {
                Some(conn) => conn,
                None => open_reader(&inner.path).map_err(E::from)?,
            };
            let result = match conn.unchecked_transaction() {
                Ok(tx) => f(&tx),
                Err(e) => Err(E::from(e.into())),
            };
            if let Ok(mut pool) = inner.readers.lock() {
                pool.push(conn);
            }
            result
        })
        .await
        .map_err(|e| E::from(StoreError::Panicked(e.to_string())))?
    }

    /// Runs `f`, one indexed `SELECT` taking microseconds, on the calling
    /// thread (see the module's documentation); as [`Db::read`] when no
    /// lookup connection is free or the database is busy.
    ///
    /// # Errors
    /// `f`'s error, or as [`Db::read`].
    pub(crate) async fn look_up<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: Fn(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        match self.look_up_here(&f) {
            Some(done) => done,
            None => self.read(f).await,
        }
    }

    /// `f` on a lookup connection, unless none is free or the database is
    /// busy (`None`): a lookup connection has no busy timeout, so this
    /// thread never waits on a lock.
    fn look_up_here<T>(&self, f: &impl Fn(&Connection) -> Result<T, StoreError>) -> Option<Result<T, StoreError>> {
        let conn = {
            let mut lookups = self.inner.lookups.lock().ok()?;
            match lookups.idle.pop() {
                Some(conn) => conn,
                None if lookups.opened < LOOKUPS => {
                    let conn = open_reader(&self.inner.path).ok()?;
                    conn.busy_timeout(std::time::Duration::ZERO).ok()?;
                    lookups.opened += 1;
                    conn
                }
                None => return None,
            }
        };
        // A panic in `f` drops the connection: its slot is freed (so lookups
        // do not go to the pool for good), then the panic goes on.
        let result = match std::panic::catch_unwind(AssertUnwindSafe(|| f(&conn))) {
            Ok(result) => result,
            Err(panic) => {
                drop(conn);
                if let Ok(mut lookups) = self.inner.lookups.lock() {
                    lookups.opened -= 1;
                }
                std::panic::resume_unwind(panic);
            }
        };
        if let Ok(mut lookups) = self.inner.lookups.lock() {
            lookups.idle.push(conn);
        }
        match result {
            Err(e) if e.unavailable() == Some(Unavailable::Busy) => None,
            done => Some(done),
        }
    }

    /// Whether the database answers a read and the writer takes a write
    /// (an empty one: it changes nothing), each within
    /// [`health::READY_WITHIN`]. A writer stopped, or held up (another
    /// process holding the write lock past the bound), is not ready.
    pub(crate) async fn ready(&self) -> Readiness {
        let database = health::within("the database", async {
            self.read(|conn| Ok::<_, StoreError>(conn.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))?))
                .await
                .map(drop)
                .map_err(|e| e.to_string())
        });
        let writer = health::within("the writer", async {
            if !self.writer_running() {
                return Err("the writer thread has stopped".to_owned());
            }
            self.write(|_| Ok::<_, StoreError>(())).await.map_err(|e| e.to_string())
        });
        let (database, writer) = tokio::join!(database, writer);
        Readiness { database, writer }
    }

    /// Whether the writer thread is there and has not ended.
    fn writer_running(&self) -> bool {
        self.inner.writer.lock().is_ok_and(|w| w.as_ref().is_some_and(|w| !w.thread.is_finished()))
    }

    /// Writes waiting for the writer thread.
    pub(crate) fn queue_depth(&self) -> usize {
        self.inner.queued.load(Ordering::Relaxed)
    }

    /// Stops the writer after the writes already queued, and waits for it.
    /// Later writes fail with [`StoreError::WriterGone`].
    pub(crate) fn close(&self) {
        // Readers first: the last connection to close checkpoints the WAL
        // into the database file, and only the writer can.
        self.inner.read_permits.close();
        if let Ok(mut pool) = self.inner.readers.lock() {
            pool.clear();
        }
        if let Ok(mut lookups) = self.inner.lookups.lock() {
            // None idle and none to open: lookups go to the closed readers.
            lookups.idle.clear();
            lookups.opened = LOOKUPS;
        }
        let writer = self.inner.writer.lock().ok().and_then(|mut w| w.take());
        if let Some(Writer { jobs, thread }) = writer {
            drop(jobs);
            if thread.join().is_err() {
                tracing::error!("the database writer thread panicked");
            }
        }
    }
}

/// A queued write: run it in the open transaction, or give up on it.
trait WriteJob: Send {
    fn run(self: Box<Self>, conn: &Connection) -> Box<dyn Completion>;
    fn abandon(self: Box<Self>, error: &StoreError);
}

/// A write that ran, waiting for the commit to be answered.
trait Completion: Send {
    fn failed(&self) -> bool;
    fn finish(self: Box<Self>, commit: Result<(), &StoreError>);
}

struct Job<F, P, T, E> {
    f: F,
    after_commit: P,
    reply: oneshot::Sender<Result<T, E>>,
}

struct Done<P, T, E> {
    result: Result<T, E>,
    after_commit: P,
    reply: oneshot::Sender<Result<T, E>>,
}

impl<F, P, T, E> WriteJob for Job<F, P, T, E>
where
    T: Send + 'static,
    E: From<StoreError> + Send + 'static,
    F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
    P: FnOnce(&T) + Send + 'static,
{
    fn run(self: Box<Self>, conn: &Connection) -> Box<dyn Completion> {
        let Job { f, after_commit, reply } = *self;
        let result = std::panic::catch_unwind(AssertUnwindSafe(|| f(conn)))
            .unwrap_or_else(|panic| Err(E::from(StoreError::Panicked(panic_message(panic.as_ref())))));
        Box::new(Done { result, after_commit, reply })
    }

    fn abandon(self: Box<Self>, error: &StoreError) {
        let _ = self.reply.send(Err(E::from(error.as_commit_failure())));
    }
}

impl<P, T, E> Completion for Done<P, T, E>
where
    T: Send,
    E: From<StoreError> + Send,
    P: FnOnce(&T) + Send,
{
    fn failed(&self) -> bool {
        self.result.is_err()
    }

    fn finish(self: Box<Self>, commit: Result<(), &StoreError>) {
        let Done { result, after_commit, reply } = *self;
        let answer = match (result, commit) {
            (Ok(value), Ok(())) => {
                if std::panic::catch_unwind(AssertUnwindSafe(|| after_commit(&value))).is_err() {
                    tracing::error!("an after-commit hook panicked");
                }
                Ok(value)
            }
            (Err(e), _) => Err(e),
            (Ok(_), Err(e)) => Err(E::from(e.as_commit_failure())),
        };
        // The requester may have gone away; the write stands regardless.
        let _ = reply.send(answer);
    }
}

fn writer_loop(mut conn: Connection, queue: &mpsc::Receiver<Box<dyn WriteJob>>, queued: &AtomicUsize) {
    while let Ok(first) = queue.recv() {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match queue.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        queued.fetch_sub(group.len(), Ordering::Relaxed);
        crate::telemetry::commit_batch(group.len());
        run_group(&mut conn, group);
    }
}

/// Runs a group of writes in one transaction, each in a savepoint.
fn run_group(conn: &mut Connection, group: Vec<Box<dyn WriteJob>>) {
    let tx = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
        Ok(tx) => tx,
        Err(e) => {
            let e = StoreError::from(e);
            tracing::error!(error = %e, "cannot begin a write transaction");
            for job in group {
                job.abandon(&e);
            }
            return;
        }
    };
    let mut done: Vec<Box<dyn Completion>> = Vec::with_capacity(group.len());
    let mut broken: Option<StoreError> = None;
    for job in group {
        if let Some(e) = &broken {
            job.abandon(e);
            continue;
        }
        if let Err(e) = tx.execute_batch("SAVEPOINT write") {
            broken = Some(e.into());
            job.abandon(broken.as_ref().unwrap_or(&StoreError::WriterGone));
            continue;
        }
        let completion = job.run(&tx);
        let end = if completion.failed() { "ROLLBACK TO write; RELEASE write" } else { "RELEASE write" };
        if let Err(e) = tx.execute_batch(end) {
            broken = Some(e.into());
        }
        done.push(completion);
    }
    let commit = match broken {
        Some(e) => Err(e),
        None => tx.commit().map_err(StoreError::from),
    };
    if let Err(e) = &commit {
        tracing::error!(error = %e, writes = done.len(), "a write transaction failed and was rolled back");
    }
    for completion in done {
        completion.finish(commit.as_ref().map(|_| ()));
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Duration;

    fn users(db: &Path) -> Vec<String> {
        let conn = open(db).expect("open");
        let mut stmt = conn.prepare("SELECT name FROM users ORDER BY name").expect("prepare");
        stmt.query_map([], |r| r.get(0)).expect("query").map(|r| r.expect("row")).collect()
    }

    fn insert(conn: &Connection, name: &str) -> Result<(), StoreError> {
        conn.execute("INSERT INTO users (name, timezone, created_at) VALUES (?1, 'UTC', 'now')", [name])?;
        Ok(())
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failing_write_is_rolled_back_alone() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("t.db");
        let db = Db::open(&path).expect("open");
        let ok = |name: &'static str| {
            let db = db.clone();
            async move { db.write(move |conn| insert(conn, name)).await }
        };
        let failing = {
            let db = db.clone();
            async move {
                db.write(move |conn| {
                    insert(conn, "half-done")?;
                    Err::<(), _>(StoreError::Corrupt("deliberate".into()))
                })
                .await
            }
        };
        let (a, b, c) = tokio::join!(ok("a"), failing, ok("b"));
        assert!(a.is_ok() && c.is_ok());
        assert!(matches!(b, Err(StoreError::Corrupt(_))));
        db.close();
        assert_eq!(users(&path), ["a", "b"]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn lookups_see_what_committed_on_at_most_two_connections_of_their_own_and_end_with_close() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = Db::open(&dir.path().join("t.db")).expect("open");
        let count =
            |conn: &Connection| Ok::<i64, StoreError>(conn.query_row("SELECT count(*) FROM users", [], |r| r.get(0))?);
        assert_eq!(db.look_up(count).await.expect("a lookup"), 0);
        db.write(|conn| insert(conn, "ann")).await.expect("a write");
        assert_eq!(db.look_up(count).await.expect("a lookup"), 1, "a lookup sees the last commit");
        // Nested, so all are busy at once: the third finds none free and
        // would go to the readers.
        let nested = db.look_up_here(&|_: &Connection| {
            let second = db.look_up_here(&|_: &Connection| Ok(db.look_up_here(&count).is_none()));
            Ok(second)
        });
        assert!(matches!(nested, Some(Ok(Some(Ok(true))))), "{nested:?}");
        assert_eq!(db.inner.lookups.lock().expect("lock").opened, LOOKUPS);
        db.close();
        assert!(db.look_up(count).await.is_err(), "no lookup after close");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_lookup_that_panics_frees_its_connection_slot() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = Db::open(&dir.path().join("t.db")).expect("open");
        for _ in 0..LOOKUPS + 1 {
            let panicked = std::panic::catch_unwind(AssertUnwindSafe(|| {
                db.look_up_here(&|_: &Connection| -> Result<(), StoreError> { panic!("a lookup failed") })
            }));
            assert!(panicked.is_err());
        }
        assert_eq!(db.inner.lookups.lock().expect("lock").opened, 0, "no slot is lost");
        let answered =
            db.look_up_here(&|conn: &Connection| Ok(conn.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))?));
        assert!(matches!(answered, Some(Ok(1))), "{answered:?}");
        db.close();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn ready_until_closed_and_the_queue_is_counted() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = Db::open(&dir.path().join("t.db")).expect("open");
        let ready = db.ready().await;
        assert!(ready.is_ready(), "{ready:?}");
        assert_eq!(db.queue_depth(), 0);
        db.write(|conn| insert(conn, "ann")).await.expect("a write");
        assert_eq!(db.queue_depth(), 0, "taken by the writer");
        db.close();
        let ready = db.ready().await;
        assert_eq!(ready.writer, Err("the writer thread has stopped".to_owned()));
        assert!(ready.database.is_err(), "the readers are closed too: {ready:?}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_after_commit_hook_runs_even_if_the_caller_gave_up() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("t.db");
        let db = Db::open(&path).expect("open");
        let published = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&published);
        // Polled once (the write is queued), then dropped.
        let write = db.write_then(move |conn| insert(conn, "ann"), move |()| flag.store(true, Ordering::SeqCst));
        let _ = tokio::time::timeout(Duration::ZERO, write).await;
        db.close();
        assert!(published.load(Ordering::SeqCst));
        assert_eq!(users(&path), ["ann"]);
        assert!(matches!(db.write(|conn| insert(conn, "late")).await, Err(StoreError::WriterGone)));
    }
}
