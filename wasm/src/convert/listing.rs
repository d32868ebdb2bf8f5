//! The listing: the plan's `Achievement` items, one per badge, on every render.
//!
//! Building 1,000 items property by property from Rust is several times
//! over the listing's budget (BENCHMARKS.md), so an item crosses in two
//! parts that `assembleItems` in `js/interop.js` joins: its catalog-only
//! fields, an [`Achievement`] written once per engine through
//! serde-wasm-bindgen ([`static_items`]), and per call the core's numbers
//! ([`super::ItemNumbers`], one `Float64Array`) plus the [`ItemExtra`]s of
//! the few items that have a window or a blocker. Every field is declared
//! here, once; the TypeScript types come from these derives.

use super::{BlockerView, to_js};
use achievements_core::{Blocker, Catalog, Category, Date, Definition, Instant, LocalWindow, Placeholder, Rarity};
use serde::Serialize;
use tsify::Tsify;
use wasm_bindgen::JsValue;

/// One achievement for one user: the plan's `Achievement` interface
/// (section 6), with `category` and `rarity` narrowed to their values.
/// `progress` is a percentage (0–100, 100 once earned), `progressValue` the
/// tracked value (the current run for streak badges), `targetValue` the
/// target. A secret known only as a placeholder has `isSecret: true`, its
/// placeholder id as `key`, empty texts, `points: 0` and no progress.
///
/// A time-limited achievement has `availableFrom` / `availableUntil` (RFC
/// 3339; `availableUntil` is exclusive) and, while unearned, its `window` in
/// the user's local days. An unearned achievement that something other than
/// progress blocks (a window, a missing prerequisite, a retired definition)
/// has the core's `blockers`: show those instead of a full bar.
///
/// Written here with its catalog-only fields; `assembleItems` sets
/// `isEarned`, `earnedAt`, `progress`, `progressValue`, `targetValue`,
/// `window` and `blockers` for the user.
#[derive(Debug, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Achievement<'a> {
    key: &'a str,
    name: &'a str,
    description: &'a str,
    icon: &'a str,
    color_from: &'a str,
    color_to: &'a str,
    category: Category,
    /// The plan's `number`: exact up to 2^53, the nearest double beyond.
    points: f64,
    is_earned: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[tsify(type = "string")]
    earned_at: Option<Instant>,
    #[serde(skip_serializing_if = "Option::is_none")]
    progress: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    progress_value: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    target_value: Option<f64>,
    #[tsify(optional)]
    is_secret: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    rarity: Option<Rarity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[tsify(type = "string")]
    available_from: Option<Instant>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[tsify(type = "string")]
    available_until: Option<Instant>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[tsify(type = "LocalWindow")]
    window: Option<Window>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[tsify(type = "Blocker[]")]
    blockers: Option<Vec<BlockerView>>,
}

/// A number for the plan's `number` fields: exact up to 2^53, the nearest
/// double beyond.
#[allow(clippy::cast_precision_loss)]
pub(crate) fn plain_number(value: i64) -> f64 {
    value as f64
}

impl<'a> Achievement<'a> {
    fn of_definition(def: &'a Definition) -> Self {
        Achievement {
            key: &def.key,
            name: &def.name,
            description: &def.description,
            icon: &def.icon,
            color_from: &def.color_from,
            color_to: &def.color_to,
            category: def.category,
            points: plain_number(def.points),
            is_earned: false,
            earned_at: None,
            progress: None,
            progress_value: None,
            target_value: None,
            is_secret: def.is_secret,
            rarity: Some(def.rarity),
            available_from: def.available_from,
            available_until: def.available_until,
            window: None,
            blockers: None,
        }
    }

    /// A secret the client may not see (from a public catalog): its id as
    /// key, its category, and nothing else.
    fn of_placeholder(placeholder: &'a Placeholder) -> Self {
        Achievement {
            key: &placeholder.id,
            name: "",
            description: "",
            icon: "",
            color_from: "",
            color_to: "",
            category: placeholder.category,
            points: 0.0,
            is_earned: false,
            earned_at: None,
            progress: None,
            progress_value: None,
            target_value: None,
            is_secret: true,
            rarity: None,
            available_from: None,
            available_until: None,
            window: None,
            blockers: None,
        }
    }
}

