//! Instants as every way in reads them: RFC 3339 with any number of
//! fractional digits (truncated to the nanosecond), over HTTP, through
//! `import-events` and through `rules test`. One parser (the core's) reads
//! them all, so each path is checked once here, end to end.

#![allow(clippy::unwrap_used)]

use achievements_testkit::{TestServer, binary, event};
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_with_long_fractions_are_accepted_over_http() {
    let server = TestServer::start().await;
    let ann = server.add_user("ann", "UTC", false);
    let service = server.add_service("platform");
    let results = server
        .post_events(
            &service,
            &json!({"events": [
                event("ten", "ann", "project_created", "2026-03-01T10:00:00.0000000001Z"),
                event("twenty", "ann", "project_created", "2026-03-02T10:00:00.12345678999999999999Z"),
                event("offset", "ann", "project_created", "2026-03-03T11:00:00.9999999999+01:00"),
                event("empty", "ann", "project_created", "2026-03-04T10:00:00.Z"),
            ]}),
        )
        .await;
    let statuses: Vec<(&str, &str)> =
        results.iter().map(|r| (r["id"].as_str().unwrap(), r["status"].as_str().unwrap())).collect();
    assert_eq!(statuses, [("ten", "applied"), ("twenty", "applied"), ("offset", "applied"), ("empty", "rejected")]);
    assert_eq!(results[3]["code"], "invalid_at", "a dot with no digit is not a fraction");

    // Stored truncated to the nanosecond, never rounded into the next second.
    let stored: Vec<(String, String)> = server
        .rows("SELECT id, at FROM events ORDER BY id")
        .into_iter()
        .map(|row| (row[0].clone().unwrap(), row[1].clone().unwrap()))
        .collect();
    assert_eq!(
        stored,
        [
            ("offset".to_owned(), "2026-03-03T10:00:00.999999999Z".to_owned()),
            ("ten".to_owned(), "2026-03-01T10:00:00Z".to_owned()),
            ("twenty".to_owned(), "2026-03-02T10:00:00.123456789Z".to_owned()),
        ]
    );
    let (_, earned) = server.get("/api/v1/achievements/earned/", Some(&ann)).await;
    let first: &Value = &earned["results"][0];
    assert_eq!(
        (first["key"].as_str(), first["earned_at"].as_str()),
        (Some("first_project"), Some("2026-03-01T10:00:00Z"))
    );
}

/// A streak records the event's local day; where that day is not a date
/// (hours before year 0000 in a zone west of UTC), the event is refused with
/// its own code instead of being recorded on a made-up day.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_streak_day_outside_the_calendar_is_refused_not_invented() {
    let server = TestServer::start().await;
    server.add_user("west", "-05:00", false);
    let service = server.add_service("platform");
    let results =
        server.post_events(&service, &event("early", "west", "login", "0000-01-01T01:00:00.00000000001Z")).await;
    assert_eq!(
        (results[0]["status"].as_str(), results[0]["code"].as_str()),
        (Some("rejected"), Some("day_out_of_range"))
    );
    assert_eq!(server.count("SELECT count(*) FROM events"), 0);
}

#[test]
fn import_events_reads_long_fractions() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ops.db");
    let run = |args: &[&str]| {
        let output = binary!().args(args).arg("--db").arg(&db).output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(output.status.success(), "{args:?}: {stdout}{}", String::from_utf8_lossy(&output.stderr));
        stdout
    };
    run(&["users", "add", "ann"]);
    run(&["load-achievements"]);
    let file = dir.path().join("events.jsonl");
    std::fs::write(
        &file,
        r#"{"id": "e1", "user": "ann", "type": "project_created", "at": "2026-03-01T10:00:00.123456789123Z"}"#,
    )
    .unwrap();
    let out = run(&["import-events", file.to_str().unwrap()]);
    assert!(out.contains("applied 1, duplicate 0, rejected 0"), "{out}");
    let conn = rusqlite::Connection::open(&db).unwrap();
    let at: String = conn.query_row("SELECT at FROM events WHERE id = 'e1'", [], |r| r.get(0)).unwrap();
    assert_eq!(at, "2026-03-01T10:00:00.123456789Z");
}

#[test]
fn rules_test_reads_long_fractions_in_scenarios() {
    let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/scenarios/31-window-edge-long-fractions.json");
    let output = binary!().args(["rules", "test", scenario]).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.ends_with("1 passed, 0 failed\n"), "{stdout}");
}
