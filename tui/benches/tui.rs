//! Budgets of the terminal app (issue 6), with 10,000 badges:
//!
//! - a full sync over loopback from a real `achievements serve` (in this
//!   process, temporary database: the workspace's test kit) into an empty
//!   cache file: ≤ 1 s;
//! - the first frame from that cache (open, read, build the list, draw a
//!   120×40 frame): ≤ 50 ms;
//! - peak memory (VmHWM) of each, measured in a child process that does
//!   only that.
//!
//! Run: `cargo bench -p achievements-tui --bench tui` (add `-- --quick`
//! for fewer rounds). Prints a Markdown table for BENCHMARKS.md.

#![allow(clippy::unwrap_used, clippy::print_stdout)]

use achievements_testkit::{CatalogSource, Clock, Setup, TestServer};
use achievements_tui::app::{App, Link, Settings};
use achievements_tui::badges::Board;
use achievements_tui::cache::{Cache, Stored};
use achievements_tui::dataset::Dataset;
use achievements_tui::glyphs::Glyphs;
use achievements_tui::http::{HttpTransport, ServerUrl};
use achievements_tui::palette::ColorMode;
use achievements_tui::resource::Resource;
use achievements_tui::sync::{self, Transport};
use jiff::Timestamp;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const BADGES: usize = 10_000;
const FIELDS: usize = 20;
const NOW: &str = "2026-03-20T12:00:00Z";

fn now() -> Timestamp {
    NOW.parse().unwrap()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| args.iter().position(|a| a == name).map(|i| args[i + 1].clone());
    if let Some(cache) = arg("--profile-first-frame") {
        profile_first_frame(Path::new(&cache));
        return;
    }
    if let Some(cache) = arg("--child-first-frame") {
        child_first_frame(Path::new(&cache));
        return;
    }
    if let (Some(url), Some(token), Some(cache)) = (arg("--child-sync"), arg("--token"), arg("--cache")) {
        child_sync(&url, &token, Path::new(&cache));
        return;
    }
    let quick = args.iter().any(|a| a == "--quick");
    let rounds = if quick { 3 } else { 7 };
    run(rounds, arg("--keep-cache").map(PathBuf::from));
}

/// A catalog of `BADGES` count badges over `FIELDS` fields, across the six
/// categories, 1 % secret, every tenth requiring the one before.
fn catalog() -> Value {
    let icons = ["faRocket", "faTrophy", "faStar", "faFire", "faGem", "faMedal", "faBolt", "faCrown"];
    let colors = ["blue-500", "green-600", "amber-500", "red-600", "purple-600", "orange-700", "sky-500", "rose-500"];
    let categories = ["projects", "battles", "community", "engagement", "streaks", "milestones"];
    let rarities = ["common", "rare", "epic", "legendary"];
    let mut events = serde_json::Map::new();
    for f in 0..FIELDS {
        events.insert(format!("event_{f}"), json!([{"field": format!("field_{f}"), "op": "add"}]));
    }
    events.insert("points_earned".to_owned(), json!([{"field": "total_points", "op": "add"}]));
    let achievements: Vec<Value> = (0..BADGES)
        .map(|i| {
            let requires: Vec<String> = if i % 10 == 9 { vec![format!("badge_{:05}", i - 1)] } else { vec![] };
            json!({
                "key": format!("badge_{i:05}"),
                "name": format!("Badge number {i}"),
                "description": format!("Reach {} on field {} to earn badge {i}", 1 + i % 1000, i % FIELDS),
                "icon": icons[i % icons.len()],
                "color_from": colors[i % colors.len()],
                "color_to": colors[(i + 3) % colors.len()],
                "category": categories[i % categories.len()],
                "points": 5 + (i % 20) as i64 * 5,
                "criteria_type": "count",
                "criteria_value": 1 + (i % 1000) as i64,
                "tracking_field": format!("field_{}", i % FIELDS),
                "requires_achievements": requires,
                "is_secret": i % 100 == 42,
                "rarity": rarities[i % rarities.len()],
                "order": i as i64,
                "is_active": true,
            })
        })
        .collect();
    json!({"version": 1, "points_field": "total_points", "events": events, "achievements": achievements})
}