/// The catalog-only parts of every item: definitions in catalog order, then
/// secret placeholders.
pub(crate) fn static_items(catalog: &Catalog) -> Result<JsValue, JsValue> {
    let items: Vec<Achievement<'_>> = catalog
        .achievements
        .iter()
        .map(Achievement::of_definition)
        .chain(catalog.secret_placeholders.iter().map(Achievement::of_placeholder))
        .collect();
    to_js(&items)
}

/// A time window as a person reads it, in the user's local days (dates
/// `YYYY-MM-DD`): not open yet (it opens on `startsOn`), open (`lastDay` is
/// its last day, `daysLeft` the days from today to it, 0 on the last day;
/// both absent when it never closes), or ended (`lastDay` was its last day).
/// The core's `LocalWindow`, camelCase.
#[derive(Debug, Serialize, Tsify)]
#[serde(tag = "status", rename_all = "snake_case", rename_all_fields = "camelCase")]
#[tsify(rename = "LocalWindow")]
pub(crate) enum Window {
    Upcoming {
        #[tsify(type = "string")]
        starts_on: Date,
    },
    Open {
        #[serde(skip_serializing_if = "Option::is_none")]
        #[tsify(type = "string")]
        last_day: Option<Date>,
        #[serde(skip_serializing_if = "Option::is_none")]
        days_left: Option<i64>,
    },
    Ended {
        #[tsify(type = "string")]
        last_day: Date,
    },
}

impl From<LocalWindow> for Window {
    fn from(window: LocalWindow) -> Self {
        match window {
            LocalWindow::Upcoming { starts_on } => Window::Upcoming { starts_on },
            LocalWindow::Open { last_day, days_left } => Window::Open { last_day, days_left },
            LocalWindow::Ended { last_day } => Window::Ended { last_day },
        }
    }
}

/// The parts of one item that only some items have: `i` is its index.
#[derive(Debug, Serialize)]
pub(crate) struct ItemExtra {
    i: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    window: Option<Window>,
    #[serde(skip_serializing_if = "Option::is_none")]
    blockers: Option<Vec<BlockerView>>,
}

/// The [`ItemExtra`]s of one listing, in item order.
#[derive(Debug, Default)]
pub(crate) struct ItemExtras(Vec<ItemExtra>);

impl ItemExtras {
    pub(crate) fn new() -> Self {
        ItemExtras::default()
    }

    /// Item `index`'s window, and its blockers when something other than
    /// progress blocks it; nothing when it has neither.
    pub(crate) fn push(&mut self, index: usize, window: Option<LocalWindow>, blockers: Vec<Blocker>) {
        let gated = blockers.iter().any(Blocker::is_gate);
        if window.is_none() && !gated {
            return;
        }
        self.0.push(ItemExtra {
            i: u32::try_from(index).unwrap_or(u32::MAX),
            window: window.map(Window::from),
            blockers: gated.then(|| blockers.into_iter().map(BlockerView::from).collect()),
        });
    }

    /// The extras as a JS array, or null when no item has any.
    pub(crate) fn finish(self) -> Result<JsValue, JsValue> {
        if self.0.is_empty() { Ok(JsValue::NULL) } else { to_js(&self.0) }
    }
}

#[cfg(test)]
mod tests {
    use super::Achievement;

    /// The fields written here, with those `js/interop.js` sets, are exactly
    /// the plan's `Achievement` interface plus this API's additions.
    #[test]
    fn the_item_is_the_plans_achievement() {
        let engine = achievements_core::Engine::from_json(achievements_core::SHIPPED_CATALOG_JSON).map(|(e, _)| e);
        let Ok(engine) = engine else { panic!("shipped catalog loads") };
        let item = serde_json::to_value(Achievement::of_definition(&engine.catalog().achievements[0]));
        let item = item.unwrap_or_default();
        let mut keys: Vec<&str> = item.as_object().map(|o| o.keys().map(String::as_str).collect()).unwrap_or_default();
        let js = include_str!("../../js/interop.js");
        for set_by_js in ["earnedAt", "progress", "progressValue", "targetValue"] {
            assert!(js.contains(&format!("item.{set_by_js} =")), "{set_by_js}");
            keys.push(set_by_js);
        }
        keys.sort_unstable();
        let mut plan = [
            "key",
            "name",
            "description",
            "icon",
            "colorFrom",
            "colorTo",
            "category",
            "points",
            "isEarned",
            "earnedAt",
            "progress",
            "progressValue",
            "targetValue",
            "isSecret",
            "rarity",
        ];
        plan.sort_unstable();
        assert_eq!(keys, plan);
    }
}
