//! Shared test fixtures: a fixed "now", a user's state built by the core,
//! the server's documents for it (shaped like `achievements serve` sends
//! them), a fake transport serving them, and helpers to draw an `App` on a
//! `TestBackend`.

#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use achievements_core::{Engine, Event, SHIPPED_CATALOG_JSON, UserState, ValidCatalog, describe_criteria, time_zone};
use achievements_tui::app::{App, Link, Settings};
use achievements_tui::cache::Cache;
use achievements_tui::dataset::Dataset;
use achievements_tui::event::AppEvent;
use achievements_tui::glyphs::Glyphs;
use achievements_tui::palette::ColorMode;
use achievements_tui::resource::Resource;
use achievements_tui::sync::{self, Response, Transport, Unreachable};
use jiff::{SignedDuration, Timestamp};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde_json::{Value, json};
use std::cell::Cell;
use std::collections::BTreeMap;

/// The fixed "now" of every test.
pub const NOW: &str = "2026-03-20T12:00:00Z";

pub fn now() -> Timestamp {
    NOW.parse().unwrap()
}

pub fn days_ago(days: i64, hour: i64) -> Timestamp {
    now() - SignedDuration::from_hours(24 * days) + SignedDuration::from_hours(hour - 12)
}

pub fn shipped() -> ValidCatalog {
    achievements_core::load_catalog(SHIPPED_CATALOG_JSON).unwrap().catalog
}

/// A keen user (Europe/Paris): 14 days of logins (which earns the secret
/// `unbroken`), six projects, battles, some help. `extra` events come on top.
pub fn state(engine: &Engine, extra: &[(&str, Option<i64>, Timestamp)]) -> UserState {
    let mut state = engine.new_state(time_zone("Europe/Paris").unwrap());
    let mut events: Vec<(&str, Option<i64>, Timestamp)> = Vec::new();
    for day in (2..16).rev() {
        events.push(("login", None, days_ago(day, 9)));
    }
    for day in [15, 12, 9, 7, 5, 3] {
        events.push(("project_created", None, days_ago(day, 10)));
    }
    events.push(("project_published", None, days_ago(6, 11)));
    for day in [8, 6, 4] {
        events.push(("battle_participated", None, days_ago(day, 14)));
    }
    events.push(("battle_won", None, days_ago(4, 15)));
    events.push(("community_help", Some(3), days_ago(3, 16)));
    events.push(("stars_received", Some(42), days_ago(2, 17)));
    events.extend_from_slice(extra);
    for (event_type, value, at) in events {
        engine.apply(&mut state, &Event { event_type, value, at: at.into() }).unwrap();
    }
    state
}

/// The server's documents for a user, built as `achievements serve` builds
/// them: the public catalog, `me/` (secrets under placeholder ids), the
/// listing with progress and the earned list (secrets revealed).
pub struct Documents {
    pub catalog: String,
    pub me: String,
    pub achievements: String,
    pub earned: String,
    pub notifications: Option<String>,
}

