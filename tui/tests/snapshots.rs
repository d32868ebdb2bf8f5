//! Every view drawn on a `TestBackend` at 80×24 and 120×40, compared with
//! the snapshots in `tests/snapshots/` (insta). Time is fixed (`support::NOW`)
//! so nothing in them depends on the wall clock.
//!
//! Review changes with `cargo insta review`, or accept them with
//! `INSTA_UPDATE=always cargo test -p achievements-tui --test snapshots`.

#![allow(clippy::unwrap_used)]

mod support;

use achievements_core::Engine;
use achievements_tui::app::{App, Link, Mode};
use achievements_tui::cache::Cache;
use achievements_tui::dataset::{Dataset, Origin};
use achievements_tui::event::{AppEvent, Failure, SyncOutcome};
use jiff::SignedDuration;
use ratatui::crossterm::event::KeyCode;
use support::*;

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

/// Snapshots `build(size)` at both sizes.
fn both(name: &str, build: impl Fn((u16, u16)) -> App) {
    for size in SIZES {
        let app = build(size);
        let terminal = draw(&app);
        insta::assert_snapshot!(format!("{name}_{}x{}", size.0, size.1), terminal.backend());
    }
}

fn select(app: &mut App, name: &str) {
    app.on_event(ch('g'));
    for _ in 0..app.visible_len() {
        if app.selected_badge().unwrap().name == name {
            return;
        }
        app.on_event(ch('j'));
    }
    panic!("{name} is not listed");
}

#[test]
fn browse_all() {
    both("browse_all", |size| app(size, false));
}

#[test]
fn browse_ascii() {
    both("browse_ascii", |size| app(size, true));
}

#[test]
fn category_tab_with_earned_filter() {
    both("tab_battles_earned", |size| {
        let mut app = app(size, false);
        app.on_event(ch('2'));
        app.on_event(ch('f'));
        app
    });
}

#[test]
fn sorted_by_progress() {
    both("sort_progress", |size| {
        let mut app = app(size, false);
        app.on_event(ch('s'));
        app
    });
}

#[test]
fn details_of_a_locked_badge_with_prerequisites() {
    both("detail_locked", |size| {
        let mut app = app(size, false);
        select(&mut app, "Battle Legend");
        app.on_event(key(KeyCode::Enter));
        app
    });
}

#[test]
fn details_of_an_earned_badge() {
    both("detail_earned", |size| {
        let mut app = app(size, false);
        select(&mut app, "Community Helper");
        if size.0 < 100 {
            app.on_event(key(KeyCode::Enter));
        }
        app
    });
}

#[test]
fn a_secret_not_yet_earned_is_question_marks() {
    both("secret_hidden", |size| {
        let engine = Engine::new(shipped());
        let mut state = engine.new_state(achievements_core::time_zone("Europe/Paris").unwrap());
        for day in 1..4 {
            engine
                .apply(
                    &mut state,
                    &achievements_core::Event { event_type: "login", value: None, at: days_ago(day, 9).into() },
                )
                .unwrap();
        }
        let mut cache = Cache::open_in_memory().unwrap();
        let server = FakeServer::new(documents(&engine, &state, now()));
        achievements_tui::sync::run(&mut cache, &server, true, now() - SignedDuration::from_hours(2)).unwrap();
        let data = Dataset::load(&cache).unwrap();
        let mut app = App::new(data, settings(false), Link::Server, now(), size);
        app.on_event(ch('5'));
        select(&mut app, "???");
        if size.0 < 100 {
            app.on_event(key(KeyCode::Enter));
        }
        app
    });
}

#[test]
fn searching() {
    both("search_typing", |size| {
        let mut app = app(size, false);
        app.on_event(ch('/'));
        type_keys(&mut app, "bat");
        app
    });
}

#[test]
fn what_would_unlock() {
    both("preview", |size| {
        let mut app = app(size, false);
        app.on_event(ch('p'));
        while !matches!(app.mode(), Mode::Preview(p) if p.events[p.event] == "project_created") {
            app.on_event(ch('l'));
        }
        app.on_event(key(KeyCode::Backspace));
        app.on_event(ch('4'));
        app
    });
}

#[test]
fn help_overlay() {
    both("help", |size| {
        let mut app = app(size, false);
        app.on_event(ch('?'));
        app
    });
}

#[test]
fn notifications_unsupported() {
    both("notifications_unsupported", |size| {
        let mut app = app(size, false);
        app.on_event(ch('n'));
        app
    });
}

#[test]
fn offline_with_a_cache() {
    both("offline_banner", |size| {
        let mut app = app(size, false);
        app.on_event(AppEvent::SyncStarted);
        app.on_event(AppEvent::SyncFinished(SyncOutcome::Failed(Failure {
            message: "cannot reach http://127.0.0.1:8000: Connection refused (os error 111)".to_owned(),
            unreachable: true,
            at: now(),
            retry_at: Some(now() + SignedDuration::from_secs(8)),
        })));
        app
    });
}

#[test]
fn offline_flag() {
    both("offline_flag", |size| {
        let (_, after) = standard();
        App::new(after, settings(false), Link::Offline, now() + SignedDuration::from_hours(5), size)
    });
}

#[test]
fn first_start_without_a_server() {
    both("empty_no_server", |size| {
        App::new(Dataset::empty(Origin::Server { url: None }), settings(false), Link::NoServer, now(), size)
    });
}

#[test]
fn first_start_connecting() {
    both("empty_connecting", |size| {
        let origin = Origin::Server { url: Some("http://127.0.0.1:8000".to_owned()) };
        let mut app = App::new(Dataset::empty(origin), settings(false), Link::Server, now(), size);
        app.on_event(AppEvent::SyncStarted);
        app
    });
}

