//! The operators' commands over a user's rule state: `award-retroactive`,
//! `recalculate`, `check`, `debug` and `import-events`. Each reads the
//! catalog as `serve` does (upserted into the database first, so retired
//! definitions stay known), and every unlock goes through the same store
//! functions as the HTTP routes: the core decides, the store records
//! (earned rows, audit rows, notifications) in one transaction.
//!
//! These commands write user states from another process than the server:
//! a running server's read cache trusts a state for
//! [`crate::cache::STATE_TTL`], so their changes show within that time.

use crate::admin::change_summary;
use crate::catalog_file::CatalogSource;
use crate::intake::{Rejection, parse_body};
use crate::store::intake::{NewEvent, Outcome, apply_events, evaluate_state, evaluate_user};
use crate::store::users::{User, all_users, user_by_name};
use crate::store::{self, StoreError, catalog::sync, state};
use achievements_core::state::DateRange;
use achievements_core::{Engine, Event, Instant, StateSnapshot};
use anyhow::bail;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};
use std::collections::BTreeSet;
use std::io::IsTerminal;
use std::path::Path;

/// Users evaluated per transaction by `award-retroactive`.
const USERS_PER_TRANSACTION: usize = 500;
/// Events per transaction for `import-events`.
pub const IMPORT_BATCH: usize = 1000;

/// Opens the database and upserts the catalog into it; returns the engine
/// over the effective catalog (the file's plus retired definitions).
fn open_with_catalog(db: &Path, source: &CatalogSource, now: Instant) -> anyhow::Result<(Connection, Engine)> {
    let loaded = source.load()?;
    let mut conn = store::open(db)?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let synced = sync(&tx, &loaded.catalog, now)?;
    tx.commit()?;
    if !synced.changes.is_empty() {
        println!("upserted {}: {}", source.name(), change_summary(&synced.changes));
    }
    Ok((conn, Engine::new(synced.catalog)))
}

fn user_named(conn: &Connection, name: &str) -> anyhow::Result<User> {
    Ok(user_by_name(conn, name)?.ok_or_else(|| StoreError::UnknownUser(name.to_owned()))?)
}

/// A progress bar on standard error, drawn only when it is a terminal.
fn progress(len: u64, what: &str) -> ProgressBar {
    let target =
        if std::io::stderr().is_terminal() { ProgressDrawTarget::stderr() } else { ProgressDrawTarget::hidden() };
    let bar = ProgressBar::with_draw_target(Some(len), target);
    let template = format!("{{bar:40}} {{pos}}/{{len}} {what} ({{eta}} left)");
    if let Ok(style) = ProgressStyle::with_template(&template) {
        bar.set_style(style);
    }
    bar
}

fn in_transaction<T>(conn: &mut Connection, f: impl FnOnce(&Connection) -> anyhow::Result<T>) -> anyhow::Result<T> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let value = f(&tx)?;
    tx.commit()?;
    Ok(value)
}

/// `award-retroactive [--user NAME]`: evaluates every user (or one) now and
/// records what unlocks, as backfill. Running it again unlocks nothing more.
///
/// # Errors
/// An unknown user, an invalid catalog, a database error.
pub fn award_retroactive(db: &Path, source: &CatalogSource, user: Option<&str>, now: Instant) -> anyhow::Result<()> {
    let (mut conn, engine) = open_with_catalog(db, source, now)?;
    let users = match user {
        Some(name) => vec![user_named(&conn, name)?],
        None => all_users(&conn)?,
    };
    let bar = progress(users.len() as u64, "users");
    let mut unlocked_total = 0;
    let mut users_with = 0;
    let mut lines = Vec::new();
    for chunk in users.chunks(USERS_PER_TRANSACTION) {
        let results = in_transaction(&mut conn, |tx| {
            let mut results = Vec::new();
            for user in chunk {
                let evaluated = evaluate_user(tx, &engine, user, now)?;
                results.push((user.name.clone(), evaluated.unlocked));
                bar.inc(1);
            }
            Ok(results)
        })?;
        for (name, unlocked) in results {
            if !unlocked.is_empty() {
                users_with += 1;
                unlocked_total += unlocked.len();
                let keys: Vec<&str> = unlocked.iter().map(|u| u.key.as_str()).collect();
                lines.push(format!("{name}: unlocked {}", keys.join(", ")));
            }
        }
    }
    bar.finish_and_clear();
    for line in lines {
        println!("{line}");
    }
    println!(
        "evaluated {} user(s): {unlocked_total} achievement(s) unlocked for {users_with} user(s) (marked backfill)",
        users.len()
    );
    Ok(())
}

