//! The backends side by side, in one run on one machine, with the release
//! binary over loopback HTTP:
//!
//! - durable intake: single events from 1 client; from 32 clients, all for
//!   one user (a hot user, the worst case for per-user order) and each for
//!   a user of its own; 1,000-event batches from 1 client, and from 4
//!   clients each over users of its own;
//! - `GET /api/v1/achievements/` at 50 clients;
//!
//! for SQLite (one instance: its only deployment), PostgreSQL with one
//! instance, and PostgreSQL with two instances on the same database, the
//! clients spread over them as behind a load balancer. On PostgreSQL the
//! 32-client rows also give the requests per commit, from the database's
//! own statistics: the group commit at work.
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
/// Users besides `bench`, for the loads spread over users.
const USERS: usize = 32;
/// Clients posting batches at once, each to users of its own.
const BATCH_CLIENTS: usize = 4;

/// One column of the table.
struct Column {
    title: &'static str,
    /// The running instances.
    instances: Vec<ServeProcess>,
    service: String,
    /// The demo user's token (a user with progress).
    user: String,
    /// The PostgreSQL database's URL, to count its commits.
    postgres: Option<String>,
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
    Column { title: "SQLite", instances, service, user, postgres: None, _database: (Some(dir), None) }
}

fn postgres_column(admin: &str, title: &'static str, instances: usize) -> Column {
    let db = TestPostgres::create(admin).unwrap();
    let location = Location::Postgres(db.url().to_owned());
    let (instances, service, user) = start(&location, instances);
    let postgres = Some(db.url().to_owned());
    Column { title, instances, service, user, postgres, _database: (None, Some(db)) }
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
    for n in 0..USERS {
        accounts::add_user(location.clone(), &format!("bench-{n}"), "UTC", false, now);
    }
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

    rows.push(
        concurrent_singles(column, &http, &urls, "one user (a hot user: the worst case)", |_| "bench".to_owned()).await,
    );
    rows.push(concurrent_singles(column, &http, &urls, "a user each", |c| format!("bench-{c}")).await);

    let batches: Vec<Value> = (0..BATCHES)
        .map(|b| json!({"events": (0..BATCH_SIZE).map(|i| event(format!("b{b}-{i}"))).collect::<Vec<_>>()}))
        .collect();
    let start = Instant::now();
    for (b, batch) in batches.iter().enumerate() {
        post(&http, &url(b), service, batch).await;
    }
    rows.push(rate(
        &format!("Intake, {BATCH_SIZE}-event batches, 1 client, one user"),
        BATCHES,
        BATCHES * BATCH_SIZE,
        start.elapsed(),
    ));

    // Batches from several clients at once, each over users of its own
    // (client k: the users n with n % BATCH_CLIENTS == k).
    let start = Instant::now();
    let mut tasks = Vec::new();
    for k in 0..BATCH_CLIENTS {
        let (http, url, service) = (http.clone(), url(k), service.to_owned());
        tasks.push(tokio::spawn(async move {
            for b in (k..BATCHES).step_by(BATCH_CLIENTS) {
                let events: Vec<Value> = (0..BATCH_SIZE)
                    .map(|i| {
                        let user = format!("bench-{}", (i * BATCH_CLIENTS + k) % USERS);
                        json!({"id": format!("p{b}-{i}"), "user": user, "type": "project_created", "at": "2026-03-10T10:00:00Z"})
                    })
                    .collect();
                post(&http, &url, &service, &json!({"events": events})).await;
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    rows.push(rate(
        &format!("Intake, {BATCH_SIZE}-event batches, {BATCH_CLIENTS} clients, users of their own"),
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

/// [`SINGLE_CLIENTS`] clients posting single events at once, client `c`
/// for the user `user(c)`, spread over the instances; with the requests
/// per commit on PostgreSQL (the group commit at work, from the database's
/// own statistics).
async fn concurrent_singles(
    column: &Column,
    http: &reqwest::Client,
    urls: &[String],
    users: &str,
    user: impl Fn(usize) -> String,
) -> (String, usize, String) {
    let per_client = SINGLE_CONCURRENT / SINGLE_CLIENTS;
    let before = commits(column).await;
    let start = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..SINGLE_CLIENTS {
        let (http, url, service, user) = (http.clone(), urls[c % urls.len()].clone(), column.service.clone(), user(c));
        tasks.push(tokio::spawn(async move {
            for i in 0..per_client {
                let body = json!({"id": format!("{user}-c{c}-{i}"), "user": user, "type": "project_created", "at": "2026-03-10T10:00:00Z"});
                post(&http, &url, &service, &body).await;
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let n = per_client * SINGLE_CLIENTS;
    let mut row = rate(&format!("Intake, single events, {SINGLE_CLIENTS} clients, {users}"), n, n, start.elapsed());
    if let (Some(before), Some(after)) = (before, commits(column).await) {
        let per_commit = n as f64 / (after - before).max(1) as f64;
        eprintln!("{per_commit:.1} requests per commit");
        row.2 = format!("{}; {per_commit:.1} requests per commit", row.2);
    }
    row
}

/// Transactions committed in the column's PostgreSQL database so far (its
/// statistics are flushed at most a second late: wait for them).
async fn commits(column: &Column) -> Option<i64> {
    let url = column.postgres.clone()?;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let sql = "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()";
    Some(
        tokio::task::spawn_blocking(move || achievements_testkit::postgres::query_i64(&url, sql))
            .await
            .unwrap()
            .unwrap(),
    )
}
