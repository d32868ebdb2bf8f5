//! A secret achievement never leaves the server for anyone who has not
//! earned it: every route, every filter, every error, for every kind of
//! caller. The one who earned it sees it in full.

#![allow(clippy::unwrap_used)]

use achievements_server::catalog_file::CatalogSource;
use achievements_testkit::{Setup, TestServer, event, keys};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The shipped catalog plus `iron_will`, a public badge requiring the secret.
fn catalog_with_a_prerequisite_on_the_secret(dir: &std::path::Path) -> std::path::PathBuf {
    let mut catalog: Value = serde_json::from_str(achievements_core::SHIPPED_CATALOG_JSON).unwrap();
    let defs = catalog["achievements"].as_array_mut().unwrap();
    let mut iron = defs.iter().find(|d| d["key"] == "first_login").unwrap().clone();
    iron["key"] = json!("iron_will");
    iron["name"] = json!("Iron Will");
    iron["requires_achievements"] = json!(["unbroken"]);
    defs.push(iron);
    let path = dir.join("catalog.json");
    std::fs::write(&path, catalog.to_string()).unwrap();
    path
}

/// Every way the secret could show: key, name, description, icon.
fn secret_marks() -> Vec<String> {
    let catalog: Value = serde_json::from_str(achievements_core::SHIPPED_CATALOG_JSON).unwrap();
    let secret = catalog["achievements"].as_array().unwrap().iter().find(|d| d["key"] == "unbroken").unwrap().clone();
    ["key", "name", "description", "icon"].iter().map(|f| secret[*f].as_str().unwrap().to_owned()).collect()
}