/// The server with the catalog above, its clock at `NOW`.
fn start_server(dir: &Path) -> TestServer {
    let file = dir.join("catalog.json");
    std::fs::write(&file, catalog().to_string()).unwrap();
    TestServer::start_blocking(Setup {
        clock: Clock::fixed(now().into()),
        catalog: CatalogSource::File(file),
        ..Setup::default()
    })
}

/// A user who has earned about half of the badges.
fn user(server: &TestServer) -> String {
    let token = server.add_user("bench", "UTC", false);
    let service = server.add_service("bench");
    let events: Vec<Value> = (0..FIELDS)
        .map(|f| json!({"id": format!("e{f}"), "user": "bench", "type": format!("event_{f}"), "value": 500, "at": "2026-03-19T10:00:00Z"}))
        .collect();
    let results = server.post_events_blocking(&service, &json!({ "events": events }));
    let applied = results.iter().filter(|r| r["status"] == "applied").count();
    assert_eq!(applied, FIELDS, "{results:?}");
    token
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Runs this bench binary as a child doing one thing; returns its report
/// line (`key=value …`).
fn child(args: &[&str]) -> Vec<(String, String)> {
    let out = Command::new(std::env::current_exe().unwrap()).args(args).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .filter_map(|kv| kv.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())))
        .collect()
}

fn value(report: &[(String, String)], key: &str) -> f64 {
    report.iter().find(|(k, _)| k == key).map(|(_, v)| v.parse().unwrap()).unwrap()
}

