//! Tokens' lifecycle over real HTTP and the command line, on either
//! backend: `tokens list|revoke`, `tokens add --expires-in|--admin`, the
//! admin routes (`GET|POST admin/users/{name}/tokens/`, `DELETE
//! admin/tokens/{id}/`), a revoked or expired token refused at once (the
//! CLI revoking while a server runs; another instance revoking, on
//! PostgreSQL), open notification streams ended when their credentials
//! lapse, and `last_used_at` noted.

#![allow(clippy::unwrap_used)]

use achievements_server::platform::PlatformOptions;
use achievements_server::platform::identity::{IdentityOptions, STREAM_RECHECK};
use achievements_testkit::{
    Backend, Kept, Setup, TestPostgres, TestServer, binary, event, movable_clock, read_unlocks, stream_ends,
};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::process::Output;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// Runs the CLI on the server's database.
fn cli(server: &TestServer, args: &[&str]) -> Output {
    binary!().args(args).arg("--db").arg(server.db_arg()).output().unwrap()
}

fn stdout(out: &Output) -> String {
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The `tokens list` lines after the header, split on tabs.
fn listed(server: &TestServer, args: &[&str]) -> Vec<Vec<String>> {
    let text = stdout(&cli(server, &[&["tokens", "list"], args].concat()));
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("id\towner\tcreated\tlast_used\texpires\trevoked"));
    lines.map(|line| line.split('\t').map(str::to_owned).collect()).collect()
}

fn token_id(server: &TestServer, owner_sql: &str) -> i64 {
    server.count(&format!("SELECT max(id) FROM tokens WHERE {owner_sql}"))
}

