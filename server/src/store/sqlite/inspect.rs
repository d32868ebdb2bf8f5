//! What the reading commands (`check`, `debug`) see of one user, in one
//! read transaction: the stored catalog, the user, their state and an
//! unlock's audit record, all from the same snapshot.

use super::{catalog, state, unlocks, users};
use crate::store::StoreError;
use crate::store::model::Inspected;
use achievements_core::Engine;
use rusqlite::Connection;

/// The named user under the stored catalog, with the first audit record
/// of `audit_key` when given.
///
/// # Errors
/// [`StoreError::NoCatalog`], [`StoreError::UnknownUser`], SQLite errors.
pub(crate) fn inspect(conn: &Connection, name: &str, audit_key: Option<&str>) -> Result<Inspected, StoreError> {
    let engine = Engine::new(catalog::stored(conn)?.ok_or(StoreError::NoCatalog)?);
    let user = users::user_by_name(conn, name)?.ok_or_else(|| StoreError::UnknownUser(name.to_owned()))?;
    let state = state::load(conn, &engine, &user)?.state;
    let audit = match audit_key {
        Some(key) => unlocks::first_audit(conn, user.id, key)?,
        None => None,
    };
    Ok(Inspected { engine, state, audit })
}
