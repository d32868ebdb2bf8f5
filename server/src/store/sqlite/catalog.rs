//! The `achievements` table (SQLite): every definition ever loaded, and the
//! upsert that brings it in line with a catalog file
//! ([`crate::store::definitions`] decides what it changes); the `catalog`
//! table: that file, whole, so the commands that run without one
//! ([`stored`]) use the catalog the server runs.

use super::ts;
use crate::store::StoreError;
use crate::store::definitions::{StoredRow, SyncPlan, Upsert, plan_sync, stored_catalog};
use crate::store::model::Synced;
use achievements_core::Instant;
use achievements_core::{Catalog, ValidCatalog};
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::HashMap;

/// Upserts the definitions of `file` and retires stored ones it lacks
/// (see [`plan_sync`]). Run it inside a write transaction.
///
/// # Errors
/// SQLite errors; [`StoreError::Corrupt`] for an unreadable or invalid
/// stored definition.
pub(crate) fn sync(conn: &Connection, file: &ValidCatalog, now: Instant) -> Result<Synced, StoreError> {
    let mut stmt = conn.prepare("SELECT key, position, definition, is_active, retired FROM achievements")?;
    let existing = stmt
        .query_map([], |r| {
            let row =
                StoredRow { position: r.get(1)?, definition: r.get(2)?, is_active: r.get(3)?, retired: r.get(4)? };
            Ok((r.get::<_, String>(0)?, row))
        })?
        .collect::<Result<HashMap<_, _>, _>>()?;
    let SyncPlan { upserts, retires, synced } = plan_sync(existing, file)?;

    let now = ts(now);
    let mut upsert = conn.prepare(
        "INSERT INTO achievements (key, position, definition, is_active, retired, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, 0, ?5, ?5)
         ON CONFLICT (key) DO UPDATE SET position = excluded.position, definition = excluded.definition,
             is_active = excluded.is_active, retired = 0, updated_at = excluded.updated_at",
    )?;
    for Upsert { key, position, definition, is_active } in &upserts {
        upsert.execute(params![key, position, definition, is_active, now])?;
    }
    let mut retire = conn.prepare(
        "UPDATE achievements SET position = ?2, is_active = 0, retired = 1,
             updated_at = CASE WHEN retired = 1 AND is_active = 0 THEN updated_at ELSE ?3 END
         WHERE key = ?1",
    )?;
    for (key, position) in &retires {
        retire.execute(params![key, position, now])?;
    }
    save_document(conn, file, &now)?;
    Ok(synced)
}

/// Stores the file's catalog whole (its event table and points field are in
/// no other table); the row changes only when the catalog does.
fn save_document(conn: &Connection, file: &Catalog, now: &str) -> Result<(), StoreError> {
    let document =
        serde_json::to_string(file).map_err(|e| StoreError::Corrupt(format!("the catalog does not serialize: {e}")))?;
    conn.execute(
        "INSERT INTO catalog (id, document, loaded_at) VALUES (1, ?1, ?2)
         ON CONFLICT (id) DO UPDATE SET document = excluded.document, loaded_at = excluded.loaded_at
         WHERE document <> excluded.document",
        params![document, now],
    )?;
    Ok(())
}

