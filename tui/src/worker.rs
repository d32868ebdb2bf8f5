//! The background thread that owns the cache: it first loads the cache in
//! full (the core compiles the catalog) and hands the result to the
//! interface, then — with a server — syncs at once, every minute, on
//! request, and after a failure with growing pauses. Each outcome goes to
//! the main loop as an [`AppEvent`]; the interface thread never waits for
//! the network or the disk.

use crate::badges::Board;
use crate::cache::Cache;
use crate::dataset::{Dataset, LoadError, Origin};
use crate::event::{AppEvent, Failure, SyncOutcome};
use crate::sync::{self, SyncError, Transport};
use jiff::{SignedDuration, Timestamp};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// When to sync.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Schedule {
    /// After a success, sync again this much later (new badges show up).
    pub refresh: Duration,
    /// After a first failure, retry this much later; doubled each time…
    pub retry_first: Duration,
    /// …up to this.
    pub retry_max: Duration,
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule {
            refresh: Duration::from_secs(60),
            retry_first: Duration::from_secs(2),
            retry_max: Duration::from_secs(60),
        }
    }
}

impl Schedule {
    /// The pause after `failures` failures in a row (at least 1).
    pub fn backoff(&self, failures: u32) -> Duration {
        let factor = 2u32.saturating_pow(failures.saturating_sub(1).min(16));
        self.retry_first.saturating_mul(factor).min(self.retry_max)
    }
}

#[derive(Debug)]
enum Command {
    SyncNow,
    Stop,
}

/// What the thread syncs with.
pub struct Remote {
    pub transport: Box<dyn Transport + Send>,
    /// A token is configured (fetch the user's documents).
    pub authenticated: bool,
    pub schedule: Schedule,
}

impl std::fmt::Debug for Remote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Remote").field("server", &self.transport.server()).finish_non_exhaustive()
    }
}

/// A handle on the cache thread.
#[derive(Debug)]
pub struct SyncThread {
    commands: Sender<Command>,
    done: Receiver<()>,
    handle: Option<JoinHandle<()>>,
}

impl SyncThread {
    /// Starts the thread: it loads the cache ([`AppEvent::Loaded`]), then,
    /// with a `remote`, syncs at once. `clock` gives "now".
    ///
    /// # Errors
    /// When the thread cannot be started.
    pub fn spawn(
        cache: Cache,
        remote: Option<Remote>,
        events: Sender<AppEvent>,
        clock: fn() -> Timestamp,
    ) -> std::io::Result<Self> {
        let (commands, inbox) = mpsc::channel();
        let (finished, done) = mpsc::channel();
        let handle = std::thread::Builder::new().name("cache".to_owned()).spawn(move || {
            run(cache, remote, &events, &inbox, clock);
            let _ = finished.send(());
        })?;
        Ok(SyncThread { commands, done, handle: Some(handle) })
    }

    /// Asks for a sync now (requests made during a sync make one more).
    pub fn sync_now(&self) {
        let _ = self.commands.send(Command::SyncNow);
    }

    /// Asks the thread to stop and waits for it up to `patience`; a sync
    /// stuck on the network is abandoned (its transaction never commits).
    pub fn stop(mut self, patience: Duration) {
        let _ = self.commands.send(Command::Stop);
        if self.done.recv_timeout(patience).is_ok()
            && let Some(handle) = self.handle.take()
        {
            let _ = handle.join();
        }
    }
}

