//! The operators' commands: `users add`, `users set`, `tokens add|list|revoke`,
//! `load-achievements`. They run on either backend, through
//! [`Store`]; each opens the database (created and migrated if needed),
//! does one transaction, and closes it.
//!
//! A command that issues a token prints it alone on its last line, so a
//! script can take it with `tail -n 1`.

use crate::catalog_file::{CatalogError, CatalogSource};
use crate::names::{NameError, check_name};
use crate::store::model::{CatalogChanges, Synced, TokenSubject, TokenTerms};
use crate::store::{Location, Store, StoreError};
use achievements_core::Instant;
use achievements_core::{StateError, time_zone};

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
    #[error("no token has the id {0} (see `tokens list`)")]
    UnknownToken(i64),
    #[error("--expires-in: too far in the future")]
    ExpiryTooFar,
}

/// `users add NAME [--timezone ZONE] [--admin]`.
///
/// # Errors
/// A bad name or time zone, an existing user or one whose name looks the
/// same (see [`crate::names`]), or a database error; nothing is stored then.
pub(crate) async fn add_user(
    db: &Location,
    name: &str,
    timezone: &str,
    is_admin: bool,
    now: Instant,
) -> Result<(), AdminError> {
    // Refused before the database is opened; `create_user` checks again,
    // as it does for every way a user is created.
    check_name(name)?;
    // Store the canonical IANA name (`europe/paris` → `Europe/Paris`).
    let zone = time_zone(timezone)?;
    let zone_name = zone.name().to_owned();
    let (_, token) = with_store(db, async |store| {
        store.create_user_with_token(name.to_owned(), zone_name.clone(), is_admin, now).await
    })
    .await?;
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
pub(crate) async fn set_public_profile(db: &Location, name: &str, public: bool) -> Result<(), AdminError> {
    with_store(db, async |store| {
        if store.set_public_profile(name.to_owned(), public).await? {
            Ok(())
        } else {
            Err(StoreError::UnknownUser(name.to_owned()))
        }
    })
    .await?;
    let shown = if public { "public" } else { "private" };
    println!("the profile of {name} is now {shown} (GET users/{name}/achievements/)");
    Ok(())
}

/// `tokens add --user NAME [--expires-in DURATION]`: another token for an
/// existing user.
///
/// # Errors
/// An unknown user or a database error.
pub(crate) async fn add_user_token(
    db: &Location,
    name: &str,
    expires_at: Option<Instant>,
    now: Instant,
) -> Result<(), AdminError> {
    let subject = TokenSubject::User(name.to_owned());
    let terms = TokenTerms { expires_at, is_admin: false };
    let (id, token) = with_store(db, async |store| store.issue_token(subject, terms, now).await).await?;
    println!("new token for user {name} (shown only now; the database keeps only its hash):");
    println!("token id {id}, {}", expiry_text(expires_at));
    println!("{token}");
    Ok(())
}

/// `tokens add --service NAME [--admin] [--expires-in DURATION]`: a token
/// allowed to post events (and, with `--admin`, to use the admin API). A
/// service name follows the same rule as a user name ([`check_name`]) but
/// is not compared with others: it labels tokens, several tokens may share
/// it, and no one sees it as a profile.
///
/// # Errors
/// A bad name or a database error.
pub(crate) async fn add_service_token(
    db: &Location,
    service: &str,
    is_admin: bool,
    expires_at: Option<Instant>,
    now: Instant,
) -> Result<(), AdminError> {
    check_name(service)?;
    let subject = TokenSubject::Service(service.to_owned());
    let terms = TokenTerms { expires_at, is_admin };
    let (id, token) = with_store(db, async |store| store.issue_token(subject, terms, now).await).await?;
    let allowed = if is_admin { "allowed to post events and to use the admin API" } else { "allowed to post events" };
    println!("service token for {service}, {allowed} (shown only now; the database keeps only its hash):");
    println!("token id {id}, {}", expiry_text(expires_at));
    println!("{token}");
    Ok(())
}

/// When a token given `--expires-in` stops working.
///
/// # Errors
/// A duration past the year 9999.
pub(crate) fn expiry(expires_in: Option<std::time::Duration>, now: Instant) -> Result<Option<Instant>, AdminError> {
    let Some(duration) = expires_in else { return Ok(None) };
    i64::try_from(duration.as_secs())
        .ok()
        .and_then(|seconds| now.checked_add_seconds(seconds))
        .map(Some)
        .ok_or(AdminError::ExpiryTooFar)
}

fn expiry_text(expires_at: Option<Instant>) -> String {
    expires_at.map_or_else(|| "never expires".to_owned(), |at| format!("expires at {at}"))
}

/// `tokens list [--user NAME]`: a header, then a line per token, the
/// fields separated by tabs, `-` for none (see `docs/server.md`).
///
/// # Errors
/// An unknown user or a database error.
pub(crate) async fn list_tokens(db: &Location, user: Option<String>) -> Result<(), AdminError> {
    let tokens = with_store(db, async |store| store.list_tokens(user).await).await?;
    println!("id\towner\tcreated\tlast_used\texpires\trevoked");
    let shown = |t: &Option<String>| t.clone().unwrap_or_else(|| "-".to_owned());
    for t in tokens {
        println!(
            "{}\t{}\t{}\t{}\t{}\t{}",
            t.id,
            t.owner,
            t.created_at,
            shown(&t.last_used_at),
            shown(&t.expires_at),
            shown(&t.revoked_at)
        );
    }
    Ok(())
}

/// `tokens revoke ID`: refused from now on by every server on the
/// database (they read the token's row on every request).
///
/// # Errors
/// No token has this id, or a database error.
pub(crate) async fn revoke_token(db: &Location, id: i64, now: Instant) -> Result<(), AdminError> {
    if !with_store(db, async |store| store.revoke_token(id, now).await).await? {
        return Err(AdminError::UnknownToken(id));
    }
    println!("revoked token {id}");
    Ok(())
}

/// `load-achievements [--catalog FILE]`: validate, upsert, report.
///
/// # Errors
/// An invalid catalog (nothing is stored) or a database error.
pub(crate) async fn load_achievements(db: &Location, source: &CatalogSource, now: Instant) -> Result<(), AdminError> {
    let (store, _) = load_catalog_into(db, source, now).await?;
    store.close().await;
    Ok(())
}

/// What `load-achievements` does and prints, for every command given
/// `--catalog FILE`: validates the catalog (nothing is opened or stored if it
/// is invalid), opens the database (created and migrated if needed), upserts
/// the catalog in one transaction, and prints its warnings, one line per
/// change ([`change_lines`]) and the `loaded …` summary. Returns the open
/// store (the caller closes it) and what the upsert made of the catalog.
///
/// # Errors
/// An invalid catalog or a database error.
pub(crate) async fn load_catalog_into(
    db: &Location,
    source: &CatalogSource,
    now: Instant,
) -> Result<(Store, Synced), AdminError> {
    let loaded = source.load()?;
    for warning in &loaded.warnings {
        println!("warning: {warning}");
    }
    let (achievements, events) = (loaded.catalog.achievements.len(), loaded.catalog.events.len());
    let store = Store::open(db).await?;
    let synced = match store.sync_catalog(loaded.catalog, now).await {
        Ok(synced) => synced,
        Err(e) => {
            store.close().await;
            return Err(e.into());
        }
    };
    for line in change_lines(&synced.changes) {
        println!("{line}");
    }
    println!(
        "loaded {} into {db}: {achievements} achievements, {events} event types; {}",
        source.name(),
        change_summary(&synced.changes)
    );
    Ok((store, synced))
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

/// Opens the database (created and migrated if needed), runs `f` on it,
/// and closes it, whatever `f` returned.
async fn with_store<T>(db: &Location, f: impl AsyncFnOnce(&Store) -> Result<T, StoreError>) -> Result<T, StoreError> {
    let store = Store::open(db).await?;
    let result = f(&store).await;
    store.close().await;
    result
}
