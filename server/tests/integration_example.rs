//! docs/integration.md's Python example (`docs/examples/platform_client.py`),
//! run against a live `achievements serve` as a platform would: a service
//! token posts a new member's events (`--create-users`), a webhook signed
//! with HMAC-SHA256 reaches a receiver on loopback, and the member reads
//! their badges with an HS256 JWT the example signed
//! (`--jwt-secret-file`, `--jwt-issuer`, `--jwt-audience`).
//!
//! Runs on the backend `ACHIEVEMENTS_TEST_BACKEND` names, through the
//! binary, so the flags and commands it uses are the documented ones.

use achievements_testkit::{Backend, ServeProcess, TestPostgres, binary};
use serde_json::Value;
use std::ffi::OsString;
use std::path::Path;
use std::process::Command;

/// The database of this test: a fresh SQLite file, or a PostgreSQL
/// database of its own.
fn database(dir: &Path) -> (OsString, Option<TestPostgres>) {
    match Backend::from_env() {
        Backend::Sqlite => (dir.join("platform.db").into_os_string(), None),
        Backend::Postgres => {
            let db = TestPostgres::from_env().expect("ACHIEVEMENTS_TEST_POSTGRES names a PostgreSQL server");
            (OsString::from(db.url()), Some(db))
        }
    }
}

/// A command's last line of output (where tokens are printed).
fn last_line(command: &mut Command) -> String {
    let out = command.output().expect("`achievements` runs");
    assert!(out.status.success(), "{command:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("text").lines().last().expect("a line").to_owned()
}

#[test]
fn the_python_example_posts_receives_a_signed_webhook_and_reads_with_a_jwt() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let (db, _postgres) = database(dir.path());
    let secret = dir.path().join("jwt-secret");
    std::fs::write(&secret, "a-platform-secret-of-at-least-thirty-two-bytes\n").expect("secret written");

    last_line(binary!().args(["load-achievements", "--db"]).arg(&db));
    let service = last_line(binary!().args(["tokens", "add", "--service", "platform", "--db"]).arg(&db));
    let admin = last_line(binary!().args(["tokens", "add", "--service", "platform-admin", "--admin", "--db"]).arg(&db));
    let secret_arg = secret.to_str().expect("a UTF-8 path");
    let server = ServeProcess::spawn(
        binary!(),
        &db,
        &[
            "--create-users",
            "--jwt-secret-file",
            secret_arg,
            "--jwt-issuer",
            "https://platform.example",
            "--jwt-audience",
            "achievements",
        ],
    );

    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/examples/platform_client.py");
    let out = Command::new("python3")
        .arg(&example)
        .args(["check", "--server", &server.url(""), "--service-token", &service, "--admin-token", &admin])
        .args(["--jwt-secret-file", secret_arg, "--issuer", "https://platform.example", "--audience", "achievements"])
        .args(["--user", "django_member", "--wait", "30"])
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "the example failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let seen: Value = serde_json::from_slice(out.stdout.trim_ascii()).expect("the example prints one JSON line");

    assert_eq!(seen["applied"], 5, "{seen}");
    assert_eq!(seen["duplicate_on_resend"], 5, "{seen}");
    let sorted = |v: &Value| {
        let mut keys: Vec<String> =
            v.as_array().expect("a list").iter().map(|k| k.as_str().expect("a key").to_owned()).collect();
        keys.sort();
        keys
    };
    let unlocked = sorted(&seen["unlocked"]);
    assert!(unlocked.contains(&"first_project".to_owned()), "{seen}");
    assert_eq!(sorted(&seen["webhook_unlocks"]), unlocked, "every unlock came by the signed webhook: {seen}");
    assert_eq!(seen["webhook_refused"], 0, "every delivery's signature checked out: {seen}");
    assert_eq!(seen["tampered_refused"], true, "{seen}");
    assert_eq!(seen["replay_refused"], true, "an old signed delivery is refused: {seen}");
    assert_eq!(sorted(&seen["earned_with_jwt"]), unlocked, "the JWT reads the member's own badges: {seen}");
}