fn run(rounds: usize, keep: Option<PathBuf>) {
    let load_before = load_average();
    let dir = tempfile::tempdir().unwrap();
    eprintln!("starting a server with {BADGES} badges…");
    let started = Instant::now();
    let server = start_server(dir.path());
    let url = server.base_url();
    let token = user(&server);
    eprintln!("server ready in {:.1} s", started.elapsed().as_secs_f64());

    // Baseline: the same five GETs, bodies read and dropped.
    let transport = HttpTransport::new(ServerUrl::parse(&url).unwrap(), Some(token.clone())).unwrap();
    let mut raw = Vec::new();
    let mut bytes = 0;
    for _ in 0..rounds {
        let t = Instant::now();
        bytes = 0;
        for r in Resource::ALL {
            bytes += transport.get(r.path(), None).unwrap().body.len();
        }
        raw.push(ms(t.elapsed()));
    }

    // Full syncs into fresh cache files, each in a child process.
    let mut syncs = Vec::new();
    let mut ready = Vec::new();
    let mut sync_memory = Vec::new();
    let mut last_cache = PathBuf::new();
    for round in 0..rounds {
        let cache = dir.path().join(format!("cache-{round}.sqlite"));
        let report = child(&["--child-sync", &url, "--token", &token, "--cache", cache.to_str().unwrap()]);
        syncs.push(value(&report, "sync_ms"));
        ready.push(value(&report, "ready_ms"));
        sync_memory.push(value(&report, "vmhwm_kib"));
        last_cache = cache;
    }
    // A second sync of an up-to-date cache (catalog 304).
    let mut again = Vec::new();
    let mut generation = 0;
    let (mut cache, _) = Cache::open(&last_cache).unwrap();
    for _ in 0..rounds {
        let t = Instant::now();
        let report = sync::run(&mut cache, &transport, true, now()).unwrap();
        again.push(ms(t.elapsed()));
        assert!(report.catalog_unchanged);
        generation = report.generation;
    }
    // Cache the list again for this generation, as the sync thread does.
    achievements_tui::worker::ready(&mut cache, generation, now()).unwrap();
    drop(cache);
    server.stop_blocking();

    // First frames from the cache, each in a child process.
    let mut frames = Vec::new();
    let mut full_loads = Vec::new();
    let mut first_memory = Vec::new();
    let mut frame_memory = Vec::new();
    let mut earned = 0.0;
    for _ in 0..rounds {
        let report = child(&["--child-first-frame", last_cache.to_str().unwrap()]);
        frames.push(value(&report, "first_frame_ms"));
        full_loads.push(value(&report, "full_ms"));
        first_memory.push(value(&report, "first_vmhwm_kib"));
        frame_memory.push(value(&report, "vmhwm_kib"));
        earned = value(&report, "earned");
    }
    let empty = child(&["--child-first-frame", "-"]);
    if let Some(keep) = keep {
        std::fs::copy(&last_cache, keep).unwrap();
    }
    let cache_size = std::fs::metadata(&last_cache).map(|m| m.len()).unwrap_or(0);

    let mib = |kib: f64| kib / 1024.0;
    println!();
    println!(
        "{BADGES} badges ({earned} earned), {:.1} MB over the wire, cache file {:.1} MB; median of {rounds} runs; \
         load average {load_before} at the start, {} at the end.",
        bytes as f64 / 1e6,
        cache_size as f64 / 1e6,
        load_average()
    );
    println!();
    println!("| case | target | measured | peak memory (VmHWM) |");
    println!("| --- | --- | --- | --- |");
    println!(
        "| full sync into an empty cache (5 GETs, checks, one SQLite transaction) | ≤ 1 s | **{:.0} ms** | {:.0} MiB |",
        median(syncs),
        mib(median(sync_memory.clone()))
    );
    println!(
        "| … and ready to show (read back, catalog compiled by the core, list built and cached) | | {:.0} ms | (same process) |",
        median(ready)
    );
    println!("| sync again, nothing changed (catalog answers 304) | | {:.0} ms | |", median(again));
    println!("| baseline: the same 5 GETs, bodies dropped | | {:.0} ms | |", median(raw));
    println!(
        "| first frame from the cache (open, header, cached list, draw 120×40) | ≤ 50 ms | **{:.1} ms** | {:.0} MiB |",
        median(frames),
        mib(median(first_memory))
    );
    println!(
        "| … then the data in full, in the background (catalog compiled by the core), redrawn | | {:.0} ms | {:.0} MiB |",
        median(full_loads),
        mib(median(frame_memory))
    );
    println!(
        "| baseline: first frame of an empty app (no cache) | | {:.1} ms | {:.0} MiB |",
        value(&empty, "first_frame_ms"),
        mib(value(&empty, "vmhwm_kib"))
    );
}

/// The 1-minute load average (Linux; "?" elsewhere).
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".to_owned())
}

/// Peak resident memory of this process, KiB (Linux; 0 elsewhere).
fn vmhwm_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn child_sync(url: &str, token: &str, cache_path: &Path) {
    let transport = HttpTransport::new(ServerUrl::parse(url).unwrap(), Some(token.to_owned())).unwrap();
    let t = Instant::now();
    let (mut cache, _) = Cache::open(cache_path).unwrap();
    let report = sync::run(&mut cache, &transport, true, now()).unwrap();
    let synced = t.elapsed();
    assert!(!report.catalog_unchanged);
    // What the sync thread does next: read it all back (the core compiles
    // the catalog), cache the list for the next start, show it.
    let data = achievements_tui::worker::ready(&mut cache, report.generation, now()).unwrap();
    assert!(data.rules.is_some() && data.problems.is_empty(), "{:?}", data.problems);
    let app = App::new(data, Settings::default(), Link::Server, now(), (120, 40));
    let ready = t.elapsed();
    assert!(app.board().badges.len() >= BADGES - BADGES / 100);
    println!("sync_ms={:.3} ready_ms={:.3} vmhwm_kib={}", ms(synced), ms(ready), vmhwm_kib());
}

