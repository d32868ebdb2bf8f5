//! Against a real `achievements serve` (in this process, port 0, a temporary
//! SQLite database: the workspace's test kit): log in, sync, check the app
//! shows what the server says, earn a badge, sync in the background, stop
//! the server, and browse the same data offline from the cache file.

#![allow(clippy::unwrap_used)]

mod support;

use achievements_testkit::{Clock, Setup, TestServer};
use achievements_tui::app::{App, Link};
use achievements_tui::badges::{Board, Kind};
use achievements_tui::cache::{Cache, Stored};
use achievements_tui::dataset::{Dataset, Notifications};
use achievements_tui::event::{AppEvent, SyncOutcome};
use achievements_tui::http::{HttpTransport, ServerUrl};
use achievements_tui::resource::Resource;
use achievements_tui::sync::{self, SyncError};
use achievements_tui::worker::{Remote, Schedule, SyncThread};
use jiff::Timestamp;
use serde_json::{Value, json};
use std::process::Command;
use std::sync::mpsc;
use std::time::Duration;
use support::{days_ago, everything, now, screen, settings};

/// A server on its own thread and runtime (the app's HTTP is blocking, as
/// on its sync thread), its clock at the tests' `now`, and the user `ann`
/// (Europe/Paris): the server, her token and a service token.
fn start() -> (TestServer, String, String) {
    let server = TestServer::start_blocking(Setup { clock: Clock::fixed(now().into()), ..Setup::default() });
    let token = server.add_user("ann", "Europe/Paris", false);
    let service = server.add_service("platform");
    (server, token, service)
}

fn post_events(server: &TestServer, service: &str, events: &[(&str, Option<i64>, Timestamp)], prefix: &str) {
    let events: Vec<Value> = events
        .iter()
        .enumerate()
        .map(|(i, (event_type, value, at))| {
            json!({"id": format!("{prefix}-{i}"), "user": "ann", "type": event_type, "value": value, "at": at.to_string()})
        })
        .collect();
    let results = server.post_events_blocking(service, &json!({ "events": events }));
    assert!(results.iter().all(|r| r["status"] == "applied"), "{results:?}");
}

fn get(server: &TestServer, token: &str, path: &str) -> Value {
    server.get_blocking(path, Some(token)).1
}

/// The same activity as `support::state`.
fn activity() -> Vec<(&'static str, Option<i64>, Timestamp)> {
    let mut events = Vec::new();
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
    events
}

fn transport(server: &str, token: Option<&str>) -> HttpTransport {
    HttpTransport::new(ServerUrl::parse(server).unwrap(), token.map(str::to_owned)).unwrap()
}

fn fixed_now() -> Timestamp {
    now()
}

