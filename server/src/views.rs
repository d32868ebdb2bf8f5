//! The API's JSON for achievements (the plan's `Achievement` interface in
//! snake_case), and the secrecy rule every route applies through [`View`]:
//! a secret achievement exists, for a caller, only once they have earned it.
//! Until then no route shows its key, name, description, icon or criteria;
//! they only count it in `secret_locked`, and a prerequisite on it shows the
//! public placeholder id the downloadable catalog uses.
//!
//! An item is written as: its [`StaticFields`] (rendered once per catalog),
//! `requires_achievements` (masked for this caller), its [`Window`], then —
//! when the request is about a user — [`ItemProgress`] (with the core's
//! blockers, masked the same way), then any route-specific fields.

use crate::json::append_fields;
use crate::served_catalog::ServedCatalog;
use crate::store::model::Notification;
use achievements_core::Instant;
use achievements_core::{Blocker, Definition, EarnedRecord, UserState};
use serde::Serialize;

/// The fields of an achievement that are the same for every caller, in
/// wire order. Rendered once per definition by [`render_static`].
#[derive(Debug, Serialize)]
pub(crate) struct StaticFields<'a> {
    pub key: &'a str,
    pub name: &'a str,
    pub description: &'a str,
    pub icon: &'a str,
    pub color_from: &'a str,
    pub color_to: &'a str,
    pub category: &'static str,
    pub points: i64,
    pub rarity: &'static str,
    pub is_secret: bool,
    pub order: i64,
    pub criteria_type: &'static str,
    pub criteria_value: i64,
    pub tracking_field: &'a str,
    pub is_active: bool,
}

/// `{"key":…,"is_active":…` — a definition's static fields as an object
/// left open for the fields that follow.
pub(crate) fn render_static(def: &Definition) -> Box<str> {
    let fields = StaticFields {
        key: &def.key,
        name: &def.name,
        description: &def.description,
        icon: &def.icon,
        color_from: &def.color_from,
        color_to: &def.color_to,
        category: def.category.as_str(),
        points: def.points,
        rarity: def.rarity.as_str(),
        is_secret: def.is_secret,
        order: def.order,
        criteria_type: def.criteria_type.as_str(),
        criteria_value: def.criteria_value,
        tracking_field: &def.tracking_field,
        is_active: def.is_active,
    };
    let mut text = serde_json::to_string(&fields).unwrap_or_else(|e| unreachable!("plain fields serialize: {e}"));
    text.pop();
    text.into_boxed_str()
}

/// A user's standing on one achievement (present when the request has a user).
#[derive(Debug, Serialize)]
pub(crate) struct ItemProgress {
    pub is_earned: bool,
    pub earned_at: Option<Instant>,
    /// Percent, 0–100 (100 once earned).
    pub progress: u8,
    /// The tracked value (the current run, for streak badges).
    pub progress_value: i64,
    pub target_value: i64,
    /// Why it cannot unlock now, in the core's wire shape (empty once
    /// earned, or when it unlocks at the next event). A prerequisite that is
    /// a secret the user has not earned shows its placeholder id, no name.
    pub blockers: Vec<Blocker>,
}

/// An achievement's time window (`null`: open on that side). Every item
/// carries it, so a client can say "ends in 3 days" without a second call.
#[derive(Debug, Serialize)]
pub(crate) struct Window {
    pub available_from: Option<Instant>,
    pub available_until: Option<Instant>,
}

/// A notification as the API shows it (`notifications/`, the stream):
/// the unlock and the achievement's display fields. Only its own user sees
/// it, so secrets they earned are shown in full.
#[derive(Debug, Serialize)]
pub(crate) struct NotificationJson<'a> {
    pub id: i64,
    pub key: &'a str,
    pub name: &'a str,
    pub description: &'a str,
    pub icon: &'a str,
    pub color_from: &'a str,
    pub color_to: &'a str,
    pub category: &'a str,
    pub rarity: &'a str,
    pub points: i64,
    pub earned_at: &'a str,
    /// `event`, `points`, `prerequisite`, `evaluation` or `granted`.
    pub cause: &'a str,
    /// A retroactive award or an import: summarise, do not toast.
    pub backfill: bool,
    pub read: bool,
    pub created_at: &'a str,
}