pub fn documents(engine: &Engine, state: &UserState, at: Timestamp) -> Documents {
    let catalog = engine.catalog();
    let public = catalog.public_view();
    let mut snapshot = engine.snapshot(state);
    snapshot.earned =
        snapshot.earned.into_iter().map(|(k, r)| (public.placeholder_of.get(&k).cloned().unwrap_or(k), r)).collect();
    let item = |index: usize| -> Value {
        let def = &catalog.achievements[index];
        let progress = engine.progress_at(state, index, at.into());
        let earned = engine.earned(state, &def.key);
        let requires: Vec<String> = def
            .requires_achievements
            .iter()
            .map(|k| match catalog.definition(k) {
                Some(d) if d.is_secret && engine.earned(state, k).is_none() => public.placeholder_of[k].clone(),
                _ => k.clone(),
            })
            .collect();
        json!({
            "key": def.key, "name": def.name, "description": def.description, "icon": def.icon,
            "color_from": def.color_from, "color_to": def.color_to, "category": def.category.as_str(),
            "points": def.points, "rarity": def.rarity.as_str(), "is_secret": def.is_secret, "order": def.order,
            "criteria_type": def.criteria_type.as_str(), "criteria_value": def.criteria_value,
            "tracking_field": def.tracking_field, "is_active": def.is_active,
            "requires_achievements": requires,
            "is_earned": progress.earned, "earned_at": earned.map(|r| r.earned_at),
            "progress": progress.percent, "progress_value": progress.current, "target_value": progress.target,
        })
    };
    let visible: Vec<usize> = (0..catalog.achievements.len())
        .filter(|&i| !catalog.achievements[i].is_secret || engine.earned(state, &catalog.achievements[i].key).is_some())
        .collect();
    let secret_locked = catalog.achievements.len() - visible.len();
    let mut earned: Vec<(usize, achievements_core::EarnedRecord)> = (0..catalog.achievements.len())
        .filter_map(|i| engine.earned(state, &catalog.achievements[i].key).map(|r| (i, r)))
        .collect();
    earned.sort_by_key(|(_, r)| std::cmp::Reverse(r.earned_at));
    let earned_items: Vec<Value> = earned
        .iter()
        .map(|(i, r)| {
            let mut v = item(*i);
            v["progress_at_unlock"] = json!(r.progress_at_unlock);
            v["cause"] = json!(r.cause.as_str());
            v
        })
        .collect();
    let points = engine.stat(state, "total_points");
    Documents {
        catalog: serde_json::to_string(&public.catalog).unwrap(),
        me: json!({
            "name": "ann", "timezone": "Europe/Paris", "is_admin": false,
            "stats": {}, "streaks": {}, "points": points,
            "earned_count": state.earned_count(), "secret_locked": secret_locked,
            "state": snapshot,
        })
        .to_string(),
        achievements: json!({
            "count": visible.len(), "secret_locked": secret_locked,
            "results": visible.iter().map(|&i| item(i)).collect::<Vec<_>>(),
        })
        .to_string(),
        earned: json!({"count": earned_items.len(), "results": earned_items}).to_string(),
        notifications: None,
    }
}

/// Serves [`Documents`] like the server would (ETag on the catalog, 404
/// for a missing route); can be switched off.
pub struct FakeServer {
    pub docs: Documents,
    pub down: Cell<bool>,
}

impl FakeServer {
    pub fn new(docs: Documents) -> Self {
        FakeServer { docs, down: Cell::new(false) }
    }
}

impl Transport for FakeServer {
    fn server(&self) -> &str {
        "http://127.0.0.1:8000"
    }

    fn get(&self, path: &str, if_none_match: Option<&str>) -> Result<Response, Unreachable> {
        if self.down.get() {
            return Err(Unreachable("Connection refused (os error 111)".to_owned()));
        }
        let ok = |body: &str| Ok(Response { status: 200, etag: None, body: body.to_owned() });
        match path {
            "/api/v1/achievements/catalog/" => {
                let etag = format!("\"{}\"", self.docs.catalog.len());
                if if_none_match == Some(etag.as_str()) {
                    return Ok(Response { status: 304, etag: Some(etag), body: String::new() });
                }
                Ok(Response { status: 200, etag: Some(etag), body: self.docs.catalog.clone() })
            }
            "/api/v1/me/" => ok(&self.docs.me),
            "/api/v1/achievements/" => ok(&self.docs.achievements),
            "/api/v1/achievements/earned/?page_size=1000" => ok(&self.docs.earned),
            "/api/v1/notifications/?page_size=1000" => match &self.docs.notifications {
                Some(body) => ok(body),
                None => Ok(Response {
                    status: 404,
                    etag: None,
                    body: r#"{"detail":"Not found.","code":"not_found"}"#.to_owned(),
                }),
            },
            _ => Ok(Response { status: 404, etag: None, body: String::new() }),
        }
    }
}