#[test]
fn local_rules_mode() {
    both("local_mode", |size| {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state.json");
        std::fs::write(
            &state,
            r#"{"timezone":"UTC","stats":{"project_count":7,"battle_count":4,"helpful_actions":30,"total_points":60},
                "streak_days":{"current_streak":[["2026-03-15","2026-03-20"]]},
                "earned":{"first_project":{"earned_at":"2026-03-01T10:00:00Z","progress_at_unlock":1,"cause":"event"},
                          "5_projects":{"earned_at":"2026-03-10T10:00:00Z","progress_at_unlock":5,"cause":"event"}}}"#,
        )
        .unwrap();
        let data = Dataset::local(std::path::Path::new("../fixtures/achievements.json"), Some(&state)).unwrap();
        App::new(data, settings(false), Link::Local, now(), size)
    });
}

#[test]
fn first_frame_from_the_cached_list() {
    both("loading_cached_list", |size| {
        let (mut cache, _, _) = synced(&[], &[("community_help", Some(2), days_ago(1, 10))]);
        let generation = cache.meta().unwrap().generation;
        achievements_tui::worker::ready(&mut cache, generation, now()).unwrap();
        let header = Dataset::load_header(&cache).unwrap();
        let board = achievements_tui::badges::Board::from_sorted(cache.board().unwrap().unwrap());
        let mut app = App::loading(header, board, settings(false), Link::Server, now(), size);
        // The preview waits for the rules.
        app.on_event(ch('p'));
        app
    });
}

#[test]
fn too_small() {
    let app = App::new(Dataset::empty(Origin::Server { url: None }), settings(false), Link::NoServer, now(), (30, 8));
    insta::assert_snapshot!("too_small_30x8", draw(&app).backend());
}

/// Issue 10, item 11: a badge that cannot unlock now says why — in the
/// list instead of its gauge, in the detail view in words — and an open
/// window says when it ends. Local mode on the shipped catalog plus one
/// badge of each kind, with one login recorded (every login badge's value
/// is at its target) at the fixed `NOW`, 2026-03-20.
fn blocked_badges(size: (u16, u16)) -> App {
    let dir = tempfile::tempdir().unwrap();
    let mut catalog: serde_json::Value = serde_json::from_str(achievements_core::SHIPPED_CATALOG_JSON).unwrap();
    let defs = catalog["achievements"].as_array_mut().unwrap();
    let welcome = defs.iter().find(|d| d["key"] == "first_login").unwrap().clone();
    let badge = |key: &str, name: &str, extra: serde_json::Value| {
        let mut def = welcome.clone();
        def["key"] = key.into();
        def["name"] = name.into();
        def["description"] = format!("{name}: log in once").into();
        for (field, value) in extra.as_object().unwrap() {
            def[field] = value.clone();
        }
        def
    };
    let extra = [
        badge(
            "winter_jam",
            "Winter Jam",
            serde_json::json!({"available_from": "2026-01-01T00:00:00Z", "available_until": "2026-01-09T00:00:00Z", "order": 2}),
        ),
        badge(
            "june_jam",
            "June Jam",
            serde_json::json!({"available_from": "2026-06-01T00:00:00Z", "available_until": "2026-06-09T00:00:00Z", "order": 3}),
        ),
        badge(
            "spring_sprint",
            "Spring Sprint",
            serde_json::json!({"available_until": "2026-03-24T00:00:00Z", "criteria_type": "count", "criteria_value": 5, "order": 4}),
        ),
        badge(
            "first_publish",
            "First Publish",
            serde_json::json!({"tracking_field": "project_count", "criteria_value": 50, "criteria_type": "count", "order": 5}),
        ),
        badge("encore", "Encore", serde_json::json!({"requires_achievements": ["first_publish"], "order": 6})),
    ];
    defs.extend(extra);
    let catalog_path = dir.path().join("catalog.json");
    std::fs::write(&catalog_path, catalog.to_string()).unwrap();
    let state = dir.path().join("state.json");
    std::fs::write(&state, r#"{"timezone":"UTC","stats":{"login_count":1}}"#).unwrap();
    let data = Dataset::local(&catalog_path, Some(&state)).unwrap();
    let mut app = App::new(data, settings(false), Link::Local, now(), size);
    app.on_event(ch('4'));
    app
}

#[test]
fn blocked_badges_say_why_in_the_list() {
    both("blockers_list", blocked_badges);
}

#[test]
fn a_closed_window_says_when_the_event_ended() {
    both("blocker_window_closed", |size| {
        let mut app = blocked_badges(size);
        select(&mut app, "Winter Jam");
        app.on_event(key(KeyCode::Enter));
        app
    });
}

#[test]
fn a_window_not_open_yet_says_when_it_starts() {
    both("blocker_not_yet_available", |size| {
        let mut app = blocked_badges(size);
        select(&mut app, "June Jam");
        app.on_event(key(KeyCode::Enter));
        app
    });
}

#[test]
fn a_missing_prerequisite_is_named() {
    both("blocker_requires", |size| {
        let mut app = blocked_badges(size);
        select(&mut app, "Encore");
        app.on_event(key(KeyCode::Enter));
        app
    });
}

#[test]
fn an_open_window_says_when_it_ends() {
    both("window_ends_in", |size| {
        let mut app = blocked_badges(size);
        select(&mut app, "Spring Sprint");
        app.on_event(key(KeyCode::Enter));
        app
    });
}
