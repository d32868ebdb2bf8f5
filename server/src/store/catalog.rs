//! The `achievements` table: every definition ever loaded, and the upsert
//! that brings it in line with a catalog file; the `catalog` table: that
//! file, whole, so the commands that run without one ([`stored`]) use the
//! catalog the server runs.
//!
//! A definition removed from the file is kept, retired and inactive, so a
//! badge someone earned keeps its name and the engine still knows it
//! ([`ValidCatalog::with_retired`] decides what that means for the rules).

use super::{StoreError, ts};
use achievements_core::Instant;
use achievements_core::{Catalog, Category, CriteriaType, Definition, Rarity, ValidCatalog, load_catalog};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// A definition as stored in `achievements.definition`. A type of this
/// crate, not the core's `Serialize`, so the storage format changes only
/// when a migration says so.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StoredDefinition {
    key: String,
    name: String,
    description: String,
    icon: String,
    color_from: String,
    color_to: String,
    category: String,
    points: i64,
    criteria_type: String,
    criteria_value: i64,
    tracking_field: String,
    requires_achievements: Vec<String>,
    is_secret: bool,
    rarity: String,
    order: i64,
    is_active: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    available_from: Option<Instant>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    available_until: Option<Instant>,
}

impl From<&Definition> for StoredDefinition {
    fn from(d: &Definition) -> Self {
        StoredDefinition {
            key: d.key.clone(),
            name: d.name.clone(),
            description: d.description.clone(),
            icon: d.icon.clone(),
            color_from: d.color_from.clone(),
            color_to: d.color_to.clone(),
            category: d.category.as_str().to_owned(),
            points: d.points,
            criteria_type: d.criteria_type.as_str().to_owned(),
            criteria_value: d.criteria_value,
            tracking_field: d.tracking_field.clone(),
            requires_achievements: d.requires_achievements.clone(),
            is_secret: d.is_secret,
            rarity: d.rarity.as_str().to_owned(),
            order: d.order,
            is_active: d.is_active,
            available_from: d.available_from,
            available_until: d.available_until,
        }
    }
}

impl TryFrom<StoredDefinition> for Definition {
    type Error = StoreError;

    fn try_from(s: StoredDefinition) -> Result<Self, StoreError> {
        let bad =
            |what: &str, value: &str| StoreError::Corrupt(format!("definition `{}`: unknown {what} `{value}`", s.key));
        Ok(Definition {
            category: Category::parse(&s.category).ok_or_else(|| bad("category", &s.category))?,
            criteria_type: CriteriaType::parse(&s.criteria_type)
                .ok_or_else(|| bad("criteria type", &s.criteria_type))?,
            rarity: Rarity::parse(&s.rarity).ok_or_else(|| bad("rarity", &s.rarity))?,
            key: s.key,
            name: s.name,
            description: s.description,
            icon: s.icon,
            color_from: s.color_from,
            color_to: s.color_to,
            points: s.points,
            criteria_value: s.criteria_value,
            tracking_field: s.tracking_field,
            requires_achievements: s.requires_achievements,
            is_secret: s.is_secret,
            order: s.order,
            is_active: s.is_active,
            available_from: s.available_from,
            available_until: s.available_until,
        })
    }
}

/// What an upsert changed, key by key. Each key is in at most one list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct CatalogChanges {
    /// New keys.
    pub added: Vec<String>,
    /// Definitions whose content changed (and whose active state did not).
    pub changed: Vec<String>,
    /// Active before, inactive now (`removed` says which were dropped from the file).
    pub deactivated: Vec<String>,
    /// Keys in `deactivated` because the file no longer has them.
    pub removed: Vec<String>,
    /// Inactive or retired before, active now.
    pub reactivated: Vec<String>,
    /// Definitions the file holds unchanged.
    pub unchanged: usize,
    /// Retired definitions (not in the file) kept inactive, this upsert's included.
    pub retired: usize,
}

/// The outcome of [`sync`]: the catalog the engine should run and what changed.
#[derive(Clone, Debug)]
pub(crate) struct Synced {
    /// The file's catalog plus every retired definition, inactive.
    pub catalog: ValidCatalog,
    pub changes: CatalogChanges,
}

struct Row {
    position: i64,
    definition: String,
    is_active: bool,
    retired: bool,
}

