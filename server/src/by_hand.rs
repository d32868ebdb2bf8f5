//! The operators' commands that act on one user by hand: `users erase`,
//! `grant` and `revoke`. Each runs on either backend through
//! [`Store`], in one transaction serialized with every other write to the
//! user (a running server's included), and is audited with the actor
//! `cli`. Their output lines are documented in `docs/server.md`.

use crate::ops;
use crate::store::people::ByHand;
use crate::store::{Location, Store};
use achievements_core::{Engine, Instant};
use std::path::Path;

/// The actor recorded for the command line.
pub(crate) const CLI_ACTOR: &str = "cli";

/// `users erase NAME`.
///
/// # Errors
/// An unknown user or a database error; nothing is deleted then.
pub(crate) async fn erase(db: &Location, name: &str, now: Instant) -> anyhow::Result<()> {
    let store = Store::open_existing(db).await?;
    let result = store.erase_user(name.to_owned(), CLI_ACTOR.to_owned(), now).await;
    store.close().await;
    result?;
    println!("erased user {name}: every row of theirs is deleted; the erasure log keeps a salted hash of the name");
    Ok(())
}

/// `grant --user NAME --achievement KEY --reason TEXT`.
///
/// # Errors
/// An unknown user or key, a badge already earned, or a database error.
pub(crate) async fn grant(
    db: &Location,
    catalog: Option<&Path>,
    name: &str,
    key: &str,
    reason: &str,
    now: Instant,
) -> anyhow::Result<()> {
    let by = by(reason)?;
    let (store, engine) = ops::open_to_write(db, catalog, now).await?;
    let result = store.grant(engine.clone(), name.to_owned(), key.to_owned(), by, now, |_| {}).await;
    store.close().await;
    let granted = result?;
    let others: Vec<&str> = granted.unlocks.iter().skip(1).map(|u| u.key.as_str()).collect();
    let also = if others.is_empty() { String::new() } else { format!("; also unlocked: {}", others.join(", ")) };
    println!("granted {key} to {name}{}{also}", points(&engine, &granted.saved.state));
    Ok(())
}

/// `revoke --user NAME --achievement KEY --reason TEXT`.
///
/// # Errors
/// An unknown user, a badge they have not earned, or a database error.
pub(crate) async fn revoke(
    db: &Location,
    catalog: Option<&Path>,
    name: &str,
    key: &str,
    reason: &str,
    now: Instant,
) -> anyhow::Result<()> {
    let by = by(reason)?;
    let (store, engine) = ops::open_to_write(db, catalog, now).await?;
    let result = store.revoke(engine.clone(), name.to_owned(), key.to_owned(), by, now).await;
    store.close().await;
    let revoked = result?;
    println!("revoked {key} from {name}{}", points(&engine, &revoked.saved.state));
    Ok(())
}

fn by(reason: &str) -> anyhow::Result<ByHand> {
    let max = crate::store::people::MAX_REASON_CHARS;
    if reason.trim().is_empty() || reason.chars().count() > max {
        anyhow::bail!("--reason must say why, in 1 to {max} characters (it is kept in the audit)");
    }
    Ok(ByHand { actor: CLI_ACTOR.to_owned(), reason: reason.to_owned() })
}

/// ` (points now N)`, or nothing when the catalog has no points field.
fn points(engine: &Engine, state: &achievements_core::UserState) -> String {
    engine
        .catalog()
        .points_field
        .as_deref()
        .map(|field| format!(" (points now {})", engine.stat(state, field)))
        .unwrap_or_default()
}
