//! The backends side by side, in one run on one machine: durable intake
//! (1,000-event batches; single events from 1 and from 32 clients) and
//! `GET /api/v1/achievements/` at 50 clients, for
//!
//! - SQLite (one instance: its only deployment),
//! - PostgreSQL with one instance,
//! - PostgreSQL with two instances on the same database, the clients
//!   alternating between them (as behind a load balancer),
//!
//! all with the release binary over loopback HTTP, every event for one user
//! (the worst case for per-user locking).
//!
//! Run: `ACHIEVEMENTS_TEST_POSTGRES=$(scripts/postgres.sh) cargo bench -p
//! achievements-server --bench backends`. Without the variable only SQLite
//! runs. Prints a Markdown table for BENCHMARKS.md.

#![allow(clippy::unwrap_used)]

mod common;

use achievements_server::store::Location;
use achievements_testkit::{NOW, ServeProcess, TestPostgres, accounts, binary};
use common::{Target, measure_gets, post, rate};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const SINGLE_SEQUENTIAL: usize = 1_000;
const SINGLE_CONCURRENT: usize = 6_400;
const SINGLE_CLIENTS: usize = 32;
const BATCHES: usize = 30;
const BATCH_SIZE: usize = 1_000;
const GETS_PER_CLIENT_AT_50: usize = 100;
const GET_CLIENTS: usize = 50;

/// One column of the table.
struct Column {
    title: &'static str,
    /// The running instances.
    instances: Vec<ServeProcess>,
    service: String,
    /// The demo user's token (a user with progress).
    user: String,
    /// Kept until the end: dropping them drops the database.
    _database: (Option<tempfile::TempDir>, Option<TestPostgres>),
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("backends bench: skipped (run with `cargo bench`)");
        return;
    }
    let mut columns = vec![sqlite_column()];
    match std::env::var("ACHIEVEMENTS_TEST_POSTGRES") {
        Ok(admin) if !admin.is_empty() => {
            columns.push(postgres_column(&admin, "PostgreSQL, 1 instance", 1));
            columns.push(postgres_column(&admin, "PostgreSQL, 2 instances", 2));
        }
        _ => eprintln!("ACHIEVEMENTS_TEST_POSTGRES is not set: SQLite only"),
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let mut table: Vec<(String, Vec<String>)> = Vec::new();
    for (n, column) in columns.iter().enumerate() {
        eprintln!("== {}", column.title);
        for (row, (label, result)) in runtime.block_on(measure(column)).into_iter().enumerate() {
            if n == 0 {
                table.push((label, Vec::new()));
            }
            table[row].1.push(result);
        }
    }
    println!("\n| Measure | {} |", columns.iter().map(|c| c.title).collect::<Vec<_>>().join(" | "));
    println!("|---|{}", "---|".repeat(columns.len()));
    for (label, results) in table {
        println!("| {label} | {} |", results.join(" | "));
    }
    for column in columns {
        for instance in column.instances {
            instance.terminate(Duration::from_secs(60));
        }
    }
}

fn sqlite_column() -> Column {
    let dir = tempfile::Builder::new().prefix("achievements-bench").tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let location = Location::File(dir.path().join("bench.db"));
    let (instances, service, user) = start(&location, 1);
    Column { title: "SQLite", instances, service, user, _database: (Some(dir), None) }
}

fn postgres_column(admin: &str, title: &'static str, instances: usize) -> Column {
    let db = TestPostgres::create(admin).unwrap();
    let location = Location::Postgres(db.url().to_owned());
    let (instances, service, user) = start(&location, instances);
    Column { title, instances, service, user, _database: (None, Some(db)) }
}

/// Starts `n` instances on `location` (the first with `--demo`), and makes
/// the bench's user and service.
fn start(location: &Location, n: usize) -> (Vec<ServeProcess>, String, String) {
    let arg = match location {
        Location::File(path) => path.clone().into_os_string(),
        Location::Postgres(url) => url.into(),
    };
    let now = NOW.parse().unwrap();
    accounts::add_user(location.clone(), "bench", "UTC", false, now);
    let service = accounts::add_service(location.clone(), "bench", now);
    let first = ServeProcess::spawn(binary!(), &arg, &["--demo"]);
    let user = first.printed.iter().find_map(|l| l.strip_prefix("demo token: ")).unwrap().to_owned();
    let mut instances = vec![first];
    instances.extend((1..n).map(|_| ServeProcess::spawn(binary!(), &arg, &[])));
    (instances, service, user)
}

async fn measure(column: &Column) -> Vec<(String, String)> {
    let http = reqwest::Client::builder().no_proxy().pool_max_idle_per_host(64).build().unwrap();
    let urls: Vec<String> = column.instances.iter().map(|i| i.url("/api/v1/events/")).collect();
    let url = |n: usize| urls[n % urls.len()].clone();
    let event =
        |id: String| json!({"id": id, "user": "bench", "type": "project_created", "at": "2026-03-10T10:00:00Z"});
    let service = column.service.as_str();
    let mut rows = Vec::new();

    for i in 0..200 {
        post(&http, &url(i), service, &event(format!("warm-{i}"))).await;
    }
    let start = Instant::now();
    for i in 0..SINGLE_SEQUENTIAL {
        post(&http, &url(i), service, &event(format!("s-{i}"))).await;
    }
    rows.push(rate("Intake, single events, 1 client", SINGLE_SEQUENTIAL, SINGLE_SEQUENTIAL, start.elapsed()));

    let per_client = SINGLE_CONCURRENT / SINGLE_CLIENTS;
    let start = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..SINGLE_CLIENTS {
        let (http, url, service) = (http.clone(), url(c), service.to_owned());
        tasks.push(tokio::spawn(async move {
            for i in 0..per_client {
                let body = json!({"id": format!("c{c}-{i}"), "user": "bench", "type": "project_created", "at": "2026-03-10T10:00:00Z"});
                post(&http, &url, &service, &body).await;
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let n = per_client * SINGLE_CLIENTS;
    rows.push(rate(&format!("Intake, single events, {SINGLE_CLIENTS} clients"), n, n, start.elapsed()));

    let batches: Vec<Value> = (0..BATCHES)
        .map(|b| json!({"events": (0..BATCH_SIZE).map(|i| event(format!("b{b}-{i}"))).collect::<Vec<_>>()}))
        .collect();
    let start = Instant::now();
    for (b, batch) in batches.iter().enumerate() {
        post(&http, &url(b), service, batch).await;
    }
    rows.push(rate(
        &format!("Intake, {BATCH_SIZE}-event batches, 1 client"),
        BATCHES,
        BATCHES * BATCH_SIZE,
        start.elapsed(),
    ));

    let lists: Vec<Target> =
        column.instances.iter().map(|i| Target::List(i.url("/api/v1/achievements/"), column.user.clone())).collect();
    for target in &lists {
        for _ in 0..200 {
            common::fetch(&http, target).await;
        }
    }
    rows.push(
        measure_gets(&http, &lists, GET_CLIENTS, GETS_PER_CLIENT_AT_50, "`GET achievements/`, user with progress")
            .await,
    );
    rows.into_iter().map(|(label, _, result)| (label, result)).collect()
}
