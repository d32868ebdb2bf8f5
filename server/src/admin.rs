//! The operators' commands: `users add`, `tokens add`, `load-achievements`.
//!
//! A command that issues a token prints it alone on its last line, so a
//! script can take it with `tail -n 1`.

use crate::catalog_file::{CatalogError, CatalogSource};
use crate::names::{NameError, check_name};
use crate::store::StoreError;
use crate::store::model::{CatalogChanges, Synced, TokenFor};
use crate::store::sqlite as store;
use crate::store::sqlite::catalog::sync;
use crate::store::sqlite::users::{add_token, create_user, user_by_name};
use achievements_core::Instant;
use achievements_core::{StateError, time_zone};
use rusqlite::{Connection, TransactionBehavior};
use std::path::Path;

/// Why an operator's command failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum AdminError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error(transparent)]
    InvalidName(#[from] NameError),
    #[error(transparent)]
    TimeZone(#[from] StateError),
}

impl From<rusqlite::Error> for AdminError {
    fn from(e: rusqlite::Error) -> Self {
        AdminError::Store(e.into())
    }
}

/// `users add NAME [--timezone ZONE] [--admin]`.
///
/// # Errors
/// A bad name or time zone, an existing user or one whose name looks the
/// same (see [`crate::names`]), or a database error; nothing is stored then.
pub(crate) fn add_user(db: &Path, name: &str, timezone: &str, is_admin: bool, now: Instant) -> Result<(), AdminError> {
    // Refused before the database is opened; `create_user` checks again,
    // as it does for every way a user is created.
    check_name(name)?;
    // Store the canonical IANA name (`europe/paris` → `Europe/Paris`).
    let zone = time_zone(timezone)?;
    let zone_name = zone.name().to_owned();
    let token = in_write_transaction(db, |tx| {
        let user = create_user(tx, name, &zone_name, is_admin, now)?;
        add_token(tx, TokenFor::User(&user), now)
    })?;
    let admin = if is_admin { ", admin" } else { "" };
    println!("created user {name} (time zone {zone_name}{admin})");
    println!("token for {name} (shown only now; the database keeps only its hash):");
    println!("{token}");
    Ok(())
}

/// `users set NAME --public-profile BOOL`.
///
/// # Errors
/// An unknown user or a database error.
pub(crate) fn set_public_profile(db: &Path, name: &str, public: bool) -> Result<(), AdminError> {
    in_write_transaction(db, |tx| {
        if crate::store::sqlite::users::set_public_profile(tx, name, public)? {
            Ok(())
        } else {
            Err(StoreError::UnknownUser(name.to_owned()))
        }
    })?;
    let shown = if public { "public" } else { "private" };
    println!("the profile of {name} is now {shown} (GET users/{name}/achievements/)");
    Ok(())
}

/// `tokens add --user NAME`: another token for an existing user.
///
/// # Errors
/// An unknown user or a database error.
pub(crate) fn add_user_token(db: &Path, name: &str, now: Instant) -> Result<(), AdminError> {
    let token = in_write_transaction(db, |tx| {
        let user = user_by_name(tx, name)?.ok_or_else(|| StoreError::UnknownUser(name.to_owned()))?;
        add_token(tx, TokenFor::User(&user), now)
    })?;
    println!("new token for user {name} (shown only now; the database keeps only its hash):");
    println!("{token}");
    Ok(())
}

/// `tokens add --service NAME`: a token allowed to post events. A service
/// name follows the same rule as a user name ([`check_name`]) but is not
/// compared with others: it labels tokens, several tokens may share it, and
/// no one sees it as a profile.
///
/// # Errors
/// A bad name or a database error.
pub(crate) fn add_service_token(db: &Path, service: &str, now: Instant) -> Result<(), AdminError> {
    check_name(service)?;
    let token = in_write_transaction(db, |tx| add_token(tx, TokenFor::Service(service), now))?;
    println!("service token for {service}, allowed to post events (shown only now; the database keeps only its hash):");
    println!("{token}");
    Ok(())
}

/// `load-achievements [--catalog FILE]`: validate, upsert, report.
///
/// # Errors
/// An invalid catalog (nothing is stored) or a database error.
pub(crate) fn load_achievements(db: &Path, source: &CatalogSource, now: Instant) -> Result<(), AdminError> {
    load_catalog_into(db, source, now)?;
    Ok(())
}

/// What `load-achievements` does and prints, for every command given
/// `--catalog FILE`: validates the catalog (nothing is opened or stored if it
/// is invalid), opens the database (created and migrated if needed), upserts
/// the catalog in one transaction, and prints its warnings, one line per
/// change ([`change_lines`]) and the `loaded …` summary. Returns the open
/// connection and what the upsert made of the catalog.
///
/// # Errors
/// An invalid catalog or a database error.
pub(crate) fn load_catalog_into(
    db: &Path,
    source: &CatalogSource,
    now: Instant,
) -> Result<(Connection, Synced), AdminError> {
    let loaded = source.load()?;
    for warning in &loaded.warnings {
        println!("warning: {warning}");
    }
    let mut conn = store::open(db)?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let synced = sync(&tx, &loaded.catalog, now)?;
    tx.commit()?;
    for line in change_lines(&synced.changes) {
        println!("{line}");
    }
    println!(
        "loaded {} into {}: {} achievements, {} event types; {}",
        source.name(),
        db.display(),
        loaded.catalog.achievements.len(),
        loaded.catalog.events.len(),
        change_summary(&synced.changes)
    );
    Ok((conn, synced))
}

/// One line per key that changed: `added KEY`, `changed KEY`,
/// `deactivated KEY`, `deactivated KEY (removed from the catalog file)`,
/// `reactivated KEY`.
pub(crate) fn change_lines(changes: &CatalogChanges) -> Vec<String> {
    let mut lines = Vec::new();
    lines.extend(changes.added.iter().map(|k| format!("added {k}")));
    lines.extend(changes.changed.iter().map(|k| format!("changed {k}")));
    lines.extend(changes.deactivated.iter().map(|k| {
        if changes.removed.contains(k) {
            format!("deactivated {k} (removed from the catalog file)")
        } else {
            format!("deactivated {k}")
        }
    }));
    lines.extend(changes.reactivated.iter().map(|k| format!("reactivated {k}")));
    lines
}

/// `N added, N changed, N deactivated, N reactivated, N unchanged` (and the
/// retired definitions kept, if any).
pub(crate) fn change_summary(changes: &CatalogChanges) -> String {
    let mut text = format!(
        "{} added, {} changed, {} deactivated, {} reactivated, {} unchanged",
        changes.added.len(),
        changes.changed.len(),
        changes.deactivated.len(),
        changes.reactivated.len(),
        changes.unchanged
    );
    if changes.retired > 0 {
        text.push_str(&format!("; {} retired definition(s) kept inactive", changes.retired));
    }
    text
}

fn in_write_transaction<T>(db: &Path, f: impl FnOnce(&Connection) -> Result<T, StoreError>) -> Result<T, AdminError> {
    let mut conn = store::open(db)?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let value = f(&tx)?;
    tx.commit()?;
    Ok(value)
}
