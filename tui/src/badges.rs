//! The badge list the interface shows, derived from a [`Dataset`] at a
//! given `now`: one [`Badge`] per definition, earned secret or locked
//! secret. Progress and the criteria in words come from the core; this
//! module only assembles them and decides what may be shown (a secret the
//! user has not earned is "???").

use crate::dataset::{Dataset, Rules};
use crate::time::{from_core, to_core};
use crate::wire::Item;
use achievements_core::{Category, CriteriaType, Definition, Progress, Rarity, describe_criteria};
use jiff::Timestamp;
use std::collections::HashMap;

/// What kind of row a badge is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A catalog badge.
    Listed,
    /// A secret badge the user has earned: shown in full.
    Secret,
    /// A secret badge not yet earned: "???".
    Hidden,
    /// Earned, but no longer in the catalog or deactivated.
    Retired,
}

/// When and how a badge was earned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Earned {
    pub at: Timestamp,
    pub value_at_unlock: Option<i64>,
    pub cause: Option<String>,
}

/// One row of the list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Badge {
    /// The key (or placeholder id); never shown for [`Kind::Hidden`].
    pub id: String,
    pub kind: Kind,
    pub name: String,
    pub description: String,
    pub icon: String,
    pub color_from: String,
    pub color_to: String,
    pub category: Category,
    pub points: i64,
    pub rarity: Option<Rarity>,
    /// The condition in words, from the core.
    pub criteria: Option<String>,
    /// Ids of the badges it requires.
    pub requires: Vec<String>,
    pub progress: Option<Progress>,
    pub earned: Option<Earned>,
    /// Earned since the last sync this app showed.
    pub is_new: bool,
    /// Its definition's index in the engine's catalog, when the core has it.
    pub rule: Option<usize>,
}

/// Display order: category, secrets after the others, the catalog's
/// `order`, then position in the source.
type Order = (usize, bool, i64, usize);

/// A placeholder id and the key of the earned secret it stands for.
type Alias = (String, String);

impl Badge {
    pub fn is_earned(&self) -> bool {
        self.earned.is_some()
    }

    /// Percent toward it: 100 when earned, 0 when unknown.
    pub fn percent(&self) -> u8 {
        if self.is_earned() { 100 } else { self.progress.map_or(0, |p| p.percent) }
    }
}

/// Every badge, in display order (category, then the catalog's `order`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Board {
    pub badges: Vec<Badge>,
    index: HashMap<String, usize>,
}

impl Board {
    /// Builds the list. `baseline` is the sync generation the user had
    /// already seen when the app started: badges first seen after it are new.
    pub fn build(data: &Dataset, now: Timestamp, baseline: u64) -> Board {
        let threshold = baseline.max(data.stamp.reset_generation);
        let is_new = |key: &str| data.first_seen.get(key).is_some_and(|&g| g > threshold);
        let (mut ordered, aliases) = match &data.rules {
            Some(rules) => from_rules(rules, &data.earned, now),
            None => (from_listing(&data.items, &data.earned), vec![]),
        };
        ordered.sort_by_key(|(order, _)| *order);
        let mut board = Board::from_sorted(ordered.into_iter().map(|(_, b)| b).collect());
        // A revealed secret is also known by its placeholder id, which is how
        // the public catalog's prerequisites name it.
        for (placeholder, key) in aliases {
            if let Some(&i) = board.index.get(&key) {
                board.index.insert(placeholder, i);
            }
        }
        for badge in &mut board.badges {
            badge.is_new = badge.is_earned() && is_new(&badge.id);
        }
        board
    }

    /// A board from badges already in display order (the cached list).
    pub fn from_sorted(badges: Vec<Badge>) -> Board {
        let index = badges.iter().enumerate().map(|(i, b)| (b.id.clone(), i)).collect();
        Board { badges, index }
    }

    /// Marks the earned badges first seen after `threshold` as new.
    pub fn mark_new(&mut self, first_seen: &HashMap<String, u64>, threshold: u64) {
        for badge in &mut self.badges {
            badge.is_new = badge.is_earned() && first_seen.get(&badge.id).is_some_and(|&g| g > threshold);
        }
    }

    pub fn get(&self, id: &str) -> Option<&Badge> {
        self.index.get(id).map(|&i| &self.badges[i])
    }