/// `recalculate --user NAME`: rebuilds the user's counters and streak days
/// by replaying their event log through the core in order of `at`, reports
/// what differed from the stored state, stores the rebuilt state (earned
/// badges are kept, never revoked) and evaluates it.
///
/// # Errors
/// An unknown user, an invalid catalog, a database error.
pub fn recalculate(db: &Path, source: &CatalogSource, name: &str, now: Instant) -> anyhow::Result<()> {
    let (mut conn, engine) = open_with_catalog(db, source, now)?;
    let (differences, replayed, refused, unlocked) = in_transaction(&mut conn, |tx| {
        let user = user_named(tx, name)?;
        let stored = state::load(tx, &engine, &user)?;
        let before = engine.snapshot(&stored.state);
        let events = user_events(tx, user.id)?;
        let bar = progress(events.len() as u64, "events");
        let mut fresh = engine.new_state(stored.state.timezone().clone());
        let mut refused = 0;
        for (event_type, value, at) in &events {
            if engine.apply(&mut fresh, &Event { event_type, value: *value, at: *at }).is_err() {
                refused += 1;
            }
            bar.inc(1);
        }
        bar.finish_and_clear();
        let mut rebuilt = engine.snapshot(&fresh);
        // Earned is forever: the stored records stand.
        rebuilt.earned = before.earned.clone();
        let differences = differences(&before, &rebuilt);
        let state = engine.state_from_snapshot(&rebuilt).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let version = state::save(tx, &engine, user.id, &state, now)?;
        let evaluated = evaluate_state(tx, &engine, user.id, version, state, now)?;
        Ok((differences, events.len(), refused, evaluated.unlocked))
    })?;
    println!(
        "replayed {replayed} event(s) of {name}{}",
        if refused > 0 { format!(" ({refused} refused by the current catalog)") } else { String::new() }
    );
    if differences.is_empty() {
        println!("no differences: the stored counters and streak days match the event log");
    } else {
        for line in &differences {
            println!("fixed {line}");
        }
    }
    let keys: Vec<&str> = unlocked.iter().map(|u| u.key.as_str()).collect();
    if !keys.is_empty() {
        println!("unlocked {}", keys.join(", "));
    }
    println!("{name}: {} difference(s) fixed, {} achievement(s) unlocked", differences.len(), keys.len());
    Ok(())
}

type StoredEvent = (String, Option<i64>, Instant);

fn user_events(conn: &Connection, user_id: i64) -> anyhow::Result<Vec<StoredEvent>> {
    let mut stmt = conn.prepare("SELECT type, value, at FROM events WHERE user_id = ?1 ORDER BY seq")?;
    let rows = stmt
        .query_map([user_id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Option<i64>>(1)?, r.get::<_, String>(2)?)))?;
    let mut events = Vec::new();
    for row in rows {
        let (event_type, value, at) = row?;
        let at: Instant = at.parse().map_err(|e| StoreError::Corrupt(format!("event time `{at}`: {e}")))?;
        events.push((event_type, value, at));
    }
    // In order of `at`; equal times keep arrival order (the sort is stable).
    events.sort_by_key(|e| e.2);
    Ok(events)
}

