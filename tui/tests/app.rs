//! The update logic: keys, sync results and time, applied to an `App`
//! (no terminal; the screen is checked in `snapshots.rs`).

#![allow(clippy::unwrap_used)]

mod support;

use achievements_core::{Category, Engine};
use achievements_tui::app::{App, Effect, Filter, Link, Mode, PreviewOutcome, Sort};
use achievements_tui::badges::Kind;
use achievements_tui::dataset::{Dataset, Notifications, Origin};
use achievements_tui::event::{AppEvent, Failure, SyncOutcome};
use achievements_tui::keymap::Action;
use achievements_tui::run::{Exit, run_loop};
use jiff::{SignedDuration, Timestamp};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use support::*;

fn selected(app: &App) -> String {
    app.selected_badge().unwrap().name.clone()
}

#[test]
fn badges_earned_since_the_last_sync_are_new() {
    let app = app((120, 40), false);
    let new: Vec<&str> = app.board().badges.iter().filter(|b| b.is_new).map(|b| b.name.as_str()).collect();
    assert_eq!(new, ["Community Helper"]);
    assert_eq!(app.notice().unwrap().text, "✦ New badge: Community Helper!");
    // A later sync that brings nothing new keeps the highlight for the session…
    let (_, after) = standard();
    let mut app = app;
    app.on_event(AppEvent::SyncFinished(SyncOutcome::Synced(Box::new(after.clone()))));
    assert!(app.board().get("help_5").unwrap().is_new);
    // …and a new session starting from that cache sees nothing new.
    let fresh = App::new(after, settings(false), Link::Server, now(), (120, 40));
    assert!(fresh.board().badges.iter().all(|b| !b.is_new));
}

#[test]
fn the_first_sync_of_a_cache_is_not_news() {
    let (_, before, _) = synced(&[], &[]);
    let mut app =
        App::new(Dataset::empty(Origin::Server { url: None }), settings(false), Link::Server, now(), (80, 24));
    app.on_event(AppEvent::SyncFinished(SyncOutcome::Synced(Box::new(before))));
    assert!(app.board().badges.iter().all(|b| !b.is_new));
    assert!(app.board().counts(None).0 > 0);
}

#[test]
fn secrets_are_revealed_only_once_earned() {
    let app = app((120, 40), false);
    let unbroken = app.board().get("unbroken").unwrap();
    assert_eq!((unbroken.kind, unbroken.name.as_str()), (Kind::Secret, "Unbroken"));
    assert!(unbroken.is_earned());
    assert!(app.board().badges.iter().all(|b| b.kind != Kind::Hidden));
    // Prerequisites name it by its placeholder id: that resolves too.
    assert_eq!(app.board().display_name("secret-1"), "Unbroken");
    assert_eq!(app.board().get("secret-1").unwrap().id, "unbroken");

    // Nine days of logins: no secret yet.
    let engine = Engine::new(shipped());
    let mut state = engine.new_state(achievements_core::time_zone("UTC").unwrap());
    for day in 0..9 {
        engine
            .apply(
                &mut state,
                &achievements_core::Event { event_type: "login", value: None, at: days_ago(day + 1, 9).into() },
            )
            .unwrap();
    }
    let docs = documents(&engine, &state, now());
    assert!(!docs.catalog.contains("Unbroken") && !docs.me.contains("unbroken") && !docs.earned.contains("Unbroken"));
    let mut cache = achievements_tui::cache::Cache::open_in_memory().unwrap();
    achievements_tui::sync::run(&mut cache, &FakeServer::new(docs), true, now()).unwrap();
    let data = Dataset::load(&cache).unwrap();
    let mut app = App::new(data, settings(false), Link::Server, now(), (80, 24));
    let hidden: Vec<_> = app.board().badges.iter().filter(|b| b.kind == Kind::Hidden).collect();
    assert_eq!(hidden.len(), 1);
    assert_eq!((hidden[0].name.as_str(), hidden[0].category), ("???", Category::Streaks));
    assert_eq!(app.board().counts(Some(Category::Streaks)), (1, 3));
    assert_eq!(app.board().display_name("secret-1"), "??? (secret)");
    // Searching for it finds nothing.
    app.update(Action::Search);
    type_keys(&mut app, "unbroken");
    assert_eq!(app.visible_len(), 0);
}

