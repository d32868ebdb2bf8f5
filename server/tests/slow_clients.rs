//! Slow and idle clients: a connection that has not finished sending its
//! request head within 10 s is closed; an idle keep-alive connection is
//! closed after 75 s (here shortened through `Server::with_connection_timeouts`,
//! the production values being asserted by a unit test in
//! `server/src/connections.rs`); and 400 held connections do not delay
//! anyone else.

#![allow(clippy::unwrap_used)]

use achievements_testkit::{ConnectionTimeouts, ServeProcess, Setup, TestServer, binary};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout};

const HEAD: &str = "GET /api/v1/no-such-route/ HTTP/1.1\r\nHost: test\r\n";

/// Waits for the server to close `stream`; returns how long that took from
/// `since` (`None`: still open after `limit`). Anything sent is discarded.
async fn closed_after(stream: &mut (impl AsyncRead + Unpin), since: Instant, limit: Duration) -> Option<Duration> {
    let mut sink = [0u8; 1024];
    let deadline = since + limit;
    loop {
        match timeout(deadline.saturating_duration_since(Instant::now()), stream.read(&mut sink)).await {
            Err(_) => return None,
            Ok(Ok(0) | Err(_)) => return Some(since.elapsed()),
            Ok(Ok(_)) => {}
        }
    }
}

/// Reads one response (head and a `content-length` body); returns its status line.
async fn read_response(reader: &mut BufReader<TcpStream>) -> String {
    let mut status = String::new();
    reader.read_line(&mut status).await.unwrap();
    let mut length = 0;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).await.unwrap();
        if line == "\r\n" {
            break;
        }
        if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = value.trim().parse().unwrap();
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).await.unwrap();
    status.trim_end().to_owned()
}

/// One request on a kept-alive connection; returns the status line.
async fn request(reader: &mut BufReader<TcpStream>) -> String {
    reader.get_mut().write_all(format!("{HEAD}\r\n").as_bytes()).await.unwrap();
    read_response(reader).await
}

fn serve_binary() -> (tempfile::TempDir, ServeProcess) {
    let dir = tempfile::tempdir().unwrap();
    let server = ServeProcess::spawn(binary!(), dir.path().join("slow.db"), &[]);
    (dir, server)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_head_not_finished_within_10_seconds_is_closed() {
    let (_dir, server) = serve_binary();
    let addr = server.addr;
    let start = Instant::now();
    // Half a head; nothing at all; a head dribbled a byte a second.
    let mut half = TcpStream::connect(addr).await.unwrap();
    half.write_all(HEAD.as_bytes()).await.unwrap();
    let mut silent = TcpStream::connect(addr).await.unwrap();
    let (mut dribbling, mut dribble) = TcpStream::connect(addr).await.unwrap().into_split();
    let dribbler = tokio::spawn(async move {
        for byte in HEAD.bytes().cycle().take(30) {
            if dribble.write_all(&[byte]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
    let limit = Duration::from_secs(15);
    let half = closed_after(&mut half, start, limit).await;
    let silent = closed_after(&mut silent, start, limit).await;
    let dribbling = closed_after(&mut dribbling, start, limit).await;
    dribbler.abort();
    server.kill();
    for (what, after) in [("half a head", half), ("no byte", silent), ("a byte a second", dribbling)] {
        let after = after.unwrap_or_else(|| panic!("{what}: still open after {limit:?}"));
        assert!(
            after >= Duration::from_millis(9_500) && after < Duration::from_secs(12),
            "{what}: closed after {after:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_keep_alive_connection_is_closed_at_the_idle_limit_not_the_head_one() {
    let timeouts = ConnectionTimeouts { head: Duration::from_secs(1), idle: Duration::from_secs(3) };
    let server = TestServer::start_with(Setup { connection_timeouts: Some(timeouts), ..Setup::default() }).await;
    let addr = server.addr;
    let mut reader = BufReader::new(TcpStream::connect(addr).await.unwrap());
    assert_eq!(request(&mut reader).await, "HTTP/1.1 404 Not Found");
    // Idle for twice the head limit: still open, and answers.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(request(&mut reader).await, "HTTP/1.1 404 Not Found");
    let idle_since = Instant::now();
    let closed = closed_after(reader.get_mut(), idle_since, Duration::from_secs(6)).await;
    let closed = closed.expect("closed once idle for 3 s");
    assert!(closed >= Duration::from_millis(2_800) && closed < Duration::from_millis(4_500), "after {closed:?}");

    // The next head's clock starts with its first byte.
    let mut reader = BufReader::new(TcpStream::connect(addr).await.unwrap());
    assert_eq!(request(&mut reader).await, "HTTP/1.1 404 Not Found");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let stream = reader.get_mut();
    stream.write_all(b"GET / HTTP/1.1\r\n").await.unwrap();
    let started = Instant::now();
    let closed = closed_after(stream, started, Duration::from_secs(6)).await.expect("closed");
    assert!(closed >= Duration::from_millis(800) && closed < Duration::from_millis(2_500), "after {closed:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_hundred_held_connections_do_not_delay_other_clients() {
    let (_dir, server) = serve_binary();
    let addr = server.addr;
    let mut held = Vec::new();
    for _ in 0..200 {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(HEAD.as_bytes()).await.unwrap();
        held.push(BufReader::new(stream));
    }
    let mut idle = Vec::new();
    for _ in 0..200 {
        let mut reader = BufReader::new(TcpStream::connect(addr).await.unwrap());
        assert_eq!(request(&mut reader).await, "HTTP/1.1 404 Not Found");
        idle.push(reader);
    }

    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let mut slowest = Duration::ZERO;
    for n in 0..20 {
        // A fresh connection each time, as a new visitor would open.
        let fresh = if n % 2 == 0 { client.clone() } else { reqwest::Client::builder().no_proxy().build().unwrap() };
        let start = Instant::now();
        let answer = timeout(Duration::from_secs(2), fresh.get(format!("http://{addr}/api/v1/achievements/")).send())
            .await
            .unwrap_or_else(|_| panic!("request {n} not answered within 2 s"))
            .unwrap();
        assert_eq!(answer.status(), 200);
        slowest = slowest.max(start.elapsed());
    }
    // The held connections were held, not dropped: the idle ones still answer.
    for reader in idle.iter_mut().step_by(20) {
        assert_eq!(request(reader).await, "HTTP/1.1 404 Not Found");
    }
    server.kill();
    drop(held);
    assert!(slowest < Duration::from_secs(2), "slowest answer: {slowest:?}");
}
