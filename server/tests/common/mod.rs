//! A real server on port 0 over a temporary SQLite file, and an HTTP client
//! for it. Every test gets its own server and database.

#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use achievements_core::Instant;
use achievements_server::catalog_file::CatalogSource;
use achievements_server::clock::Clock;
use achievements_server::serve::{ServeOptions, Server};
use achievements_server::store::{self, users};
use reqwest::StatusCode;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use tempfile::TempDir;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A fixed "now" for tests whose answers depend on the day.
pub const NOW: &str = "2026-03-20T12:00:00Z";

pub fn now() -> Instant {
    NOW.parse().unwrap()
}

pub struct TestServer {
    pub base: String,
    pub addr: SocketAddr,
    pub dir: TempDir,
    pub client: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

/// How to start a [`TestServer`].
pub struct Setup {
    pub clock: Clock,
    pub catalog: CatalogSource,
    pub www: Option<PathBuf>,
    pub demo: bool,
}

impl Default for Setup {
    fn default() -> Self {
        Setup { clock: Clock::fixed(now()), catalog: CatalogSource::Shipped, www: None, demo: false }
    }
}

impl TestServer {
    /// A server with the shipped catalog and the clock fixed at [`NOW`].
    pub async fn start() -> Self {
        Self::start_with(Setup::default()).await
    }

    pub async fn start_with(setup: Setup) -> Self {
        Self::start_in(tempfile::tempdir().unwrap(), setup).await
    }

    /// A server over `dir/test.db` (to restart one over the same database).
    pub async fn start_in(dir: TempDir, setup: Setup) -> Self {
        let options = ServeOptions {
            db: dir.path().join("test.db"),
            bind: "127.0.0.1:0".parse().unwrap(),
            catalog: setup.catalog,
            www: setup.www,
            demo: setup.demo,
            clock: setup.clock,
        };
        let server = Server::start(options).await.unwrap();
        let addr = server.local_addr();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            server
                .run(async move {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
        });
        TestServer {
            base: format!("http://{addr}"),
            addr,
            dir,
            client: reqwest::Client::builder().no_proxy().build().unwrap(),
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// Shuts down gracefully; returns the folder (and database) for reuse.
    pub async fn stop(mut self) -> TempDir {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.unwrap();
        }
        tempfile::tempdir().map(|spare| std::mem::replace(&mut self.dir, spare)).unwrap()
    }

    pub fn db_path(&self) -> PathBuf {
        self.dir.path().join("test.db")
    }

    /// A second connection to the server's database, for checking rows.
    pub fn db(&self) -> rusqlite::Connection {
        store::open(&self.db_path()).unwrap()
    }

    pub fn count(&self, sql: &str) -> i64 {
        self.db().query_row(sql, [], |r| r.get(0)).unwrap()
    }

    /// Creates a user and returns a token for them.
    pub fn add_user(&self, name: &str, timezone: &str, is_admin: bool) -> String {
        let conn = self.db();
        let user = users::create_user(&conn, name, timezone, is_admin, now()).unwrap();
        users::add_token(&conn, users::TokenFor::User(&user), now()).unwrap()
    }

    /// Creates a service token.
    pub fn add_service(&self, name: &str) -> String {
        users::add_token(&self.db(), users::TokenFor::Service(name), now()).unwrap()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        let mut request = self.client.get(self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        read(request.send().await.unwrap()).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> (StatusCode, Value) {
        let mut request = self.client.post(self.url(path)).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        read(request.send().await.unwrap()).await
    }

    /// Posts events with a service token; asserts 200 and returns the results.
    pub async fn post_events(&self, service: &str, body: &Value) -> Vec<Value> {
        let (status, answer) = self.post("/api/v1/events/", Some(service), body).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        answer["results"].as_array().unwrap().clone()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Status and JSON body (`Null` for an empty body).
pub async fn read(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    let bytes = response.bytes().await.unwrap();
    if bytes.is_empty() {
        return (status, Value::Null);
    }
    let value = serde_json::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&bytes)));
    (status, value)
}

/// An event `{"id", "user", "type", "at"}` (value 1 by default).
pub fn event(id: &str, user: &str, event_type: &str, at: &str) -> Value {
    serde_json::json!({"id": id, "user": user, "type": event_type, "at": at})
}

/// The keys of a list of items.
pub fn keys(items: &Value) -> Vec<String> {
    items.as_array().unwrap().iter().map(|i| i["key"].as_str().unwrap().to_owned()).collect()
}

/// The `achievements` binary.
pub fn binary() -> Command {
    Command::new(env!("CARGO_BIN_EXE_achievements"))
}

/// `achievements serve` as a child process on port 0; returns it with its
/// address and the standard-output lines before `listening on`. The caller
/// kills and waits for it.
#[allow(clippy::zombie_processes)]
pub fn spawn_serve(db: &Path, extra: &[&str]) -> (Child, SocketAddr, Vec<String>) {
    let mut child = binary()
        .args(["serve", "--bind", "127.0.0.1:0", "--db"])
        .arg(db)
        .args(extra)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut before = Vec::new();
    loop {
        let line = lines.next().expect("the server printed its address").unwrap();
        if let Some(addr) = line.strip_prefix("listening on http://") {
            // Keep draining stdout so the child never blocks on a full pipe.
            std::thread::spawn(move || lines.for_each(drop));
            return (child, addr.parse().unwrap(), before);
        }
        before.push(line);
    }
}