fn assert_no_secret(what: &str, body: &str) {
    for mark in secret_marks() {
        assert!(!body.contains(&mark), "{what} leaks `{mark}`: {body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_route_shows_an_unearned_secret_to_anyone() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = catalog_with_a_prerequisite_on_the_secret(dir.path());
    let server = TestServer::start_in(dir, Setup { catalog: CatalogSource::File(catalog), ..Setup::default() }).await;
    let ann = server.add_user("ann", "UTC", false);
    let bob = server.add_user("bob", "UTC", false);
    let root = server.add_user("root", "UTC", true);
    let service = server.add_service("platform");

    // Ann logs in 14 days running: she earns the secret. Bob logs in 6 days.
    let logins = |user: &str, days: u32| -> Value {
        let events: Vec<Value> = (1..=days)
            .map(|d| event(&format!("{user}-{d}"), user, "login", &format!("2026-03-{d:02}T09:00:00Z")))
            .collect();
        json!({ "events": events })
    };
    let results = server.post_events(&service, &logins("ann", 14)).await;
    let unlocked = results[13]["unlocked"].as_array().unwrap();
    assert!(unlocked.contains(&json!("unbroken")) && unlocked.contains(&json!("iron_will")), "{unlocked:?}");
    // The service's answer about bob's events says nothing about the secret.
    let (status, answer) = server.post("/api/v1/events/", Some(&service), &logins("bob", 6)).await;
    assert_eq!(status, StatusCode::OK);
    assert_no_secret("events/ for bob", &answer.to_string());

    let mut paths: Vec<String> = [
        "/api/v1/achievements/",
        "/api/v1/achievements/?category=streaks",
        "/api/v1/achievements/?rarity=epic",
        "/api/v1/achievements/?earned=true",
        "/api/v1/achievements/?earned=false",
        "/api/v1/achievements/earned/",
        "/api/v1/achievements/categories/",
        "/api/v1/achievements/catalog/",
        "/api/v1/me/",
        "/api/v1/achievements/unbroken/",
        "/api/v1/achievements/secret-1/",
        "/api/v1/me/achievements/my-progress/",
        "/api/v1/notifications/",
        "/api/v1/users/bob/achievements/",
        "/api/v1/openapi.json",
    ]
    .iter()
    .map(|p| (*p).to_owned())
    .collect();
    let catalog: Value = serde_json::from_str(achievements_core::SHIPPED_CATALOG_JSON).unwrap();
    for def in catalog["achievements"].as_array().unwrap() {
        paths.push(format!("/api/v1/achievements/{}/", def["key"].as_str().unwrap()));
    }
    paths.push("/api/v1/achievements/iron_will/".to_owned());

    let callers: Vec<(&str, Option<&str>, &str)> = vec![
        ("anonymous", None, ""),
        ("bob", Some(&bob), ""),
        ("the service", Some(&service), ""),
        ("an admin for themselves", Some(&root), ""),
        ("an admin acting for bob", Some(&root), "user=bob"),
    ];
    for (who, token, query) in &callers {
        for path in &paths {
            let url = match (query.is_empty(), path.contains('?')) {
                (true, _) => path.clone(),
                (false, true) => format!("{path}&{query}"),
                (false, false) => format!("{path}?{query}"),
            };
            let mut request = server.client.get(server.url(&url));
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            let response = request.send().await.unwrap();
            let status = response.status();
            let text = response.text().await.unwrap();
            assert!(status.is_success() || status.is_client_error(), "{who} {url}: {status}");
            assert_no_secret(&format!("{who} GET {url}"), &text);
        }
        let (_, checked) = server.post(&format!("/api/v1/achievements/check/?{query}"), *token, &json!({})).await;
        assert_no_secret(&format!("{who} POST check/"), &checked.to_string());
    }

    // What bob is told instead: a locked count and a placeholder.
    let (_, list) = server.get("/api/v1/achievements/", Some(&bob)).await;
    assert_eq!(list["secret_locked"], 1);
    let iron = list["results"].as_array().unwrap().iter().find(|i| i["key"] == "iron_will").unwrap().clone();
    assert_eq!(iron["requires_achievements"], json!(["secret-1"]));
    let (_, detail) = server.get("/api/v1/achievements/iron_will/", Some(&bob)).await;
    assert_eq!(
        detail["prerequisites"],
        json!([{"key": "secret-1", "name": null, "is_secret": true, "is_earned": false}])
    );

    // Ann earned it: she sees it everywhere, in full.
    let (_, list) = server.get("/api/v1/achievements/", Some(&ann)).await;
    assert_eq!(list["secret_locked"], 0);
    assert!(keys(&list["results"]).contains(&"unbroken".to_owned()));
    let (status, detail) = server.get("/api/v1/achievements/unbroken/", Some(&ann)).await;
    assert_eq!(
        (status, detail["name"].as_str(), detail["is_earned"].as_bool()),
        (StatusCode::OK, Some("Unbroken"), Some(true))
    );
    let (_, detail) = server.get("/api/v1/achievements/iron_will/", Some(&ann)).await;
    assert_eq!(detail["prerequisites"][0]["key"], "unbroken");
    let (_, earned) = server.get("/api/v1/achievements/earned/", Some(&ann)).await;
    assert!(keys(&earned["results"]).contains(&"unbroken".to_owned()));
    let (_, groups) = server.get("/api/v1/achievements/categories/", Some(&ann)).await;
    assert_eq!(groups["results"][4]["secret_locked"], 0);
    // Her state uses the public placeholder id, so client-side
    // prerequisites (iron_will requires secret-1 in the public catalog) work.
    let (_, me) = server.get("/api/v1/me/", Some(&ann)).await;
    assert!(me["state"]["earned"]["secret-1"].is_object());
    assert!(me["state"]["earned"].get("unbroken").is_none());
    let (_, public) = server.get("/api/v1/achievements/catalog/", Some(&ann)).await;
    let public_iron =
        public["achievements"].as_array().unwrap().iter().find(|d| d["key"] == "iron_will").unwrap().clone();
    assert_eq!(public_iron["requires_achievements"], json!(["secret-1"]));
    // And an admin acting for ann sees what ann sees.
    let (status, _) = server.get("/api/v1/achievements/unbroken/?user=ann", Some(&root)).await;
    assert_eq!(status, StatusCode::OK);
}