fn run(
    mut cache: Cache,
    remote: Option<Remote>,
    events: &Sender<AppEvent>,
    inbox: &Receiver<Command>,
    clock: fn() -> Timestamp,
) {
    let data = match Dataset::load(&cache) {
        Ok(data) => data,
        Err(e) => {
            let recovered = recover(cache, &e);
            let mut empty = Dataset::empty(Origin::Server { url: None });
            let Some((fresh, message)) = recovered else {
                empty.problems.push(format!("the cache is unusable and SQLite cannot work in memory: {e}"));
                let _ = events.send(AppEvent::Loaded(Box::new(empty)));
                return;
            };
            cache = fresh;
            empty.problems.push(message);
            empty
        }
    };
    if events.send(AppEvent::Loaded(Box::new(data))).is_err() {
        return;
    }
    let Some(remote) = remote else {
        // Offline: nothing more to do but wait to be stopped.
        while let Ok(Command::SyncNow) = inbox.recv() {}
        return;
    };
    let mut failures = 0u32;
    let mut next = Instant::now();
    loop {
        match inbox.recv_timeout(next.saturating_duration_since(Instant::now())) {
            Ok(Command::Stop) | Err(RecvTimeoutError::Disconnected) => return,
            Ok(Command::SyncNow) | Err(RecvTimeoutError::Timeout) => {}
        }
        // Requests that piled up during the wait are one sync.
        loop {
            match inbox.try_recv() {
                Ok(Command::Stop) => return,
                Ok(Command::SyncNow) => {}
                Err(_) => break,
            }
        }
        if events.send(AppEvent::SyncStarted).is_err() {
            return;
        }
        let now = clock();
        let outcome = sync::run(&mut cache, remote.transport.as_ref(), remote.authenticated, now)
            .and_then(|report| ready(&mut cache, report.generation, now));
        let schedule = remote.schedule;
        let delay = match &outcome {
            Ok(_) => {
                failures = 0;
                schedule.refresh
            }
            Err(e) => {
                failures += 1;
                if e.is_transient() { schedule.backoff(failures) } else { schedule.retry_max.max(schedule.refresh) }
            }
        };
        next = Instant::now() + delay;
        let event = match outcome {
            Ok(data) => SyncOutcome::Synced(Box::new(data)),
            Err(e) => SyncOutcome::Failed(Failure {
                unreachable: matches!(e, SyncError::Unreachable { .. }),
                message: e.to_string(),
                at: now,
                retry_at: SignedDuration::try_from(delay).ok().and_then(|d| now.checked_add(d).ok()),
            }),
        };
        if events.send(AppEvent::SyncFinished(event)).is_err() {
            return;
        }
    }
}

/// After a sync: the data as the interface will show it, and the badge
/// list stored for the next start's first frame.
///
/// # Errors
/// The cache could not be read back.
pub fn ready(cache: &mut Cache, generation: u64, now: Timestamp) -> Result<Dataset, SyncError> {
    let mut data = Dataset::load(cache).map_err(|e| match e {
        LoadError::Cache(e) => SyncError::Cache(e),
        LoadError::Damaged(reason) => SyncError::BadResponse { path: "the cache after a sync", reason },
    })?;
    let board = Board::build(&data, now, u64::MAX);
    if let Err(e) = cache.store_board(generation, &board.badges) {
        // Only the next start's first frame is slower for it.
        data.problems.push(format!("the badge list could not be cached: {e}"));
    }
    Ok(data)
}

/// What the first frame draws, read from the cache on the interface thread
/// before the sync thread starts: who and when, and the list as last shown.
#[derive(Debug)]
pub struct FirstFrame {
    /// The cache to hand to the sync thread (a new one if it was rebuilt).
    pub cache: Cache,
    pub header: Dataset,
    pub board: Vec<crate::badges::Badge>,
    /// Why the cache was rebuilt or could not be read, for the user.
    pub notice: Option<String>,
}

/// Reads the first frame; a damaged cache (a damaged list included) is
/// rebuilt exactly as when the full load finds damage, so nothing damaged
/// is ever drawn.
///
/// # Errors
/// Only when the cache is unusable and SQLite cannot work in memory either.
pub fn first_frame(cache: Cache, origin: Origin) -> Result<FirstFrame, LoadError> {
    let read = Dataset::load_header(&cache).and_then(|header| Ok((header, cache.board()?)));
    match read {
        Ok((header, board)) => Ok(FirstFrame { cache, header, board: board.unwrap_or_default(), notice: None }),
        Err(e) => match recover(cache, &e) {
            Some((cache, notice)) => {
                Ok(FirstFrame { cache, header: Dataset::empty(origin), board: vec![], notice: Some(notice) })
            }
            None => Err(e),
        },
    }
}

