//! The kit's own promises, beyond what its callers exercise: a server that
//! cannot start says why, and a stopped server has let go of its port.

#![allow(clippy::unwrap_used)]

use achievements_testkit::{CatalogSource, Setup, TestServer};
use reqwest::StatusCode;

#[test]
#[should_panic(expected = "the test server did not start")]
fn a_server_that_cannot_start_says_why() {
    let missing = std::env::temp_dir().join("achievements-testkit-no-such-catalog.json");
    TestServer::start_blocking(Setup { catalog: CatalogSource::File(missing), ..Setup::default() });
}

#[test]
fn a_blocking_server_answers_then_stops_and_frees_its_port() {
    let server = TestServer::start_blocking(Setup::default());
    let token = server.add_user("ann", "Europe/Paris", false);
    let (status, me) = server.get_blocking("/api/v1/me/", Some(&token));
    assert_eq!((status, me["name"].as_str()), (StatusCode::OK, Some("ann")), "{me}");
    let addr = server.addr;
    let dir = server.stop_blocking();
    assert!(dir.path().join("test.db").is_file());
    assert!(std::net::TcpStream::connect(addr).is_err(), "still listening on {addr}");
}

#[tokio::test]
async fn an_async_server_restarts_over_the_same_database() {
    let server = TestServer::start().await;
    let token = server.add_user("ann", "UTC", false);
    let dir = server.stop().await;
    let server = TestServer::start_in(dir, Setup::default()).await;
    let (status, _) = server.get("/api/v1/me/", Some(&token)).await;
    assert_eq!(status, StatusCode::OK);
}