/// What the interactive start does before its first frame (cli.rs): open
/// the cache, read the header and the cached list, build the app, draw.
fn child_first_frame(cache_path: &Path) {
    let settings = Settings { glyphs: Glyphs::UNICODE, colors: ColorMode::TrueColor };
    let t = Instant::now();
    let (header, board, cache) = if cache_path == Path::new("-") {
        (Dataset::empty(achievements_tui::dataset::Origin::Server { url: None }), vec![], None)
    } else {
        let (cache, _) = Cache::open(cache_path).unwrap();
        let header = Dataset::load_header(&cache).unwrap();
        let board = cache.board().unwrap().expect("the sync cached the list");
        assert!(board.len() >= BADGES - BADGES / 100, "{} badges cached", board.len());
        (header, board, Some(cache))
    };
    let mut app = App::loading(header, Board::from_sorted(board), settings, Link::Offline, now(), (120, 40));
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    terminal.draw(|frame| achievements_tui::ui::render(&app, frame)).unwrap();
    let first = t.elapsed();
    let first_kib = vmhwm_kib();
    // Then what the cache thread does meanwhile: the data in full, with the
    // core's compiled catalog (previews, explanations, today's streaks).
    let loaded = match &cache {
        Some(cache) => Dataset::load(cache).unwrap(),
        None => Dataset::empty(achievements_tui::dataset::Origin::Server { url: None }),
    };
    app.on_event(achievements_tui::event::AppEvent::Loaded(Box::new(loaded)));
    terminal.draw(|frame| achievements_tui::ui::render(&app, frame)).unwrap();
    let full = t.elapsed();
    let earned = app.board().counts(None).0;
    println!(
        "first_frame_ms={:.3} first_vmhwm_kib={first_kib} full_ms={:.3} vmhwm_kib={} earned={earned}",
        ms(first),
        ms(full),
        vmhwm_kib()
    );
}

/// Where the first frame's time goes (for tuning; not part of the report).
fn profile_first_frame(cache_path: &Path) {
    let mut t = Instant::now();
    let mut lap = |what: &str| {
        eprintln!("{what:>28}: {:8.2} ms", ms(t.elapsed()));
        t = Instant::now();
    };
    {
        let conn = rusqlite::Connection::open(cache_path).unwrap();
        lap("raw open");
        let mut stmt = conn.prepare("SELECT * FROM board ORDER BY position").unwrap();
        let mut rows = stmt.query([]).unwrap();
        let mut n = 0usize;
        while let Some(row) = rows.next().unwrap() {
            n += row.get_ref(2).map(|v| v.as_str().map_or(0, str::len)).unwrap_or(0);
        }
        lap(&format!("raw scan of the list ({n})"));
    }
    let (cache, _) = Cache::open(cache_path).unwrap();
    lap("open");
    let header = Dataset::load_header(&cache).unwrap();
    lap("header");
    let board = cache.board().unwrap().unwrap_or_default();
    lap("cached list");
    let app = App::loading(header, Board::from_sorted(board), Settings::default(), Link::Offline, now(), (120, 40));
    lap("app from the cached list");
    let data = Dataset::load(&cache).unwrap();
    lap("dataset in full (core load)");
    let documents: HashMap<Resource, Stored> =
        Resource::ALL.into_iter().filter_map(|r| Some((r, cache.document(r).unwrap()?))).collect();
    lap("all documents");
    let _ = app;
    let app = App::new(data, Settings::default(), Link::Offline, now(), (120, 40));
    lap("app (board from the core)");
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    terminal.draw(|frame| achievements_tui::ui::render(&app, frame)).unwrap();
    lap("draw");
    let Some(Stored::Body { body, .. }) = documents.get(&Resource::Catalog) else {
        return;
    };
    let loaded = achievements_core::load_catalog(body).unwrap();
    lap("  core load_catalog");
    let engine = achievements_core::Engine::new(loaded.catalog);
    lap("  core Engine::new");
    let _ = engine;
    for r in [Resource::Me, Resource::Achievements, Resource::Earned] {
        if let Some(Stored::Body { body, .. }) = documents.get(&r) {
            let _: Value = serde_json::from_str(body).unwrap();
            lap(&format!("  parse {} as Value", r.name()));
        }
    }
}