/// A cache filled by syncing with the fake server: `first` events, then
/// `second` ones (so badges earned by `second` are new).
pub fn synced(
    extra_first: &[(&str, Option<i64>, Timestamp)],
    extra_second: &[(&str, Option<i64>, Timestamp)],
) -> (Cache, Dataset, Dataset) {
    let engine = Engine::new(shipped());
    let mut cache = Cache::open_in_memory().unwrap();
    let first = FakeServer::new(documents(&engine, &state(&engine, extra_first), now()));
    sync::run(&mut cache, &first, true, now() - SignedDuration::from_mins(10)).unwrap();
    let before = Dataset::load(&cache).unwrap();
    let mut both: Vec<_> = extra_first.to_vec();
    both.extend_from_slice(extra_second);
    let second = FakeServer::new(documents(&engine, &state(&engine, &both), now()));
    sync::run(&mut cache, &second, true, now() - SignedDuration::from_mins(3)).unwrap();
    let after = Dataset::load(&cache).unwrap();
    (cache, before, after)
}

/// The usual data: one sync with a badge earned since the previous one.
pub fn standard() -> (Dataset, Dataset) {
    let (_, before, after) = synced(&[], &[("community_help", Some(2), days_ago(1, 10))]);
    (before, after)
}

pub fn settings(ascii: bool) -> Settings {
    Settings { glyphs: Glyphs::new(ascii), colors: ColorMode::TrueColor }
}

/// An app that showed `before` and has just received `after` from a sync.
pub fn app(size: (u16, u16), ascii: bool) -> App {
    let (before, after) = standard();
    let mut app = App::new(before, settings(ascii), Link::Server, now(), size);
    app.on_event(AppEvent::SyncStarted);
    app.on_event(AppEvent::SyncFinished(achievements_tui::event::SyncOutcome::Synced(Box::new(after))));
    app
}

pub fn key(code: KeyCode) -> AppEvent {
    AppEvent::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub fn ch(c: char) -> AppEvent {
    key(KeyCode::Char(c))
}

/// Sends keys typed as text (each char one key press).
pub fn type_keys(app: &mut App, text: &str) {
    for c in text.chars() {
        app.on_event(ch(c));
    }
}

/// Draws `app` on a fresh `TestBackend` of its size.
pub fn draw(app: &App) -> Terminal<TestBackend> {
    let (w, h) = app.size();
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|frame| achievements_tui::ui::render(app, frame)).unwrap();
    terminal
}

/// The screen as text lines (no quotes), for `contains` checks.
pub fn screen(app: &App) -> String {
    let terminal = draw(app);
    let buffer = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..buffer.area.height {
        let mut skip = 0;
        for x in 0..buffer.area.width {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let symbol = buffer[(x, y)].symbol();
            skip = unicode_width::UnicodeWidthStr::width(symbol).saturating_sub(1);
            out.push_str(symbol);
        }
        out.push('\n');
    }
    out
}

/// Badge names by id, for readable assertions.
pub fn names(app: &App) -> Vec<String> {
    app.visible().map(|b| b.name.clone()).collect()
}

pub fn first_seen(cache: &Cache) -> BTreeMap<String, u64> {
    cache.first_seen().unwrap().into_iter().collect()
}

/// Everything a cache holds, read through its read paths: equal before and
/// after means a sync changed nothing.
pub fn everything(cache: &Cache) -> impl PartialEq + std::fmt::Debug + use<> {
    let documents: Vec<_> = Resource::ALL.iter().map(|&r| cache.document(r).unwrap()).collect();
    (cache.meta().unwrap(), documents, cache.earned_extra().unwrap(), first_seen(cache), cache.board().unwrap())
}

pub fn criteria_of(key: &str) -> String {
    describe_criteria(shipped().definition(key).unwrap())
}