/// The catalog the server runs, as the last [`sync`] left it: the file's
/// catalog plus every retired definition, inactive (what [`Synced::catalog`]
/// was). `None` when no catalog was ever upserted (or only by a build older
/// than the `catalog` table: `serve` or `load-achievements` stores it).
/// Reads only.
///
/// # Errors
/// SQLite errors; [`StoreError::Corrupt`] for a stored catalog or definition
/// that does not load.
pub(crate) fn stored(conn: &Connection) -> Result<Option<ValidCatalog>, StoreError> {
    let document: Option<String> =
        conn.query_row("SELECT document FROM catalog WHERE id = 1", [], |r| r.get(0)).optional()?;
    if document.is_none() {
        return Ok(None);
    }
    let mut stmt = conn.prepare("SELECT key, definition FROM achievements WHERE retired = 1 ORDER BY position")?;
    let retired = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<Vec<_>, _>>()?;
    stored_catalog(document, retired)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::definitions::StoredDefinition;
    use crate::store::model::CatalogChanges;
    use achievements_core::{SHIPPED_CATALOG_JSON, load_catalog};

    /// `true` when an upsert changed nothing.
    fn changed_nothing(changes: &CatalogChanges) -> bool {
        changes.added.is_empty()
            && changes.changed.is_empty()
            && changes.deactivated.is_empty()
            && changes.reactivated.is_empty()
    }

    fn db() -> Connection {
        let mut conn = Connection::open_in_memory().expect("in-memory database");
        super::super::migrations::migrate(&mut conn).expect("migrate");
        conn
    }

    fn shipped() -> ValidCatalog {
        load_catalog(SHIPPED_CATALOG_JSON).expect("shipped catalog is valid").catalog
    }

    fn now() -> Instant {
        "2026-03-01T10:00:00Z".parse().expect("timestamp")
    }

    #[test]
    fn first_sync_adds_everything_and_second_changes_nothing() {
        let conn = db();
        let first = sync(&conn, &shipped(), now()).expect("sync");
        assert_eq!(first.changes.added.len(), shipped().achievements.len());
        let second = sync(&conn, &shipped(), now()).expect("sync");
        assert!(changed_nothing(&second.changes), "{:?}", second.changes);
        assert_eq!(second.changes.unchanged, shipped().achievements.len());
        assert_eq!(second.catalog, shipped());
    }

    #[test]
    fn removed_definitions_are_retired_inactive_and_come_back() {
        let conn = db();
        sync(&conn, &shipped(), now()).expect("sync");
        let mut smaller = shipped().into_catalog();
        let removed = smaller.achievements.remove(1);
        smaller.achievements[0].name = "Renamed".into();
        smaller.achievements[2].is_active = false;
        let smaller = ValidCatalog::try_from(smaller).expect("still valid");
        let synced = sync(&conn, &smaller, now()).expect("sync");
        assert_eq!(synced.changes.removed, vec![removed.key.clone()]);
        assert_eq!(synced.changes.changed, vec![smaller.achievements[0].key.clone()]);
        assert_eq!(synced.changes.deactivated.len(), 2);
        let kept = synced.catalog.definition(&removed.key).expect("retired definition kept");
        assert!(!kept.is_active);
        assert_eq!(kept.name, removed.name);

        let again = sync(&conn, &shipped(), now()).expect("sync");
        assert_eq!(again.changes.reactivated.len(), 2, "{:?}", again.changes);
        assert_eq!(again.catalog, shipped());
    }

    #[test]
    fn the_stored_catalog_is_the_one_the_last_sync_returned() {
        let conn = db();
        assert_eq!(stored(&conn).expect("read"), None, "nothing loaded yet");
        let winter =
            load_catalog(include_str!("../../../../fixtures/catalogs/winter-event.json")).expect("valid").catalog;
        for file in [shipped(), winter, shipped()] {
            let synced = sync(&conn, &file, now()).expect("sync");
            assert_eq!(stored(&conn).expect("read"), Some(synced.catalog));
        }
        let retired =
            stored(&conn).expect("read").expect("stored").achievements.iter().filter(|d| !d.is_active).count();
        assert!(retired > 0, "the winter definitions are kept, retired");
    }

    /// A damaged retired definition must not reach the engine: the sync
    /// fails with a located message instead.
    #[test]
    fn a_damaged_retired_definition_is_reported_as_corrupt() {
        let conn = db();
        let mut ghost = StoredDefinition::from(&shipped().achievements[0]);
        ghost.key = "ghost".into();
        ghost.criteria_value = 0;
        conn.execute(
            "INSERT INTO achievements (key, position, definition, is_active, retired, created_at, updated_at)
             VALUES ('ghost', 99, ?1, 0, 1, 'x', 'x')",
            [serde_json::to_string(&ghost).expect("json")],
        )
        .expect("insert");
        let error = sync(&conn, &shipped(), now()).expect_err("damaged");
        assert!(matches!(error, StoreError::Corrupt(_)), "{error:?}");
        assert!(error.to_string().contains("retired[0] (ghost).criteria_value: must be at least 1, got 0"), "{error}");
    }
}
