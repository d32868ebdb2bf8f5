//! The operators' commands over users' rule state. `award-retroactive`,
//! `recalculate` and `import-events` write; `check` and `debug` only read
//! (as does `stats`, in [`crate::stats`]).
//!
//! All of them run the catalog stored in the database, the one the server
//! runs ([`crate::store::sqlite::catalog::stored`]), never a default: upserting the
//! shipped catalog whenever none was named once retired a custom catalog's
//! badges. The writing commands upsert a catalog only when given
//! `--catalog FILE`, exactly as `load-achievements --catalog FILE` does and
//! printing the same lines ([`admin::load_catalog_into`]); the reading ones
//! open the database read-only ([`store::open_read_only`]) and never create,
//! migrate or change it. Without a stored catalog every one of them stops
//! with [`NoCatalogLoaded`]. Every unlock goes through the same store
//! functions as the HTTP routes: the core decides, the store records
//! (earned rows, audit rows, notifications) in one transaction.
//!
//! The writing commands change user states from another process than the
//! server: a running server's read cache trusts a state for
//! [`crate::cache::Lifetimes::SOLE`], so their changes show within that time.

use crate::admin;
use crate::catalog_file::CatalogSource;
use crate::intake::{Rejection, parse_body};
use crate::store::StoreError;
use crate::store::model::{NewEvent, Outcome, User};
use crate::store::sqlite::intake::{apply_events, evaluate_state, evaluate_user};
use crate::store::sqlite::users::{all_users, user_by_name};
use crate::store::sqlite::{self as store, state};
use achievements_core::{Engine, Event, Instant};
use anyhow::bail;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};
use std::io::IsTerminal;
use std::path::Path;

/// Users evaluated per transaction by `award-retroactive`.
const USERS_PER_TRANSACTION: usize = 500;
/// Events per transaction for `import-events`.
pub(crate) const IMPORT_BATCH: usize = 1000;

/// The database has no catalog: nothing says which rules to run.
#[derive(Debug, thiserror::Error)]
#[error("no catalog loaded: run achievements load-achievements first")]
pub(crate) struct NoCatalogLoaded;

/// The engine over the stored catalog (retired definitions included).
fn stored_engine(conn: &Connection) -> anyhow::Result<Engine> {
    let catalog = store::catalog::stored(conn)?.ok_or(NoCatalogLoaded)?;
    Ok(Engine::new(catalog))
}

/// Runs `f` on a read-only connection, in one read transaction (one
/// consistent view of the catalog, the user and their state).
fn read<T>(db: &Path, f: impl FnOnce(&Connection, &Engine) -> anyhow::Result<T>) -> anyhow::Result<T> {
    let mut conn = store::open_read_only(db)?;
    let tx = conn.transaction()?;
    let engine = stored_engine(&tx)?;
    f(&tx, &engine)
}

/// Opens the database for a writing command: with `--catalog FILE`, as
/// `load-achievements --catalog FILE` (same checks, same lines); without,
/// an existing database and the catalog stored in it.
fn open_to_write(db: &Path, catalog: Option<&Path>, now: Instant) -> anyhow::Result<(Connection, Engine)> {
    match catalog {
        Some(file) => {
            let (conn, synced) = admin::load_catalog_into(db, &CatalogSource::File(file.to_owned()), now)?;
            Ok((conn, Engine::new(synced.catalog)))
        }
        None => {
            let conn = store::open_existing(db)?;
            let engine = stored_engine(&conn)?;
            Ok((conn, engine))
        }
    }
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
/// An unknown user, no catalog, an invalid catalog file, a database error.
pub(crate) fn award_retroactive(
    db: &Path,
    catalog: Option<&Path>,
    user: Option<&str>,
    now: Instant,
) -> anyhow::Result<()> {
    let (mut conn, engine) = open_to_write(db, catalog, now)?;
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
/// from their event log in order of `at` (the core's
/// [`Engine::recalculate`]: earned badges are kept, never revoked, and the
/// points field holds the points events added plus those of every earned
/// badge, once each), reports what differed from the stored state, stores
/// the rebuilt state and evaluates it (what now qualifies unlocks, and is
/// credited, once). One transaction.
///
/// # Errors
/// An unknown user, no catalog, an invalid catalog file, a database error.
pub(crate) fn recalculate(db: &Path, catalog: Option<&Path>, name: &str, now: Instant) -> anyhow::Result<()> {
    let (mut conn, engine) = open_to_write(db, catalog, now)?;
    let (differences, replayed, refused, unlocked) = in_transaction(&mut conn, |tx| {
        let user = user_named(tx, name)?;
        let stored = state::load(tx, &engine, &user)?;
        let events = user_events(tx, user.id)?;
        let bar = progress(events.len() as u64, "events");
        let replay = events.iter().map(|(event_type, value, at)| {
            bar.inc(1);
            Event { event_type, value: *value, at: *at }
        });
        let rebuilt = engine.recalculate(&stored.state, replay);
        bar.finish_and_clear();
        // Nothing differs: the stored state stands as it is (no new version).
        let version = if rebuilt.differences.is_empty() {
            stored.version
        } else {
            state::save(tx, &engine, user.id, &rebuilt.state, now)?
        };
        let evaluated = evaluate_state(tx, &engine, user.id, version, rebuilt.state, now)?;
        Ok((rebuilt.differences, events.len(), rebuilt.refused, evaluated.unlocked))
    })?;
    println!(
        "replayed {replayed} event(s) of {name}{}",
        if refused > 0 { format!(" ({refused} refused by the current catalog)") } else { String::new() }
    );
    if differences.is_empty() {
        println!("no differences: the stored counters and streak days match the event log");
    } else {
        for difference in &differences {
            println!("fixed {difference}");
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

/// `check --user NAME`: every achievement — earned (when) or locked, the
/// progress, and what blocks it, from the core's explanations.
///
/// Reads only.
///
/// # Errors
/// No database, no catalog, an unknown user, a database error.
pub(crate) fn check(db: &Path, name: &str, now: Instant) -> anyhow::Result<()> {
    let text = read(db, |conn, engine| check_table(conn, engine, name, now))?;
    print_all(&text);
    Ok(())
}

fn check_table(conn: &Connection, engine: &Engine, name: &str, now: Instant) -> anyhow::Result<String> {
    let user = user_named(conn, name)?;
    let state = state::load(conn, engine, &user)?.state;
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
    Ok(text)
}

/// Prints `text`; a closed pipe (`| head`) ends the output quietly.
pub(crate) fn print_all(text: &str) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

/// `debug --user NAME --achievement KEY`: the core's explanation, and the
/// unlock's audit record.
///
/// Reads only.
///
/// # Errors
/// No database, no catalog, an unknown user or key, a database error.
pub(crate) fn debug(db: &Path, name: &str, key: &str, now: Instant) -> anyhow::Result<()> {
    read(db, |conn, engine| debug_report(conn, engine, name, key, now))
}

fn debug_report(conn: &Connection, engine: &Engine, name: &str, key: &str, now: Instant) -> anyhow::Result<()> {
    let user = user_named(conn, name)?;
    let state = state::load(conn, engine, &user)?.state;
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
pub(crate) struct ImportReport {
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
/// An unreadable file, no catalog, an invalid catalog file, a database
/// error. Bad lines are not errors: they are reported as rejected.
pub(crate) fn import_events(
    db: &Path,
    catalog: Option<&Path>,
    file: &Path,
    now: Instant,
) -> anyhow::Result<ImportReport> {
    let text = crate::file_read::read_text_file(file)?;
    let (mut conn, engine) = open_to_write(db, catalog, now)?;
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
