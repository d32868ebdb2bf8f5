//! What operators watch, over real HTTP: `GET /healthz`, `GET /readyz`
//! (ready, and 503 while the writer cannot write or the database refuses
//! connections), and `--notifications-retention` pruning only old, read
//! notifications. The metrics are in `metrics.rs` (their own process: the
//! recorder is process-global, and these tests post events).

#![allow(clippy::unwrap_used)]

use achievements_server::platform::{ObserveOptions, PlatformOptions};
use achievements_testkit::{
    Backend, Clock, Kept, POSTGRES_ENV, ServeProcess, Setup, TestPostgres, TestServer, binary, event,
};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_answers_without_a_token_and_wins_over_the_web_page() {
    let www = tempfile::tempdir().unwrap();
    std::fs::write(www.path().join("index.html"), "<html>the page</html>").unwrap();
    let server = TestServer::start_with(Setup { www: Some(www.path().to_owned()), ..Setup::default() }).await;
    let (status, body) = server.get("/healthz", None).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"status": "ok"})));
    let (status, body) = server.get("/readyz", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({"status": "ready", "checks": {"database": "ok", "writer": "ok"}}));
    // The page still answers every other path.
    let page = server.client.get(server.url("/somewhere")).send().await.unwrap();
    assert_eq!(page.text().await.unwrap(), "<html>the page</html>");
    // A method the route does not have is refused, not served the page.
    let post = server.client.post(server.url("/healthz")).send().await.unwrap();
    assert_eq!(post.status(), StatusCode::METHOD_NOT_ALLOWED);
}

