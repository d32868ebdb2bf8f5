//! The main loop: draw, wait for an event, let the app handle it (and any
//! that queued meanwhile), repeat. Generic over the ratatui backend, so
//! tests drive it with `TestBackend` and scripted events.

use crate::app::{App, Effect};
use crate::event::AppEvent;
use crate::ui;
use ratatui::Terminal;
use ratatui::backend::Backend;
use std::sync::mpsc::Receiver;

/// At most this many queued events are handled between two frames.
const BATCH: usize = 64;

/// How the loop ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// The user quit.
    Quit,
    /// Every event sender is gone.
    Disconnected,
}

/// Runs the interface until the user quits. `on_sync` is called when the
/// user asks for a sync (the caller forwards it to the sync thread).
///
/// # Errors
/// The backend's drawing errors.
pub fn run_loop<B: Backend>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    events: &Receiver<AppEvent>,
    mut on_sync: impl FnMut(),
) -> Result<Exit, B::Error> {
    loop {
        terminal.draw(|frame| ui::render(app, frame))?;
        let Ok(first) = events.recv() else { return Ok(Exit::Disconnected) };
        let mut next = Some(first);
        let mut handled = 0;
        while let Some(event) = next.take() {
            match app.on_event(event) {
                Effect::Quit => return Ok(Exit::Quit),
                Effect::Sync => on_sync(),
                Effect::None => {}
            }
            handled += 1;
            if handled < BATCH {
                next = events.try_recv().ok();
            }
        }
    }
}