#[test]
fn moving_around_with_arrows_and_vim_keys() {
    let mut app = app((80, 24), false);
    assert_eq!(selected(&app), "First Launch");
    app.on_event(ch('j'));
    app.on_event(key(KeyCode::Down));
    assert_eq!(selected(&app), "Power User");
    app.on_event(ch('k'));
    assert_eq!(selected(&app), "Getting Started");
    app.on_event(ch('G'));
    assert_eq!(app.selected(), app.visible_len() - 1);
    assert!(app.offset() > 0, "the list scrolled to the end");
    app.on_event(ch('g'));
    assert_eq!((app.selected(), app.offset()), (0, 0));
    app.on_event(key(KeyCode::PageDown));
    let rows = app.list_rows();
    assert_eq!(app.selected(), rows);
    assert_eq!(app.offset(), 1, "the selection stays on screen");
    app.on_event(AppEvent::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)));
    assert_eq!(app.selected(), 0);
}

#[test]
fn category_tabs_wrap_and_jump() {
    let mut app = app((80, 24), false);
    app.on_event(ch('l'));
    assert_eq!(App::tab_category(app.tab()), Some(Category::Projects));
    assert!(app.visible().all(|b| b.category == Category::Projects));
    assert_eq!(app.visible_len(), 6);
    app.on_event(ch('h'));
    app.on_event(ch('h'));
    assert_eq!(App::tab_category(app.tab()), Some(Category::Milestones));
    app.on_event(ch('5'));
    assert_eq!(App::tab_category(app.tab()), Some(Category::Streaks));
    assert_eq!(names(&app), ["Week Streak", "Month Streak", "Unbroken"]);
    app.on_event(ch('0'));
    assert_eq!(app.tab(), 0);
    assert_eq!(app.visible_len(), 23);
}

#[test]
fn filters_cycle_all_earned_locked() {
    let mut app = app((80, 24), false);
    let (earned, total) = app.board().counts(None);
    app.on_event(ch('f'));
    assert_eq!(app.filter(), Filter::Earned);
    assert_eq!(app.visible_len(), earned);
    assert!(app.visible().all(|b| b.is_earned()));
    app.on_event(ch('f'));
    assert_eq!(app.filter(), Filter::Locked);
    assert_eq!(app.visible_len(), total - earned);
    app.on_event(ch('f'));
    assert_eq!((app.filter(), app.visible_len()), (Filter::All, total));
}

#[test]
fn sorts_by_progress_rarity_name_and_recency() {
    let mut app = app((80, 24), false);
    app.on_event(ch('s'));
    assert_eq!(app.sort(), Sort::Progress);
    let percents: Vec<(bool, u8)> = app.visible().map(|b| (b.is_earned(), b.percent())).collect();
    let locked: Vec<u8> = percents.iter().filter(|(e, _)| !e).map(|(_, p)| *p).collect();
    assert!(locked.windows(2).all(|w| w[0] >= w[1]), "{percents:?}");
    assert!(percents.iter().skip_while(|(e, _)| !e).all(|(e, _)| *e), "earned ones last");
    assert_eq!(app.selected(), 0, "a new order starts at the top");

    app.on_event(ch('s'));
    assert_eq!(app.sort(), Sort::Rarity);
    let first: Vec<String> = names(&app).into_iter().take(5).collect();
    assert_eq!(first, ["Prolific Creator", "Battle Legend", "Community Leader", "Month Streak", "Portfolio Master"]);

    app.on_event(ch('s'));
    assert_eq!(app.sort(), Sort::Name);
    let all = names(&app);
    let mut sorted = all.clone();
    sorted.sort_by_key(|n| n.to_lowercase());
    assert_eq!(all, sorted);

    app.on_event(ch('s'));
    assert_eq!(app.sort(), Sort::Recent);
    let first = app.visible().next().unwrap();
    assert_eq!(first.name, "Community Helper", "earned yesterday, the newest");
    let dates: Vec<Timestamp> = app.visible().filter_map(|b| b.earned.as_ref().map(|e| e.at)).collect();
    assert!(dates.windows(2).all(|w| w[0] >= w[1]));

    app.on_event(ch('s'));
    assert_eq!(app.sort(), Sort::Catalog);
}

#[test]
fn search_filters_as_you_type() {
    let mut app = app((80, 24), false);
    app.on_event(ch('/'));
    assert_eq!(*app.mode(), Mode::Search);
    type_keys(&mut app, "battle");
    assert_eq!(app.search(), "battle");
    assert!(names(&app).iter().all(|n| n.starts_with("Battle")), "{:?}", names(&app));
    assert_eq!(app.visible_len(), 5);
    // Keys that mean something elsewhere are text here.
    type_keys(&mut app, "qj");
    assert_eq!(app.search(), "battleqj");
    assert_eq!(app.visible_len(), 0);
    app.on_event(key(KeyCode::Backspace));
    app.on_event(key(KeyCode::Backspace));
    // Criteria match too: "streak" finds the streak badges by their criteria.
    app.on_event(key(KeyCode::Enter));
    assert_eq!(*app.mode(), Mode::Browse);
    assert_eq!(app.search(), "battle", "Enter keeps the search");
    app.on_event(key(KeyCode::Esc));
    assert_eq!((app.search(), app.visible_len()), ("", 23));
    app.on_event(ch('/'));
    type_keys(&mut app, "day streak");
    assert_eq!(names(&app), ["Week Streak", "Month Streak"]);
    app.on_event(key(KeyCode::Esc));
    assert_eq!((app.search(), app.mode()), ("", &Mode::Browse));
}