/// `FIELD: stored A, rebuilt B` for every counter and streak that differs.
fn differences(before: &StateSnapshot, after: &StateSnapshot) -> Vec<String> {
    let mut lines = Vec::new();
    let fields: BTreeSet<&String> = before.stats.keys().chain(after.stats.keys()).collect();
    for field in fields {
        let (a, b) = (before.stats.get(field).copied().unwrap_or(0), after.stats.get(field).copied().unwrap_or(0));
        if a != b {
            lines.push(format!("{field}: stored {a}, rebuilt {b}"));
        }
    }
    let fields: BTreeSet<&String> = before.streak_days.keys().chain(after.streak_days.keys()).collect();
    let empty = Vec::new();
    for field in fields {
        let a = before.streak_days.get(field).unwrap_or(&empty);
        let b = after.streak_days.get(field).unwrap_or(&empty);
        if a != b {
            lines.push(format!("{field} days: stored {}, rebuilt {}", runs(a), runs(b)));
        }
    }
    lines
}

fn runs(runs: &[DateRange]) -> String {
    if runs.is_empty() {
        return "none".to_owned();
    }
    runs.iter()
        .map(|r| if r.0 == r.1 { r.0.to_string() } else { format!("{}..{}", r.0, r.1) })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `check --user NAME`: every achievement — earned (when) or locked, the
/// progress, and what blocks it, from the core's explanations.
///
/// # Errors
/// An unknown user, an invalid catalog, a database error.
pub fn check(db: &Path, source: &CatalogSource, name: &str, now: Instant) -> anyhow::Result<()> {
    let (conn, engine) = open_with_catalog(db, source, now)?;
    let user = user_named(&conn, name)?;
    let state = state::load(&conn, &engine, &user)?.state;
    let mut rows =
        vec![["ACHIEVEMENT".to_owned(), "STATUS".to_owned(), "PROGRESS".to_owned(), "BLOCKED BY".to_owned()]];
    let mut earned = 0;
    for def in &engine.catalog().achievements {
        let Some(x) = engine.explain(&state, &def.key, now) else { continue };
        let status = match &x.earned {
            Some(record) => {
                earned += 1;
                format!("earned {}", record.earned_at)
            }
            None => "locked".to_owned(),
        };
        let secret = if def.is_secret { " (secret)" } else { "" };
        let blocked = if x.earned.is_some() {
            String::new()
        } else if x.blockers.is_empty() {
            "nothing: unlocks at the next event or evaluation".to_owned()
        } else {
            x.blockers.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
        };
        rows.push([
            format!("{}{secret}", def.key),
            status,
            format!(
                "{:>9} {:>4}",
                format!("{}/{}", x.progress.current, x.progress.target),
                format!("{}%", x.progress.percent)
            ),
            blocked,
        ]);
    }
    let width = |c: usize| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0);
    let (w0, w1, w2) = (width(0), width(1), width(2));
    let mut text = String::new();
    for row in &rows {
        let line = format!("{:w0$}  {:w1$}  {:w2$}  {}", row[0], row[1], row[2], row[3]);
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text.push_str(&format!("{name}: {earned} of {} achievement(s) earned\n", rows.len() - 1));
    print_all(&text);
    Ok(())
}

/// Prints `text`; a closed pipe (`| head`) ends the output quietly.
pub fn print_all(text: &str) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

/// `debug --user NAME --achievement KEY`: the core's explanation, and the
/// unlock's audit record.
///
/// # Errors
/// An unknown user or key, an invalid catalog, a database error.
pub fn debug(db: &Path, source: &CatalogSource, name: &str, key: &str, now: Instant) -> anyhow::Result<()> {
    let (conn, engine) = open_with_catalog(db, source, now)?;
    let user = user_named(&conn, name)?;
    let state = state::load(&conn, &engine, &user)?.state;
    let Some(explanation) = engine.explain(&state, key, now) else { bail!("no achievement with the key `{key}`") };
    println!("{explanation}");
    let audit = conn
        .query_row(
            "SELECT earned_at, cause, event_id, progress_at_unlock, recorded_at FROM unlock_audit
             WHERE user_id = ?1 AND achievement_key = ?2 ORDER BY seq LIMIT 1",
            rusqlite::params![user.id, key],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, String>(4)?,
                ))
            },
        )
        .optional()?;
    match audit {
        Some((earned_at, cause, event_id, value, recorded_at)) => {
            println!("audit record:");
            println!("  earned at:     {earned_at}");
            println!("  cause:         {cause}");
            println!("  event:         {}", event_id.as_deref().unwrap_or("none (a retroactive evaluation)"));
            println!("  value then:    {value}");
            println!("  recorded at:   {recorded_at}");
        }
        None => println!("audit record:  none (not unlocked)"),
    }
    Ok(())
}

