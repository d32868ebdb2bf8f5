//! The read routes over real HTTP: every route's success, its filters, and
//! each error status, with the auth boundaries between users, admins,
//! services and anonymous callers.

#![allow(clippy::unwrap_used)]

use achievements_testkit::{Setup, TestServer, event, keys};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Posts `n` events of one type for `user`, one second apart from `start`.
async fn post_n(server: &TestServer, service: &str, user: &str, event_type: &str, n: usize, prefix: &str) {
    let events: Vec<Value> = (0..n)
        .map(|i| event(&format!("{prefix}-{i}"), user, event_type, &format!("2026-03-10T10:00:{:02}Z", i % 60)))
        .collect();
    let results = server.post_events(service, &json!({ "events": events })).await;
    assert!(results.iter().all(|r| r["status"] == "applied"), "{results:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_list_is_the_active_catalog_without_progress_or_secrets() {
    let server = TestServer::start().await;
    let (status, body) = server.get("/api/v1/achievements/", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["count"], 22, "23 shipped, one of them secret");
    assert_eq!(body["secret_locked"], 1);
    let items = body["results"].as_array().unwrap();
    assert_eq!(items.len(), 22);
    assert!(!keys(&body["results"]).contains(&"unbroken".to_owned()));
    assert!(items.iter().all(|i| i.get("is_earned").is_none() && i.get("progress").is_none()));
    // Display order: category order of the catalog, then `order`.
    let categories: Vec<&str> = items.iter().map(|i| i["category"].as_str().unwrap()).collect();
    let mut sorted = categories.clone();
    let rank = |c: &str| {
        ["projects", "battles", "community", "engagement", "streaks", "milestones"].iter().position(|x| *x == c)
    };
    sorted.sort_by_key(|c| rank(c));
    assert_eq!(categories, sorted);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_sees_progress_in_the_plans_shape() {
    let server = TestServer::start().await;
    let ann = server.add_user("ann", "UTC", false);
    let service = server.add_service("platform");
    post_n(&server, &service, "ann", "project_created", 3, "p").await;

    let (status, body) = server.get("/api/v1/achievements/", Some(&ann)).await;
    assert_eq!(status, StatusCode::OK);
    let item = |key: &str| body["results"].as_array().unwrap().iter().find(|i| i["key"] == key).unwrap().clone();
    let first = item("first_project");
    for field in [
        "key",
        "name",
        "description",
        "icon",
        "color_from",
        "color_to",
        "category",
        "points",
        "rarity",
        "is_secret",
        "order",
        "criteria_type",
        "criteria_value",
        "tracking_field",
        "requires_achievements",
        "is_earned",
        "earned_at",
        "progress",
        "progress_value",
        "target_value",
    ] {
        assert!(first.get(field).is_some(), "missing {field} in {first}");
    }
    assert_eq!(first["is_earned"], true);
    assert_eq!(first["earned_at"], "2026-03-10T10:00:00Z");
    assert_eq!(first["progress"], 100);
    let five = item("5_projects");
    assert_eq!((five["is_earned"].clone(), five["earned_at"].clone()), (json!(false), Value::Null));
    assert_eq!(
        (five["progress"].clone(), five["progress_value"].clone(), five["target_value"].clone()),
        (json!(60), json!(3), json!(5))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_list_filters_by_category_rarity_and_earned() {
    let server = TestServer::start().await;
    let ann = server.add_user("ann", "UTC", false);
    let service = server.add_service("platform");
    post_n(&server, &service, "ann", "project_created", 5, "p").await;

    let get = |query: &'static str| {
        let server = &server;
        let ann = ann.clone();
        async move { server.get(&format!("/api/v1/achievements/?{query}"), Some(&ann)).await }
    };
    let (_, projects) = get("category=projects").await;
    assert_eq!(
        keys(&projects["results"]),
        ["first_project", "5_projects", "10_projects", "25_projects", "50_projects", "first_published"]
    );
    let (_, streaks) = get("category=streaks").await;
    assert_eq!(streaks["secret_locked"], 1);
    let (_, battles) = get("category=battles").await;
    assert_eq!(battles["secret_locked"], 0);
    let (_, legendary) = get("rarity=legendary").await;
    assert!(legendary["results"].as_array().unwrap().iter().all(|i| i["rarity"] == "legendary"));
    assert_eq!(legendary["count"], 4);
    let (_, earned) = get("earned=true").await;
    assert_eq!(keys(&earned["results"]), ["first_project", "5_projects"]);
    let (_, unearned) = get("earned=false&category=projects").await;
    assert_eq!(unearned["count"], 4);

    for bad in ["category=duels", "rarity=shiny", "earned=yes"] {
        let (status, body) = get(bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(body["code"], "invalid_query");
        assert!(body["detail"].as_str().unwrap().len() > 10);
    }
    let (status, body) = server.get("/api/v1/achievements/?earned=true", None).await;
    assert_eq!((status, body["code"].as_str().unwrap()), (StatusCode::UNAUTHORIZED, "not_authenticated"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn earned_lists_newest_first_with_progress_at_unlock() {
    let server = TestServer::start().await;
    let ann = server.add_user("ann", "UTC", false);
    let service = server.add_service("platform");
    server
        .post_events(
            &service,
            &json!({"events": [
                event("a", "ann", "login", "2026-03-01T08:00:00Z"),
                event("b", "ann", "project_created", "2026-03-02T08:00:00Z"),
                {"id": "c", "user": "ann", "type": "project_created", "value": 4, "at": "2026-03-03T08:00:00Z"},
            ]}),
        )
        .await;
    let (status, body) = server.get("/api/v1/achievements/earned/", Some(&ann)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(keys(&body["results"]), ["5_projects", "first_project", "first_login"]);
    let five = &body["results"][0];
    assert_eq!(five["progress_at_unlock"], 5);
    assert_eq!(five["cause"], "event");
    assert_eq!(five["earned_at"], "2026-03-03T08:00:00Z");

    let (status, body) = server.get("/api/v1/achievements/earned/", None).await;
    assert_eq!((status, body["code"].as_str().unwrap()), (StatusCode::UNAUTHORIZED, "not_authenticated"));
    let (status, body) = server.get("/api/v1/achievements/earned/", Some(&service)).await;
    assert_eq!((status, body["code"].as_str().unwrap()), (StatusCode::FORBIDDEN, "permission_denied"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn detail_shows_progress_and_prerequisites_and_404s_the_same_for_unknown_and_secret() {
    let server = TestServer::start().await;
    let ann = server.add_user("ann", "UTC", false);
    let service = server.add_service("platform");
    post_n(&server, &service, "ann", "battle_participated", 6, "b").await;

    let (status, body) = server.get("/api/v1/achievements/battle_legend/", Some(&ann)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["key"], "battle_legend");
    assert_eq!(body["progress_value"], 6);
    assert_eq!(body["progress"], 24);
    assert_eq!(
        body["prerequisites"],
        json!([
            {"key": "5_battles", "name": "Battle Tested", "is_secret": false, "is_earned": true},
            {"key": "10_wins", "name": "Battle Master", "is_secret": false, "is_earned": false},
        ])
    );
    let (status, anonymous) = server.get("/api/v1/achievements/battle_legend/", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(anonymous.get("is_earned").is_none() && anonymous["prerequisites"][0].get("is_earned").is_none());

    let (status, unknown) = server.get("/api/v1/achievements/no_such_badge/", Some(&ann)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, secret) = server.get("/api/v1/achievements/unbroken/", Some(&ann)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(unknown, secret, "an unearned secret is indistinguishable from an unknown key");
    let raw = |path: &'static str| {
        let server = &server;
        async move { server.client.get(server.url(path)).send().await.unwrap().bytes().await.unwrap() }
    };
    assert_eq!(raw("/api/v1/achievements/no_such_badge/").await, raw("/api/v1/achievements/unbroken/").await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn categories_group_every_category_with_counts() {
    let server = TestServer::start().await;
    let ann = server.add_user("ann", "UTC", false);
    let service = server.add_service("platform");
    post_n(&server, &service, "ann", "community_help", 5, "h").await;

    let (status, body) = server.get("/api/v1/achievements/categories/", Some(&ann)).await;
    assert_eq!(status, StatusCode::OK);
    let groups = body["results"].as_array().unwrap();
    let names: Vec<&str> = groups.iter().map(|g| g["category"].as_str().unwrap()).collect();
    assert_eq!(names, ["projects", "battles", "community", "engagement", "streaks", "milestones"]);
    let community = &groups[2];
    assert_eq!(
        (community["name"].as_str(), community["total"].as_i64(), community["earned"].as_i64()),
        (Some("Community"), Some(4), Some(1))
    );
    let streaks = &groups[4];
    assert_eq!(streaks["secret_locked"], 1);
    assert_eq!(streaks["total"], 3, "two listed, one locked secret");
    assert_eq!(streaks["items"].as_array().unwrap().len(), 2);

    let (status, anonymous) = server.get("/api/v1/achievements/categories/", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(anonymous["results"][2]["earned"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn me_reports_counters_streaks_points_and_the_core_state() {
    // The clock says 2026-03-20 noon UTC.
    let server = TestServer::start().await;
    let ann = server.add_user("ann", "Europe/Paris", false);
    let bob = server.add_user("bob", "UTC", false);
    let service = server.add_service("platform");
    let logins = |user: &str, days: &[u32]| -> Value {
        let events: Vec<Value> = days
            .iter()
            .map(|d| event(&format!("{user}-login-{d}"), user, "login", &format!("2026-03-{d:02}T09:00:00Z")))
            .collect();
        json!({ "events": events })
    };
    server.post_events(&service, &logins("ann", &[10, 11, 12, 18, 19, 20])).await;
    server.post_events(&service, &logins("bob", &[14, 15, 16, 17])).await;

    let (status, me) = server.get("/api/v1/me/", Some(&ann)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["name"], "ann");
    assert_eq!(me["timezone"], "Europe/Paris");
    assert_eq!(me["stats"]["login_count"], 6);
    assert_eq!(me["stats"]["project_count"], 0);
    assert_eq!(me["streaks"]["current_streak"], json!({"current": 3, "longest": 3}));
    assert_eq!(me["points"], 10, "first_login");
    assert_eq!(me["stats"]["total_points"], 10);
    assert_eq!(me["earned_count"], 1);
    assert_eq!(me["secret_locked"], 1);
    assert_eq!(me["state"]["timezone"], "Europe/Paris");
    assert_eq!(
        me["state"]["streak_days"]["current_streak"],
        json!([["2026-03-10", "2026-03-12"], ["2026-03-18", "2026-03-20"]])
    );
    assert!(me["state"]["earned"]["first_login"].is_object());
    // Paris: winter time (+1 h), with the switches to summer time inside the window.
    assert_eq!(me["zone_table"]["name"], "Europe/Paris");
    assert_eq!(me["zone_table"]["offset"], 3600);
    let switches = me["zone_table"]["transitions"].as_array().unwrap();
    assert!(switches.iter().any(|t| t[1] == 7200), "{switches:?}");

    // Bob's last login was three days before "now": the current run is 0.
    let (_, me) = server.get("/api/v1/me/", Some(&bob)).await;
    assert_eq!(me["streaks"]["current_streak"], json!({"current": 0, "longest": 4}));
    assert_eq!(me["stats"]["current_streak"], 0);

    let (status, _) = server.get("/api/v1/me/", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = server.get("/api/v1/me/", Some(&service)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_read_only_their_own_progress_and_admins_act_for_others() {
    let server = TestServer::start().await;
    let ann = server.add_user("ann", "UTC", false);
    let _bob = server.add_user("bob", "UTC", false);
    let root = server.add_user("root", "UTC", true);
    let service = server.add_service("platform");
    post_n(&server, &service, "bob", "quiz_completed", 2, "q").await;

    for path in [
        "/api/v1/me/",
        "/api/v1/achievements/",
        "/api/v1/achievements/earned/",
        "/api/v1/achievements/categories/",
        "/api/v1/achievements/first_project/",
    ] {
        let as_bob = format!("{path}?user=bob");
        let (status, body) = server.get(&as_bob, Some(&ann)).await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("permission_denied")), "{as_bob}");
        let (status, _) = server.get(&as_bob, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{as_bob}");
        let (status, _) = server.get(&as_bob, Some(&service)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{as_bob}");
        let (status, _) = server.get(&as_bob, Some(&root)).await;
        assert_eq!(status, StatusCode::OK, "{as_bob}");
        let (status, _) = server.get(&format!("{path}?user=ann"), Some(&ann)).await;
        assert_eq!(status, StatusCode::OK, "naming yourself is fine: {path}");
        let (status, body) = server.get(&format!("{path}?user=nobody"), Some(&root)).await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")), "{path}");
    }
    let (_, me) = server.get("/api/v1/me/?user=bob", Some(&root)).await;
    assert_eq!((me["name"].as_str(), me["stats"]["quiz_count"].as_i64()), (Some("bob"), Some(2)));
    let (status, _) = server.post("/api/v1/achievements/check/?user=bob", Some(&ann), &json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = server.post("/api/v1/achievements/check/?user=bob", Some(&root), &json!({})).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_credentials_are_401_everywhere() {
    let server = TestServer::start().await;
    for path in ["/api/v1/achievements/", "/api/v1/achievements/catalog/", "/api/v1/me/"] {
        let (status, body) = server.get(path, Some("ach_not_a_real_token")).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("authentication_failed")),
            "{path}"
        );
        let response = server.client.get(server.url(path)).header("Authorization", "Token abc").send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(response.headers()["www-authenticate"], "Bearer realm=\"api\"");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_catalog_download_masks_secrets_and_supports_etags() {
    let server = TestServer::start().await;
    let response = server.client.get(server.url("/api/v1/achievements/catalog/")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    assert!(etag.starts_with('"') && etag.ends_with('"'));
    let text = response.text().await.unwrap();
    let loaded = achievements_core::load_catalog(&text).expect("the public catalog loads with the core's loader");
    assert_eq!(loaded.catalog.achievements.len(), 22);
    assert_eq!(loaded.catalog.secret_placeholders.len(), 1);
    assert!(loaded.catalog.events.contains_key("login"));
    assert!(!text.contains("unbroken") && !text.contains("Unbroken"));

    for tag in [etag.clone(), format!("W/{etag}"), format!("\"other\", {etag}"), "*".to_owned()] {
        let response = server
            .client
            .get(server.url("/api/v1/achievements/catalog/"))
            .header("If-None-Match", &tag)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NOT_MODIFIED, "{tag}");
        assert_eq!(response.headers()["etag"].to_str().unwrap(), etag);
        assert!(response.bytes().await.unwrap().is_empty());
    }
    let response = server
        .client
        .get(server.url("/api/v1/achievements/catalog/"))
        .header("If-None-Match", "\"stale\"")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_routes_and_wrong_methods_answer_in_the_error_shape() {
    let server = TestServer::start().await;
    let (status, body) = server.get("/api/v1/nope/", None).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));
    let (status, body) = server.get("/api/v2/achievements/", None).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));

    for (method, path) in [
        (reqwest::Method::POST, "/api/v1/achievements/"),
        (reqwest::Method::GET, "/api/v1/events/"),
        (reqwest::Method::DELETE, "/api/v1/me/"),
        (reqwest::Method::GET, "/api/v1/achievements/check/"),
        (reqwest::Method::PUT, "/api/v1/achievements/first_project/"),
    ] {
        let response = server.client.request(method.clone(), server.url(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        assert!(response.headers().contains_key("allow"));
        let (_, body) = achievements_testkit::read(response).await;
        assert_eq!(body["code"], "method_not_allowed");
        assert_eq!(body["detail"], format!("Method \"{method}\" not allowed."));
    }

    // Like Django's APPEND_SLASH: a GET without the slash is redirected.
    let no_redirects =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).no_proxy().build().unwrap();
    let response = no_redirects.get(server.url("/api/v1/achievements?category=projects")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::MOVED_PERMANENTLY);
    assert_eq!(response.headers()["location"], "/api/v1/achievements/?category=projects");
    let (status, _) = server.get("/api/v1/achievements", None).await;
    assert_eq!(status, StatusCode::OK, "the redirect leads to the route");

    let (status, body) = server.get("/", None).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")), "no --www");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn www_serves_the_page_with_an_index_fallback() {
    let www = tempfile::tempdir().unwrap();
    std::fs::write(www.path().join("index.html"), "<h1>badges</h1>").unwrap();
    std::fs::write(www.path().join("app.js"), "console.log(1)").unwrap();
    let server = TestServer::start_with(Setup { www: Some(www.path().to_owned()), ..Setup::default() }).await;
    let text = |path: &'static str| {
        let server = &server;
        async move {
            let response = server.client.get(server.url(path)).send().await.unwrap();
            (response.status(), response.text().await.unwrap())
        }
    };
    assert_eq!(text("/").await, (StatusCode::OK, "<h1>badges</h1>".to_owned()));
    assert_eq!(text("/app.js").await, (StatusCode::OK, "console.log(1)".to_owned()));
    assert_eq!(text("/badges/first_project").await, (StatusCode::OK, "<h1>badges</h1>".to_owned()));
    let (status, body) = server.get("/api/v1/nope/", None).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")), "the API keeps its 404");
}

/// The shipped catalog with one more badge, and without `first_login`.
fn changed_catalog(dir: &std::path::Path) -> std::path::PathBuf {
    let mut catalog: Value = serde_json::from_str(achievements_core::SHIPPED_CATALOG_JSON).unwrap();
    let defs = catalog["achievements"].as_array_mut().unwrap();
    let mut three = defs.iter().find(|d| d["key"] == "5_projects").unwrap().clone();
    three["key"] = json!("3_projects");
    three["name"] = json!("Warming Up");
    three["criteria_value"] = json!(3);
    defs.push(three);
    defs.retain(|d| d["key"] != "first_login");
    let path = dir.join("changed.json");
    std::fs::write(&path, serde_json::to_string_pretty(&catalog).unwrap()).unwrap();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_awards_retroactively_and_retired_badges_stay_earned() {
    let server = TestServer::start().await;
    let ann = server.add_user("ann", "UTC", false);
    let bob = server.add_user("bob", "UTC", false);
    let service = server.add_service("platform");
    post_n(&server, &service, "ann", "project_created", 3, "p").await;
    server.post_events(&service, &json!(event("l1", "ann", "login", "2026-03-11T08:00:00Z"))).await;
    let (status, nothing) = server.post("/api/v1/achievements/check/", Some(&ann), &json!({})).await;
    assert_eq!((status, nothing["count"].as_i64()), (StatusCode::OK, Some(0)));

    // Restart with a catalog that adds `3_projects` and drops `first_login`.
    let dir = server.stop().await;
    let catalog = changed_catalog(dir.path());
    let server = TestServer::start_in(
        dir,
        Setup { catalog: achievements_server::catalog_file::CatalogSource::File(catalog), ..Setup::default() },
    )
    .await;
    let (_, list) = server.get("/api/v1/achievements/", Some(&ann)).await;
    let three = list["results"].as_array().unwrap().iter().find(|i| i["key"] == "3_projects").unwrap().clone();
    assert_eq!((three["is_earned"].clone(), three["progress"].clone()), (json!(false), json!(100)));
    assert!(!keys(&list["results"]).contains(&"first_login".to_owned()), "retired: no longer listed");

    let (status, checked) = server.post("/api/v1/achievements/check/", Some(&ann), &json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(keys(&checked["unlocked"]), ["3_projects"]);
    assert_eq!(checked["unlocked"][0]["earned_at"], achievements_testkit::NOW);
    let (_, again) = server.post("/api/v1/achievements/check/", Some(&ann), &json!({})).await;
    assert_eq!(again["count"], 0, "checking twice changes nothing");
    assert_eq!(
        server.count("SELECT count(*) FROM unlock_audit WHERE achievement_key = '3_projects' AND cause = 'evaluation' AND event_id IS NULL"),
        1
    );

    let (_, earned) = server.get("/api/v1/achievements/earned/", Some(&ann)).await;
    let first_login = earned["results"].as_array().unwrap().iter().find(|i| i["key"] == "first_login").unwrap().clone();
    assert_eq!((first_login["is_active"].clone(), first_login["name"].clone()), (json!(false), json!("Welcome")));
    let (status, _) = server.get("/api/v1/achievements/first_login/", Some(&ann)).await;
    assert_eq!(status, StatusCode::OK, "the user who earned a retired badge can still open it");
    let (status, _) = server.get("/api/v1/achievements/first_login/", Some(&bob)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = server.post("/api/v1/achievements/check/", None, &json!({})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = server.post("/api/v1/achievements/check/", Some(&service), &json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
