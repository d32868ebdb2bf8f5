//! The interface's state and how it changes: one [`App`], modes as an enum,
//! keys turned into [`Action`]s by the key map and applied by
//! [`App::update`]. Nothing here draws ([`crate::ui`] does, reading an
//! `App`) and nothing here does I/O: sync requests leave as an [`Effect`]
//! and results come back as [`AppEvent`]s.

use crate::badges::{Badge, Board, Kind};
use crate::dataset::{Dataset, Notifications, Origin, Rules};
use crate::event::{AppEvent, Failure, SyncOutcome};
use crate::glyphs::Glyphs;
use crate::keymap::{self, Action, Context};
use crate::palette::ColorMode;
use crate::time::CoreDate;
use crate::ui;
use achievements_core::{Category, Event, Explanation, Rarity};
use jiff::Timestamp;
use ratatui::crossterm::event::KeyEvent;
use std::cmp::Reverse;

/// How things look: chosen at start-up.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Settings {
    pub glyphs: Glyphs,
    pub colors: ColorMode,
}

/// Which badges the list shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Filter {
    #[default]
    All,
    Earned,
    Locked,
}

impl Filter {
    fn next(self) -> Self {
        match self {
            Filter::All => Filter::Earned,
            Filter::Earned => Filter::Locked,
            Filter::Locked => Filter::All,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Filter::All => "all",
            Filter::Earned => "earned",
            Filter::Locked => "locked",
        }
    }

    fn accepts(self, badge: &Badge) -> bool {
        match self {
            Filter::All => true,
            Filter::Earned => badge.is_earned(),
            Filter::Locked => !badge.is_earned(),
        }
    }
}

/// The list's order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Sort {
    /// The catalog's: category, then each badge's `order`.
    #[default]
    Catalog,
    /// Closest to unlocking first, earned ones after.
    Progress,
    /// Rarest first.
    Rarity,
    Name,
    /// Most recently earned first.
    Recent,
}

impl Sort {
    fn next(self) -> Self {
        match self {
            Sort::Catalog => Sort::Progress,
            Sort::Progress => Sort::Rarity,
            Sort::Rarity => Sort::Name,
            Sort::Name => Sort::Recent,
            Sort::Recent => Sort::Catalog,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Sort::Catalog => "catalog",
            Sort::Progress => "progress",
            Sort::Rarity => "rarity",
            Sort::Name => "name",
            Sort::Recent => "recent",
        }
    }
}

/// The "what would unlock?" panel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Preview {
    /// The catalog's event types, sorted.
    pub events: Vec<String>,
    pub event: usize,
    /// The value as typed; empty means "no value" (an `add` counts 1).
    pub value: String,
    pub outcome: PreviewOutcome,
}

/// What the core answered for the previewed event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PreviewOutcome {
    /// It would be accepted: the fields it changes and the badges it
    /// unlocks (ids, cascades included, in unlock order).
    Accepted { changes: Vec<FieldChange>, unlocks: Vec<String> },
    /// The core would refuse it, and why.
    Refused(String),
    /// No catalog the core can run.
    Unavailable,
}

/// A tracking field before and after a previewed event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldChange {
    pub field: String,
    pub before: i64,
    pub after: i64,
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

