//! The terminal app reads at most 64 MiB of any file it is given (`--catalog`,
//! `--state`, its config file): `FILE: too large (more than 64 MiB)`, even for
//! `/dev/zero`.

#![allow(clippy::unwrap_used)]

use achievements_tui::dataset::Dataset;
use std::path::{Path, PathBuf};
use std::process::Command;

const LIMIT: u64 = 64 * 1024 * 1024;

/// A sparse file of `len` zero bytes.
fn file_of(path: PathBuf, len: u64) -> PathBuf {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::File::create(&path).unwrap().set_len(len).unwrap();
    path
}

fn too_large(path: &Path) -> String {
    format!("{}: too large (more than 64 MiB)", path.display())
}

fn local_error(catalog: &Path, state: Option<&Path>) -> String {
    match Dataset::local(catalog, state) {
        Ok(_) => panic!("{} was accepted", catalog.display()),
        Err(e) => e.to_string(),
    }
}

#[test]
fn local_files_of_more_than_64_mib_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let big = file_of(dir.path().join("big.json"), LIMIT + 1);
    assert_eq!(local_error(&big, None), too_large(&big));

    let catalog = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/achievements.json");
    assert_eq!(local_error(&catalog, Some(&big)), too_large(&big));
}

#[test]
fn a_catalog_of_exactly_64_mib_is_read_and_then_parsed() {
    let dir = tempfile::tempdir().unwrap();
    let at_limit = file_of(dir.path().join("zeros.json"), LIMIT);
    let message = local_error(&at_limit, None);
    assert!(message.starts_with(&format!("invalid catalog {}", at_limit.display())), "{message}");
}

/// `achievements-tui sync` in `dir`'s XDG folders, its address space capped
/// at 1 GiB so that an unbounded read fails at once instead of taking the
/// machine's memory: exit status and standard error.
fn sync_in(dir: &Path) -> (Option<i32>, String) {
    let out = Command::new("sh")
        .args(["-c", r#"ulimit -v 1048576 && exec "$0" sync"#])
        .arg(env!("CARGO_BIN_EXE_achievements-tui"))
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("XDG_DATA_HOME", dir.join("data"))
        .env_remove("ACHIEVEMENTS_SERVER")
        .env_remove("ACHIEVEMENTS_TOKEN")
        .output()
        .unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// Through the binary: `sync` reads the config file first.
#[test]
fn a_config_file_of_more_than_64_mib_stops_the_command_with_exit_status_1() {
    let dir = tempfile::tempdir().unwrap();
    let config = file_of(dir.path().join("config/achievements-tui/config.json"), LIMIT + 1);
    assert_eq!(sync_in(dir.path()), (Some(1), format!("achievements-tui: {}\n", too_large(&config))));
}

/// An endless config file (a link to `/dev/zero`) is cut off at the limit.
#[cfg(unix)]
#[test]
fn an_endless_config_file_is_read_only_up_to_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config/achievements-tui/config.json");
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &config).unwrap();
    assert_eq!(sync_in(dir.path()), (Some(1), format!("achievements-tui: {}\n", too_large(&config))));
}
