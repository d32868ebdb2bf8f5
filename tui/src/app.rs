//! The interface's state and how it changes: one [`App`], modes as an enum,
//! keys turned into [`Action`]s by the key map and applied by
//! [`App::update`]. Nothing here draws ([`crate::ui`] does, reading an
//! `App`) and nothing here does I/O: sync requests leave as an [`Effect`]
//! and results come back as [`AppEvent`]s.
//!
//! The list (tabs, filter, search, sort, selection) is in [`listing`], the
//! preview panel in [`preview`]; how many rows fit comes from
//! [`crate::layout`], which the renderer uses too.

mod listing;
mod preview;

pub use listing::{Filter, Sort, TABS};
pub use preview::{FieldChange, Preview, PreviewOutcome};

use crate::badges::{Badge, Board};
use crate::dataset::{Dataset, Notifications, Origin, Rules};
use crate::event::{AppEvent, Failure, SyncOutcome};
use crate::glyphs::Glyphs;
use crate::keymap::{self, Action, Context};
use crate::layout::{self, Panes};
use crate::palette::ColorMode;
use crate::time::CoreDate;
use achievements_core::Explanation;
use jiff::Timestamp;
use ratatui::crossterm::event::KeyEvent;

/// How things look: chosen at start-up.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Settings {
    pub glyphs: Glyphs,
    pub colors: ColorMode,
}

/// What the keyboard is doing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    Browse,
    /// The selected badge, full screen.
    Detail,
    /// Typing a search; the list filters as you type.
    Search,
    Preview(Preview),
    /// The key map; `offset` is its first line shown.
    Help {
        offset: usize,
    },
    Notifications {
        offset: usize,
    },
}

/// Where the data comes from, for the status line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Link {
    /// Local rules mode: files, no server.
    Local,
    /// `--offline`: the cache only.
    Offline,
    /// No server configured: the cache only.
    NoServer,
    /// Syncing with a server in the background.
    Server,
}

/// Sync progress as the interface knows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncStatus {
    pub link: Link,
    /// A sync is running now.
    pub running: bool,
    /// The last sync failed (cleared by the next success).
    pub failure: Option<Failure>,
}

/// A message in the status line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub text: String,
    pub warning: bool,
    /// Shown until then (`None`: until replaced).
    pub until: Option<Timestamp>,
}

/// What the main loop must do after an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    None,
    Quit,
    /// Ask the sync thread to sync now.
    Sync,
}

/// How long an informational notice stays.
const NOTICE_SECONDS: i64 = 12;

/// The whole interface state.
#[derive(Debug)]
pub struct App {
    data: Dataset,
    board: Board,
    now: Timestamp,
    /// The user's local date at `now`, in the core's zone (see `set_now`).
    today: Option<CoreDate>,
    /// The sync generation already seen when the app started.
    baseline: u64,
    settings: Settings,
    mode: Mode,
    /// 0 = all, 1.. = `Category::ALL[tab - 1]`.
    tab: usize,
    filter: Filter,
    sort: Sort,
    search: String,
    /// Indexes into `board.badges`, as listed.
    visible: Vec<usize>,
    selected: usize,
    offset: usize,
    size: (u16, u16),
    status: SyncStatus,
    notices: Vec<Notice>,
    /// The board is the list cached at the last sync, shown while the
    /// cache thread loads the data in full (no rules yet).
    loading: bool,
}

impl App {
    /// An app over `data` at `now`, for a terminal of `size` (columns, rows).
    pub fn new(data: Dataset, settings: Settings, link: Link, now: Timestamp, size: (u16, u16)) -> Self {
        let board = Board::build(&data, now, data.stamp.generation);
        Self::assemble(data, board, false, settings, link, now, size)
    }

    /// An app that shows `board` (the list cached at the last sync) until
    /// the data arrives in full as [`AppEvent::Loaded`]; `header` says
    /// who and when ([`Dataset::load_header`]).
    pub fn loading(
        header: Dataset,
        mut board: Board,
        settings: Settings,
        link: Link,
        now: Timestamp,
        size: (u16, u16),
    ) -> Self {
        let threshold = header.stamp.generation.max(header.stamp.reset_generation);
        board.mark_new(&header.first_seen, threshold);
        Self::assemble(header, board, true, settings, link, now, size)
    }

