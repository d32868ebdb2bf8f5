//! Issue 10, item 3: for a streak broken long ago, `achievements check`'s
//! progress column, its BLOCKED BY text and the API's item all read one
//! value — the run as of now — never the longest run beside the current one.
//! Through the real binary, which reads the system clock: the events are
//! dated well in the past, so the 2-day run is over whenever this runs.

#![allow(clippy::unwrap_used)]

use achievements_testkit::{ServeProcess, binary};
use serde_json::Value;
use std::path::Path;

fn run(db: &Path, args: &[&str]) -> String {
    let output = binary!().args(args).arg("--db").arg(db).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{args:?} failed: {stdout}{}", String::from_utf8_lossy(&output.stderr));
    stdout
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_and_the_api_read_the_broken_streak_as_zero() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("streak.db");
    let token = run(&db, &["users", "add", "ann"]).lines().last().unwrap().to_owned();
    run(&db, &["load-achievements"]);
    let events = dir.path().join("events.jsonl");
    std::fs::write(
        &events,
        [
            r#"{"id": "l1", "user": "ann", "type": "login", "at": "2020-01-01T10:00:00Z"}"#,
            r#"{"id": "l2", "user": "ann", "type": "login", "at": "2020-01-02T10:00:00Z"}"#,
        ]
        .join("\n"),
    )
    .unwrap();
    run(&db, &["import-events", events.to_str().unwrap()]);

    let table = run(&db, &["check", "--user", "ann"]);
    let row = table.lines().find(|l| l.starts_with("7_day_streak ")).unwrap();
    assert!(row.contains(" 0/7 ") && row.contains("tracked value 0 is below the target 7"), "{row}");
    assert!(!row.contains("tracked value 2"), "the longest run leaks into the text: {row}");

    let server = ServeProcess::spawn(binary!(), &db, &[]);
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let response = client.get(server.url("/api/v1/achievements/7_day_streak/")).bearer_auth(&token).send().await;
    let body: Value = response.unwrap().json().await.unwrap();
    server.kill();
    assert_eq!((body["progress_value"].as_i64(), body["progress"].as_i64()), (Some(0), Some(0)), "{body}");
    assert_eq!(body["blockers"], serde_json::json!([{"kind": "below_target", "value": 0, "target": 7}]), "{body}");
}