async fn me(server: &TestServer, token: &str) -> (StatusCode, Value) {
    server.get("/api/v1/me/", Some(token)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_are_listed_without_secrets_and_revoked_by_the_cli_while_the_server_runs() {
    let server = TestServer::start().await;
    let ann = server.add_user("ann", "UTC", false);
    server.add_service("platform");
    let out = stdout(&cli(&server, &["tokens", "add", "--user", "ann", "--expires-in", "30d"]));
    let second = out.lines().last().unwrap().to_owned();
    assert!(out.lines().nth(1).unwrap().starts_with("token id "), "{out}");
    assert!(out.lines().nth(1).unwrap().contains(", expires at "), "{out}");
    let out = stdout(&cli(&server, &["tokens", "add", "--service", "ops", "--admin"]));
    assert!(out.contains("allowed to post events and to use the admin API"), "{out}");

    let all = listed(&server, &[]);
    assert_eq!(all.len(), 4, "{all:?}");
    let owners: Vec<&str> = all.iter().map(|row| row[1].as_str()).collect();
    assert_eq!(owners, ["user:ann", "service:platform", "user:ann", "admin-service:ops"]);
    assert!(all.iter().all(|row| row.len() == 6 && row[5] == "-"));
    assert_eq!(all[0][4], "-", "no expiry");
    assert_ne!(all[2][4], "-", "30 days");
    let text = stdout(&cli(&server, &["tokens", "list"]));
    assert!(!text.contains(&ann) && !text.contains(&second), "never the token itself");
    assert_eq!(listed(&server, &["--user", "ann"]).len(), 2);
    assert!(!cli(&server, &["tokens", "list", "--user", "nobody"]).status.success());

    // Working, then revoked from the command line: refused on the next request.
    let (status, _) = me(&server, &ann).await;
    assert_eq!(status, StatusCode::OK);
    let id = all[0][0].clone();
    assert_eq!(stdout(&cli(&server, &["tokens", "revoke", &id])).trim(), format!("revoked token {id}"));
    let (status, body) = me(&server, &ann).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("authentication_failed")), "{body}");
    assert!(body["detail"].as_str().unwrap().contains("revoked"));
    // The user's other token still works.
    let (status, _) = me(&server, &second).await;
    assert_eq!(status, StatusCode::OK);
    let revoked = listed(&server, &["--user", "ann"]);
    assert_ne!(revoked[0][5], "-");
    assert_eq!(revoked[1][5], "-");

    let unknown = cli(&server, &["tokens", "revoke", "999"]);
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no token has the id 999"));
    let admin_user_token = cli(&server, &["tokens", "add", "--user", "ann", "--admin"]);
    assert!(!admin_user_token.status.success(), "--admin is for services only");
    let bad_duration = cli(&server, &["tokens", "add", "--user", "ann", "--expires-in", "soon"]);
    assert!(!bad_duration.status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_routes_list_issue_and_revoke_tokens() {
    let server = TestServer::start().await;
    let root = server.add_user("root", "UTC", true);
    let ann = server.add_user("ann", "UTC", false);
    let platform = server.add_service("platform");
    let ops =
        stdout(&cli(&server, &["tokens", "add", "--service", "ops", "--admin"])).lines().last().unwrap().to_owned();
    let path = "/api/v1/admin/users/ann/tokens/";

    // Who may.
    assert_eq!(server.get(path, None).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(server.get(path, Some(&ann)).await.0, StatusCode::FORBIDDEN);
    assert_eq!(server.get(path, Some(&platform)).await.0, StatusCode::FORBIDDEN);
    assert_eq!(server.get(path, Some(&ops)).await.0, StatusCode::OK);
    assert_eq!(server.get("/api/v1/admin/users/nobody/tokens/", Some(&root)).await.0, StatusCode::NOT_FOUND);

    // Issue: the text once, 201; with and without an expiry.
    let (status, issued) = server.post(path, Some(&root), &json!({"expires_in": "30d"})).await;
    assert_eq!(status, StatusCode::CREATED, "{issued}");
    assert_eq!(issued["expires"], "2026-04-19T12:00:00Z");
    let new_token = issued["token"].as_str().unwrap().to_owned();
    assert!(new_token.starts_with("ach_"));
    assert_eq!(me(&server, &new_token).await.1["name"], "ann");
    let (status, seconds) = server.post(path, Some(&ops), &json!({"expires_in": 3600})).await;
    assert_eq!((status, seconds["expires"].as_str()), (StatusCode::CREATED, Some("2026-03-20T13:00:00Z")));
    let empty = server.client.post(server.url(path)).bearer_auth(&root).send().await.unwrap();
    assert_eq!(empty.status(), StatusCode::CREATED);
    for bad in [json!({"expires_in": "soon"}), json!({"expires_in": 0}), json!({"expires_in": -5}), json!({"other": 1})]
    {
        let (status, body) = server.post(path, Some(&root), &bad).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
    }
    let garbage = server.client.post(server.url(path)).bearer_auth(&root).body("{").send().await.unwrap();
    assert_eq!(garbage.status(), StatusCode::BAD_REQUEST);
    assert_eq!(server.post(path, Some(&ann), &json!({})).await.0, StatusCode::FORBIDDEN);

    // List: paginated, no secret.
    let (status, page) = server.get(&format!("{path}?page_size=2"), Some(&root)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["count"], 4);
    assert_eq!(page["next"], "/api/v1/admin/users/ann/tokens/?page_size=2&page=2");
    assert_eq!(page["results"].as_array().unwrap().len(), 2);
    let first = &page["results"][0];
    let mut fields: Vec<&str> = first.as_object().unwrap().keys().map(String::as_str).collect();
    fields.sort_unstable();
    assert_eq!(fields, ["created", "expires", "id", "last_used", "revoked"]);
    assert!(!page.to_string().contains(&ann) && !page.to_string().contains(&new_token));
    assert_eq!(server.get(&format!("{path}?page=9"), Some(&root)).await.0, StatusCode::NOT_FOUND);

    // Revoke: 204, refused at once; unknown ids 404.
    let id = issued["id"].as_i64().unwrap();
    let delete = |id: String, token: String| {
        let request = server.client.delete(server.url(&format!("/api/v1/admin/tokens/{id}/"))).bearer_auth(token);
        async move { request.send().await.unwrap().status() }
    };
    assert_eq!(delete(id.to_string(), ann.clone()).await, StatusCode::FORBIDDEN);
    assert_eq!(delete(id.to_string(), root.clone()).await, StatusCode::NO_CONTENT);
    let (status, body) = me(&server, &new_token).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("authentication_failed")));
    assert_eq!(delete("999999".into(), root.clone()).await, StatusCode::NOT_FOUND);
    assert_eq!(delete("x1".into(), root.clone()).await, StatusCode::NOT_FOUND);
    // Any token, a service's too.
    let platform_id = token_id(&server, "service = 'platform'");
    assert_eq!(delete(platform_id.to_string(), ops.clone()).await, StatusCode::NO_CONTENT);
    assert_eq!(me(&server, &platform).await.0, StatusCode::UNAUTHORIZED);
    let (_, page) = server.get(path, Some(&root)).await;
    let revoked: Vec<&Value> =
        page["results"].as_array().unwrap().iter().filter(|t| t["revoked"].is_string()).collect();
    assert_eq!(revoked.len(), 1);
    assert_eq!(revoked[0]["revoked"], "2026-03-20T12:00:00Z");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_token_is_refused_with_its_own_code_and_use_is_noted_at_most_once_a_minute() {
    let (clock, offset) = movable_clock();
    let server = TestServer::start_with(Setup { clock, ..Setup::default() }).await;
    let root = server.add_user("root", "UTC", true);
    server.add_user("ann", "UTC", false);
    let (_, issued) = server.post("/api/v1/admin/users/ann/tokens/", Some(&root), &json!({"expires_in": 60})).await;
    let token = issued["token"].as_str().unwrap().to_owned();
    let id = issued["id"].as_i64().unwrap();
    assert_eq!(me(&server, &token).await.0, StatusCode::OK);
    let last_used =
        |server: &TestServer| server.rows(&format!("SELECT last_used_at FROM tokens WHERE id = {id}"))[0][0].clone();
    // Written off the request path: wait for it.
    let noted = wait_for(|| last_used(&server).is_some()).await;
    assert!(noted);
    assert_eq!(last_used(&server).as_deref(), Some("2026-03-20T12:00:00Z"));
    // Thirty seconds later: not written again.
    offset.store(30, Ordering::SeqCst);
    assert_eq!(me(&server, &token).await.0, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(last_used(&server).as_deref(), Some("2026-03-20T12:00:00Z"));
    // Fifty-nine: still works; sixty: expired, at once.
    offset.store(59, Ordering::SeqCst);
    assert_eq!(me(&server, &token).await.0, StatusCode::OK);
    offset.store(60, Ordering::SeqCst);
    let (status, body) = me(&server, &token).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("token_expired")), "{body}");
    // The root's own token (no expiry) was noted a minute on.
    offset.store(120, Ordering::SeqCst);
    assert_eq!(me(&server, &root).await.0, StatusCode::OK);
    let root_id = token_id(&server, "user_id = (SELECT id FROM users WHERE name = 'root')");
    let root_used = wait_for(|| {
        server.rows(&format!("SELECT last_used_at FROM tokens WHERE id = {root_id}"))[0][0].as_deref()
            == Some("2026-03-20T12:02:00Z")
    })
    .await;
    assert!(root_used);
}

async fn wait_for(mut done: impl FnMut() -> bool) -> bool {
    for _ in 0..100 {
        if done() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    done()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_token_revoked_on_one_instance_is_refused_by_the_other_at_once() {
    let Some(db) = TestPostgres::from_env() else {
        assert_ne!(Backend::from_env(), Backend::Postgres, "ACHIEVEMENTS_TEST_POSTGRES is needed");
        println!("SKIPPED: ACHIEVEMENTS_TEST_POSTGRES is not set (scripts/postgres.sh prints one)");
        return;
    };
    let a = TestServer::start_in(Kept::on_postgres(db), Setup::default()).await;
    let b = TestServer::start_beside(&a, Setup::default()).await;
    let root = a.add_user("root", "UTC", true);
    let ann = a.add_user("ann", "UTC", false);
    // Warm: b has served the token many times, and streams to it.
    for _ in 0..20 {
        assert_eq!(me(&b, &ann).await.0, StatusCode::OK);
    }
    let mut stream = open_stream(&b, &ann, "").await;
    let id = token_id(&a, "user_id = (SELECT id FROM users WHERE name = 'ann')");
    let response =
        a.client.delete(a.url(&format!("/api/v1/admin/tokens/{id}/"))).bearer_auth(&root).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    // The very next request on b, with no wait.
    let (status, body) = me(&b, &ann).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("authentication_failed")), "{body}");
    // The stream on b ends when a's revocation reaches it (NOTIFY), long
    // before b's own periodic check.
    assert!(stream_ends(&mut stream, STREAM_RECHECK / 3).await, "b still streams to a revoked token");
    // And an expiry set on a holds on b too, from the CLI.
    let out =
        binary!().args(["tokens", "add", "--service", "ops", "--admin", "--db"]).arg(a.db_arg()).output().unwrap();
    let ops = stdout(&out).lines().last().unwrap().to_owned();
    assert_eq!(b.get("/api/v1/admin/users/ann/tokens/", Some(&ops)).await.0, StatusCode::OK);
    let ops_id = token_id(&a, "service = 'ops'");
    assert!(stdout(&cli(&a, &["tokens", "revoke", &ops_id.to_string()])).contains("revoked"));
    assert_eq!(b.get("/api/v1/admin/users/ann/tokens/", Some(&ops)).await.0, StatusCode::UNAUTHORIZED);
}

/// `GET notifications/stream/` with `token`, as `?user=` names (or the
/// token's own user, given `""`).
async fn open_stream(server: &TestServer, token: &str, as_user: &str) -> reqwest::Response {
    let query = if as_user.is_empty() { String::new() } else { format!("?user={as_user}") };
    let url = server.url(&format!("/api/v1/notifications/stream/{query}"));
    let stream = server.client.get(url).bearer_auth(token).send().await.unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    stream
}

/// Revoking a token, or taking an admin's flag, through the API ends the
/// open streams it granted at once (well before the periodic check), and
/// no other stream.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_ends_at_once_when_its_token_is_revoked_or_its_admin_loses_the_flag() {
    let server = TestServer::start().await;
    let boss = server.add_user("boss", "UTC", true);
    let root = server.add_user("root", "UTC", true);
    let ann = server.add_user("ann", "UTC", false);
    let service = server.add_service("platform");
    let mut anns = open_stream(&server, &ann, "").await;
    let mut roots_view_of_ann = open_stream(&server, &root, "ann").await;

    let id = token_id(&server, "user_id = (SELECT id FROM users WHERE name = 'ann')");
    let (status, _) =
        server.send(reqwest::Method::DELETE, &format!("/api/v1/admin/tokens/{id}/"), Some(&boss), Value::Null).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(stream_ends(&mut anns, STREAM_RECHECK / 3).await, "the revoked token's stream is still open");
    // The admin's stream of ann's unlocks still runs.
    server.post_events(&service, &event("e1", "ann", "project_created", "2026-03-20T10:00:00Z")).await;
    assert_eq!(read_unlocks(&mut roots_view_of_ann, 1).await[0].1["key"], "first_project");

    let patch = json!({"is_admin": false});
    assert_eq!(
        server.send(reqwest::Method::PATCH, "/api/v1/admin/users/root/", Some(&boss), patch).await.0,
        StatusCode::OK
    );
    assert!(stream_ends(&mut roots_view_of_ann, STREAM_RECHECK / 3).await, "a former admin still watches ann");
}

