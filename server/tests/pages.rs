//! Pagination, as Django REST answers it: `?page=N&page_size=M` on
//! `achievements/earned/`, `notifications/` and public profiles,
//! `{"count", "next", "previous", "results"}`, `next` followed to the end.
//! Over HTTP, on the backend `ACHIEVEMENTS_TEST_BACKEND` names.

#![allow(clippy::unwrap_used)]

use achievements_testkit::{TestServer, event};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn logins(user: &str, days: u32) -> Value {
    let events: Vec<Value> = (1..=days)
        .map(|d| event(&format!("{user}-{d}"), user, "login", &format!("2026-03-{d:02}T09:00:00Z")))
        .collect();
    json!({ "events": events })
}

/// Follows `next` from `first` to the end: every page's results, in order,
/// after checking each page's `count` and `previous` link.
async fn follow(server: &TestServer, first: &str, token: Option<&str>) -> Vec<Value> {
    let mut all = Vec::new();
    let mut path = Some(first.to_owned());
    let mut previous: Option<String> = None;
    let mut count = None;
    while let Some(here) = path {
        let (status, page) = server.get(&here, token).await;
        assert_eq!(status, StatusCode::OK, "{here}: {page}");
        let keys: Vec<&str> = page.as_object().unwrap().keys().map(String::as_str).collect();
        for key in ["count", "next", "previous", "results"] {
            assert!(keys.contains(&key), "{here}: no `{key}` in {page}");
        }
        assert_eq!(*count.get_or_insert(page["count"].clone()), page["count"], "the count stays");
        match &previous {
            None => assert_eq!(page["previous"], Value::Null, "{here}"),
            Some(before) => {
                let back = page["previous"].as_str().unwrap();
                let (_, again) = server.get(back, token).await;
                assert_eq!(again["results"], server.get(before, token).await.1["results"], "{back} is {before}");
            }
        }
        all.extend(page["results"].as_array().unwrap().iter().cloned());
        previous = Some(here);
        path = page["next"].as_str().map(str::to_owned);
        if let Some(next) = &path {
            assert!(next.starts_with("/api/v1/"), "origin-relative: {next}");
        }
    }
    assert_eq!(count.unwrap().as_u64().unwrap() as usize, all.len());
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn earned_badges_come_in_pages_that_add_up_to_the_whole_list() {
    let server = TestServer::start().await;
    let ann = server.add_user("ann", "UTC", false);
    let service = server.add_service("platform");
    server.post_events(&service, &logins("ann", 14)).await;

    let (status, whole) = server.get("/api/v1/achievements/earned/", Some(&ann)).await;
    assert_eq!(status, StatusCode::OK, "{whole}");
    let count = whole["count"].as_u64().unwrap();
    assert!(count >= 3, "enough badges to page through: {whole}");
    assert_eq!((whole["next"].clone(), whole["previous"].clone()), (Value::Null, Value::Null));
    let pages = follow(&server, "/api/v1/achievements/earned/?page_size=2", Some(&ann)).await;
    assert_eq!(&pages, whole["results"].as_array().unwrap(), "the same items, in the same order");

    let (_, second) = server.get("/api/v1/achievements/earned/?page=2&page_size=2", Some(&ann)).await;
    assert_eq!(second["previous"], "/api/v1/achievements/earned/?page_size=2");
    let last = count.div_ceil(2);
    let (status, past) =
        server.get(&format!("/api/v1/achievements/earned/?page={}&page_size=2", last + 1), Some(&ann)).await;
    assert_eq!((status, &past["code"]), (StatusCode::NOT_FOUND, &json!("not_found")), "{past}");
    assert_eq!(past["detail"], "Invalid page.");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notifications_are_paged_in_the_database_unread_first() {
    let server = TestServer::start().await;
    let ann = server.add_user("ann", "UTC", false);
    let bob = server.add_user("bob", "UTC", false);
    let service = server.add_service("platform");
    server.post_events(&service, &logins("bob", 1)).await;
    // 2,345 notifications for ann, the oldest 45 read: more than a page of
    // the most a page holds.
    let values = "INSERT INTO notifications (user_id, achievement_key, earned_at, cause, backfill, read, created_at)";
    let ann_id = "(SELECT id FROM users WHERE name = 'ann')";
    server.execute(
        &format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2345)
             {values} SELECT {ann_id}, 'first_project', '2026-03-01T09:00:00Z', 'event', 0, i <= 45,
             '2026-03-01T09:00:00Z' FROM n"
        ),
        &format!(
            "{values} SELECT {ann_id}, 'first_project', '2026-03-01T09:00:00Z', 'event', FALSE, i <= 45,
             '2026-03-01T09:00:00Z' FROM generate_series(1, 2345) AS i"
        ),
    );

    let (status, first) = server.get("/api/v1/notifications/", Some(&ann)).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!((first["count"].as_u64(), first["unread"].as_u64()), (Some(2345), Some(2300)));
    assert_eq!(first["results"].as_array().unwrap().len(), 100, "100 a page by default");
    assert_eq!(first["next"], "/api/v1/notifications/?page=2");
    assert_eq!(first["previous"], Value::Null);

    let all = follow(&server, "/api/v1/notifications/?page_size=1000", Some(&ann)).await;
    let ids: Vec<i64> = all.iter().map(|n| n["id"].as_i64().unwrap()).collect();
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), 2345, "every notification once");
    // Unread first, then newest first.
    let (unread, read) = all.split_at(2300);
    assert!(unread.iter().all(|n| n["read"] == false) && read.iter().all(|n| n["read"] == true));
    assert!(ids[..2300].windows(2).all(|w| w[0] > w[1]) && ids[2300..].windows(2).all(|w| w[0] > w[1]));

    // `page_size` over 1,000 is lowered to 1,000; the other parameters stay in the links.
    let (_, big) = server.get("/api/v1/notifications/?user=ann&page_size=5000&page=2", Some(&ann)).await;
    assert_eq!(big["results"].as_array().unwrap().len(), 1000, "{}", big["next"]);
    assert_eq!(big["next"], "/api/v1/notifications/?user=ann&page_size=5000&page=3");
    assert_eq!(big["previous"], "/api/v1/notifications/?user=ann&page_size=5000");
    let (_, last) = server.get("/api/v1/notifications/?page=3&page_size=1000", Some(&ann)).await;
    assert_eq!((last["results"].as_array().unwrap().len(), &last["next"]), (345, &Value::Null));

    let (status, past) = server.get("/api/v1/notifications/?page=4&page_size=1000", Some(&ann)).await;
    assert_eq!((status, &past["code"]), (StatusCode::NOT_FOUND, &json!("not_found")), "{past}");
    // Others' notifications are not counted.
    let (_, bobs) = server.get("/api/v1/notifications/", Some(&bob)).await;
    assert!(bobs["count"].as_u64().unwrap() < 100, "{bobs}");
    // An empty list has its (empty) first page, and no second.
    let carl = server.add_user("carl", "UTC", false);
    let (status, none) = server.get("/api/v1/notifications/?page=1", Some(&carl)).await;
    assert_eq!(
        (status, none),
        (StatusCode::OK, json!({"count": 0, "next": null, "previous": null, "unread": 0, "results": []}))
    );
    let (status, _) = server.get("/api/v1/notifications/?page=2", Some(&carl)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_profiles_are_paged() {
    let server = TestServer::start().await;
    server.add_user("ann", "UTC", false);
    let service = server.add_service("platform");
    server.post_events(&service, &logins("ann", 14)).await;

    let (status, whole) = server.get("/api/v1/users/ann/achievements/", None).await;
    assert_eq!(status, StatusCode::OK, "{whole}");
    assert_eq!(whole["username"], "ann");
    let pages = follow(&server, "/api/v1/users/ann/achievements/?page_size=1", None).await;
    assert_eq!(&pages, whole["results"].as_array().unwrap());
    let (_, one) = server.get("/api/v1/users/ann/achievements/?page_size=1", None).await;
    assert_eq!(
        (one["username"].clone(), one["next"].clone()),
        (json!("ann"), json!("/api/v1/users/ann/achievements/?page_size=1&page=2"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_page_parameters_are_400() {
    let server = TestServer::start().await;
    let ann = server.add_user("ann", "UTC", false);
    for route in ["/api/v1/achievements/earned/", "/api/v1/notifications/"] {
        for query in [
            "page=0",
            "page_size=0",
            "page=-1",
            "page=x",
            "page_size=1e3",
            "page=",
            "page=+2",
            "page=1&page=2",
            "page=9223372036854775808",
            "page_size=99999999999999999999999",
        ] {
            let (status, answer) = server.get(&format!("{route}?{query}"), Some(&ann)).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{route}?{query}: {answer}");
            assert_eq!(answer["code"], "invalid_query", "{route}?{query}: {answer}");
        }
        // Up to the document's int64: a page past the end, a page size lowered to 1,000.
        let (status, answer) = server.get(&format!("{route}?page={}", i64::MAX), Some(&ann)).await;
        assert_eq!((status, &answer["detail"]), (StatusCode::NOT_FOUND, &json!("Invalid page.")), "{route}");
        let (status, answer) = server.get(&format!("{route}?page_size={}", i64::MAX), Some(&ann)).await;
        assert_eq!(status, StatusCode::OK, "{route}: {answer}");
    }
    let (status, answer) = server.get("/api/v1/users/ann/achievements/?page=0", None).await;
    assert_eq!((status, &answer["code"]), (StatusCode::BAD_REQUEST, &json!("invalid_query")));
}