    fn assemble(
        data: Dataset,
        board: Board,
        loading: bool,
        settings: Settings,
        link: Link,
        now: Timestamp,
        size: (u16, u16),
    ) -> Self {
        let baseline = data.stamp.generation;
        let mut app = App {
            today: None,
            data,
            board,
            now,
            baseline,
            settings,
            mode: Mode::Browse,
            tab: 0,
            filter: Filter::All,
            sort: Sort::Catalog,
            search: String::new(),
            visible: vec![],
            selected: 0,
            offset: 0,
            size,
            status: SyncStatus { link, running: false, failure: None },
            notices: vec![],
            loading,
        };
        app.today = app.local_date(now);
        for problem in app.data.problems.clone() {
            app.warn(problem);
        }
        app.refresh();
        app
    }

    // ----- reading (for the renderer and tests) -----------------------

    pub fn data(&self) -> &Dataset {
        &self.data
    }

    pub fn board(&self) -> &Board {
        &self.board
    }

    pub fn now(&self) -> Timestamp {
        self.now
    }

    pub fn settings(&self) -> Settings {
        self.settings
    }

    pub fn mode(&self) -> &Mode {
        &self.mode
    }

    pub fn tab(&self) -> usize {
        self.tab
    }

    pub fn filter(&self) -> Filter {
        self.filter
    }

    pub fn sort(&self) -> Sort {
        self.sort
    }

    pub fn search(&self) -> &str {
        &self.search
    }

    pub fn size(&self) -> (u16, u16) {
        self.size
    }

    pub fn status(&self) -> &SyncStatus {
        &self.status
    }

    /// The cache is still being loaded (the list shown is the cached one).
    pub fn is_loading(&self) -> bool {
        self.loading
    }

    /// The badges listed, in order.
    pub fn visible(&self) -> impl ExactSizeIterator<Item = &Badge> {
        self.visible.iter().map(|&i| &self.board.badges[i])
    }

    pub fn visible_len(&self) -> usize {
        self.visible.len()
    }

    /// Position of the selection in the list.
    pub fn selected(&self) -> usize {
        self.selected
    }

    /// First list row shown.
    pub fn offset(&self) -> usize {
        self.offset
    }

    pub fn selected_badge(&self) -> Option<&Badge> {
        self.visible.get(self.selected).map(|&i| &self.board.badges[i])
    }

    /// The notice to show now, if any.
    pub fn notice(&self) -> Option<&Notice> {
        self.notices.iter().rev().find(|n| n.until.is_none_or(|until| self.now < until))
    }

    /// The core's account of a badge: blockers, prerequisites, progress.
    pub fn explain(&self, badge: &Badge) -> Option<Explanation> {
        let Rules { engine, state } = self.data.rules.as_ref()?;
        badge.rule?;
        engine.explain(state, &badge.id, crate::time::to_core(self.now))
    }

    /// The core's blockers for a badge at `now` (empty once earned, and
    /// when the core does not have its rule, e.g. before the catalog is
    /// compiled).
    pub fn blockers(&self, badge: &Badge) -> Vec<achievements_core::Blocker> {
        let (Some(Rules { engine, state }), Some(index)) = (self.data.rules.as_ref(), badge.rule) else {
            return Vec::new();
        };
        engine.blockers_at(state, index, crate::time::to_core(self.now))
    }

    /// A badge's time window in the user's local days at `now`, from the
    /// core (`None` without a window, or without the rule).
    pub fn window(&self, badge: &Badge) -> Option<achievements_core::LocalWindow> {
        let Rules { engine, state } = self.data.rules.as_ref()?;
        engine.local_window_at(state, badge.rule?, crate::time::to_core(self.now))
    }