/// A cache whose content cannot be read is replaced by an empty one (or
/// one in memory, if even that fails), with a message saying so. `None`
/// when SQLite cannot even work in memory.
fn recover(cache: Cache, error: &LoadError) -> Option<(Cache, String)> {
    let reason = error.to_string();
    if !error.is_damage() {
        return Some((cache, format!("the cache could not be read: {reason}")));
    }
    match cache.recover(reason) {
        Ok((fresh, rebuilt)) => Some((fresh, rebuilt.to_string())),
        Err(e) => Cache::open_in_memory().ok().map(|memory| (memory, format!("{e}; running without an offline cache"))),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::sync::{Response, Unreachable};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct Flaky {
        calls: Arc<AtomicUsize>,
    }

    impl Transport for Flaky {
        fn server(&self) -> &str {
            "http://flaky"
        }
        fn get(&self, path: &str, _: Option<&str>) -> Result<Response, Unreachable> {
            let n = self.calls.fetch_add(1, Ordering::SeqCst);
            if n == 0 {
                return Err(Unreachable("connection refused".to_owned()));
            }
            let body = match path {
                "/api/v1/achievements/catalog/" => achievements_core::SHIPPED_CATALOG_JSON.to_owned(),
                "/api/v1/me/" => r#"{"name":"ann"}"#.to_owned(),
                _ => r#"{"results":[]}"#.to_owned(),
            };
            Ok(Response { status: 200, etag: None, body })
        }
    }

    fn clock() -> Timestamp {
        Timestamp::UNIX_EPOCH
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let s = Schedule::default();
        let secs: Vec<u64> = (1..=7).map(|n| s.backoff(n).as_secs()).collect();
        assert_eq!(secs, [2, 4, 8, 16, 32, 60, 60]);
        assert_eq!(s.backoff(u32::MAX).as_secs(), 60);
    }

    #[test]
    fn loads_fails_retries_then_succeeds_and_caches_the_list() {
        let (tx, rx) = mpsc::channel();
        let schedule = Schedule {
            refresh: Duration::from_secs(3600),
            retry_first: Duration::from_millis(10),
            retry_max: Duration::from_millis(10),
        };
        let calls = Arc::new(AtomicUsize::new(0));
        let remote = Remote { transport: Box::new(Flaky { calls: Arc::clone(&calls) }), authenticated: true, schedule };
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.sqlite");
        let (cache, _) = Cache::open(&path).unwrap();
        let thread = SyncThread::spawn(cache, Some(remote), tx, clock).unwrap();
        let wait = Duration::from_secs(10);
        match rx.recv_timeout(wait).unwrap() {
            AppEvent::Loaded(data) => assert!(data.is_empty()),
            other => panic!("{other:?}"),
        }
        assert!(matches!(rx.recv_timeout(wait).unwrap(), AppEvent::SyncStarted));
        match rx.recv_timeout(wait).unwrap() {
            AppEvent::SyncFinished(SyncOutcome::Failed(f)) => {
                assert!(f.unreachable);
                assert!(f.message.contains("connection refused"), "{}", f.message);
                assert!(f.retry_at.is_some());
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(rx.recv_timeout(wait).unwrap(), AppEvent::SyncStarted));
        match rx.recv_timeout(wait).unwrap() {
            AppEvent::SyncFinished(SyncOutcome::Synced(data)) => {
                assert_eq!(data.user.as_ref().unwrap().name, "ann");
                assert!(data.rules.is_some());
            }
            other => panic!("{other:?}"),
        }
        // On request, at once (the refresh is an hour away).
        thread.sync_now();
        assert!(matches!(rx.recv_timeout(wait).unwrap(), AppEvent::SyncStarted));
        assert!(matches!(rx.recv_timeout(wait).unwrap(), AppEvent::SyncFinished(SyncOutcome::Synced(_))));
        thread.stop(wait);
        // The list the next start draws first.
        let (cache, _) = Cache::open(&path).unwrap();
        let board = cache.board().unwrap().unwrap();
        assert_eq!(board.len(), 23);
        assert_eq!(board[0].name, "First Launch");
    }

    /// A damaged row of the cached list (an unknown category, a time that
    /// does not parse) rebuilds the cache before the first frame: the old
    /// file is moved aside and nothing of it is drawn — no badge in a
    /// default category, none dated 1970.
    #[test]
    fn a_damaged_cached_list_rebuilds_the_cache_before_the_first_frame() {
        for damage in ["UPDATE board SET category = 'duels'", "UPDATE board SET earned_at = 'not a time'"] {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("cache.sqlite");
            let (mut cache, _) = Cache::open(&path).unwrap();
            let commit = ann_commit(vec![], vec!["first_project".to_owned()]);
            let generation = cache.commit(&commit).unwrap();
            let badge = crate::badges::Badge {
                earned: Some(crate::badges::Earned { at: commit.at, value_at_unlock: None, cause: None }),
                ..test_badge()
            };
            cache.store_board(generation, &[badge]).unwrap();
            drop(cache);
            rusqlite::Connection::open(&path).unwrap().execute_batch(damage).unwrap();

            let (cache, rebuilt) = Cache::open(&path).unwrap();
            assert_eq!(rebuilt, None, "the metadata is fine: the damage is found when the list is read");
            let frame = first_frame(cache, Origin::Server { url: None }).unwrap();
            let notice = frame.notice.unwrap();
            assert!(notice.contains("moved to") && notice.contains("damaged"), "{damage}: {notice}");
            assert!(dir.path().join("cache.sqlite.broken").exists(), "{damage}");
            assert!(frame.board.is_empty(), "{damage}: nothing damaged is drawn");
            assert_eq!(frame.cache.meta().unwrap().generation, 0, "{damage}: a new cache");
        }
    }

    /// A sync of `ann` from `http://s` at a fixed time.
    fn ann_commit(
        documents: Vec<(crate::resource::Resource, crate::cache::Fetched)>,
        earned_keys: Vec<String>,
    ) -> crate::cache::Commit {
        crate::cache::Commit {
            server: "http://s".to_owned(),
            user: Some("ann".to_owned()),
            at: "2026-03-20T12:00:00Z".parse().unwrap(),
            documents,
            earned_keys,
            earned_extra: None,
            profile: None,
        }
    }

    fn test_badge() -> crate::badges::Badge {
        crate::badges::Badge {
            id: "first_project".to_owned(),
            kind: crate::badges::Kind::Listed,
            name: "First Launch".to_owned(),
            description: "d".to_owned(),
            icon: "faRocket".to_owned(),
            color_from: "blue-500".to_owned(),
            color_to: "blue-600".to_owned(),
            category: achievements_core::Category::Projects,
            points: 10,
            rarity: None,
            criteria: None,
            requires: vec![],
            progress: None,
            earned: None,
            is_new: false,
            rule: None,
        }
    }

    /// Damage found by the full load (a stored time that does not parse)
    /// rebuilds the cache the same way, with the same message.
    #[test]
    fn a_damaged_document_time_rebuilds_the_cache_on_load() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.sqlite");
        let (mut cache, _) = Cache::open(&path).unwrap();
        let me = crate::cache::Fetched::Body { body: r#"{"name":"ann"}"#.to_owned(), etag: None };
        let commit = ann_commit(vec![(crate::resource::Resource::Me, me)], vec![]);
        cache.commit(&commit).unwrap();
        drop(cache);
        rusqlite::Connection::open(&path)
            .unwrap()
            .execute_batch("UPDATE documents SET fetched_at = 'whenever'")
            .unwrap();
        let (cache, _) = Cache::open(&path).unwrap();
        let (tx, rx) = mpsc::channel();
        let thread = SyncThread::spawn(cache, None, tx, clock).unwrap();
        match rx.recv_timeout(Duration::from_secs(10)).unwrap() {
            AppEvent::Loaded(data) => {
                assert!(data.user.is_none(), "nothing of the damaged cache is shown");
                assert!(data.problems[0].contains("moved to"), "{:?}", data.problems);
                assert!(data.problems[0].contains("document `me` has the time `whenever`"), "{:?}", data.problems);
            }
            other => panic!("{other:?}"),
        }
        thread.stop(Duration::from_secs(10));
        assert!(dir.path().join("cache.sqlite.broken").exists());
    }

    #[test]
    fn offline_it_only_loads() {
        let (tx, rx) = mpsc::channel();
        let thread = SyncThread::spawn(Cache::open_in_memory().unwrap(), None, tx, clock).unwrap();
        assert!(matches!(rx.recv_timeout(Duration::from_secs(10)).unwrap(), AppEvent::Loaded(_)));
        thread.sync_now();
        thread.stop(Duration::from_secs(10));
        assert!(rx.try_recv().is_err(), "no sync without a server");
    }
}
