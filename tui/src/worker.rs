//! The sync thread: owns the cache and the HTTP transport, syncs at start,
//! then every few minutes, on request, and after a failure with growing
//! pauses; reports each outcome to the main loop as an [`AppEvent`]. The
//! interface thread never waits for the network or the disk.

use crate::cache::Cache;
use crate::dataset::Dataset;
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

/// A handle on the sync thread.
#[derive(Debug)]
pub struct SyncThread {
    commands: Sender<Command>,
    done: Receiver<()>,
    handle: Option<JoinHandle<()>>,
}

impl SyncThread {
    /// Starts the thread; it syncs at once. `clock` gives "now" for the
    /// cache's records.
    pub fn spawn(
        cache: Cache,
        transport: Box<dyn Transport + Send>,
        authenticated: bool,
        events: Sender<AppEvent>,
        schedule: Schedule,
        clock: fn() -> Timestamp,
    ) -> std::io::Result<Self> {
        let (commands, inbox) = mpsc::channel();
        let (finished, done) = mpsc::channel();
        let handle = std::thread::Builder::new().name("sync".to_owned()).spawn(move || {
            run(cache, transport.as_ref(), authenticated, &events, &inbox, schedule, clock);
            let _ = finished.send(());
        })?;
        Ok(SyncThread { commands, done, handle: Some(handle) })
    }

    /// Asks for a sync now (ignored while one runs: it is already fresh).
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
    transport: &dyn Transport,
    authenticated: bool,
    events: &Sender<AppEvent>,
    inbox: &Receiver<Command>,
    schedule: Schedule,
    clock: fn() -> Timestamp,
) {
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
        let outcome = sync::run(&mut cache, transport, authenticated, now)
            .and_then(|_| cache.contents().map_err(SyncError::from))
            .and_then(|contents| {
                Dataset::from_cache(&contents)
                    .map_err(|reason| SyncError::BadResponse { path: "the cache after a sync", reason })
            });
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
    fn fails_reports_retries_then_succeeds() {
        let (tx, rx) = mpsc::channel();
        let schedule = Schedule {
            refresh: Duration::from_secs(3600),
            retry_first: Duration::from_millis(10),
            retry_max: Duration::from_millis(10),
        };
        let calls = Arc::new(AtomicUsize::new(0));
        let thread = SyncThread::spawn(
            Cache::open_in_memory().unwrap(),
            Box::new(Flaky { calls: Arc::clone(&calls) }),
            true,
            tx,
            schedule,
            clock,
        )
        .unwrap();
        let wait = Duration::from_secs(10);
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
    }
}
