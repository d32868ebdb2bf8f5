//! `serve --www`: the folder's files and nothing else. Hidden names and
//! symlinks that lead out of the folder are 404s (never the page's
//! `index.html`), and the server refuses to start with its database inside
//! the folder, symlinks resolved.

#![allow(clippy::unwrap_used)]
#![cfg(unix)]

use achievements_testkit::{ServeProcess, Setup, TestServer, binary};
use reqwest::StatusCode;
use std::fs;
use std::io::Read;
use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

const INDEX: &str = "<h1>badges</h1>";

/// `www/` with a page, a script, hidden files, a sub-folder with its own
/// page, and symlinks in and out; `outside/` with a secret.
fn folders(dir: &Path) {
    let (www, outside) = (dir.join("www"), dir.join("outside"));
    fs::create_dir_all(www.join("sub")).unwrap();
    fs::create_dir_all(www.join(".git")).unwrap();
    fs::create_dir_all(www.join(".well-known")).unwrap();
    fs::create_dir_all(&outside).unwrap();
    fs::write(www.join("index.html"), INDEX).unwrap();
    fs::write(www.join("app.js"), "console.log(1)").unwrap();
    fs::write(www.join("sub/index.html"), "sub page").unwrap();
    fs::write(www.join(".env"), "SECRET=1").unwrap();
    fs::write(www.join(".git/config"), "[core]").unwrap();
    fs::write(www.join(".well-known/security.txt"), "Contact: x").unwrap();
    fs::write(outside.join("app.db"), "SQLite format 3").unwrap();
    symlink(outside.join("app.db"), www.join("app.db")).unwrap();
    symlink(&outside, www.join("data")).unwrap();
    symlink(outside.join("gone"), www.join("dangling.js")).unwrap();
    symlink(www.join("app.js"), www.join("alias.js")).unwrap();
    symlink(www.join("sub"), www.join("sub-alias")).unwrap();
}

async fn get(server: &TestServer, path: &str) -> (StatusCode, String) {
    let response = server.client.get(server.url(path)).send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_the_folder_and_nothing_hidden_or_outside() {
    let dir = tempfile::tempdir().unwrap();
    folders(dir.path());
    let server = TestServer::start_with(Setup { www: Some(dir.path().join("www")), ..Setup::default() }).await;

    let ok = |body: &str| (StatusCode::OK, body.to_owned());
    assert_eq!(get(&server, "/").await, ok(INDEX));
    assert_eq!(get(&server, "/app.js").await, ok("console.log(1)"));
    assert_eq!(get(&server, "/badges/first_project").await, ok(INDEX), "client-side routes get the page");
    assert_eq!(get(&server, "/sub/").await, ok("sub page"));
    assert_eq!(get(&server, "/alias.js").await, ok("console.log(1)"), "a symlink inside the folder is fine");
    assert_eq!(get(&server, "/sub-alias/").await, ok("sub page"));

    for refused in [
        "/app.db",
        "/data/app.db",
        "/data/",
        "/dangling.js",
        "/.env",
        "/%2eenv",
        "/.git/config",
        "/.git/",
        "/.well-known/security.txt",
        "/sub/.env",
    ] {
        let (status, body) = get(&server, refused).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{refused}: {body}");
        assert!(!body.contains("SQLite") && !body.contains("SECRET") && !body.contains(INDEX), "{refused}: {body}");
    }
    // Paths a client would normalise first, sent as written.
    for raw in ["/%2e%2e/outside/app.db", "/sub/../.env", "/sub/%2e%2e/app.db", "/data/..%2f..%2foutside/app.db"] {
        let answer = raw_get(server.addr, raw).await;
        assert!(answer.starts_with("HTTP/1.1 404"), "{raw}: {answer}");
    }
    let response = server.client.get(server.url("/sub")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "redirected to /sub/");
    assert_eq!(response.text().await.unwrap(), "sub page");
    let response = server.client.delete(server.url("/app.js")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.headers()["allow"], "GET, HEAD");
}

/// A GET of `path` exactly as written (no client-side normalisation).
async fn raw_get(addr: std::net::SocketAddr, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    answer
}

/// `serve --db DB --www WWW` fails with exit status 1 and says why (a
/// server that starts instead is killed and the test fails).
fn refused_start(db: &Path, www: &Path) -> String {
    let mut child = binary!()
        .args(["serve", "--bind", "127.0.0.1:0", "--db"])
        .arg(db)
        .arg("--www")
        .arg(www)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(20) {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("serve started with {} in {}", db.display(), www.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    assert_eq!(status.code(), Some(1), "serve must refuse {} in {}: {stderr}", db.display(), www.display());
    assert!(stderr.contains("is inside the --www folder"), "{stderr}");
    stderr
}

#[test]
fn serve_refuses_a_database_inside_the_www_folder() {
    let dir = tempfile::tempdir().unwrap();
    let www = dir.path().join("www");
    fs::create_dir_all(www.join("nested")).unwrap();
    fs::write(www.join("index.html"), INDEX).unwrap();

    // The file itself, a new file (not created yet), one in a sub-folder.
    let stderr = refused_start(&www.join("app.db"), &www);
    assert!(stderr.contains("anyone could download it"), "{stderr}");
    assert!(!www.join("app.db").exists(), "refused before the database is created");
    refused_start(&www.join("nested/app.db"), &www);

    // Through symlinks: a folder link into www, a file link into www, and
    // --www given as a link to the folder holding the database.
    fs::create_dir_all(dir.path().join("outside")).unwrap();
    symlink(www.join("nested"), dir.path().join("outside/linked")).unwrap();
    refused_start(&dir.path().join("outside/linked/app.db"), &www);
    fs::write(www.join("nested/real.db"), "").unwrap();
    symlink(www.join("nested/real.db"), dir.path().join("outside/app.db")).unwrap();
    refused_start(&dir.path().join("outside/app.db"), &www);
    symlink(dir.path(), dir.path().join("outside/everything")).unwrap();
    refused_start(&dir.path().join("db-beside.db"), &dir.path().join("outside/everything"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_starts_with_the_database_beside_the_www_folder() {
    let dir = tempfile::tempdir().unwrap();
    let www = dir.path().join("www");
    fs::create_dir_all(&www).unwrap();
    fs::write(www.join("index.html"), INDEX).unwrap();
    let server = ServeProcess::spawn(binary!(), dir.path().join("app.db"), &["--www", www.to_str().unwrap()]);
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let page = client.get(server.url("/")).send().await.unwrap().text().await.unwrap();
    server.kill();
    assert_eq!(page, INDEX);
}