impl<'a> NotificationJson<'a> {
    pub(crate) fn new(catalog: &'a ServedCatalog, n: &'a Notification) -> Self {
        let def = catalog.index(&n.key).map(|i| &catalog.definitions()[i]);
        NotificationJson {
            id: n.id,
            key: &n.key,
            name: def.map_or(n.key.as_str(), |d| d.name.as_str()),
            description: def.map_or("", |d| d.description.as_str()),
            icon: def.map_or("", |d| d.icon.as_str()),
            color_from: def.map_or("", |d| d.color_from.as_str()),
            color_to: def.map_or("", |d| d.color_to.as_str()),
            category: def.map_or("", |d| d.category.as_str()),
            rarity: def.map_or("", |d| d.rarity.as_str()),
            points: def.map_or(0, |d| d.points),
            earned_at: &n.earned_at,
            cause: &n.cause,
            backfill: n.backfill,
            read: n.read,
            created_at: &n.created_at,
        }
    }
}

/// What `achievements/earned/` adds to an item.
#[derive(Debug, Serialize)]
pub(crate) struct EarnedFields {
    pub progress_at_unlock: i64,
    /// `event`, `points`, `prerequisite`, `evaluation` or `granted`.
    pub cause: &'static str,
}

/// What `achievements/{key}/` adds to an item.
#[derive(Debug, Serialize)]
pub(crate) struct DetailFields<'a> {
    pub prerequisites: Vec<Prerequisite<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub progress_at_unlock: Option<i64>,
}

/// The state of one prerequisite, as the caller may see it.
#[derive(Debug, Serialize)]
pub(crate) struct Prerequisite<'a> {
    /// The key, or the placeholder id of a secret the caller has not earned.
    pub key: &'a str,
    /// `null` for a secret the caller has not earned.
    pub name: Option<&'a str>,
    pub is_secret: bool,
    /// Present when the request has a user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_earned: Option<bool>,
}

#[derive(Serialize)]
struct Requires<'a> {
    requires_achievements: Vec<&'a str>,
}

/// The catalog as one caller sees it at one moment.
#[derive(Clone, Copy, Debug)]
pub(crate) struct View<'a> {
    catalog: &'a ServedCatalog,
    state: Option<&'a UserState>,
    now: Instant,
}

impl<'a> View<'a> {
    /// `state` is the user the request is about, if any.
    pub(crate) fn new(catalog: &'a ServedCatalog, state: Option<&'a UserState>, now: Instant) -> Self {
        View { catalog, state, now }
    }