#[test]
fn sync_then_browse_offline() {
    let dir = tempfile::tempdir().unwrap();
    let (server, token, service) = start();
    post_events(&server, &service, &activity(), "a");

    // First sync, into a cache file.
    let cache_path = dir.path().join("cache/tui.sqlite");
    let (mut cache, rebuilt) = Cache::open(&cache_path).unwrap();
    assert_eq!(rebuilt, None);
    let http = transport(&server.base_url(), Some(&token));
    let report = sync::run(&mut cache, &http, true, now()).unwrap();
    assert_eq!((report.generation, report.requests, report.catalog_unchanged), (1, 5, false));
    let data = Dataset::load(&cache).unwrap();
    assert!(data.problems.is_empty(), "{:?}", data.problems);
    assert_eq!(data.user.as_ref().unwrap().name, "ann");
    // Notifications come from a later issue: a server without them says
    // 404, which means "not supported", not a failed sync.
    match &data.notifications {
        Notifications::List(list) => assert!(list.iter().any(|n| n.text.contains("First Launch")), "{list:?}"),
        Notifications::Unsupported => {}
        Notifications::NotSynced => panic!("notifications were not synced"),
    }

    // The core in the app agrees with the server on every badge it lists.
    let board = Board::build(&data, now(), data.stamp.generation);
    let listing = get(&server, &token, "/api/v1/achievements/");
    for item in listing["results"].as_array().unwrap() {
        let key = item["key"].as_str().unwrap();
        let badge = board.get(key).unwrap_or_else(|| panic!("{key} missing"));
        let progress = badge.progress.unwrap();
        assert_eq!(
            (progress.current, progress.target, u64::from(badge.percent()), badge.is_earned()),
            (
                item["progress_value"].as_i64().unwrap(),
                item["target_value"].as_i64().unwrap(),
                item["progress"].as_u64().unwrap(),
                item["is_earned"].as_bool().unwrap()
            ),
            "{key}"
        );
    }
    // The earned secret is revealed from the earned list, and placed.
    let unbroken = board.get("unbroken").unwrap();
    assert_eq!((unbroken.kind, unbroken.name.as_str()), (Kind::Secret, "Unbroken"));
    let me = get(&server, &token, "/api/v1/me/");
    assert_eq!(board.counts(None).0, me["earned_count"].as_u64().unwrap() as usize);
    assert!(board.badges.iter().all(|b| b.kind != Kind::Hidden));

    let mut app = App::new(data, settings(false), Link::Server, now(), (80, 24));
    let text = screen(&app);
    assert!(text.contains("ann") && text.contains("First Launch") && text.contains("8/23 earned"), "{text}");

    // A new badge, synced in the background by the sync thread.
    post_events(&server, &service, &[("community_help", Some(2), days_ago(1, 10))], "b");
    let (events, inbox) = mpsc::channel();
    let schedule = Schedule { refresh: Duration::from_secs(3600), ..Schedule::default() };
    let remote = Remote { transport: Box::new(http), authenticated: true, schedule };
    let thread = SyncThread::spawn(cache, Some(remote), events, fixed_now).unwrap();
    let wait = Duration::from_secs(30);
    assert!(matches!(inbox.recv_timeout(wait).unwrap(), AppEvent::Loaded(_)));
    assert!(matches!(inbox.recv_timeout(wait).unwrap(), AppEvent::SyncStarted));
    let finished = inbox.recv_timeout(wait).unwrap();
    assert!(matches!(finished, AppEvent::SyncFinished(SyncOutcome::Synced(_))), "{finished:?}");
    app.on_event(AppEvent::SyncStarted);
    app.on_event(finished);
    let helper = app.board().get("help_5").unwrap();
    assert!(helper.is_earned() && helper.is_new);
    assert!(screen(&app).contains("New badge: Community Helper"));

    // The server goes away: the next sync fails, the app says so and keeps
    // showing the data.
    server.stop_blocking();
    thread.sync_now();
    assert!(matches!(inbox.recv_timeout(wait).unwrap(), AppEvent::SyncStarted));
    let failed = inbox.recv_timeout(wait).unwrap();
    let AppEvent::SyncFinished(SyncOutcome::Failed(failure)) = &failed else { panic!("{failed:?}") };
    assert!(failure.unreachable, "{failure:?}");
    app.on_event(AppEvent::SyncStarted);
    app.on_event(failed);
    let text = screen(&app);
    assert!(text.contains("OFFLINE") && text.contains("Community Helper"), "{text}");
    thread.stop(wait);

    // A later start, offline, from the same file: the same badges.
    let (cache, rebuilt) = Cache::open(&cache_path).unwrap();
    assert_eq!(rebuilt, None);
    let before = everything(&cache);
    // First what the first frame draws: the list cached by the last sync.
    let header = Dataset::load_header(&cache).unwrap();
    let cached = Board::from_sorted(cache.board().unwrap().expect("the sync thread cached the list"));
    let first = App::loading(header, cached, settings(false), Link::Offline, now(), (120, 40));
    assert!(first.is_loading());
    let text = screen(&first);
    assert!(text.contains("ann · 225 pts") || text.contains("ann"), "{text}");
    assert!(text.contains("Community Helper"), "{text}");
    assert!(first.board().get("help_5").unwrap().is_earned());
    // Then the data in full.
    let offline = Dataset::load(&cache).unwrap();
    let again = App::new(offline, settings(false), Link::Offline, now(), (120, 40));
    for (a, b) in first.board().badges.iter().zip(&again.board().badges) {
        assert_eq!((&a.id, &a.name, a.is_earned(), a.progress), (&b.id, &b.name, b.is_earned(), b.progress));
    }
    assert_eq!(again.board().badges.len(), app.board().badges.len());
    for (a, b) in again.board().badges.iter().zip(&app.board().badges) {
        assert_eq!((&a.id, a.is_earned(), a.progress), (&b.id, b.is_earned(), b.progress));
    }
    let text = screen(&again);
    assert!(text.contains("offline") && text.contains("Community Helper") && text.contains("9/23 earned"), "{text}");

    // And a sync attempt against the stopped server changes nothing.
    let mut cache = cache;
    let err = sync::run(&mut cache, &transport(&format!("http://{}", "127.0.0.1:9"), Some(&token)), true, now());
    assert!(matches!(err, Err(SyncError::Unreachable { .. })));
    assert_eq!(everything(&cache), before);
}