    /// Earned and total, in one category or all.
    pub fn counts(&self, category: Option<Category>) -> (usize, usize) {
        let mut earned = 0;
        let mut total = 0;
        for b in self.badges.iter().filter(|b| category.is_none_or(|c| b.category == c)) {
            total += 1;
            earned += usize::from(b.is_earned());
        }
        (earned, total)
    }

    /// How to name a badge where it is referred to (prerequisites, preview
    /// results): its name, or "???" while it is a hidden secret.
    pub fn display_name(&self, id: &str) -> String {
        match self.get(id) {
            Some(b) if b.kind != Kind::Hidden => b.name.clone(),
            Some(_) => "??? (secret)".to_owned(),
            None if id.starts_with("secret-") => "??? (secret)".to_owned(),
            None => id.to_owned(),
        }
    }
}

fn rank(category: Category) -> usize {
    Category::ALL.iter().position(|c| *c == category).unwrap_or(usize::MAX)
}

/// The badges, and which placeholder ids stand for revealed secrets.
fn from_rules(rules: &Rules, earned_items: &[Item], now: Timestamp) -> (Vec<(Order, Badge)>, Vec<Alias>) {
    let mut aliases = Vec::new();
    let Rules { engine, state } = rules;
    let catalog = engine.catalog();
    let mut used = vec![false; earned_items.len()];
    let item_index: HashMap<&str, usize> =
        earned_items.iter().enumerate().map(|(i, it)| (it.key.as_str(), i)).collect();
    let mut badges = Vec::with_capacity(catalog.achievements.len() + catalog.secret_placeholders.len());

    for (index, def) in catalog.achievements.iter().enumerate() {
        let record = engine.earned(state, &def.key);
        let from_server = item_index.get(def.key.as_str()).copied();
        if let Some(i) = from_server {
            used[i] = true;
        }
        if record.is_none() && !def.is_active {
            continue; // can never be earned: not shown, as on the server
        }
        let order = (rank(def.category), false, def.order, index);
        if def.is_secret && record.is_none() {
            badges.push((order, hidden(def.key.clone(), def.category)));
            continue;
        }
        let cause = from_server.and_then(|i| earned_items[i].cause.clone());
        badges.push((
            order,
            Badge {
                id: def.key.clone(),
                kind: match (def.is_active, def.is_secret) {
                    (false, _) => Kind::Retired,
                    (true, true) => Kind::Secret,
                    (true, false) => Kind::Listed,
                },
                name: def.name.clone(),
                description: def.description.clone(),
                icon: def.icon.clone(),
                color_from: def.color_from.clone(),
                color_to: def.color_to.clone(),
                category: def.category,
                points: def.points,
                rarity: Some(def.rarity),
                criteria: Some(describe_criteria(def)),
                requires: def.requires_achievements.clone(),
                progress: Some(engine.progress_at(state, index, to_core(now))),
                earned: record.map(|r| Earned {
                    at: from_core(r.earned_at),
                    value_at_unlock: Some(r.progress_at_unlock),
                    cause: cause.or_else(|| Some(r.cause.as_str().to_owned())),
                }),
                is_new: false,
                rule: Some(index),
            },
        ));
    }

    // Placeholders stand for secrets: earned ones are revealed by the
    // earned list (matched on category and unlock record, since the public
    // catalog cannot say which placeholder is which key).
    let base = catalog.achievements.len();
    for (n, placeholder) in catalog.secret_placeholders.iter().enumerate() {
        let order = (rank(placeholder.category), true, i64::MAX, base + n);
        let Some(record) = engine.earned(state, &placeholder.id) else {
            badges.push((order, hidden(placeholder.id.clone(), placeholder.category)));
            continue;
        };
        let found = earned_items.iter().enumerate().position(|(i, item)| {
            !used[i]
                && item.is_secret
                && item.category == placeholder.category.as_str()
                && item.earned_at == Some(from_core(record.earned_at))
                && item.progress_at_unlock.is_none_or(|v| v == record.progress_at_unlock)
        });
        let mut badge = match found {
            Some(i) => {
                used[i] = true;
                aliases.push((placeholder.id.clone(), earned_items[i].key.clone()));
                from_item(&earned_items[i], Kind::Secret)
            }
            None => Badge {
                name: "Secret badge".to_owned(),
                description: "A secret badge you have earned (sync again to see its name).".to_owned(),
                ..hidden(placeholder.id.clone(), placeholder.category)
            },
        };
        badge.kind = Kind::Secret;
        let value = record.progress_at_unlock;
        badge.progress = badge.progress.map(|p| Progress { percent: 100, earned: true, ..p }).or(Some(Progress {
            current: value,
            target: value.max(1),
            percent: 100,
            earned: true,
        }));
        badge.earned = Some(Earned {
            at: from_core(record.earned_at),
            value_at_unlock: Some(record.progress_at_unlock),
            cause: badge.earned.and_then(|e| e.cause).or_else(|| Some(record.cause.as_str().to_owned())),
        });
        badges.push((order, badge));
    }

    // Earned badges the catalog no longer has.
    for (i, item) in earned_items.iter().enumerate() {
        if !used[i] && catalog.definition(&item.key).is_none() {
            let badge = from_item(item, if item.is_secret { Kind::Secret } else { Kind::Retired });
            let order = (rank(badge.category), false, item.order, base + catalog.secret_placeholders.len() + i);
            badges.push((order, badge));
        }
    }
    (badges, aliases)
}

