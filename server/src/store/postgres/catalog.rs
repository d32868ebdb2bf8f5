//! The `achievements` and `catalog` tables (PostgreSQL): the upsert that
//! brings them in line with a catalog file, decided by
//! [`plan_sync`] exactly as on SQLite.
//!
//! Instances starting together each upsert the same file: an advisory lock
//! makes them take turns, so the second finds everything unchanged rather
//! than racing the first's rows.

use crate::store::StoreError;
use crate::store::definitions::{StoredRow, SyncPlan, Upsert, plan_sync, stored_catalog};
use crate::store::model::Synced;
use crate::store::ts;
use achievements_core::{Instant, ValidCatalog};
use deadpool_postgres::{GenericClient, Transaction};
use std::collections::HashMap;

/// The advisory lock key of catalog upserts (any constant unique to us).
const SYNC_LOCK: i64 = 0x0061_6368_6361_7401;

/// Upserts the definitions of `file` and retires stored ones it lacks.
///
/// # Errors
/// PostgreSQL errors; [`StoreError::Corrupt`] for an unreadable or invalid
/// stored definition.
pub(crate) async fn sync(tx: &Transaction<'_>, file: &ValidCatalog, now: Instant) -> Result<Synced, StoreError> {
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SYNC_LOCK]).await?;
    let mut existing = HashMap::new();
    for r in tx.query("SELECT key, position, definition, is_active, retired FROM achievements", &[]).await? {
        let row = StoredRow {
            position: r.try_get(1)?,
            definition: r.try_get(2)?,
            is_active: r.try_get(3)?,
            retired: r.try_get(4)?,
        };
        existing.insert(r.try_get::<_, String>(0)?, row);
    }
    let SyncPlan { upserts, retires, synced } = plan_sync(existing, file)?;

    let now = ts(now);
    let upsert = tx
        .prepare(
            "INSERT INTO achievements (key, position, definition, is_active, retired, created_at, updated_at)
             VALUES ($1, $2, $3, $4, FALSE, $5, $5)
             ON CONFLICT (key) DO UPDATE SET position = excluded.position, definition = excluded.definition,
                 is_active = excluded.is_active, retired = FALSE, updated_at = excluded.updated_at",
        )
        .await?;
    for Upsert { key, position, definition, is_active } in &upserts {
        tx.execute(&upsert, &[key, position, definition, is_active, &now]).await?;
    }
    let retire = tx
        .prepare(
            "UPDATE achievements SET position = $2, is_active = FALSE, retired = TRUE,
                 updated_at = CASE WHEN retired AND NOT is_active THEN updated_at ELSE $3 END
             WHERE key = $1",
        )
        .await?;
    for (key, position) in &retires {
        tx.execute(&retire, &[key, position, &now]).await?;
    }
    let document = serde_json::to_string(&**file)
        .map_err(|e| StoreError::Corrupt(format!("the catalog does not serialize: {e}")))?;
    tx.execute(
        "INSERT INTO catalog (id, document, loaded_at) VALUES (1, $1, $2)
         ON CONFLICT (id) DO UPDATE SET document = excluded.document, loaded_at = excluded.loaded_at
         WHERE catalog.document <> excluded.document",
        &[&document, &now],
    )
    .await?;
    Ok(synced)
}

/// The catalog the server runs, as the last [`sync`] left it (see
/// [`stored_catalog`]); `None` when none was ever upserted. Reads only.
///
/// # Errors
/// PostgreSQL errors; [`StoreError::Corrupt`] for a stored catalog or
/// definition that does not load.
pub(crate) async fn stored(client: &impl GenericClient) -> Result<Option<ValidCatalog>, StoreError> {
    let document: Option<String> =
        client.query_opt("SELECT document FROM catalog WHERE id = 1", &[]).await?.map(|r| r.try_get(0)).transpose()?;
    if document.is_none() {
        return Ok(None);
    }
    let retired = client
        .query("SELECT key, definition FROM achievements WHERE retired ORDER BY position", &[])
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect::<Result<Vec<_>, StoreError>>()?;
    stored_catalog(document, retired)
}