/// The number of tabs: "All" and one per category.
pub const TABS: usize = Category::ALL.len() + 1;

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

    /// The category of a tab (`None` for "All").
    pub fn tab_category(tab: usize) -> Option<Category> {
        tab.checked_sub(1).and_then(|i| Category::ALL.get(i).copied())
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
                    Action::Down => Mode::Help { offset: (offset + 1).min(ui::help_lines(self).saturating_sub(1)) },
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

    fn previewing(&mut self, mut preview: Preview, action: Action) {
        let count = preview.events.len().max(1);
        match action {
            Action::Back => return,
            Action::NextEvent => preview.event = (preview.event + 1) % count,
            Action::PrevEvent => preview.event = (preview.event + count - 1) % count,
            Action::Increase | Action::Decrease => {
                let value = preview.value.parse::<i64>().unwrap_or(0);
                let value = if action == Action::Increase { value.saturating_add(1) } else { value.saturating_sub(1) };
                preview.value = value.to_string();
            }
            Action::Input(c) if preview.value.len() < 18 => {
                if preview.value == "0" {
                    preview.value.clear();
                }
                preview.value.push(c);
            }
            Action::Backspace => {
                preview.value.pop();
            }
            _ => {}
        }
        preview.outcome = self.preview_outcome(&preview);
        self.mode = Mode::Preview(preview);
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

    /// List movement shared by the modes that show the list. True if the
    /// action was one.
    fn navigate(&mut self, action: Action) -> bool {
        let last = self.visible.len().saturating_sub(1);
        let page = ui::list_rows(self).max(1);
        self.selected = match action {
            Action::Up => self.selected.saturating_sub(1),
            Action::Down => (self.selected + 1).min(last),
            Action::PageUp => self.selected.saturating_sub(page),
            Action::PageDown => (self.selected + page).min(last),
            Action::Top => 0,
            Action::Bottom => last,
            _ => return false,
        };
        self.scroll_to_selection();
        true
    }

    fn set_tab(&mut self, tab: usize) {
        if tab != self.tab {
            self.tab = tab;
            self.selected = 0;
            self.offset = 0;
            self.refresh();
        }
    }

    fn open_preview(&mut self) {
        if self.loading {
            self.inform("The rules are still loading: try p again in a moment.");
            return;
        }
        let events: Vec<String> =
            self.data.rules.as_ref().map(|r| r.engine.catalog().events.keys().cloned().collect()).unwrap_or_default();
        let mut preview = Preview { events, event: 0, value: "1".to_owned(), outcome: PreviewOutcome::Unavailable };
        preview.outcome = self.preview_outcome(&preview);
        self.mode = Mode::Preview(preview);
    }

    /// Asks the core what the previewed event would do to the user's state.
    fn preview_outcome(&self, preview: &Preview) -> PreviewOutcome {
        let Some(Rules { engine, state }) = &self.data.rules else { return PreviewOutcome::Unavailable };
        let Some(event_type) = preview.events.get(preview.event) else { return PreviewOutcome::Unavailable };
        let value = match preview.value.as_str() {
            "" => None,
            text => match text.parse::<i64>() {
                Ok(v) => Some(v),
                Err(_) => return PreviewOutcome::Refused(format!("`{text}` is not a whole number")),
            },
        };
        let event = Event { event_type, value, at: crate::time::to_core(self.now) };
        let mut after = state.clone();
        match engine.apply(&mut after, &event) {
            Ok(unlocks) => {
                let fields =
                    engine.catalog().events.get(event_type).into_iter().flatten().flat_map(|effect| {
                        std::iter::once(effect.field.as_str()).chain(effect.longest_field.as_deref())
                    });
                let changes = fields
                    .map(|field| FieldChange {
                        field: field.to_owned(),
                        before: engine.stat(state, field),
                        after: engine.stat(&after, field),
                    })
                    .collect();
                PreviewOutcome::Accepted { changes, unlocks: unlocks.into_iter().map(|u| u.key).collect() }
            }
            Err(e) => PreviewOutcome::Refused(e.to_string()),
        }
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

    /// Recomputes the listed badges (tab, filter, search, sort), keeping the
    /// selected badge selected when it is still listed.
    fn refresh(&mut self) {
        let keep = self.selected_badge().map(|b| b.id.clone());
        let category = Self::tab_category(self.tab);
        let query = self.search.to_lowercase();
        let badges = &self.board.badges;
        let mut visible: Vec<usize> = (0..badges.len())
            .filter(|&i| {
                let b = &badges[i];
                category.is_none_or(|c| b.category == c) && self.filter.accepts(b) && matches(b, &query)
            })
            .collect();
        sort(&mut visible, badges, self.sort);
        self.visible = visible;
        let last = self.visible.len().saturating_sub(1);
        self.selected = keep
            .and_then(|id| self.visible.iter().position(|&i| badges[i].id == id))
            .unwrap_or(self.selected.min(last));
        self.scroll_to_selection();
    }

    fn scroll_to_selection(&mut self) {
        let rows = ui::list_rows(self).max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + rows {
            self.offset = self.selected + 1 - rows;
        }
        self.offset = self.offset.min(self.visible.len().saturating_sub(rows));
    }

    /// Local rules mode, or a server?
    pub fn origin(&self) -> &Origin {
        &self.data.origin
    }
}

/// Case-insensitive search in what may be shown of a badge.
fn matches(badge: &Badge, query: &str) -> bool {
    if query.is_empty() {
        return true;
    }
    if badge.kind == Kind::Hidden {
        return "???".contains(query) || "secret".contains(query);
    }
    let hit = |text: &str| text.to_lowercase().contains(query);
    hit(&badge.name) || hit(&badge.description) || badge.criteria.as_deref().is_some_and(hit) || hit(&badge.id)
}

fn sort(visible: &mut [usize], badges: &[Badge], sort: Sort) {
    let hidden = |b: &Badge| b.kind == Kind::Hidden;
    match sort {
        Sort::Catalog => {}
        Sort::Progress => visible.sort_by_key(|&i| {
            let b = &badges[i];
            (hidden(b), b.is_earned(), Reverse(b.percent()))
        }),
        Sort::Rarity => visible.sort_by_key(|&i| {
            let b = &badges[i];
            (hidden(b), Reverse(b.rarity.map_or(0, rarity_rank)))
        }),
        Sort::Name => visible.sort_by_cached_key(|&i| {
            let b = &badges[i];
            (hidden(b), b.name.to_lowercase())
        }),
        Sort::Recent => visible.sort_by_key(|&i| {
            let b = &badges[i];
            (hidden(b), b.earned.is_none(), Reverse(b.earned.as_ref().map(|e| e.at)))
        }),
    }
}

fn rarity_rank(rarity: Rarity) -> usize {
    Rarity::ALL.iter().position(|r| *r == rarity).map_or(0, |p| p + 1)
}