/// Upserts the definitions of `file` and retires stored ones it lacks.
/// Run it inside a write transaction.
///
/// # Errors
/// SQLite errors; [`StoreError::Corrupt`] for an unreadable or invalid
/// stored definition.
pub(crate) fn sync(conn: &Connection, file: &ValidCatalog, now: Instant) -> Result<Synced, StoreError> {
    let mut existing: HashMap<String, Row> = HashMap::new();
    {
        let mut stmt = conn.prepare("SELECT key, position, definition, is_active, retired FROM achievements")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                Row { position: r.get(1)?, definition: r.get(2)?, is_active: r.get(3)?, retired: r.get(4)? },
            ))
        })?;
        for row in rows {
            let (key, row) = row?;
            existing.insert(key, row);
        }
    }

    let now = ts(now);
    let mut changes = CatalogChanges::default();
    let mut upsert = conn.prepare(
        "INSERT INTO achievements (key, position, definition, is_active, retired, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, 0, ?5, ?5)
         ON CONFLICT (key) DO UPDATE SET position = excluded.position, definition = excluded.definition,
             is_active = excluded.is_active, retired = 0, updated_at = excluded.updated_at",
    )?;
    for (position, def) in file.achievements.iter().enumerate() {
        let json = to_json(def)?;
        match existing.remove(&def.key) {
            None => changes.added.push(def.key.clone()),
            Some(old) => {
                let was_active = old.is_active && !old.retired;
                match (was_active, def.is_active) {
                    (true, false) => changes.deactivated.push(def.key.clone()),
                    (false, true) => changes.reactivated.push(def.key.clone()),
                    _ if old.definition != json => changes.changed.push(def.key.clone()),
                    _ => {
                        // Same definition; only its place in the file may have moved.
                        changes.unchanged += 1;
                        if old.position == to_i64(position) {
                            continue;
                        }
                    }
                }
            }
        }
        upsert.execute(params![def.key, to_i64(position), json, def.is_active, now])?;
    }

    // What is left was removed from the file: retire it, keeping its order.
    let mut left: Vec<(String, Row)> = existing.into_iter().collect();
    left.sort_by_key(|(_, row)| row.position);
    let mut retire = conn.prepare(
        "UPDATE achievements SET position = ?2, is_active = 0, retired = 1,
             updated_at = CASE WHEN retired = 1 AND is_active = 0 THEN updated_at ELSE ?3 END
         WHERE key = ?1",
    )?;
    let mut retired = Vec::with_capacity(left.len());
    for (offset, (key, row)) in left.into_iter().enumerate() {
        if row.is_active && !row.retired {
            changes.deactivated.push(key.clone());
            changes.removed.push(key.clone());
        }
        retire.execute(params![key, to_i64(file.achievements.len() + offset), now])?;
        retired.push(from_json(&key, &row.definition)?);
    }
    changes.retired = retired.len();
    save_document(conn, file, &now)?;
    Ok(Synced { catalog: with_retired(file.clone(), retired)?, changes })
}

/// The file's catalog plus the retired definitions, inactive; a damaged
/// retired definition is reported, never run.
fn with_retired(file: ValidCatalog, retired: Vec<Definition>) -> Result<ValidCatalog, StoreError> {
    file.with_retired(retired).map_err(|invalid| {
        StoreError::Corrupt(format!("retired definitions in the database are invalid: {}", invalid.report().trim_end()))
    })
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
    let Some(document) = document else { return Ok(None) };
    let file = load_catalog(&document)
        .map_err(|invalid| StoreError::Corrupt(format!("the stored catalog: {}", invalid.report().trim_end())))?
        .catalog;
    let mut stmt = conn.prepare("SELECT key, definition FROM achievements WHERE retired = 1 ORDER BY position")?;
    let mut retired = Vec::new();
    for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))? {
        let (key, json) = row?;
        retired.push(from_json(&key, &json)?);
    }
    with_retired(file, retired).map(Some)
}

fn to_json(def: &Definition) -> Result<String, StoreError> {
    serde_json::to_string(&StoredDefinition::from(def))
        .map_err(|e| StoreError::Corrupt(format!("definition `{}` does not serialize: {e}", def.key)))
}

fn from_json(key: &str, json: &str) -> Result<Definition, StoreError> {
    let stored: StoredDefinition =
        serde_json::from_str(json).map_err(|e| StoreError::Corrupt(format!("definition `{key}`: {e}")))?;
    Definition::try_from(stored)
}

fn to_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
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
        let winter = load_catalog(include_str!("../../../fixtures/catalogs/winter-event.json")).expect("valid").catalog;
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