#[test]
fn the_selection_survives_refreshes() {
    let mut app = app((80, 24), false);
    for _ in 0..6 {
        app.on_event(ch('j'));
    }
    assert_eq!(selected(&app), "Battle Ready");
    app.on_event(ch('f'));
    assert_eq!(selected(&app), "Battle Ready", "still listed: still selected");
    let (_, after) = standard();
    app.on_event(AppEvent::SyncFinished(SyncOutcome::Synced(Box::new(after))));
    assert_eq!(selected(&app), "Battle Ready");
    // Gone from the list (locked ones only now): the position is kept.
    app.on_event(ch('f'));
    assert!(!app.selected_badge().unwrap().is_earned());
}

#[test]
fn preview_asks_the_core() {
    let mut app = app((120, 40), false);
    app.on_event(ch('p'));
    let Mode::Preview(preview) = app.mode().clone() else { panic!("{:?}", app.mode()) };
    assert_eq!(preview.events.first().map(String::as_str), Some("battle_participated"));
    assert_eq!(preview.value, "1");
    // battle_participated ×1: 3 → 4 battles, nothing unlocks.
    match &preview.outcome {
        PreviewOutcome::Accepted { changes, unlocks } => {
            assert_eq!((changes[0].field.as_str(), changes[0].before, changes[0].after), ("battle_count", 3, 4));
            assert!(unlocks.is_empty());
        }
        other => panic!("{other:?}"),
    }
    app.on_event(ch('+'));
    let Mode::Preview(preview) = app.mode().clone() else { panic!() };
    assert_eq!(preview.value, "2");
    match &preview.outcome {
        PreviewOutcome::Accepted { unlocks, .. } => assert_eq!(unlocks, &["5_battles"]),
        other => panic!("{other:?}"),
    }
    // Pick project_created and type 4: ten projects, and the points cascade.
    while !matches!(app.mode(), Mode::Preview(p) if p.events[p.event] == "project_created") {
        app.on_event(ch('l'));
    }
    app.on_event(key(KeyCode::Backspace));
    app.on_event(ch('4'));
    let Mode::Preview(preview) = app.mode().clone() else { panic!() };
    match &preview.outcome {
        PreviewOutcome::Accepted { unlocks, .. } => assert_eq!(unlocks, &["10_projects"]),
        other => panic!("{other:?}"),
    }
    // Nothing was changed for real.
    assert!(!app.board().get("10_projects").unwrap().is_earned());
    // A negative add is refused by the core, with its reason.
    app.on_event(key(KeyCode::Backspace));
    app.on_event(ch('-'));
    app.on_event(ch('-'));
    let Mode::Preview(preview) = app.mode().clone() else { panic!() };
    assert_eq!(preview.value, "-2");
    match &preview.outcome {
        PreviewOutcome::Refused(why) => assert!(why.contains("must not be negative"), "{why}"),
        other => panic!("{other:?}"),
    }
    // An empty value is "no value": an add counts one.
    app.on_event(key(KeyCode::Backspace));
    app.on_event(key(KeyCode::Backspace));
    let Mode::Preview(preview) = app.mode().clone() else { panic!() };
    assert_eq!(preview.value, "");
    assert!(matches!(preview.outcome, PreviewOutcome::Accepted { .. }));
    app.on_event(key(KeyCode::Esc));
    assert_eq!(*app.mode(), Mode::Browse);
}

#[test]
fn preview_of_a_max_event_without_a_value_is_refused() {
    let mut app = app((80, 24), false);
    app.on_event(ch('p'));
    while !matches!(app.mode(), Mode::Preview(p) if p.events[p.event] == "stars_received") {
        app.on_event(key(KeyCode::Right));
    }
    app.on_event(key(KeyCode::Backspace));
    let Mode::Preview(preview) = app.mode().clone() else { panic!() };
    match &preview.outcome {
        PreviewOutcome::Refused(why) => assert!(why.contains("needs an explicit value"), "{why}"),
        other => panic!("{other:?}"),
    }
    type_keys(&mut app, "100");
    let Mode::Preview(preview) = app.mode().clone() else { panic!() };
    match &preview.outcome {
        PreviewOutcome::Accepted { unlocks, .. } => assert_eq!(unlocks, &["crowd_favourite"]),
        other => panic!("{other:?}"),
    }
}