/// Polls `/readyz` until it answers `status`, for at most 15 s.
async fn readyz_until(server: &TestServer, status: StatusCode) -> Value {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let started = Instant::now();
        let (got, body) = server.get("/readyz", None).await;
        assert!(started.elapsed() < Duration::from_secs(5), "/readyz took {:?}: not bounded", started.elapsed());
        if got == status {
            return body;
        }
        assert!(Instant::now() < deadline, "/readyz still {got} {body}, expected {status}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_is_503_while_the_sqlite_writer_cannot_write() {
    let server = TestServer::start().await;
    if server.backend() != Backend::Sqlite {
        println!("SKIPPED: an SQLite case");
        return;
    }
    readyz_until(&server, StatusCode::OK).await;
    // Another process takes the write lock and keeps it: the writer cannot
    // take a write (it waits up to its busy timeout, longer than /readyz).
    let other = server.db();
    other.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let (status, body) = server.get("/readyz", None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["code"], "not_ready", "{body}");
    assert_eq!(body["detail"], "Not ready: writer.", "{body}");
    assert_eq!(body["checks"]["database"], "ok", "reads still work in WAL mode: {body}");
    assert_eq!(body["checks"]["writer"], "the writer did not answer within 2 s", "{body}");
    // /healthz does not care: the process answers.
    assert_eq!(server.get("/healthz", None).await.0, StatusCode::OK);
    other.execute_batch("COMMIT").unwrap();
    readyz_until(&server, StatusCode::OK).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_is_503_while_postgres_refuses_connections() {
    let Some(db) = TestPostgres::from_env() else {
        println!("SKIPPED: {POSTGRES_ENV} is not set (scripts/postgres.sh prints one)");
        return;
    };
    let admin = std::env::var(POSTGRES_ENV).unwrap();
    let name = db.name().to_owned();
    let server = TestServer::start_in(Kept::on_postgres(db), Setup::default()).await;
    let service = server.add_service("platform");
    server.add_user("ann", "UTC", false);
    server.post_events(&service, &event("e1", "ann", "login", "2026-03-20T10:00:00Z")).await;
    readyz_until(&server, StatusCode::OK).await;

    // The database stops accepting connections, and drops the server's.
    let refuse = format!(
        "ALTER DATABASE {name} ALLOW_CONNECTIONS false; \
         SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid();"
    );
    achievements_testkit::postgres::execute(&admin, &refuse).unwrap();
    let body = readyz_until(&server, StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(body["code"], "not_ready", "{body}");
    assert_eq!(body["detail"], "Not ready: database.", "{body}");
    assert_ne!(body["checks"]["database"], "ok", "{body}");
    assert_eq!(body["checks"]["writer"], "ok", "the group commit still runs: {body}");
    assert_eq!(server.get("/healthz", None).await.0, StatusCode::OK);

    achievements_testkit::postgres::execute(&admin, &format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true")).unwrap();
    readyz_until(&server, StatusCode::OK).await;
}

fn clock(at: &str) -> Clock {
    Clock::fixed(at.parse().unwrap())
}

fn with_retention(at: &str, retention: Option<Duration>) -> Setup {
    let observe = ObserveOptions { notifications_retention: retention, ..ObserveOptions::default() };
    Setup { clock: clock(at), platform: PlatformOptions { observe, ..PlatformOptions::default() }, ..Setup::default() }
}

/// Every notification: user, key, read.
fn notifications(server: &TestServer) -> Vec<Vec<Option<String>>> {
    server.rows(
        "SELECT u.name, n.achievement_key, CASE WHEN n.read THEN 'read' ELSE 'unread' END
         FROM notifications n JOIN users u ON u.id = n.user_id ORDER BY n.id",
    )
}

fn row(user: &str, key: &str, read: &str) -> Vec<Option<String>> {
    vec![Some(user.to_owned()), Some(key.to_owned()), Some(read.to_owned())]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_prunes_only_read_notifications_older_than_it() {
    // January: ann unlocks two badges and reads one; bob reads none.
    let server = TestServer::start_with(with_retention("2026-01-01T12:00:00Z", None)).await;
    let ann = server.add_user("ann", "UTC", false);
    server.add_user("bob", "UTC", false);
    let service = server.add_service("platform");
    server.post_events(&service, &event("e1", "ann", "project_created", "2026-01-01T11:00:00Z")).await;
    server
        .post_events(
            &service,
            &json!({"id": "e2", "user": "ann", "type": "project_created", "value": 4, "at": "2026-01-01T11:00:00Z"}),
        )
        .await;
    server.post_events(&service, &event("e3", "bob", "project_created", "2026-01-01T11:00:00Z")).await;
    let (_, list) = server.get("/api/v1/notifications/", Some(&ann)).await;
    let first = list["results"].as_array().unwrap().iter().find(|n| n["key"] == "first_project").unwrap().clone();
    let (status, marked) = server.post("/api/v1/notifications/read/", Some(&ann), &json!({"ids": [first["id"]]})).await;
    assert_eq!((status, marked), (StatusCode::OK, json!({"marked": 1})));
    let kept = server.stop().await;

    // March (60 days on), no retention: carol unlocks one and reads it.
    let server = TestServer::start_in(kept, with_retention("2026-03-02T12:00:00Z", None)).await;
    let carol = server.add_user("carol", "UTC", false);
    server.post_events(&service, &event("e4", "carol", "project_created", "2026-03-02T11:00:00Z")).await;
    let (_, marked) = server.post("/api/v1/notifications/read/", Some(&carol), &json!({"all": true})).await;
    assert_eq!(marked, json!({"marked": 1}));
    let before = vec![
        row("ann", "first_project", "read"),
        row("ann", "5_projects", "unread"),
        row("bob", "first_project", "unread"),
        row("carol", "first_project", "read"),
    ];
    assert_eq!(notifications(&server), before);
    let kept = server.stop().await;

    // April (100 days after January), keeping 90 days: at start, only ann's
    // read January notification goes. Unread ones stay however old, and
    // carol's read one is 40 days old.
    let server =
        TestServer::start_in(kept, with_retention("2026-04-11T12:00:00Z", Some(Duration::from_secs(90 * 86_400))))
            .await;
    let after = vec![
        row("ann", "5_projects", "unread"),
        row("bob", "first_project", "unread"),
        row("carol", "first_project", "read"),
    ];
    let deadline = Instant::now() + Duration::from_secs(15);
    while notifications(&server) != after {
        assert!(Instant::now() < deadline, "not pruned as expected: {:?}", notifications(&server));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // What was pruned is gone from the API too; the rest still lists.
    let (_, list) = server.get("/api/v1/notifications/", Some(&ann)).await;
    assert_eq!(list["count"], 1, "{list}");
    assert_eq!(list["results"][0]["key"], "5_projects");
    let (_, list) = server.get("/api/v1/notifications/", Some(&carol)).await;
    assert_eq!(list["count"], 1, "{list}");
    // Badges are not notifications: ann keeps both.
    assert_eq!(server.count("SELECT count(*) FROM earned"), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_reads_the_metrics_token_from_its_file_and_refuses_an_empty_one() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ops.db");
    let token_file = dir.path().join("metrics-token");
    std::fs::write(&token_file, "  m3trics\n").unwrap();
    let token_arg = token_file.to_str().unwrap();
    let server =
        ServeProcess::spawn(binary!(), &db, &["--metrics-token", token_arg, "--notifications-retention", "90d"]);
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let refused = client.get(server.url("/metrics")).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let scraped = client.get(server.url("/metrics")).bearer_auth("m3trics").send().await.unwrap();
    assert_eq!(scraped.status(), StatusCode::OK);
    assert!(scraped.text().await.unwrap().contains("achievements_http_requests_total{"));
    drop(server);

    std::fs::write(&token_file, "\n").unwrap();
    let output = binary!()
        .args(["serve", "--bind", "127.0.0.1:0", "--metrics-token", token_arg])
        .arg("--db")
        .arg(&db)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(&format!("--metrics-token: {token_arg} is empty")), "{stderr}");

    let output = binary!().args(["serve", "--notifications-retention", "0s"]).arg("--db").arg(&db).output().unwrap();
    assert_eq!(output.status.code(), Some(2), "a usage error");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--notifications-retention"), "{stderr}");
}
