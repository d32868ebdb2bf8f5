//! Every command that reads a file reads at most 64 MiB, through the real
//! `achievements` binary: `FILE: too large (more than 64 MiB)`, exit 1, in
//! bounded time and memory, even for `/dev/zero`.

#![allow(clippy::unwrap_used)]

use achievements_testkit::binary;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const LIMIT: u64 = 64 * 1024 * 1024;

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A sparse file of `len` zero bytes (nothing is written to disk).
fn file_of(dir: &Path, name: &str, len: u64) -> PathBuf {
    let path = dir.join(name);
    std::fs::File::create(&path).unwrap().set_len(len).unwrap();
    path
}

fn too_large(path: &Path) -> String {
    format!("{}: too large (more than 64 MiB)", path.display())
}

/// Exit status 1 and exactly one line on standard error: `error: MESSAGE`.
fn assert_refused(out: &Output, message: &str) {
    assert_eq!(out.status.code(), Some(1), "{}{}", stdout(out), stderr(out));
    assert_eq!(stderr(out), format!("error: {message}\n"));
}

/// Before the limit, this read until the kernel killed the process. Run
/// with its address space capped at 1 GiB, so an unbounded read fails the
/// test in a moment instead of taking the machine's memory.
#[cfg(unix)]
#[test]
fn rules_validate_dev_zero_stops_at_the_limit_quickly_and_in_bounded_memory() {
    let started = Instant::now();
    let out = Command::new("sh")
        .args(["-c", r#"ulimit -v 1048576 && exec "$0" rules validate /dev/zero"#])
        .arg(env!("CARGO_BIN_EXE_achievements"))
        .output()
        .unwrap();
    assert_refused(&out, "/dev/zero: too large (more than 64 MiB)");
    assert!(started.elapsed() < Duration::from_secs(30), "took {:?}", started.elapsed());
}

#[test]
fn every_command_that_reads_a_file_refuses_one_byte_more_than_64_mib() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let big = file_of(dir.path(), "big.json", LIMIT + 1);
    let big_arg = big.to_str().unwrap();

    let out = binary!().args(["rules", "validate", big_arg]).output().unwrap();
    assert_refused(&out, &too_large(&big));

    for args in [
        vec!["load-achievements", "--catalog", big_arg],
        vec!["import-events", big_arg],
        vec!["award-retroactive", "--catalog", big_arg],
        vec!["serve", "--bind", "127.0.0.1:0", "--catalog", big_arg],
    ] {
        let out = binary!().args(&args).arg("--db").arg(&db).output().unwrap();
        assert_refused(&out, &too_large(&big));
    }
}

#[test]
fn rules_test_reports_a_scenario_or_its_catalog_too_large_as_a_failure() {
    let dir = tempfile::tempdir().unwrap();
    let big = file_of(dir.path(), "big.json", LIMIT + 1);
    let out = binary!().arg("rules").arg("test").arg(&big).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), format!("FAILED {}\n    {}\n0 passed, 1 failed\n", big.display(), too_large(&big)));

    let scenario = dir.path().join("uses-big.json");
    std::fs::write(&scenario, r#"{"name": "big catalog", "catalog": "big.json", "steps": []}"#).unwrap();
    let out = binary!().arg("rules").arg("test").arg(&scenario).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains(&format!("FAILED big catalog\n    {}\n", too_large(&big))), "{}", stdout(&out));
}

#[test]
fn a_file_of_exactly_64_mib_is_read_and_then_parsed() {
    let dir = tempfile::tempdir().unwrap();
    let at_limit = file_of(dir.path(), "zeros.json", LIMIT);
    let out = binary!().arg("rules").arg("validate").arg(&at_limit).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(!stderr(&out).contains("too large"), "{}", stderr(&out));
    assert!(stderr(&out).contains("invalid catalog"), "{}", stderr(&out));
}

#[test]
fn a_directory_or_text_that_is_not_utf8_is_named_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let out = binary!().arg("rules").arg("validate").arg(dir.path()).output().unwrap();
    assert_refused(&out, &format!("{}: is a directory, not a file", dir.path().display()));

    let latin1 = dir.path().join("latin1.json");
    std::fs::write(&latin1, b"{\"version\": 1, \"name\": \"caf\xe9\"}").unwrap();
    let db = dir.path().join("a.db");
    let out = binary!().arg("load-achievements").arg("--catalog").arg(&latin1).arg("--db").arg(&db).output().unwrap();
    assert_refused(&out, &format!("{}: not UTF-8 text (invalid byte at offset 27)", latin1.display()));
}

#[test]
fn a_missing_file_is_named_once_with_the_reason_once() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.jsonl");
    let db = dir.path().join("a.db");
    for args in [vec!["import-events"], vec!["load-achievements", "--catalog"]] {
        let out = binary!().args(&args).arg(&missing).arg("--db").arg(&db).output().unwrap();
        let line = stderr(&out);
        assert_eq!(out.status.code(), Some(1));
        assert!(line.starts_with(&format!("error: cannot read {}: ", missing.display())), "{line}");
        assert_eq!(line.matches("os error").count(), 1, "the reason once: {line}");
    }
}