    pub(crate) fn definition(&self, index: usize) -> &'a Definition {
        &self.catalog.definitions()[index]
    }

    /// The user's record of the achievement at `index`, if earned.
    pub(crate) fn earned(&self, index: usize) -> Option<EarnedRecord> {
        self.state.and_then(|state| self.catalog.engine().earned(state, &self.definition(index).key))
    }

    /// May the caller know that this achievement exists?
    pub(crate) fn may_see(&self, index: usize) -> bool {
        !self.definition(index).is_secret || self.earned(index).is_some()
    }

    /// Shown in the catalog listings: active, and visible to the caller.
    pub(crate) fn listed(&self, index: usize) -> bool {
        self.definition(index).is_active && self.may_see(index)
    }

    /// An active secret the caller has not earned: counted, never shown.
    pub(crate) fn locked_secret(&self, index: usize) -> bool {
        let def = self.definition(index);
        def.is_active && def.is_secret && self.earned(index).is_none()
    }

    /// The user's progress on the achievement at `index`.
    pub(crate) fn progress(&self, index: usize) -> Option<ItemProgress> {
        let state = self.state?;
        let progress = self.catalog.engine().progress_at(state, index, self.now);
        Some(ItemProgress {
            is_earned: progress.earned,
            earned_at: self.earned(index).map(|r| r.earned_at),
            progress: progress.percent,
            progress_value: progress.current,
            target_value: progress.target,
            blockers: self
                .catalog
                .engine()
                .blockers_at(state, index, self.now)
                .into_iter()
                .map(|b| self.masked(b))
                .collect(),
        })
    }

    /// A blocker as the caller may see it: a required secret they have not
    /// earned becomes its placeholder id, nameless (as in `prerequisites`).
    fn masked(&self, blocker: Blocker) -> Blocker {
        match blocker {
            Blocker::Requires { key, name } => match self.catalog.index(&key) {
                Some(i) if !self.may_see(i) => Blocker::Requires {
                    key: self.catalog.placeholder_of(&key).unwrap_or("secret").to_owned(),
                    name: None,
                },
                _ => Blocker::Requires { key, name },
            },
            other => other,
        }
    }

    /// Writes the achievement at `index` as an item. Call it only for
    /// indexes the caller [may see](Self::may_see).
    ///
    /// # Errors
    /// Serialization errors (none in practice).
    pub(crate) fn write_item(&self, out: &mut Vec<u8>, index: usize) -> serde_json::Result<()> {
        self.write_item_with(out, index, &serde_json::Map::new())
    }

    /// [`Self::write_item`] plus the fields of `extra` (an object).
    ///
    /// # Errors
    /// Serialization errors (none in practice).
    pub(crate) fn write_item_with(
        &self,
        out: &mut Vec<u8>,
        index: usize,
        extra: &impl Serialize,
    ) -> serde_json::Result<()> {
        out.extend_from_slice(self.catalog.static_json(index).as_bytes());
        let requires = self.definition(index).requires_achievements.iter().map(|k| self.shown_key(k)).collect();
        append_fields(out, &Requires { requires_achievements: requires })?;
        let def = self.definition(index);
        append_fields(out, &Window { available_from: def.available_from, available_until: def.available_until })?;
        if let Some(progress) = self.progress(index) {
            append_fields(out, &progress)?;
        }
        append_fields(out, extra)?;
        out.push(b'}');
        Ok(())
    }

    /// The fields `achievements/{key}/` adds for the achievement at `index`.
    pub(crate) fn detail_fields(&self, index: usize) -> DetailFields<'a> {
        let def = self.definition(index);
        let prerequisites = def
            .requires_achievements
            .iter()
            .map(|key| {
                let found = self.catalog.index(key);
                let visible = found.is_none_or(|i| self.may_see(i));
                Prerequisite {
                    key: self.shown_key(key),
                    name: found.filter(|_| visible).map(|i| self.definition(i).name.as_str()),
                    is_secret: found.is_some_and(|i| self.definition(i).is_secret),
                    is_earned: self.state.map(|_| found.is_some_and(|i| self.earned(i).is_some())),
                }
            })
            .collect();
        DetailFields { prerequisites, progress_at_unlock: self.earned(index).map(|r| r.progress_at_unlock) }
    }

    /// A key as the caller may see it: a secret they have not earned
    /// becomes its public placeholder id.
    pub(crate) fn shown_key(&self, key: &'a str) -> &'a str {
        match self.catalog.index(key) {
            Some(i) if !self.may_see(i) => self.catalog.placeholder_of(key).unwrap_or("secret"),
            _ => key,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use achievements_core::{Engine, Event, SHIPPED_CATALOG_JSON, load_catalog};
    use serde_json::{Value, json};

    fn item(catalog: &ServedCatalog, state: Option<&UserState>, key: &str) -> Value {
        let now = "2026-03-02T00:00:00Z".parse().expect("timestamp");
        let view = View::new(catalog, state, now);
        let mut out = Vec::new();
        view.write_item(&mut out, catalog.index(key).expect("known key")).expect("writes");
        serde_json::from_slice(&out).expect("valid JSON")
    }

    #[test]
    fn items_have_the_plans_fields() {
        let file = load_catalog(SHIPPED_CATALOG_JSON).expect("valid").catalog;
        let catalog = ServedCatalog::new(&file, file.clone());
        let anonymous = item(&catalog, None, "first_project");
        assert_eq!(
            anonymous,
            json!({
                "key": "first_project", "name": "First Launch", "description": "Create your first project",
                "icon": "faRocket", "color_from": "blue-500", "color_to": "blue-600", "category": "projects",
                "points": 10, "rarity": "common", "is_secret": false, "order": 1, "criteria_type": "first_time",
                "criteria_value": 1, "tracking_field": "project_count", "is_active": true,
                "requires_achievements": [], "available_from": null, "available_until": null,
            })
        );
        let engine = Engine::new(file);
        let mut state = engine.new_state(achievements_core::TimeZone::utc());
        let at = "2026-03-01T10:00:00Z".parse().expect("timestamp");
        engine.apply(&mut state, &Event { event_type: "project_created", value: Some(2), at }).expect("applies");
        let five = item(&catalog, Some(&state), "5_projects");
        assert_eq!(five["is_earned"], false);
        assert_eq!(five["earned_at"], Value::Null);
        assert_eq!(
            (five["progress"].as_i64(), five["progress_value"].as_i64(), five["target_value"].as_i64()),
            (Some(40), Some(2), Some(5))
        );
        let first = item(&catalog, Some(&state), "first_project");
        assert_eq!(first["earned_at"], "2026-03-01T10:00:00Z");
    }
}
