//! Webhooks over real HTTP: a receiver on loopback (a small axum server in
//! this test) gets each unlock as a signed POST, retried until it answers
//! 2xx, after a restart too; backfill comes as one delivery; two instances
//! on PostgreSQL send each delivery once; the admin API and the command
//! line register, list and remove endpoints. On both backends
//! (`ACHIEVEMENTS_TEST_BACKEND=postgres`).

#![allow(clippy::unwrap_used)]

use achievements_server::platform::PlatformOptions;
use achievements_server::webhooks::WebhookOptions;
use achievements_testkit::{Kept, Setup, TestPostgres, TestServer, binary, event};
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use axum::routing::post;
use hmac::{Hmac, KeyInit, Mac};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::Sha256;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

const AT: &str = "2026-03-20T10:00:00Z";
const SECRET: &str = "whsec-test-0123456789";

/// One POST the receiver got.
#[derive(Clone, Debug)]
struct Got {
    delivery: String,
    signature: String,
    timestamp: String,
    body: Bytes,
    /// What the receiver answered.
    answered: u16,
}

impl Got {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

#[derive(Clone, Default)]
struct Script {
    got: Arc<Mutex<Vec<Got>>>,
    /// Attempts answered 500 before the first 200.
    fail_first: usize,
}

/// A webhook receiver on loopback.
struct Receiver {
    addr: SocketAddr,
    script: Script,
    task: JoinHandle<()>,
}

impl Receiver {
    async fn start(fail_first: usize) -> Self {
        Self::start_on(SocketAddr::from(([127, 0, 0, 1], 0)), fail_first).await
    }

    async fn start_on(addr: SocketAddr, fail_first: usize) -> Self {
        let listener = TcpListener::bind(addr).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let script = Script { got: Arc::default(), fail_first };
        let app = Router::new().route("/hook", post(hook)).with_state(script.clone());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Receiver { addr, script, task }
    }

    fn url(&self) -> String {
        format!("http://{}/hook", self.addr)
    }

    fn got(&self) -> Vec<Got> {
        self.script.got.lock().unwrap().clone()
    }

    fn delivered(&self) -> Vec<Got> {
        self.got().into_iter().filter(|g| g.answered == 200).collect()
    }