    /// Where the keyboard is.
    pub fn context(&self) -> Context {
        match self.mode {
            Mode::Browse => Context::Browse,
            Mode::Detail => Context::Detail,
            Mode::Search => Context::Search,
            Mode::Preview(_) => Context::Preview,
            Mode::Help { .. } => Context::Help,
            Mode::Notifications { .. } => Context::Notifications,
        }
    }

    /// What the layout depends on besides the terminal's size.
    pub fn panes(&self) -> Panes {
        Panes {
            banner: self.status.failure.is_some() || self.notice().is_some(),
            detail_only: self.mode == Mode::Detail,
        }
    }

    /// How many badges the list shows at the app's current size.
    pub fn list_rows(&self) -> usize {
        layout::list_rows(self.size, self.panes())
    }

    // ----- changing ----------------------------------------------------

    /// Adds an informational message to the status line.
    pub fn inform(&mut self, text: impl Into<String>) {
        let until = self.now.checked_add(jiff::SignedDuration::from_secs(NOTICE_SECONDS)).ok();
        self.notices.push(Notice { text: text.into(), warning: false, until });
    }

    /// Adds a warning that stays until replaced.
    pub fn warn(&mut self, text: impl Into<String>) {
        self.notices.push(Notice { text: text.into(), warning: true, until: None });
    }

    /// Handles one event from the main loop.
    pub fn on_event(&mut self, event: AppEvent) -> Effect {
        match event {
            AppEvent::Key(key) => {
                let action = self.handle_key(&key);
                self.update(action)
            }
            AppEvent::Tick(now) => {
                self.set_now(now);
                Effect::None
            }
            AppEvent::Resize(columns, rows) => {
                self.size = (columns, rows);
                self.scroll_to_selection();
                Effect::None
            }
            AppEvent::Loaded(data) => {
                self.loading = false;
                self.replace_data(*data, false);
                Effect::None
            }
            AppEvent::SyncStarted => {
                self.status.running = true;
                Effect::None
            }
            AppEvent::SyncFinished(outcome) => {
                self.status.running = false;
                match outcome {
                    SyncOutcome::Synced(data) => self.replace_data(*data, true),
                    SyncOutcome::Failed(failure) => self.status.failure = Some(failure),
                }
                Effect::None
            }
        }
    }

    /// What a key means now (the key map, read in the current context).
    pub fn handle_key(&self, key: &KeyEvent) -> Action {
        keymap::action(self.context(), key)
    }

    /// Carries out an action.
    pub fn update(&mut self, action: Action) -> Effect {
        match action {
            Action::Quit => return Effect::Quit,
            Action::Sync => {
                return match self.status.link {
                    Link::Server => {
                        self.inform("Syncing…");
                        Effect::Sync
                    }
                    Link::Local => {
                        self.inform("Local rules mode: there is no server to sync with.");
                        Effect::None
                    }
                    Link::Offline | Link::NoServer => {
                        self.inform("Offline: start without --offline (and with a server) to sync.");
                        Effect::None
                    }
                };
            }
            _ => {}
        }
        match std::mem::replace(&mut self.mode, Mode::Browse) {
            Mode::Browse => self.browse(action),
            Mode::Detail => self.detail(action),
            Mode::Search => self.searching(action),
            Mode::Preview(preview) => self.previewing(preview, action),
            Mode::Help { offset } => {
                self.mode = match action {
                    Action::Back | Action::Help => Mode::Browse,
                    Action::Up => Mode::Help { offset: offset.saturating_sub(1) },
                    Action::Down => Mode::Help { offset: (offset + 1).min(layout::help_lines().saturating_sub(1)) },
                    _ => Mode::Help { offset },
                }
            }
            Mode::Notifications { offset } => self.notifications(offset, action),
        }
        Effect::None
    }

