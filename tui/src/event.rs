//! The closed set of events the main loop handles, and the thread that
//! turns the terminal's input into them.

use crate::dataset::Dataset;
use jiff::Timestamp;
use ratatui::crossterm::event::{self as term, KeyEvent, KeyEventKind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Everything that can happen to the interface.
#[derive(Debug)]
pub enum AppEvent {
    Key(KeyEvent),
    /// Time passes (about once a second): relative times, notices, streaks.
    Tick(Timestamp),
    /// The terminal's new size (columns, rows).
    Resize(u16, u16),
    /// The cache, loaded in full by the cache thread at start-up (the
    /// first frame may have drawn the list cached with it meanwhile).
    Loaded(Box<Dataset>),
    /// The sync thread started a sync.
    SyncStarted,
    SyncFinished(SyncOutcome),
}

/// How a background sync ended.
#[derive(Debug)]
pub enum SyncOutcome {
    /// The cache was updated; here is what it now holds.
    Synced(Box<Dataset>),
    Failed(Failure),
}

/// A failed sync, for the offline banner.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub message: String,
    /// The server could not be reached at all (as opposed to answering
    /// with an error).
    pub unreachable: bool,
    pub at: Timestamp,
    /// When the sync thread will try again by itself.
    pub retry_at: Option<Timestamp>,
}

/// Reads keys and resizes from the terminal and sends ticks, until stopped.
#[derive(Debug)]
pub struct InputThread {
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

impl InputThread {
    /// Starts reading. Only key presses are forwarded (not releases).
    pub fn spawn(events: Sender<AppEvent>, tick: Duration) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let handle = std::thread::Builder::new()
            .name("input".to_owned())
            .spawn(move || {
                let mut last_tick = Instant::now();
                while !flag.load(Ordering::Relaxed) {
                    let wait = tick.saturating_sub(last_tick.elapsed()).min(Duration::from_millis(100));
                    let event = match term::poll(wait) {
                        Ok(true) => match term::read() {
                            Ok(term::Event::Key(key)) if key.kind != KeyEventKind::Release => Some(AppEvent::Key(key)),
                            Ok(term::Event::Resize(columns, rows)) => Some(AppEvent::Resize(columns, rows)),
                            Ok(_) => None,
                            Err(_) => break,
                        },
                        Ok(false) => None,
                        Err(_) => break,
                    };
                    if let Some(event) = event
                        && events.send(event).is_err()
                    {
                        break;
                    }
                    if last_tick.elapsed() >= tick {
                        last_tick = Instant::now();
                        if events.send(AppEvent::Tick(Timestamp::now())).is_err() {
                            break;
                        }
                    }
                }
            })
            .ok();
        InputThread { stop, handle }
    }

    /// Stops reading and waits for the thread (at most one poll interval).
    pub fn stop(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(handle) = self.handle.take() {
            let _ = handle.join();
        }
    }
}