    /// Waits until `n` deliveries were answered 200 (at most 20 s).
    async fn wait_delivered(&self, n: usize) -> Vec<Got> {
        let start = Instant::now();
        loop {
            let delivered = self.delivered();
            if delivered.len() >= n || start.elapsed() > Duration::from_secs(20) {
                return delivered;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    fn stop(self) {
        self.task.abort();
    }
}

async fn hook(State(script): State<Script>, headers: HeaderMap, body: Bytes) -> AxumStatus {
    let header = |name: &str| headers.get(name).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    let mut got = script.got.lock().unwrap();
    let answered = if got.len() < script.fail_first { 500 } else { 200 };
    got.push(Got {
        delivery: header("x-achievements-delivery"),
        signature: header("x-achievements-signature"),
        timestamp: header("x-achievements-timestamp"),
        body,
        answered,
    });
    AxumStatus::from_u16(answered).unwrap()
}

/// Short retries, so a test waits milliseconds, not minutes.
fn setup() -> Setup {
    Setup { platform: platform(), ..Setup::default() }
}

fn platform() -> PlatformOptions {
    PlatformOptions {
        webhooks: WebhookOptions {
            retry_base: Duration::from_millis(100),
            poll: Duration::from_millis(100),
            attempt_timeout: Duration::from_secs(2),
            ..WebhookOptions::default()
        },
        ..PlatformOptions::default()
    }
}

fn sign(body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(body);
    let hex: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

async fn register(server: &TestServer, admin: &str, url: &str) -> Value {
    let (status, added) = server
        .post("/api/v1/admin/webhooks/", Some(admin), &json!({"url": url, "secret": SECRET, "events": ["unlock"]}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    added
}

/// Waits until the outbox holds no pending delivery (at most 20 s).
async fn outbox_drained(server: &TestServer) {
    let start = Instant::now();
    while server.count("SELECT count(*) FROM webhook_deliveries WHERE status = 'pending'") > 0 {
        assert!(start.elapsed() < Duration::from_secs(20), "the outbox did not drain");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unlock_is_delivered_as_one_signed_post() {
    let receiver = Receiver::start(0).await;
    let server = TestServer::start_with(setup()).await;
    let root = server.add_user("root", "UTC", true);
    server.add_user("ann", "UTC", false);
    let service = server.add_service("platform");
    register(&server, &root, &receiver.url()).await;

    server.post_events(&service, &event("e1", "ann", "project_created", AT)).await;
    let delivered = receiver.wait_delivered(1).await;
    assert_eq!(delivered.len(), 1, "{delivered:?}");
    let got = &delivered[0];
    assert_eq!(got.signature, sign(&got.body), "the signature is HMAC-SHA256 of the body bytes");
    let body = got.json();
    assert_eq!(body["id"], got.delivery.as_str());
    assert!(got.delivery.starts_with("whd_"), "{}", got.delivery);
    assert_eq!(body["event"], "unlock");
    assert_eq!(body["timestamp"].to_string(), got.timestamp, "the signed body carries the timestamp");
    assert!(body["created"].is_string(), "{body}");
    assert_eq!(
        body["unlocks"],
        json!([{
            "user": "ann", "achievement": "first_project", "name": "First Launch", "points": 10,
            "cause": "event", "earned_at": AT
        }])
    );
    outbox_drained(&server).await;
    // A tampered body does not verify.
    assert_ne!(got.signature, sign(&[&got.body[..], b" "].concat()));
    // Nothing more comes.
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(receiver.got().len(), 1);
}

/// The sender wakes when an unlock commits, not at its next poll: with the
/// poll a minute away, three unlocks in turn are each delivered at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_commit_wakes_the_sender_without_waiting_for_its_poll() {
    let receiver = Receiver::start(0).await;
    let mut platform = platform();
    platform.webhooks.poll = Duration::from_secs(60);
    let server = TestServer::start_with(Setup { platform, ..Setup::default() }).await;
    let root = server.add_user("root", "UTC", true);
    server.add_user("ann", "UTC", false);
    let service = server.add_service("platform");
    register(&server, &root, &receiver.url()).await;
    let started = Instant::now();
    for (n, event_type) in ["project_created", "project_published", "battle_participated"].into_iter().enumerate() {
        server.post_events(&service, &event(&format!("e{n}"), "ann", event_type, AT)).await;
        assert_eq!(receiver.wait_delivered(n + 1).await.len(), n + 1);
    }
    assert!(started.elapsed() < Duration::from_secs(20), "{:?}", started.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_failing_three_times_gets_the_delivery_on_the_fourth_attempt_with_the_same_id() {
    let receiver = Receiver::start(3).await;
    let server = TestServer::start_with(setup()).await;
    let root = server.add_user("root", "UTC", true);
    server.add_user("ann", "UTC", false);
    let service = server.add_service("platform");
    register(&server, &root, &receiver.url()).await;

    let started = Instant::now();
    server.post_events(&service, &event("e1", "ann", "project_created", AT)).await;
    let delivered = receiver.wait_delivered(1).await;
    assert_eq!(delivered.len(), 1);
    let got = receiver.got();
    assert_eq!(got.iter().map(|g| g.answered).collect::<Vec<_>>(), [500, 500, 500, 200]);
    assert!(got.iter().all(|g| g.delivery == got[0].delivery), "one delivery id for every attempt");
    assert!(got.iter().all(|g| g.signature == sign(&g.body)));
    // 100 ms, then 200, then 400: the backoff doubles.
    assert!(started.elapsed() >= Duration::from_millis(700), "{:?}", started.elapsed());
    outbox_drained(&server).await;
    let (_, list) = server.get("/api/v1/admin/webhooks/", Some(&root)).await;
    assert_eq!((list["results"][0]["pending"].as_i64(), list["results"][0]["failed"].as_i64()), (Some(0), Some(0)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_is_marked_failed_after_the_retry_window_and_kept() {
    let receiver = Receiver::start(usize::MAX).await;
    let mut platform = platform();
    platform.webhooks.retry_for = Duration::from_millis(600);
    let server = TestServer::start_with(Setup { platform, ..Setup::default() }).await;
    let root = server.add_user("root", "UTC", true);
    server.add_user("ann", "UTC", false);
    let service = server.add_service("platform");
    register(&server, &root, &receiver.url()).await;
    server.post_events(&service, &event("e1", "ann", "project_created", AT)).await;

    let start = Instant::now();
    loop {
        let (_, list) = server.get("/api/v1/admin/webhooks/", Some(&root)).await;
        if list["results"][0]["failed"] == 1 {
            assert_eq!(list["results"][0]["pending"], 0);
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "never marked failed: {list}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let attempts = receiver.got().len();
    // 100 ms, 200 ms, then the last at the 600 ms mark: four attempts (fewer
    // on a slow machine, where attempts take longer).
    assert!((2..=6).contains(&attempts), "{attempts} attempts");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(receiver.got().len(), attempts, "a failed delivery is not tried again");
    assert_eq!(server.count("SELECT count(*) FROM webhook_deliveries WHERE status = 'failed'"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_survives_a_restart_while_the_receiver_is_down() {
    // A port with nobody listening: the receiver is down.
    let down = Receiver::start(0).await;
    let (addr, url) = (down.addr, down.url());
    down.stop();
    tokio::time::sleep(Duration::from_millis(50)).await;

    let server = TestServer::start_with(setup()).await;
    let root = server.add_user("root", "UTC", true);
    server.add_user("ann", "UTC", false);
    let service = server.add_service("platform");
    register(&server, &root, &url).await;
    server.post_events(&service, &event("e1", "ann", "project_created", AT)).await;
    let start = Instant::now();
    while server.count("SELECT count(*) FROM webhook_deliveries WHERE attempts >= 2") == 0 {
        assert!(start.elapsed() < Duration::from_secs(20), "no attempt was made");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let kept = server.stop().await;

    let receiver = Receiver::start_on(addr, 0).await;
    let server = TestServer::start_in(kept, setup()).await;
    let delivered = receiver.wait_delivered(1).await;
    assert_eq!(delivered.len(), 1, "the outbox survived the restart");
    assert_eq!(delivered[0].json()["unlocks"][0]["achievement"], "first_project");
    outbox_drained(&server).await;
    assert_eq!(server.count("SELECT count(*) FROM webhook_deliveries"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backfill_comes_as_one_delivery() {
    let receiver = Receiver::start(0).await;
    let server = TestServer::start_with(setup()).await;
    let root = server.add_user("root", "UTC", true);
    for name in ["ann", "bob", "cid"] {
        server.add_user(name, "UTC", false);
    }
    register(&server, &root, &receiver.url()).await;

    let file = server.dir().join("history.jsonl");
    let lines: Vec<String> = ["ann", "bob", "cid"]
        .iter()
        .enumerate()
        .flat_map(|(n, user)| (0..5).map(move |k| event(&format!("h{n}-{k}"), user, "project_created", AT).to_string()))
        .collect();
    std::fs::write(&file, lines.join("\n")).unwrap();
    let output = binary!().args(["import-events"]).arg(&file).arg("--db").arg(server.db_arg()).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));

    let earned = usize::try_from(server.count("SELECT count(*) FROM earned")).unwrap();
    assert!(earned >= 6, "each user earns first_project and 5_projects: {earned}");
    let delivered = receiver.wait_delivered(1).await;
    outbox_drained(&server).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let delivered_now = receiver.delivered();
    assert_eq!(delivered_now.len(), 1, "one delivery for the import: {delivered:?}");
    let unlocks = delivered_now[0].json()["unlocks"].as_array().unwrap().clone();
    assert_eq!(unlocks.len(), earned);
    let users: std::collections::BTreeSet<&str> = unlocks.iter().map(|u| u["user"].as_str().unwrap()).collect();
    assert_eq!(users.into_iter().collect::<Vec<_>>(), ["ann", "bob", "cid"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_register_list_and_remove_endpoints_and_no_one_else_may() {
    let server = TestServer::start_with(setup()).await;
    let root = server.add_user("root", "UTC", true);
    let ann = server.add_user("ann", "UTC", false);
    let service = server.add_service("platform");
    let body = json!({"url": "https://platform.example/hooks", "secret": SECRET, "events": ["unlock"]});

    for (token, expected) in
        [(None, StatusCode::UNAUTHORIZED), (Some(&ann), StatusCode::FORBIDDEN), (Some(&service), StatusCode::FORBIDDEN)]
    {
        let token = token.map(String::as_str);
        let (status, error) = server.post("/api/v1/admin/webhooks/", token, &body).await;
        assert_eq!(status, expected, "{error}");
        assert!(error["code"].is_string(), "{error}");
        let (status, _) = server.get("/api/v1/admin/webhooks/", token).await;
        assert_eq!(status, expected);
    }

    let first = register(&server, &root, "https://platform.example/hooks").await;
    assert!(first.get("secret").is_none(), "the secret is never answered: {first}");
    assert_eq!(first["url"], "https://platform.example/hooks");
    assert_eq!(first["events"], json!(["unlock"]));
    let second = register(&server, &root, "http://10.0.0.1:8080/x").await;

    let (status, list) = server.get("/api/v1/admin/webhooks/?page_size=1", Some(&root)).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list["count"], 2);
    assert_eq!(list["next"], "/api/v1/admin/webhooks/?page_size=1&page=2");
    assert_eq!(list["results"][0]["id"], first["id"]);
    assert!(!list.to_string().contains(SECRET), "{list}");
    let (_, page2) = server.get("/api/v1/admin/webhooks/?page_size=1&page=2", Some(&root)).await;
    assert_eq!(page2["results"][0]["id"], second["id"]);

    let path = format!("/api/v1/admin/webhooks/{}/", first["id"]);
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let delete = |token: Option<String>, path: String| {
        let mut request = http.delete(server.url(&path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        async move { request.send().await.unwrap().status() }
    };
    assert_eq!(delete(Some(ann.clone()), path.clone()).await, StatusCode::FORBIDDEN);
    assert_eq!(delete(None, path.clone()).await, StatusCode::UNAUTHORIZED);
    assert_eq!(delete(Some(root.clone()), path.clone()).await, StatusCode::NO_CONTENT);
    assert_eq!(delete(Some(root.clone()), path.clone()).await, StatusCode::NOT_FOUND);
    assert_eq!(delete(Some(root.clone()), "/api/v1/admin/webhooks/nope/".into()).await, StatusCode::NOT_FOUND);
    assert_eq!(
        delete(Some(root.clone()), "/api/v1/admin/webhooks/99999999999999999999/".into()).await,
        StatusCode::NOT_FOUND
    );
    let (_, list) = server.get("/api/v1/admin/webhooks/", Some(&root)).await;
    assert_eq!(list["count"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_endpoints_are_refused() {
    let server = TestServer::start_with(setup()).await;
    let root = server.add_user("root", "UTC", true);
    let huge = "s".repeat(100_000);
    let long_url = format!("https://example.com/{}", "a".repeat(5_000));
    let bad = [
        json!({"url": "ftp://example.com/", "secret": SECRET}),
        json!({"url": "javascript:alert(1)", "secret": SECRET}),
        json!({"url": "not a url", "secret": SECRET}),
        json!({"url": long_url, "secret": SECRET}),
        json!({"url": "https://example.com/", "secret": huge}),
        json!({"url": "https://example.com/", "secret": ""}),
        json!({"url": "https://example.com/", "secret": SECRET, "events": ["delete"]}),
        json!({"url": "https://example.com/", "secret": SECRET, "events": []}),
        json!({"url": "https://example.com/", "secret": SECRET, "events": "unlock"}),
        json!({"url": "https://example.com/", "secret": 7}),
        json!({"url": "https://example.com/", "secret": SECRET, "admin": true}),
        json!({"secret": SECRET}),
        json!(["https://example.com/"]),
    ];
    for body in bad {
        let (status, error) = server.post("/api/v1/admin/webhooks/", Some(&root), &body).await;
        assert!(status.is_client_error(), "{body}: {status} {error}");
        assert!(error["detail"].is_string() && error["code"].is_string(), "{error}");
        assert!(error.to_string().len() < 1_000, "the error is bounded: {error}");
    }
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let repeated = http
        .post(server.url("/api/v1/admin/webhooks/"))
        .bearer_auth(&root)
        .header("content-type", "application/json")
        .body(r#"{"url": "https://a.example/", "url": "https://b.example/", "secret": "s"}"#)
        .send()
        .await
        .unwrap();
    assert!(repeated.status().is_client_error());
    assert_eq!(server.count("SELECT count(*) FROM webhooks"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_line_adds_lists_and_removes_endpoints() {
    let receiver = Receiver::start(0).await;
    let server = TestServer::start_with(setup()).await;
    let secret_file = server.dir().join("secret");
    std::fs::write(&secret_file, format!("{SECRET}\n")).unwrap();
    let run = |args: &[&str]| {
        let output = binary!().args(args).arg("--db").arg(server.db_arg()).output().unwrap();
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let url = receiver.url();
    let (ok, out, err) =
        run(&["webhooks", "add", "--url", &url, "--secret-file", secret_file.to_str().unwrap(), "--events", "unlock"]);
    assert!(ok, "{err}");
    let id: i64 = out.trim().strip_prefix("added webhook ").unwrap().split(':').next().unwrap().parse().unwrap();
    assert_eq!(out.trim(), format!("added webhook {id}: {url} (events: unlock)"));

    let (ok, out, _) = run(&["webhooks", "list"]);
    assert!(ok);
    assert_eq!(out.trim(), format!("{id} {url} events=unlock pending=0 failed=0"));
    assert!(!out.contains(SECRET));

    // The secret from the file (its newline dropped) signs deliveries.
    server.add_user("ann", "UTC", false);
    let service = server.add_service("platform");
    server.post_events(&service, &event("e1", "ann", "project_created", AT)).await;
    let delivered = receiver.wait_delivered(1).await;
    assert_eq!(delivered[0].signature, sign(&delivered[0].body));

    let (ok, _, err) = run(&["webhooks", "add", "--url", "ftp://x/", "--secret", "s"]);
    assert!(!ok && err.contains("http"), "{err}");
    let (ok, out, _) = run(&["webhooks", "remove", &id.to_string()]);
    assert!(ok);
    assert_eq!(out.trim(), format!("removed webhook {id}"));
    let (ok, _, err) = run(&["webhooks", "remove", &id.to_string()]);
    assert!(!ok && err.contains(&format!("no webhook with id {id}")), "{err}");
    let (ok, out, _) = run(&["webhooks", "list"]);
    assert!(ok);
    assert_eq!(out.trim(), "no webhooks");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_on_postgres_send_each_delivery_once() {
    let Some(db) = TestPostgres::from_env() else {
        println!("SKIPPED: ACHIEVEMENTS_TEST_POSTGRES is not set (scripts/postgres.sh prints one)");
        return;
    };
    let receiver = Receiver::start(0).await;
    let a = TestServer::start_in(Kept::on_postgres(db), setup()).await;
    let b = TestServer::start_beside(&a, setup()).await;
    let root = a.add_user("root", "UTC", true);
    let service = a.add_service("platform");
    register(&a, &root, &receiver.url()).await;
    let users: Vec<String> = (0..20).map(|n| format!("user{n}")).collect();
    for name in &users {
        a.add_user(name, "UTC", false);
    }
    let mut posts = Vec::new();
    for (n, name) in users.iter().enumerate() {
        let server = if n % 2 == 0 { a.base_url() } else { b.base_url() };
        let (service, name) = (service.clone(), name.clone());
        posts.push(tokio::spawn(async move {
            let http = reqwest::Client::builder().no_proxy().build().unwrap();
            let response = http
                .post(format!("{server}/api/v1/events/"))
                .bearer_auth(service)
                .json(&event(&format!("e-{name}"), &name, "project_created", AT))
                .send()
                .await
                .unwrap();
            assert!(response.status().is_success());
        }));
    }
    for post in posts {
        post.await.unwrap();
    }
    outbox_drained(&a).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let delivered = receiver.delivered();
    let mut ids: Vec<&str> = delivered.iter().map(|g| g.delivery.as_str()).collect();
    let total = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), total, "a delivery was sent twice");
    let mut unlocked: Vec<String> = delivered
        .iter()
        .flat_map(|g| g.json()["unlocks"].as_array().unwrap().clone())
        .map(|u| u["user"].as_str().unwrap().to_owned())
        .collect();
    unlocked.sort();
    let mut expected = users.clone();
    expected.sort();
    assert_eq!(unlocked, expected, "each user's unlock delivered once");
    assert_eq!(receiver.got().len(), total, "no failed attempts");
}

/// `https://` goes through TLS (rustls, ring): against a plain-HTTP port the
/// handshake fails, the attempt is recorded as failed and retried, and the
/// receiver's handler never sees a request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_https_endpoint_is_spoken_to_over_tls() {
    let receiver = Receiver::start(0).await;
    let server = TestServer::start_with(setup()).await;
    let root = server.add_user("root", "UTC", true);
    server.add_user("ann", "UTC", false);
    let service = server.add_service("platform");
    register(&server, &root, &format!("https://{}/hook", receiver.addr)).await;
    server.post_events(&service, &event("e1", "ann", "project_created", AT)).await;
    let start = Instant::now();
    while server.count("SELECT count(*) FROM webhook_deliveries WHERE attempts >= 2") == 0 {
        assert!(start.elapsed() < Duration::from_secs(20), "no retry");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(receiver.got().is_empty(), "a TLS handshake is not an HTTP request");
    let error = server.rows("SELECT last_error FROM webhook_deliveries").remove(0).remove(0).unwrap();
    // rustls's word for a plain-HTTP answer to its ClientHello.
    assert!(error.contains("InvalidContentType"), "{error}");
    let (_, list) = server.get("/api/v1/admin/webhooks/", Some(&root)).await;
    assert_eq!(list["results"][0]["pending"], 1, "{list}");
}