#[test]
fn the_catalog_is_revalidated_with_its_etag() {
    let (server, token, _) = start();
    let mut cache = Cache::open_in_memory().unwrap();
    let http = transport(&server.base_url(), Some(&token));
    let first = sync::run(&mut cache, &http, true, now()).unwrap();
    let etag = cache.etag(Resource::Catalog).unwrap();
    assert!(etag.is_some());
    let second = sync::run(&mut cache, &http, true, now()).unwrap();
    assert!(second.catalog_unchanged && !first.catalog_unchanged);
    assert!(second.bytes < first.bytes);
    assert_eq!(cache.etag(Resource::Catalog).unwrap(), etag);
    let Some(Stored::Body { body, .. }) = cache.document(Resource::Catalog).unwrap() else { panic!() };
    assert!(body.contains("first_project"));
    server.stop_blocking();
}

#[test]
fn anonymous_and_refused_syncs() {
    let (server, _, _) = start();

    // No token: the public catalog and listing, secrets as "???".
    let mut cache = Cache::open_in_memory().unwrap();
    let report = sync::run(&mut cache, &transport(&server.base_url(), None), false, now()).unwrap();
    assert_eq!(report.requests, 2);
    let data = Dataset::load(&cache).unwrap();
    assert!(data.user.is_none());
    let board = Board::build(&data, now(), 0);
    let hidden: Vec<_> = board.badges.iter().filter(|b| b.kind == Kind::Hidden).collect();
    assert_eq!(hidden.len(), 1);
    assert_eq!(hidden[0].name, "???");
    assert!(board.get("unbroken").is_none());

    // A bad token: refused, and nothing is cached.
    let mut cache = Cache::open_in_memory().unwrap();
    let err = sync::run(&mut cache, &transport(&server.base_url(), Some("not-a-token")), true, now()).unwrap_err();
    assert!(matches!(err, SyncError::Unauthorized { .. }), "{err}");
    assert!(err.to_string().contains("achievements-tui login"));
    assert_eq!(cache.meta().unwrap().generation, 0);
    server.stop_blocking();
}

/// The command line: `login` writes the config (XDG_CONFIG_HOME), `sync`
/// uses it and the data dir (XDG_DATA_HOME), and a corrupt cache file is
/// moved aside and rebuilt, with a message.
#[test]
fn login_sync_and_a_corrupt_cache_through_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let (server, token, service) = start();
    post_events(&server, &service, &activity(), "a");
    let config = dir.path().join("config");
    let data = dir.path().join("data");
    let run = |args: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_achievements-tui"))
            .args(args)
            .env("XDG_CONFIG_HOME", &config)
            .env("XDG_DATA_HOME", &data)
            .env_remove("ACHIEVEMENTS_SERVER")
            .env_remove("ACHIEVEMENTS_TOKEN")
            .output()
            .unwrap();
        let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
        (output.status.success(), text)
    };

    let (ok, text) = run(&["login", "--server", &server.base_url(), "--token", "wrong"]);
    assert!(!ok && text.contains("refused the token"), "{text}");
    assert!(!config.join("achievements-tui/config.json").exists());

    let (ok, text) = run(&["login", "--server", &format!("{}/api/v1/", server.base_url()), "--token", &token]);
    assert!(ok && text.contains("as ann"), "{text}");
    let saved: Value =
        serde_json::from_str(&std::fs::read_to_string(config.join("achievements-tui/config.json")).unwrap()).unwrap();
    assert_eq!(saved["server"], server.base_url());

    let (ok, text) = run(&["sync"]);
    assert!(ok && text.contains("as ann: 8/23 badges earned"), "{text}");
    let cache_file = data.join("achievements-tui/cache.sqlite");
    assert!(cache_file.exists());

    // Garbage where the cache was: moved aside, rebuilt, synced again.
    std::fs::write(&cache_file, b"definitely not a SQLite database, just some text".repeat(100)).unwrap();
    let (ok, text) = run(&["sync"]);
    assert!(ok && text.contains("could not be used") && text.contains(".broken"), "{text}");
    assert!(text.contains("8/23 badges earned"), "{text}");
    assert!(data.join("achievements-tui/cache.sqlite.broken").exists());

    // The interface refuses to start without a terminal, politely.
    let (ok, text) = run(&["--offline"]);
    assert!(!ok && text.contains("needs a terminal"), "{text}");

    let (ok, text) = run(&["logout"]);
    assert!(ok && text.contains("Forgot"), "{text}");
    let (ok, text) = run(&["sync"]);
    assert!(!ok && text.contains("no server"), "{text}");
    server.stop_blocking();
}
