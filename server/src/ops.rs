//! The operators' commands over users' rule state. `award-retroactive`,
//! `recalculate` and `import-events` write; `check`, `debug` and `stats`
//! only read. Each runs on either backend through [`Store`], and none
//! knows which.
//!
//! All of them run the catalog stored in the database, the one the server
//! runs ([`Store::stored_catalog`]), never a default: upserting the
//! shipped catalog whenever none was named once retired a custom catalog's
//! badges. The writing commands upsert a catalog only when given
//! `--catalog FILE`, exactly as `load-achievements --catalog FILE` does and
//! printing the same lines ([`admin::load_catalog_into`]); otherwise they
//! open an existing database ([`Store::open_existing`]). The reading ones
//! open it read-only ([`Store::open_read_only`]) and never create,
//! migrate or change it. Without a stored catalog every one of them stops
//! with [`StoreError::NoCatalog`]. Every unlock goes through the same store
//! operations as the HTTP routes: the core decides, the store records
//! (earned rows, audit rows, notifications) in one transaction, under the
//! user's write lock.
//!
//! The writing commands change user states from another process than the
//! servers. On PostgreSQL they tell every running instance which users
//! they changed, as a serving instance does; on SQLite a running server's
//! read cache trusts a state for [`crate::cache::Lifetimes::SOLE`], so
//! their changes show within that time.

use crate::admin;
use crate::catalog_file::CatalogSource;
use crate::intake::{Rejection, parse_body};
use crate::store::handle::Intake;
use crate::store::model::{Inspected, NewEvent, Outcome, User};
use crate::store::replay::Progress;
use crate::store::{Location, Store, StoreError};
use achievements_core::{Date, Engine, Instant};
use anyhow::bail;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::Path;
use std::sync::Arc;

/// Users evaluated per transaction by `award-retroactive`.
const USERS_PER_TRANSACTION: usize = 500;
/// Events per transaction for `import-events`.
pub(crate) const IMPORT_BATCH: usize = 1000;

/// Runs `f` on `store`, then closes it, whatever `f` returned.
async fn then_close<T>(store: Store, f: impl AsyncFnOnce(&Store) -> anyhow::Result<T>) -> anyhow::Result<T> {
    let result = f(&store).await;
    store.close().await;
    result
}

/// Opens the database for a writing command: with `--catalog FILE`, as
/// `load-achievements --catalog FILE` (same checks, same lines); without,
/// an existing database and the catalog stored in it.
pub(crate) async fn open_to_write(
    db: &Location,
    catalog: Option<&Path>,
    now: Instant,
) -> anyhow::Result<(Store, Arc<Engine>)> {
    match catalog {
        Some(file) => {
            let (store, synced) = admin::load_catalog_into(db, &CatalogSource::File(file.to_owned()), now).await?;
            Ok((store, Arc::new(Engine::new(synced.catalog))))
        }
        None => {
            let store = Store::open_existing(db).await?;
            match store.stored_catalog().await {
                Ok(Some(catalog)) => Ok((store, Arc::new(Engine::new(catalog)))),
                Ok(None) => {
                    store.close().await;
                    Err(StoreError::NoCatalog.into())
                }
                Err(e) => {
                    store.close().await;
                    Err(e.into())
                }
            }
        }
    }
}

/// Opens the database read-only, reads what `f` reads, and closes it.
async fn read<T>(db: &Location, f: impl AsyncFnOnce(&Store) -> anyhow::Result<T>) -> anyhow::Result<T> {
    then_close(Store::open_read_only(db).await?, f).await
}