/// Revoked from another process (the CLI beside a running server), or
/// expired on the server's clock: the stream ends at its next check, and
/// a stream whose token holds stays open through the checks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_ends_at_its_next_check_when_its_token_is_revoked_elsewhere_or_expires() {
    let (clock, offset) = movable_clock();
    let recheck = Duration::from_millis(200);
    let identity = IdentityOptions { stream_recheck: recheck, ..IdentityOptions::default() };
    let platform = PlatformOptions { identity, ..PlatformOptions::default() };
    let server = TestServer::start_with(Setup { clock, platform, ..Setup::default() }).await;
    let root = server.add_user("root", "UTC", true);
    let ann = server.add_user("ann", "UTC", false);
    server.add_user("bob", "UTC", false);
    let service = server.add_service("platform");
    let (_, issued) = server.post("/api/v1/admin/users/bob/tokens/", Some(&root), &json!({"expires_in": 60})).await;
    let bob = issued["token"].as_str().unwrap().to_owned();
    let mut anns = open_stream(&server, &ann, "").await;
    let mut bobs = open_stream(&server, &bob, "").await;

    // Several checks pass: both streams still deliver.
    tokio::time::sleep(recheck * 5).await;
    server.post_events(&service, &event("e1", "ann", "project_created", "2026-03-20T10:00:00Z")).await;
    server.post_events(&service, &event("e2", "bob", "project_created", "2026-03-20T10:00:00Z")).await;
    assert_eq!(read_unlocks(&mut anns, 1).await[0].1["key"], "first_project");
    assert_eq!(read_unlocks(&mut bobs, 1).await[0].1["key"], "first_project");

    // Bob's token expires on the server's clock.
    offset.store(61, Ordering::SeqCst);
    assert!(stream_ends(&mut bobs, Duration::from_secs(5)).await, "the expired token's stream is still open");
    // Ann's is revoked by the command line, another process.
    let id = token_id(&server, "user_id = (SELECT id FROM users WHERE name = 'ann')");
    assert!(stdout(&cli(&server, &["tokens", "revoke", &id.to_string()])).contains("revoked"));
    assert!(stream_ends(&mut anns, Duration::from_secs(5)).await, "the revoked token's stream is still open");
}