    fn browse(&mut self, action: Action) {
        if self.navigate(action) {
            return;
        }
        match action {
            Action::NextTab => self.set_tab((self.tab + 1) % TABS),
            Action::PrevTab => self.set_tab((self.tab + TABS - 1) % TABS),
            Action::Tab(n) => self.set_tab(usize::from(n).min(TABS - 1)),
            Action::Open if self.selected_badge().is_some() => self.mode = Mode::Detail,
            Action::Search => self.mode = Mode::Search,
            Action::Back if !self.search.is_empty() => {
                self.search.clear();
                self.refresh();
            }
            Action::CycleFilter => {
                self.filter = self.filter.next();
                self.refresh();
            }
            Action::CycleSort => {
                self.sort = self.sort.next();
                self.refresh();
                self.selected = 0;
                self.scroll_to_selection();
            }
            Action::Preview => self.open_preview(),
            Action::Notifications => self.mode = Mode::Notifications { offset: 0 },
            Action::Help => self.mode = Mode::Help { offset: 0 },
            _ => {}
        }
    }

    fn detail(&mut self, action: Action) {
        self.mode = Mode::Detail;
        match action {
            Action::Back => self.mode = Mode::Browse,
            Action::Up | Action::Down => {
                self.navigate(action);
            }
            Action::Preview => self.open_preview(),
            Action::Help => self.mode = Mode::Help { offset: 0 },
            _ => {}
        }
    }

    fn searching(&mut self, action: Action) {
        self.mode = Mode::Search;
        match action {
            Action::Input(c) => {
                self.search.push(c);
                self.refresh();
            }
            Action::Backspace => {
                self.search.pop();
                self.refresh();
            }
            Action::Submit => self.mode = Mode::Browse,
            Action::Back => {
                self.search.clear();
                self.mode = Mode::Browse;
                self.refresh();
            }
            Action::Up | Action::Down => {
                self.navigate(action);
            }
            _ => {}
        }
    }

    fn notifications(&mut self, offset: usize, action: Action) {
        let count = match &self.data.notifications {
            Notifications::List(list) => list.len(),
            _ => 0,
        };
        self.mode = match action {
            Action::Back => Mode::Browse,
            Action::Up => Mode::Notifications { offset: offset.saturating_sub(1) },
            Action::Down => Mode::Notifications { offset: (offset + 1).min(count.saturating_sub(1)) },
            _ => Mode::Notifications { offset },
        };
    }

    fn set_now(&mut self, now: Timestamp) {
        self.now = now;
        // Streak progress reads "as of today": recompute when the day turns
        // in the user's zone — the core's, which counts the streak days.
        let today = self.local_date(now);
        if today != self.today {
            self.today = today;
            self.rebuild();
        }
    }

    fn local_date(&self, at: Timestamp) -> Option<CoreDate> {
        self.data.user.as_ref().and_then(|u| crate::time::local_date(at, &u.timezone))
    }

    /// New data: loaded at start-up, or `synced` (which ends an offline
    /// spell).
    fn replace_data(&mut self, data: Dataset, synced: bool) {
        let was_new: std::collections::HashSet<String> =
            self.board.badges.iter().filter(|b| b.is_new).map(|b| b.id.clone()).collect();
        let problems_before = std::mem::take(&mut self.data.problems);
        self.data = data;
        if synced {
            self.status.failure = None;
        }
        for problem in self.data.problems.clone() {
            if !problems_before.contains(&problem) {
                self.warn(problem);
            }
        }
        self.rebuild();
        let fresh: Vec<&str> = self
            .board
            .badges
            .iter()
            .filter(|b| b.is_new && !was_new.contains(&b.id))
            .map(|b| b.name.as_str())
            .collect();
        if !fresh.is_empty() {
            let mark = self.settings.glyphs.new_mark();
            let text = match fresh.as_slice() {
                [one] => format!("{mark} New badge: {one}!"),
                many => format!("{mark} {} new badges: {}", many.len(), many.join(", ")),
            };
            self.inform(text);
        }
    }

    fn rebuild(&mut self) {
        if self.loading {
            return; // the cached list stays until the data arrives
        }
        self.board = Board::build(&self.data, self.now, self.baseline);
        self.refresh();
    }

    /// Local rules mode, or a server?
    pub fn origin(&self) -> &Origin {
        &self.data.origin
    }
}