async fn user_named(store: &Store, name: &str) -> anyhow::Result<User> {
    Ok(store.user_by_name(name.to_owned()).await?.ok_or_else(|| StoreError::UnknownUser(name.to_owned()))?)
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

/// `award-retroactive [--user NAME]`: evaluates every user (or one) now and
/// records what unlocks, as backfill, [`USERS_PER_TRANSACTION`] users per
/// transaction. Running it again unlocks nothing more.
///
/// # Errors
/// An unknown user, no catalog, an invalid catalog file, a database error.
pub(crate) async fn award_retroactive(
    db: &Location,
    catalog: Option<&Path>,
    user: Option<&str>,
    now: Instant,
) -> anyhow::Result<()> {
    let (store, engine) = open_to_write(db, catalog, now).await?;
    then_close(store, async |store| award(store, engine, user, now).await).await
}

async fn award(store: &Store, engine: Arc<Engine>, user: Option<&str>, now: Instant) -> anyhow::Result<()> {
    let users = match user {
        Some(name) => vec![user_named(store, name).await?],
        None => store.all_users().await?,
    };
    let bar = progress(users.len() as u64, "users");
    let mut unlocked_total = 0;
    let mut users_with = 0;
    let mut lines = Vec::new();
    for chunk in users.chunks(USERS_PER_TRANSACTION) {
        let results = store.evaluate_users(Arc::clone(&engine), chunk.to_vec(), now).await?;
        bar.inc(chunk.len() as u64);
        for (user, evaluated) in results {
            let unlocked = evaluated.unlocked;
            if !unlocked.is_empty() {
                users_with += 1;
                unlocked_total += unlocked.len();
                let keys: Vec<&str> = unlocked.iter().map(|u| u.key.as_str()).collect();
                lines.push(format!("{}: unlocked {}", user.name, keys.join(", ")));
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
/// credited, once). One transaction ([`Store::recalculate_user`]).
///
/// # Errors
/// An unknown user, no catalog, an invalid catalog file, a database error.
pub(crate) async fn recalculate(db: &Location, catalog: Option<&Path>, name: &str, now: Instant) -> anyhow::Result<()> {
    let (store, engine) = open_to_write(db, catalog, now).await?;
    let bar = progress(0, "events");
    let follow = bar.clone();
    let replay: Progress = Arc::new(move |done, of| {
        follow.set_length(of);
        follow.set_position(done);
    });
    let done =
        then_close(store, async |store| Ok(store.recalculate_user(engine, name.to_owned(), now, replay).await?)).await;
    bar.finish_and_clear();
    let done = done?;
    let (differences, refused) = (&done.differences, done.refused);
    println!(
        "replayed {} event(s) of {name}{}",
        done.replayed,
        if refused > 0 { format!(" ({refused} refused by the current catalog)") } else { String::new() }
    );
    if differences.is_empty() {
        println!("no differences: the stored counters and streak days match the event log");
    } else {
        for difference in differences {
            println!("fixed {difference}");
        }
    }
    let keys: Vec<&str> = done.evaluated.unlocked.iter().map(|u| u.key.as_str()).collect();
    if !keys.is_empty() {
        println!("unlocked {}", keys.join(", "));
    }
    println!("{name}: {} difference(s) fixed, {} achievement(s) unlocked", differences.len(), keys.len());
    Ok(())
}

/// `check --user NAME`: every achievement — earned (when) or locked, the
/// progress, and what blocks it, from the core's explanations.
///
/// Reads only.
///
/// # Errors
/// No database, no catalog, an unknown user, a database error.
pub(crate) async fn check(db: &Location, name: &str, now: Instant) -> anyhow::Result<()> {
    let seen = read(db, async |store| Ok(store.inspect(name.to_owned(), None).await?)).await?;
    print_all(&check_table(&seen, name, now));
    Ok(())
}

fn check_table(seen: &Inspected, name: &str, now: Instant) -> String {
    let Inspected { engine, state, .. } = seen;
    let mut rows =
        vec![["ACHIEVEMENT".to_owned(), "STATUS".to_owned(), "PROGRESS".to_owned(), "BLOCKED BY".to_owned()]];
    let mut earned = 0;
    for def in &engine.catalog().achievements {
        let Some(x) = engine.explain(state, &def.key, now) else { continue };
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
    text
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
pub(crate) async fn debug(db: &Location, name: &str, key: &str, now: Instant) -> anyhow::Result<()> {
    let seen = read(db, async |store| Ok(store.inspect(name.to_owned(), Some(key.to_owned())).await?)).await?;
    let Some(explanation) = seen.engine.explain(&seen.state, key, now) else {
        bail!("no achievement with the key `{key}`")
    };
    println!("{explanation}");
    match seen.audit {
        Some(audit) => {
            println!("audit record:");
            println!("  earned at:     {}", audit.earned_at);
            println!("  cause:         {}", audit.cause);
            println!("  event:         {}", audit.event_id.as_deref().unwrap_or("none (a retroactive evaluation)"));
            println!("  value then:    {}", audit.progress_at_unlock);
            println!("  recorded at:   {}", audit.recorded_at);
        }
        None => println!("audit record:  none (not unlocked)"),
    }
    Ok(())
}

/// `stats [--from DATE] [--until DATE]`: the success metrics (see
/// [`crate::stats`]).
///
/// Reads only.
///
/// # Errors
/// No database, a database error.
pub(crate) async fn stats(db: &Location, from: Date, until: Date) -> anyhow::Result<()> {
    let stats = read(db, async |store| Ok(store.stats(from, until).await?)).await?;
    print_all(&crate::stats::render(&stats));
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
pub(crate) async fn import_events(
    db: &Location,
    catalog: Option<&Path>,
    file: &Path,
    now: Instant,
) -> anyhow::Result<ImportReport> {
    let text = crate::file_read::read_text_file(file)?;
    let (store, engine) = open_to_write(db, catalog, now).await?;
    let report = then_close(store, async |store| import_lines(store, &engine, &text, now).await).await?;
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

/// Applies the lines of an import file, [`IMPORT_BATCH`] events at a time;
/// the report's rejected lines are in line order.
async fn import_lines(store: &Store, engine: &Arc<Engine>, text: &str, now: Instant) -> anyhow::Result<ImportReport> {
    let lines: Vec<(usize, &str)> =
        text.lines().enumerate().map(|(i, l)| (i + 1, l.trim())).filter(|(_, l)| !l.is_empty()).collect();
    let bar = progress(lines.len() as u64, "lines");
    let mut report = ImportReport::default();
    let mut batch: Vec<(usize, NewEvent)> = Vec::with_capacity(IMPORT_BATCH);
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
            apply_batch(store, engine, &mut batch, &mut report, now).await?;
        }
        bar.inc(1);
    }
    apply_batch(store, engine, &mut batch, &mut report, now).await?;
    bar.finish_and_clear();
    report.rejected.sort_by_key(|(line, _)| *line);
    Ok(report)
}

/// Applies a batch of events in one transaction, as `POST events/` does
/// (source `import`, unlocks marked backfill), and counts what happened.
async fn apply_batch(
    store: &Store,
    engine: &Arc<Engine>,
    batch: &mut Vec<(usize, NewEvent)>,
    report: &mut ImportReport,
    now: Instant,
) -> anyhow::Result<()> {
    if batch.is_empty() {
        return Ok(());
    }
    let events: Vec<NewEvent> = batch.iter().map(|(_, e)| e.clone()).collect();
    let intake = Intake { source: "import".to_owned(), received_at: now, backfill: true, create_users: false };
    let (_, applied) = store.apply_events(Arc::clone(engine), events, intake, |_| {}).await?;
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
            Outcome::CannotCreateUser(why) => {
                report.rejected.push((line, format!("id {}: {}", event.id, Rejection::CannotCreateUser(why))));
            }
            Outcome::Refused(e) => {
                report.rejected.push((line, format!("id {}: {}", event.id, Rejection::Refused(e))));
            }
        }
    }
    Ok(())
}