#[test]
fn quitting_syncing_and_text_entry() {
    let mut app = app((80, 24), false);
    assert_eq!(app.on_event(ch('r')), Effect::Sync);
    app.on_event(ch('/'));
    assert_eq!(app.on_event(ch('q')), Effect::None, "q is text while searching");
    assert_eq!(app.on_event(ch('r')), Effect::None);
    assert_eq!(app.on_event(AppEvent::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL))), Effect::Quit);
    app.on_event(key(KeyCode::Esc));
    assert_eq!(app.on_event(ch('q')), Effect::Quit);

    let data = Dataset::local(std::path::Path::new("../fixtures/achievements.json"), None).unwrap();
    let mut local = App::new(data, settings(false), Link::Local, now(), (80, 24));
    assert_eq!(local.on_event(ch('r')), Effect::None);
    assert!(local.notice().unwrap().text.contains("no server"));
}

#[test]
fn detail_help_and_notification_modes() {
    let mut app = app((80, 24), false);
    app.on_event(key(KeyCode::Enter));
    assert_eq!(*app.mode(), Mode::Detail);
    app.on_event(ch('j'));
    assert_eq!(selected(&app), "Getting Started", "moving works in the details");
    app.on_event(key(KeyCode::Esc));
    assert_eq!(*app.mode(), Mode::Browse);

    app.on_event(ch('?'));
    assert_eq!(*app.mode(), Mode::Help { offset: 0 });
    for _ in 0..500 {
        app.on_event(ch('j'));
    }
    let Mode::Help { offset } = *app.mode() else { panic!() };
    assert_eq!(offset, achievements_tui::layout::help_lines() - 1, "scrolling stops at the end");
    app.on_event(ch('?'));
    assert_eq!(*app.mode(), Mode::Browse);

    app.on_event(ch('n'));
    assert!(matches!(app.mode(), Mode::Notifications { .. }));
    assert_eq!(app.data().notifications, Notifications::Unsupported);
    app.on_event(key(KeyCode::Esc));
    assert_eq!(*app.mode(), Mode::Browse);
}

#[test]
fn a_failed_sync_shows_offline_and_keeps_the_data() {
    let mut app = app((80, 24), false);
    let (earned, total) = app.board().counts(None);
    let failure = Failure {
        message: "cannot reach http://127.0.0.1:8000: Connection refused (os error 111)".to_owned(),
        unreachable: true,
        at: now(),
        retry_at: Some(now() + SignedDuration::from_secs(8)),
    };
    app.on_event(AppEvent::SyncStarted);
    app.on_event(AppEvent::SyncFinished(SyncOutcome::Failed(failure.clone())));
    assert_eq!(app.status().failure.as_ref(), Some(&failure));
    assert!(!app.status().running);
    assert_eq!(app.board().counts(None), (earned, total));
    let text = screen(&app);
    assert!(text.contains("OFFLINE"), "{text}");
    assert!(text.contains("retrying in 8 s"), "{text}");
    // The next success clears it.
    let (_, after) = standard();
    app.on_event(AppEvent::SyncFinished(SyncOutcome::Synced(Box::new(after))));
    assert_eq!(app.status().failure, None);
    assert!(!screen(&app).contains("OFFLINE"));
}

#[test]
fn time_moves_streak_progress_by_the_day() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    // Active today and the two days before (UTC).
    std::fs::write(
        &state,
        r#"{"timezone":"UTC","streak_days":{"current_streak":[["2026-03-18","2026-03-20"]]},"stats":{"login_count":3}}"#,
    )
    .unwrap();
    let data = Dataset::local(std::path::Path::new("../fixtures/achievements.json"), Some(&state)).unwrap();
    let mut app = App::new(data, settings(false), Link::Local, now(), (80, 24));
    let progress = |app: &App| app.board().get("7_day_streak").unwrap().progress.unwrap().current;
    assert_eq!(progress(&app), 3);
    app.on_event(AppEvent::Tick(now() + SignedDuration::from_hours(11)));
    assert_eq!(progress(&app), 3, "still today");
    app.on_event(AppEvent::Tick(now() + SignedDuration::from_hours(13)));
    assert_eq!(progress(&app), 3, "tomorrow: the run is still alive");
    app.on_event(AppEvent::Tick(now() + SignedDuration::from_hours(37)));
    assert_eq!(progress(&app), 0, "a whole idle day broke it");
}

