//! The platform frontend's routes: `me/achievements/my-progress/` and
//! `users/{username}/achievements/` (public profiles).

#![allow(clippy::unwrap_used)]

use achievements_testkit::{TestServer, binary, event};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn logins(user: &str, days: u32) -> Value {
    let events: Vec<Value> = (1..=days)
        .map(|d| event(&format!("{user}-{d}"), user, "login", &format!("2026-03-{d:02}T09:00:00Z")))
        .collect();
    json!({ "events": events })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn my_progress_is_keyed_by_category_without_unearned_secrets() {
    let server = TestServer::start().await;
    let ann = server.add_user("ann", "UTC", false);
    let bob = server.add_user("bob", "UTC", false);
    let service = server.add_service("platform");
    server.post_events(&service, &logins("ann", 14)).await;
    server.post_events(&service, &logins("bob", 3)).await;
    server
        .post_events(
            &service,
            &json!({"id": "p", "user": "bob", "type": "project_created", "value": 2, "at": "2026-03-03T10:00:00Z"}),
        )
        .await;

    let (status, progress) = server.get("/api/v1/me/achievements/my-progress/", Some(&bob)).await;
    assert_eq!(status, StatusCode::OK, "{progress}");
    let projects = progress["projects"].as_array().unwrap();
    let first = projects.iter().find(|i| i["key"] == "first_project").unwrap();
    assert_eq!(first["is_earned"], true);
    assert_eq!(first["earned_at"], "2026-03-03T10:00:00Z");
    assert_eq!(first["progress_percentage"], 100);
    for field in ["name", "description", "icon", "color_from", "color_to", "category", "points", "rarity"] {
        assert!(first.get(field).is_some(), "{field}");
    }
    let five = projects.iter().find(|i| i["key"] == "5_projects").unwrap();
    assert_eq!((five["is_earned"].clone(), five["current_value"].clone()), (json!(false), json!(2)));
    assert_eq!(five["progress_percentage"], 40);
    assert_eq!(five["earned_at"], Value::Null);
    let text = progress.to_string();
    assert!(!text.contains("unbroken"), "bob has not earned the secret: {text}");
    // Ann earned it: she sees it.
    let (_, hers) = server.get("/api/v1/me/achievements/my-progress/", Some(&ann)).await;
    assert!(hers.to_string().contains("\"unbroken\""));
    assert_eq!(server.get("/api/v1/me/achievements/my-progress/", None).await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_profiles_list_earned_badges_and_private_ones_are_not_found() {
    let server = TestServer::start().await;
    server.add_user("ann", "UTC", false);
    let bob = server.add_user("bob", "UTC", false);
    let service = server.add_service("platform");
    server.post_events(&service, &logins("ann", 14)).await;
    server.post_events(&service, &logins("bob", 3)).await;

    let (status, ann) = server.get("/api/v1/users/ann/achievements/", None).await;
    assert_eq!(status, StatusCode::OK, "{ann}");
    assert_eq!(ann["username"], "ann");
    let results = ann["results"].as_array().unwrap();
    assert_eq!(ann["count"].as_u64().unwrap() as usize, results.len());
    assert!(results.iter().all(|i| i["is_earned"] == true && !i["earned_at"].is_null()));
    assert!(results.iter().any(|i| i["key"] == "unbroken"), "an earned secret is shown");
    let (_, bobs) = server.get("/api/v1/users/bob/achievements/", Some(&bob)).await;
    assert!(!bobs.to_string().contains("unbroken"));

    // Private: the same 404 as an unknown user.
    let db = server.db_arg();
    let output =
        binary!().args(["users", "set", "ann", "--public-profile", "false", "--db"]).arg(&db).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let private = server.client.get(server.url("/api/v1/users/ann/achievements/")).send().await.unwrap();
    let unknown = server.client.get(server.url("/api/v1/users/nobody/achievements/")).send().await.unwrap();
    assert_eq!((private.status(), unknown.status()), (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND));
    assert_eq!(private.bytes().await.unwrap(), unknown.bytes().await.unwrap());
    let output = binary!().args(["users", "set", "ann", "--public-profile", "true", "--db"]).arg(&db).output().unwrap();
    assert!(output.status.success());
    assert_eq!(server.get("/api/v1/users/ann/achievements/", None).await.0, StatusCode::OK);
    let output =
        binary!().args(["users", "set", "nobody", "--public-profile", "true", "--db"]).arg(&db).output().unwrap();
    assert!(!output.status.success());
}
