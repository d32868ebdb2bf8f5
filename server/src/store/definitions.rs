//! How definitions are kept in the `achievements` table, whichever backend
//! holds it: their JSON form ([`StoredDefinition`]), and what upserting a
//! catalog file changes ([`plan_sync`], pure: both backends read the rows,
//! call it, and write what it says).
//!
//! A definition removed from the file is kept, retired and inactive, so a
//! badge someone earned keeps its name and the engine still knows it
//! ([`ValidCatalog::with_retired`] decides what that means for the rules).

use super::StoreError;
use super::model::{CatalogChanges, Synced};
use achievements_core::{Category, CriteriaType, Definition, Instant, Rarity, ValidCatalog};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// A definition as stored in `achievements.definition`. A type of this
/// crate, not the core's `Serialize`, so the storage format changes only
/// when a migration says so.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StoredDefinition {
    pub(crate) key: String,
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) icon: String,
    pub(crate) color_from: String,
    pub(crate) color_to: String,
    pub(crate) category: String,
    pub(crate) points: i64,
    pub(crate) criteria_type: String,
    pub(crate) criteria_value: i64,
    pub(crate) tracking_field: String,
    pub(crate) requires_achievements: Vec<String>,
    pub(crate) is_secret: bool,
    pub(crate) rarity: String,
    pub(crate) order: i64,
    pub(crate) is_active: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) available_from: Option<Instant>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) available_until: Option<Instant>,
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

/// The catalog a database runs, from its stored rows (either backend):
/// the `catalog` table's document (`None` when none was ever stored) and
/// the retired definitions (key and JSON, in position order), kept
/// inactive as [`with_retired`] says.
///
/// # Errors
/// [`StoreError::Corrupt`] for a stored catalog or definition that does
/// not load.
pub(crate) fn stored_catalog(
    document: Option<String>,
    retired: Vec<(String, String)>,
) -> Result<Option<ValidCatalog>, StoreError> {
    let Some(document) = document else { return Ok(None) };
    let file = achievements_core::load_catalog(&document)
        .map_err(|invalid| StoreError::Corrupt(format!("the stored catalog: {}", invalid.report().trim_end())))?
        .catalog;
    let retired = retired.iter().map(|(key, json)| from_json(key, json)).collect::<Result<Vec<_>, _>>()?;
    with_retired(file, retired).map(Some)
}

/// The file's catalog plus the retired definitions, inactive; a damaged
/// retired definition is reported, never run.
pub(crate) fn with_retired(file: ValidCatalog, retired: Vec<Definition>) -> Result<ValidCatalog, StoreError> {
    file.with_retired(retired).map_err(|invalid| {
        StoreError::Corrupt(format!("retired definitions in the database are invalid: {}", invalid.report().trim_end()))
    })
}

/// A row of the `achievements` table, as [`plan_sync`] needs it.
#[derive(Clone, Debug)]
pub(crate) struct StoredRow {
    pub position: i64,
    /// The [`StoredDefinition`] JSON.
    pub definition: String,
    pub is_active: bool,
    pub retired: bool,
}

/// A definition of the file to insert or update (and un-retire).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Upsert {
    pub key: String,
    pub position: i64,
    pub definition: String,
    pub is_active: bool,
}

/// What to write to bring the table in line with a catalog file.
#[derive(Debug)]
pub(crate) struct SyncPlan {
    /// New or changed definitions (an unchanged one that only moved, too).
    pub upserts: Vec<Upsert>,
    /// Stored definitions the file lacks: key and new position (after the
    /// file's), to mark retired and inactive.
    pub retires: Vec<(String, i64)>,
    /// What the upsert changes, and the catalog to run after it.
    pub synced: Synced,
}

/// Compares the stored rows with the file: what to upsert, what to retire
/// (keeping the retired ones' order, after the file's), what changed.
///
/// # Errors
/// [`StoreError::Corrupt`] for an unreadable or invalid stored definition.
pub(crate) fn plan_sync(mut existing: HashMap<String, StoredRow>, file: &ValidCatalog) -> Result<SyncPlan, StoreError> {
    let mut changes = CatalogChanges::default();
    let mut upserts = Vec::new();
    for (position, def) in file.achievements.iter().enumerate() {
        let definition = to_json(def)?;
        let position = to_i64(position);
        match existing.remove(&def.key) {
            None => changes.added.push(def.key.clone()),
            Some(old) => {
                let was_active = old.is_active && !old.retired;
                match (was_active, def.is_active) {
                    (true, false) => changes.deactivated.push(def.key.clone()),
                    (false, true) => changes.reactivated.push(def.key.clone()),
                    _ if old.definition != definition => changes.changed.push(def.key.clone()),
                    _ => {
                        // Same definition; only its place in the file may have moved.
                        changes.unchanged += 1;
                        if old.position == position {
                            continue;
                        }
                    }
                }
            }
        }
        upserts.push(Upsert { key: def.key.clone(), position, definition, is_active: def.is_active });
    }

    // What is left was removed from the file: retire it, keeping its order.
    let mut left: Vec<(String, StoredRow)> = existing.into_iter().collect();
    left.sort_by_key(|(_, row)| row.position);
    let mut retires = Vec::with_capacity(left.len());
    let mut retired = Vec::with_capacity(left.len());
    for (offset, (key, row)) in left.into_iter().enumerate() {
        if row.is_active && !row.retired {
            changes.deactivated.push(key.clone());
            changes.removed.push(key.clone());
        }
        retired.push(from_json(&key, &row.definition)?);
        retires.push((key, to_i64(file.achievements.len() + offset)));
    }
    changes.retired = retired.len();
    Ok(SyncPlan { upserts, retires, synced: Synced { catalog: with_retired(file.clone(), retired)?, changes } })
}

pub(crate) fn to_json(def: &Definition) -> Result<String, StoreError> {
    serde_json::to_string(&StoredDefinition::from(def))
        .map_err(|e| StoreError::Corrupt(format!("definition `{}` does not serialize: {e}", def.key)))
}

pub(crate) fn from_json(key: &str, json: &str) -> Result<Definition, StoreError> {
    let stored: StoredDefinition =
        serde_json::from_str(json).map_err(|e| StoreError::Corrupt(format!("definition `{key}`: {e}")))?;
    Definition::try_from(stored)
}

pub(crate) fn to_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}
