//! Issue 10, item 11: every achievement item carries its window
//! (`available_from`, `available_until`) and, for a user, the core's
//! `blockers`, so a client can say "Event ended on 8 Jun 2026" instead of
//! drawing a full bar — and a blocker never names a secret the user has not
//! earned.

#![allow(clippy::unwrap_used)]

use achievements_server::catalog_file::CatalogSource;
use achievements_testkit::{Setup, TestServer, event};
use serde_json::{Value, json};

/// The shipped catalog plus login badges (1 login each) that are blocked in
/// every way at the test clock (2026-03-20): a window that closed, one not
/// open yet, one open until the 24th, a public prerequisite, and a
/// prerequisite on the secret `unbroken`.
fn catalog_with_blocked_badges(dir: &std::path::Path) -> std::path::PathBuf {
    let mut catalog: Value = serde_json::from_str(achievements_core::SHIPPED_CATALOG_JSON).unwrap();
    let defs = catalog["achievements"].as_array_mut().unwrap();
    let welcome = defs.iter().find(|d| d["key"] == "first_login").unwrap().clone();
    let badge = |key: &str, name: &str, extra: Value| {
        let mut def = welcome.clone();
        def["key"] = json!(key);
        def["name"] = json!(name);
        for (field, value) in extra.as_object().unwrap() {
            def[field] = value.clone();
        }
        def
    };
    defs.push(badge(
        "winter_jam",
        "Winter Jam",
        json!({"available_from": "2026-01-01T00:00:00Z", "available_until": "2026-01-09T00:00:00Z"}),
    ));
    defs.push(badge(
        "june_jam",
        "June Jam",
        json!({"available_from": "2026-06-01T00:00:00Z", "available_until": "2026-06-09T00:00:00Z"}),
    ));
    defs.push(badge("spring_sprint", "Spring Sprint", json!({"available_until": "2026-03-24T00:00:00Z"})));
    defs.push(badge("encore", "Encore", json!({"requires_achievements": ["first_project"]})));
    defs.push(badge("iron_will", "Iron Will", json!({"requires_achievements": ["unbroken"]})));
    let path = dir.join("catalog.json");
    std::fs::write(&path, catalog.to_string()).unwrap();
    path
}

fn item<'a>(list: &'a Value, key: &str) -> &'a Value {
    list["results"].as_array().unwrap().iter().find(|i| i["key"] == key).unwrap_or_else(|| panic!("no {key}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn items_carry_their_window_and_the_cores_blockers() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = catalog_with_blocked_badges(dir.path());
    let server = TestServer::start_in(dir, Setup { catalog: CatalogSource::File(catalog), ..Setup::default() }).await;
    let ann = server.add_user("ann", "Europe/Paris", false);
    let service = server.add_service("platform");
    server.post_events(&service, &json!(event("e1", "ann", "login", "2026-03-19T09:00:00Z"))).await;

    let (_, list) = server.get("/api/v1/achievements/", Some(&ann)).await;

    let closed = item(&list, "winter_jam");
    assert_eq!(
        (closed["available_from"].as_str(), closed["available_until"].as_str()),
        (Some("2026-01-01T00:00:00Z"), Some("2026-01-09T00:00:00Z"))
    );
    assert_eq!((closed["is_earned"].as_bool(), closed["progress_value"].as_i64()), (Some(false), Some(1)));
    assert_eq!(closed["blockers"], json!([{"kind": "window_closed", "until": "2026-01-09T00:00:00Z"}]));

    let upcoming = item(&list, "june_jam");
    assert_eq!(upcoming["blockers"], json!([{"kind": "not_yet_available", "from": "2026-06-01T00:00:00Z"}]));

    // An open window blocks nothing: it unlocked at the login.
    let open = item(&list, "spring_sprint");
    assert_eq!((open["is_earned"].as_bool(), open["available_from"].clone()), (Some(true), Value::Null));
    assert_eq!(open["available_until"], "2026-03-24T00:00:00Z");
    assert_eq!(open["blockers"], json!([]));

    let encore = item(&list, "encore");
    assert_eq!(encore["blockers"], json!([{"kind": "requires", "key": "first_project", "name": "First Launch"}]));

    // Still below target: the blocker list says so too, with progress's value.
    let five = item(&list, "5_projects");
    assert_eq!(five["blockers"], json!([{"kind": "below_target", "value": 0, "target": 5}]));

    // The detail route has the same fields, once each.
    let (_, detail) = server.get("/api/v1/achievements/winter_jam/", Some(&ann)).await;
    assert_eq!(detail["blockers"], closed["blockers"]);
    assert_eq!(detail["available_until"], "2026-01-09T00:00:00Z");

    // Without a user, the window is there and the blockers are not.
    let (_, anonymous) = server.get("/api/v1/achievements/", None).await;
    let closed = item(&anonymous, "winter_jam");
    assert_eq!(closed["available_until"], "2026-01-09T00:00:00Z");
    assert!(closed.get("blockers").is_none(), "{closed}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocker_never_names_an_unearned_secret() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = catalog_with_blocked_badges(dir.path());
    let server = TestServer::start_in(dir, Setup { catalog: CatalogSource::File(catalog), ..Setup::default() }).await;
    let bob = server.add_user("bob", "UTC", false);
    let service = server.add_service("platform");
    server.post_events(&service, &json!(event("b1", "bob", "login", "2026-03-19T09:00:00Z"))).await;

    let (_, catalog) = server.get("/api/v1/achievements/catalog/", None).await;
    let iron = catalog["achievements"].as_array().unwrap().iter().find(|d| d["key"] == "iron_will").unwrap();
    let placeholder = iron["requires_achievements"][0].as_str().unwrap().to_owned();
    assert!(placeholder.starts_with("secret-"), "{placeholder}");

    for path in ["/api/v1/achievements/", "/api/v1/achievements/iron_will/", "/api/v1/achievements/categories/"] {
        let (_, body) = server.get(path, Some(&bob)).await;
        let text = body.to_string();
        assert!(!text.contains("unbroken") && !text.contains("Unbroken"), "{path} leaks the secret: {text}");
        assert!(
            text.contains(&format!(r#"{{"key":"{placeholder}","kind":"requires","name":null}}"#))
                || text.contains(&format!(r#""kind":"requires","key":"{placeholder}","name":null"#)),
            "{path}: {text}"
        );
    }
}