/// What `import-events` did.
#[derive(Debug, Default)]
pub struct ImportReport {
    pub applied: usize,
    pub duplicate: usize,
    /// Line number (1-based) and why.
    pub rejected: Vec<(usize, String)>,
    pub unlocked: usize,
}

/// `import-events FILE.jsonl`: one event per line in the `POST events/`
/// shape, through the same intake path, [`IMPORT_BATCH`] events per
/// transaction; idempotent by id; unlocks marked backfill.
///
/// # Errors
/// An unreadable file, an invalid catalog, a database error. Bad lines are
/// not errors: they are reported as rejected.
pub fn import_events(db: &Path, source: &CatalogSource, file: &Path, now: Instant) -> anyhow::Result<ImportReport> {
    let text = crate::file_read::read_text_file(file)?;
    let (mut conn, engine) = open_with_catalog(db, source, now)?;
    let lines: Vec<(usize, &str)> =
        text.lines().enumerate().map(|(i, l)| (i + 1, l.trim())).filter(|(_, l)| !l.is_empty()).collect();
    let bar = progress(lines.len() as u64, "lines");
    let mut report = ImportReport::default();
    let mut batch: Vec<(usize, NewEvent)> = Vec::with_capacity(IMPORT_BATCH);
    let mut flush = |batch: &mut Vec<(usize, NewEvent)>, report: &mut ImportReport| -> anyhow::Result<()> {
        if batch.is_empty() {
            return Ok(());
        }
        let events: Vec<NewEvent> = batch.iter().map(|(_, e)| e.clone()).collect();
        let applied = in_transaction(&mut conn, |tx| Ok(apply_events(tx, &engine, &events, "import", now, true)?))?;
        for ((line, event), outcome) in batch.drain(..).zip(applied.outcomes) {
            match outcome {
                Outcome::Applied(unlocks) => {
                    report.applied += 1;
                    report.unlocked += unlocks.len();
                }
                Outcome::Duplicate => report.duplicate += 1,
                Outcome::UnknownUser => {
                    report.rejected.push((line, format!("id {}: {}", event.id, Rejection::UnknownUser(event.user))));
                }
                Outcome::Refused(e) => {
                    report.rejected.push((line, format!("id {}: {}", event.id, Rejection::Refused(e))));
                }
            }
        }
        Ok(())
    };
    for (line, text) in lines {
        match parse_body(text.as_bytes(), now) {
            Err(e) => report.rejected.push((line, e.to_string())),
            Ok(checked) => {
                for event in checked {
                    match event {
                        Ok(event) => batch.push((line, event)),
                        Err((id, rejection)) => {
                            let id = id.map_or_else(String::new, |id| format!("id {id}: "));
                            report.rejected.push((line, format!("{id}{rejection}")));
                        }
                    }
                }
            }
        }
        if batch.len() >= IMPORT_BATCH {
            flush(&mut batch, &mut report)?;
        }
        bar.inc(1);
    }
    flush(&mut batch, &mut report)?;
    bar.finish_and_clear();
    report.rejected.sort_by_key(|(line, _)| *line);
    for (line, why) in &report.rejected {
        println!("line {line}: rejected: {why}");
    }
    println!(
        "imported {}: applied {}, duplicate {}, rejected {} ({} achievement(s) unlocked, marked backfill)",
        file.display(),
        report.applied,
        report.duplicate,
        report.rejected.len(),
        report.unlocked
    );
    Ok(report)
}