/// Without a usable catalog: the server's listing, as of the last sync.
fn from_listing(items: &[Item], earned_items: &[Item]) -> Vec<(Order, Badge)> {
    let listed: std::collections::HashSet<&str> = items.iter().map(|i| i.key.as_str()).collect();
    let extra = earned_items.iter().filter(|i| !listed.contains(i.key.as_str()));
    items
        .iter()
        .map(|item| (item, Kind::Listed))
        .chain(extra.map(|item| (item, if item.is_secret { Kind::Secret } else { Kind::Retired })))
        .enumerate()
        .map(|(n, (item, kind))| {
            let badge = from_item(item, kind);
            ((rank(badge.category), false, item.order, n), badge)
        })
        .collect()
}

fn hidden(id: String, category: Category) -> Badge {
    Badge {
        id,
        kind: Kind::Hidden,
        name: "???".to_owned(),
        description: "A secret badge. Keep exploring to find out what it takes.".to_owned(),
        icon: String::new(),
        color_from: "slate-500".to_owned(),
        color_to: "slate-700".to_owned(),
        category,
        points: 0,
        rarity: None,
        criteria: None,
        requires: vec![],
        progress: None,
        earned: None,
        is_new: false,
        rule: None,
    }
}

/// A badge from the server's JSON. The criteria in words still come from
/// the core, through a definition rebuilt from the item.
fn from_item(item: &Item, kind: Kind) -> Badge {
    let category = Category::parse(&item.category).unwrap_or(Category::Milestones);
    let rarity = Rarity::parse(&item.rarity);
    let criteria = CriteriaType::parse(&item.criteria_type).map(|criteria_type| {
        describe_criteria(&Definition {
            key: item.key.clone(),
            name: item.name.clone(),
            description: item.description.clone(),
            icon: item.icon.clone(),
            color_from: item.color_from.clone(),
            color_to: item.color_to.clone(),
            category,
            points: item.points,
            criteria_type,
            criteria_value: item.criteria_value,
            tracking_field: item.tracking_field.clone(),
            requires_achievements: item.requires_achievements.clone(),
            is_secret: item.is_secret,
            rarity: rarity.unwrap_or(Rarity::Common),
            order: item.order,
            is_active: item.is_active,
            available_from: None,
            available_until: None,
        })
    });
    let progress = match (item.progress_value, item.target_value) {
        (Some(current), Some(target)) => Some(Progress {
            current,
            target,
            percent: if item.is_earned { 100 } else { item.progress.unwrap_or(0).min(100) },
            earned: item.is_earned,
        }),
        _ => None,
    };
    Badge {
        id: item.key.clone(),
        kind,
        name: item.name.clone(),
        description: item.description.clone(),
        icon: item.icon.clone(),
        color_from: item.color_from.clone(),
        color_to: item.color_to.clone(),
        category,
        points: item.points,
        rarity,
        criteria,
        requires: item.requires_achievements.clone(),
        progress,
        earned: item.earned_at.map(|at| Earned {
            at,
            value_at_unlock: item.progress_at_unlock,
            cause: item.cause.clone(),
        }),
        is_new: false,
        rule: None,
    }
}
