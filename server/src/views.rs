//! The API's JSON for achievements (the plan's `Achievement` interface in
//! snake_case), and the secrecy rule every route applies through [`View`]:
//! a secret achievement exists, for a caller, only once they have earned it.
//! Until then no route shows its key, name, description, icon or criteria;
//! they only count it in `secret_locked`, and a prerequisite on it shows the
//! public placeholder id the downloadable catalog uses.

use crate::served_catalog::ServedCatalog;
use achievements_core::{Definition, EarnedRecord, UserState};
use jiff::Timestamp;
use serde::Serialize;

/// One achievement as listed.
#[derive(Debug, Serialize)]
pub struct AchievementItem<'a> {
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
    pub requires_achievements: Vec<&'a str>,
    pub is_active: bool,
    /// Present when the request has a user.
    #[serde(flatten)]
    pub user: Option<ItemProgress>,
}

/// A user's standing on one achievement.
#[derive(Debug, Serialize)]
pub struct ItemProgress {
    pub is_earned: bool,
    pub earned_at: Option<Timestamp>,
    /// Percent, 0–100 (100 once earned).
    pub progress: u8,
    /// The tracked value (the current run, for streak badges).
    pub progress_value: i64,
    pub target_value: i64,
}

/// One earned achievement (`achievements/earned/`).
#[derive(Debug, Serialize)]
pub struct EarnedItem<'a> {
    #[serde(flatten)]
    pub item: AchievementItem<'a>,
    pub progress_at_unlock: i64,
    /// `event`, `points`, `prerequisite`, `evaluation` or `granted`.
    pub cause: &'static str,
}

/// One achievement in full (`achievements/{key}/`).
#[derive(Debug, Serialize)]
pub struct AchievementDetail<'a> {
    #[serde(flatten)]
    pub item: AchievementItem<'a>,
    pub available_from: Option<Timestamp>,
    pub available_until: Option<Timestamp>,
    pub prerequisites: Vec<Prerequisite<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub progress_at_unlock: Option<i64>,
}

/// The state of one prerequisite, as the caller may see it.
#[derive(Debug, Serialize)]
pub struct Prerequisite<'a> {
    /// The key, or the placeholder id of a secret the caller has not earned.
    pub key: &'a str,
    /// `null` for a secret the caller has not earned.
    pub name: Option<&'a str>,
    pub is_secret: bool,
    /// Present when the request has a user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_earned: Option<bool>,
}

/// The catalog as one caller sees it at one moment.
#[derive(Clone, Copy, Debug)]
pub struct View<'a> {
    catalog: &'a ServedCatalog,
    state: Option<&'a UserState>,
    now: Timestamp,
}

impl<'a> View<'a> {
    /// `state` is the user the request is about, if any.
    pub fn new(catalog: &'a ServedCatalog, state: Option<&'a UserState>, now: Timestamp) -> Self {
        View { catalog, state, now }
    }

    pub fn catalog(&self) -> &'a ServedCatalog {
        self.catalog
    }

    pub fn definition(&self, index: usize) -> &'a Definition {
        &self.catalog.definitions()[index]
    }

    /// The user's record of the achievement at `index`, if earned.
    pub fn earned(&self, index: usize) -> Option<EarnedRecord> {
        self.state.and_then(|state| self.catalog.engine().earned(state, &self.definition(index).key))
    }

    /// May the caller know that this achievement exists?
    pub fn may_see(&self, index: usize) -> bool {
        !self.definition(index).is_secret || self.earned(index).is_some()
    }

    /// Shown in the catalog listings: active, and visible to the caller.
    pub fn listed(&self, index: usize) -> bool {
        self.definition(index).is_active && self.may_see(index)
    }

    /// An active secret the caller has not earned: counted, never shown.
    pub fn locked_secret(&self, index: usize) -> bool {
        let def = self.definition(index);
        def.is_active && def.is_secret && self.earned(index).is_none()
    }

    /// The achievement at `index` as an item. Call it only for indexes the
    /// caller [may see](Self::may_see).
    pub fn item(&self, index: usize) -> AchievementItem<'a> {
        let def = self.definition(index);
        let user = self.state.map(|state| {
            let progress = self.catalog.engine().progress_at(state, index, self.now);
            ItemProgress {
                is_earned: progress.earned,
                earned_at: self.earned(index).map(|r| r.earned_at),
                progress: progress.percent,
                progress_value: progress.current,
                target_value: progress.target,
            }
        });
        AchievementItem {
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
            requires_achievements: def.requires_achievements.iter().map(|k| self.shown_key(k)).collect(),
            is_active: def.is_active,
            user,
        }
    }

    /// The achievement at `index` in full, prerequisites included.
    pub fn detail(&self, index: usize) -> AchievementDetail<'a> {
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
        AchievementDetail {
            item: self.item(index),
            available_from: def.available_from,
            available_until: def.available_until,
            prerequisites,
            progress_at_unlock: self.earned(index).map(|r| r.progress_at_unlock),
        }
    }

    /// A key as the caller may see it: a secret they have not earned
    /// becomes its public placeholder id.
    pub fn shown_key(&self, key: &'a str) -> &'a str {
        match self.catalog.index(key) {
            Some(i) if !self.may_see(i) => self.catalog.placeholder_of(key).unwrap_or("secret"),
            _ => key,
        }
    }
}
