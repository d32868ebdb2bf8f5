//! `GET stats/` (admins only) and `achievements stats`.

#![allow(clippy::unwrap_used)]

use achievements_testkit::{TestServer, binary, event};
use reqwest::StatusCode;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_read_the_success_metrics() {
    let server = TestServer::start().await;
    let root = server.add_user("root", "UTC", true);
    let bob = server.add_user("bob", "UTC", false);
    server.add_user("carol", "UTC", false);
    let service = server.add_service("platform");
    // Users are created at NOW (12:00); these unlock three minutes later.
    let at = "2026-03-20T12:03:00Z";
    server.post_events(&service, &event("r1", "root", "project_created", at)).await;
    server.post_events(&service, &event("b1", "bob", "project_created", at)).await;

    let (status, stats) = server.get("/api/v1/stats/?from=2026-03-19&until=2026-03-20", Some(&root)).await;
    assert_eq!(status, StatusCode::OK, "{stats}");
    assert_eq!(stats["users"], 3);
    assert_eq!(stats["users_with_achievements"], 2);
    assert!((stats["share_with_achievement"].as_f64().unwrap() - 2.0 / 3.0).abs() < 1e-9);
    let earned = stats["total_earned"].as_f64().unwrap();
    assert!((stats["average_per_user"].as_f64().unwrap() - earned / 3.0).abs() < 1e-9);
    assert_eq!(stats["most_earned"][0]["key"], "first_project");
    assert_eq!(stats["most_earned"][0]["count"], 2);
    assert_eq!(stats["most_earned"][0]["name"], "First Launch");
    assert_eq!(stats["least_earned"][0]["count"], 0);
    assert_eq!(stats["median_seconds_to_first_achievement"], 180);
    let days = stats["unlocks_per_day"]["days"].as_array().unwrap();
    assert_eq!(days.len(), 2);
    assert_eq!(days[0]["date"], "2026-03-19");
    assert_eq!(days[0]["count"], 0);
    assert_eq!(days[1]["count"].as_f64().unwrap(), earned);

    // The default range: the 30 days up to today.
    let (_, default) = server.get("/api/v1/stats/", Some(&root)).await;
    assert_eq!(default["unlocks_per_day"]["days"].as_array().unwrap().len(), 30);
    assert_eq!(default["unlocks_per_day"]["until"], "2026-03-20");

    assert_eq!(server.get("/api/v1/stats/", Some(&bob)).await.0, StatusCode::FORBIDDEN);
    assert_eq!(server.get("/api/v1/stats/", Some(&service)).await.0, StatusCode::FORBIDDEN);
    assert_eq!(server.get("/api/v1/stats/", None).await.0, StatusCode::UNAUTHORIZED);
    for bad in ["?from=yesterday", "?from=2026-03-20&until=2026-03-01", "?until=2026-13-01"] {
        let (status, answer) = server.get(&format!("/api/v1/stats/{bad}"), Some(&root)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {answer}");
        assert_eq!(answer["code"], "invalid_query");
    }

    // The command line prints the same figures.
    let db = server.db_arg();
    let output =
        binary!().args(["stats", "--from", "2026-03-19", "--until", "2026-03-20", "--db"]).arg(&db).output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{text}");
    assert!(text.contains("users: 3, with at least one achievement: 2 (66.7%)"), "{text}");
    assert!(text.contains("median time to first achievement: 3 min"), "{text}");
    assert!(text.contains("first_project"), "{text}");
    assert!(text.contains("2026-03-19"), "{text}");
}
