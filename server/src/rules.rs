//! `achievements rules …`: catalog validation and the scenario runner, over
//! files. All rule logic is in `achievements-core`; this only reads files and
//! prints.

use crate::file_read::read_text_file;
use achievements_core::scenario::{parse_scenario, run_scenario};
use achievements_core::{Engine, InvalidFile, SHIPPED_CATALOG_JSON, load_catalog};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Prints a one-line summary (exit 0) or every problem (exit non-zero).
pub(crate) fn validate(path: &Path) -> bool {
    let text = match read_text_file(path) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("error: {e}");
            return false;
        }
    };
    match load_catalog(&text) {
        Ok(loaded) => {
            for w in &loaded.warnings {
                println!("warning: {w}");
            }
            let c = &loaded.catalog;
            let count =
                |f: &dyn Fn(&achievements_core::Definition) -> bool| c.achievements.iter().filter(|d| f(d)).count();
            println!(
                "{}: valid catalog: {} achievements ({} secret, {} inactive), {} event types{}",
                path.display(),
                c.achievements.len(),
                count(&|d| d.is_secret),
                count(&|d| !d.is_active),
                c.events.len(),
                match loaded.warnings.len() {
                    0 => String::new(),
                    n => format!(", {n} warning(s)"),
                }
            );
            true
        }
        Err(invalid) => {
            print!("{}", invalid.report());
            eprintln!("{}: invalid catalog ({} error(s))", path.display(), invalid.errors.len());
            false
        }
    }
}

/// Runs every scenario under `paths`; prints `ok NAME` / `FAILED NAME` and
/// the closing line `N passed, M failed`.
pub(crate) fn test(paths: &[PathBuf]) -> bool {
    let mut files = Vec::new();
    let mut failed = 0usize;
    for path in paths {
        match scenario_files(path) {
            Ok(found) => files.extend(found),
            Err(e) => {
                println!("FAILED {}\n    cannot read: {e}", path.display());
                failed += 1;
            }
        }
    }
    let mut engines = EngineCache::default();
    let mut passed = 0usize;
    let mut out = std::io::stdout().lock();
    for file in &files {
        let (name, problems) = run_file(file, &mut engines);
        if problems.is_empty() {
            passed += 1;
            let _ = writeln!(out, "ok {name}");
        } else {
            failed += 1;
            let _ = writeln!(out, "FAILED {name}");
            for p in problems {
                let _ = writeln!(out, "    {p}");
            }
        }
    }
    let _ = writeln!(out, "{passed} passed, {failed} failed");
    failed == 0
}

/// A folder's `*.json` files (non-recursive, name order), or the file itself.
fn scenario_files(path: &Path) -> std::io::Result<Vec<PathBuf>> {
    if !path.is_dir() {
        std::fs::metadata(path)?;
        return Ok(vec![path.to_owned()]);
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    Ok(files)
}

/// Runs one scenario file: its display name and every problem found.
fn run_file(file: &Path, engines: &mut EngineCache) -> (String, Vec<String>) {
    let file_name = file.display().to_string();
    let text = match read_text_file(file) {
        Ok(t) => t,
        Err(e) => return (file_name, vec![e.to_string()]),
    };
    let scenario = match parse_scenario(&text) {
        Ok(s) => s,
        Err(invalid) => return (file_name, located(&invalid, "invalid scenario")),
    };
    let name = scenario.name.clone().unwrap_or(file_name);
    let catalog_path = scenario.catalog.as_ref().map(|c| file.parent().unwrap_or(Path::new(".")).join(c));
    match engines.get(catalog_path.as_deref()) {
        Ok(engine) => (name, run_scenario(&scenario, engine).failures),
        Err(problems) => (name, problems),
    }
}

fn located(invalid: &InvalidFile, what: &str) -> Vec<String> {
    let mut lines = vec![format!("{what}:")];
    lines.extend(invalid.errors.iter().map(|e| format!("  {e}")));
    lines
}

/// Engines by catalog path, so a folder of scenarios parses each catalog once.
#[derive(Default)]
struct EngineCache {
    engines: HashMap<Option<PathBuf>, Result<Engine, Vec<String>>>,
}

impl EngineCache {
    fn get(&mut self, path: Option<&Path>) -> Result<&Engine, Vec<String>> {
        let key = path.map(|p| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_owned()));
        self.engines
            .entry(key)
            .or_insert_with(|| {
                let text = match path {
                    None => SHIPPED_CATALOG_JSON.to_owned(),
                    Some(p) => read_text_file(p).map_err(|e| vec![e.to_string()])?,
                };
                let shown = path.map_or_else(|| "the shipped catalog".to_owned(), |p| p.display().to_string());
                Engine::from_json(&text)
                    .map(|(engine, _)| engine)
                    .map_err(|invalid| located(&invalid, &format!("invalid catalog {shown}")))
            })
            .as_ref()
            .map_err(Clone::clone)
    }
}