/// A user in a fixed-offset zone (`+05:30`, which the server accepts): the
/// app counts their days as the core does, so dates, "today" and the
/// day-change refresh all follow +05:30, not UTC.
#[test]
fn a_fixed_offset_zone_sets_dates_today_and_the_day_change() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    // Logged in on the 18th and 19th (local days); Welcome earned at
    // 2026-03-19T19:00Z, which is already the 20th (00:30) in +05:30.
    std::fs::write(
        &state,
        r#"{"timezone":"+05:30","streak_days":{"current_streak":[["2026-03-18","2026-03-19"]]},
            "stats":{"login_count":2},
            "earned":{"first_login":{"earned_at":"2026-03-19T19:00:00Z","progress_at_unlock":1,"cause":"event"}}}"#,
    )
    .unwrap();
    let data = Dataset::local(std::path::Path::new("../fixtures/achievements.json"), Some(&state)).unwrap();
    assert_eq!(data.user.as_ref().unwrap().timezone.name(), "+05:30");
    // 18:29:59Z is 23:59:59 on the 20th in +05:30: yesterday's run still counts.
    let before_midnight: Timestamp = "2026-03-20T18:29:59Z".parse().unwrap();
    let mut app = App::new(data, settings(false), Link::Local, before_midnight, (120, 40));
    let progress = |app: &App| app.board().get("7_day_streak").unwrap().progress.unwrap().current;
    assert_eq!(progress(&app), 2);

    // The earned date is the local one (UTC would say the 19th).
    app.update(Action::Search);
    type_keys(&mut app, "welcome");
    app.on_event(key(KeyCode::Enter));
    assert_eq!(selected(&app), "Welcome");
    let text = screen(&app);
    assert!(text.contains("Earned 2026-03-20 00:30 +05:30"), "{text}");

    // Local midnight (18:30Z) turns the day: a whole idle day broke the run,
    // at once, not at UTC midnight five and a half hours later.
    app.on_event(AppEvent::Tick(before_midnight + SignedDuration::from_secs(1)));
    assert_eq!(progress(&app), 0, "the day turned at local midnight");
}

#[test]
fn resizing_keeps_the_selection_visible() {
    let mut app = app((120, 40), false);
    app.on_event(ch('G'));
    app.on_event(AppEvent::Resize(80, 12));
    let rows = app.list_rows();
    assert!(app.selected() >= app.offset() && app.selected() < app.offset() + rows);
}

#[test]
fn the_main_loop_runs_on_any_backend() {
    let mut app = app((80, 24), false);
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    for event in
        [ch('j'), ch('r'), ch('l'), AppEvent::Tick(now() + SignedDuration::from_secs(5)), ch('r'), ch('q'), ch('j')]
    {
        tx.send(event).unwrap();
    }
    let mut syncs = 0;
    let exit = run_loop(&mut terminal, &mut app, &rx, || syncs += 1).unwrap();
    assert_eq!(exit, Exit::Quit);
    assert_eq!(syncs, 2);
    assert_eq!(App::tab_category(app.tab()), Some(Category::Projects));
    assert_eq!(app.now(), now() + SignedDuration::from_secs(5));
    // What was drawn last is the app's state before q.
    assert!(format!("{}", terminal.backend()).contains("Proj 3/6"));
    // The loop also ends when every sender is gone.
    drop(tx);
    let (tx2, rx2) = std::sync::mpsc::channel::<AppEvent>();
    drop(tx2);
    assert_eq!(run_loop(&mut terminal, &mut app, &rx2, || {}).unwrap(), Exit::Disconnected);
}

#[test]
fn notifications_are_read_in_whatever_shape() {
    let engine = Engine::new(shipped());
    let mut docs = documents(&engine, &state(&engine, &[]), now());
    docs.notifications = Some(
        r#"{"results":[{"id":1,"message":"You earned Unbroken","created_at":"2026-03-19T09:00:00Z","is_read":false}]}"#
            .to_owned(),
    );
    let mut cache = achievements_tui::cache::Cache::open_in_memory().unwrap();
    achievements_tui::sync::run(&mut cache, &FakeServer::new(docs), true, now()).unwrap();
    let data = Dataset::load(&cache).unwrap();
    let Notifications::List(list) = &data.notifications else { panic!("{:?}", data.notifications) };
    assert_eq!(list[0].text, "You earned Unbroken");
    let mut app = App::new(data, settings(false), Link::Server, now(), (80, 24));
    app.on_event(ch('n'));
    assert!(screen(&app).contains("You earned Unbroken"));
}
