//! Every conversion between JS values and core types, in one place (with
//! its JS half, `js/interop.js`).
//!
//! Inputs ([`input`]): argument objects (states, events, zone tables) cross
//! as JSON text and are read into the core's own types (`StateSnapshot`,
//! `Event`, `TimeZone`); every malformed input becomes an
//! [`ApiError::Input`] naming its path. Outputs (here) are DTOs, the shapes promised by the TypeScript types in
//! `types.rs`, made with serde-wasm-bindgen (maps as plain objects); integers
//! that may exceed 2^53 go through [`Int64`] so they round-trip exactly (a
//! `bigint` beyond the safe range). The listing's items are assembled in JS
//! by `assembleItems` from static parts made once and numbers from the core.

mod input;

pub(crate) use input::{event, state_text, time_zone, user_state, zone};

use crate::error::ApiError;
use achievements_core::explain::PrerequisiteStatus;
use achievements_core::{
    Blocker, Catalog, Category, Cause, Definition, Diagnostic, EarnedRecord, Explanation, Instant, Placeholder,
    Progress, StateSnapshot, Unlock, parse_instant,
};
use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};
use std::collections::BTreeMap;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};

/// Maps become plain objects; `None` fields are skipped by the DTOs.
const SERIALIZER: serde_wasm_bindgen::Serializer =
    serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true);

/// Converts a DTO to a JS value. DTOs only hold strings, booleans, small
/// numbers, [`Int64`] and string-keyed maps, which always convert.
pub(crate) fn to_js<T: Serialize + ?Sized>(value: &T) -> JsValue {
    value.serialize(&SERIALIZER).unwrap_or_else(|e| unreachable!("adapter DTOs always convert: {e}"))
}

// ----- inputs ---------------------------------------------------------------

/// Catalog JSON text, or a catalog object (turned into text so the core's
/// loader validates it exactly as it validates a file).
pub(crate) fn catalog_text(catalog: &JsValue) -> Result<String, ApiError> {
    if let Some(text) = catalog.as_string() {
        return Ok(text);
    }
    if !catalog.is_object() {
        return Err(ApiError::input("catalog", "expected JSON text or a catalog object"));
    }
    js_sys::JSON::stringify(catalog)
        .ok()
        .and_then(|text| text.as_string())
        .ok_or_else(|| ApiError::input("catalog", "the object cannot be written as JSON (a bigint or a cycle?)"))
}

/// An instant: RFC 3339 text or a JS `Date`.
pub(crate) fn instant(what: &str, value: &JsValue) -> Result<Instant, ApiError> {
    let text = match value.dyn_ref::<js_sys::Date>() {
        Some(date) if date.get_time().is_nan() => return Err(ApiError::input(what, "invalid Date")),
        Some(date) => String::from(date.to_iso_string()),
        None => value
            .as_string()
            .ok_or_else(|| ApiError::input(what, "expected RFC 3339 text (like 2026-03-01T10:00:00Z) or a Date"))?,
    };
    parse_instant(&text).map_err(|message| ApiError::input(what, message))
}

// ----- outputs --------------------------------------------------------------

/// A 64-bit integer for JS: a number when it is a safe integer, else a
/// bigint, so values round-trip exactly (the core allows all of `i64`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Int64(pub(crate) i64);

/// `Number.MAX_SAFE_INTEGER`.
pub(crate) const MAX_SAFE: i64 = (1 << 53) - 1;

impl Serialize for Int64 {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if (-MAX_SAFE..=MAX_SAFE).contains(&self.0) {
            serializer.serialize_i64(self.0)
        } else {
            // serde-wasm-bindgen writes 128-bit integers as BigInt.
            serializer.serialize_i128(i128::from(self.0))
        }
    }
}

/// A number for the plan's `Achievement` fields, which are `number`s:
/// exact up to 2^53, the nearest double beyond.
#[allow(clippy::cast_precision_loss)]
fn plain_number(value: i64) -> f64 {
    value as f64
}

/// The parts of the plan's `Achievement` items (section 6) that only depend
/// on the catalog, camelCase; built once per engine. `js/interop.js` adds the
/// per-user parts (`isEarned`, `earnedAt`, `progress`, `progressValue`,
/// `targetValue`) from [`ItemNumbers`].
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StaticItem<'a> {
    key: &'a str,
    name: &'a str,
    description: &'a str,
    icon: &'a str,
    color_from: &'a str,
    color_to: &'a str,
    category: &'static str,
    points: f64,
    is_secret: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    rarity: Option<&'static str>,
}

impl<'a> StaticItem<'a> {
    fn definition(def: &'a Definition) -> Self {
        StaticItem {
            key: &def.key,
            name: &def.name,
            description: &def.description,
            icon: &def.icon,
            color_from: &def.color_from,
            color_to: &def.color_to,
            category: def.category.as_str(),
            points: plain_number(def.points),
            is_secret: def.is_secret,
            rarity: Some(def.rarity.as_str()),
        }
    }

    /// A secret the client may not see (from a public catalog): its id as
    /// key, its category, and nothing else.
    fn placeholder(placeholder: &'a Placeholder) -> Self {
        StaticItem {
            key: &placeholder.id,
            name: "",
            description: "",
            icon: "",
            color_from: "",
            color_to: "",
            category: placeholder.category.as_str(),
            points: 0.0,
            is_secret: true,
            rarity: None,
        }
    }
}

/// The static parts of every item: definitions in catalog order, then
/// secret placeholders.
pub(crate) fn static_items(catalog: &Catalog) -> JsValue {
    let items: Vec<StaticItem<'_>> = catalog
        .achievements
        .iter()
        .map(StaticItem::definition)
        .chain(catalog.secret_placeholders.iter().map(StaticItem::placeholder))
        .collect();
    to_js(&items)
}

/// The per-user parts of every item, in the order of [`static_items`]:
/// four numbers each (flags: 1 = earned, 2 = has progress; percent;
/// current; target) and the earned items' times.
#[derive(Debug, Default)]
pub(crate) struct ItemNumbers {
    numbers: Vec<f64>,
    earned_at: Vec<String>,
}

impl ItemNumbers {
    pub(crate) fn with_capacity(items: usize) -> Self {
        ItemNumbers { numbers: Vec::with_capacity(4 * items), earned_at: Vec::new() }
    }

    pub(crate) fn push(&mut self, earned: Option<EarnedRecord>, progress: Option<Progress>) {
        let flags = u8::from(earned.is_some()) | (u8::from(progress.is_some()) << 1);
        self.numbers.push(f64::from(flags));
        match progress {
            Some(p) => {
                self.numbers.extend([f64::from(p.percent), plain_number(p.current), plain_number(p.target)]);
            }
            None => self.numbers.extend([0.0; 3]),
        }
        if let Some(e) = earned {
            self.earned_at.push(e.earned_at.to_string());
        }
    }

    /// The items as JS objects (`Achievement[]`).
    pub(crate) fn assemble(self, statics: &JsValue) -> JsValue {
        assemble_items(statics, &self.numbers, self.earned_at)
    }
}

#[wasm_bindgen(module = "/js/interop.js")]
extern "C" {
    #[wasm_bindgen(js_name = assembleItems)]
    fn assemble_items(statics: &JsValue, numbers: &[f64], earned_at: Vec<String>) -> JsValue;
}

#[derive(Serialize)]
pub(crate) struct ProgressOut {
    current: Int64,
    target: Int64,
    percent: u8,
    earned: bool,
}

impl From<Progress> for ProgressOut {
    fn from(p: Progress) -> Self {
        ProgressOut { current: Int64(p.current), target: Int64(p.target), percent: p.percent, earned: p.earned }
    }
}

/// One unlock, camelCase (`{key, earnedAt, progressAtUnlock, cause}`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UnlockOut {
    key: String,
    earned_at: Instant,
    progress_at_unlock: Int64,
    cause: Cause,
}

impl From<Unlock> for UnlockOut {
    fn from(u: Unlock) -> Self {
        UnlockOut {
            key: u.key,
            earned_at: u.record.earned_at,
            progress_at_unlock: Int64(u.record.progress_at_unlock),
            cause: u.record.cause,
        }
    }
}

pub(crate) fn unlocks(unlocks: Vec<Unlock>) -> Vec<UnlockOut> {
    unlocks.into_iter().map(UnlockOut::from).collect()
}

/// The core's `StateSnapshot` wire shape (snake_case, like the server's
/// JSON), with exact 64-bit integers. Serialized straight from the
/// snapshot's sorted maps, without copying them.
pub(crate) struct StateOut(pub(crate) StateSnapshot);

impl Serialize for StateOut {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let s = &self.0;
        let mut out = serializer.serialize_struct("StateSnapshot", 4)?;
        out.serialize_field("timezone", if s.timezone.is_empty() { "UTC" } else { &s.timezone })?;
        out.serialize_field("stats", &MapOf(&s.stats, |v: &i64| Int64(*v)))?;
        out.serialize_field("streak_days", &s.streak_days)?;
        out.serialize_field("earned", &MapOf(&s.earned, |r: &EarnedRecord| EarnedOut::from(r)))?;
        out.end()
    }
}

/// A sorted map serialized with each value converted on the way out.
struct MapOf<'a, V, F>(&'a BTreeMap<String, V>, F);

impl<V, O: Serialize, F: Fn(&V) -> O> Serialize for MapOf<'_, V, F> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(k, v)| (k, (self.1)(v))))
    }
}

#[derive(Serialize)]
struct EarnedOut {
    earned_at: Instant,
    progress_at_unlock: Int64,
    cause: Cause,
}

impl From<&EarnedRecord> for EarnedOut {
    fn from(r: &EarnedRecord) -> Self {
        EarnedOut { earned_at: r.earned_at, progress_at_unlock: Int64(r.progress_at_unlock), cause: r.cause }
    }
}

/// What `apply` and `evaluate` return.
#[derive(Serialize)]
pub(crate) struct StepOut {
    pub(crate) state: StateOut,
    pub(crate) unlocked: Vec<UnlockOut>,
}

#[derive(Serialize)]
pub(crate) struct DiagnosticOut<'a> {
    path: &'a str,
    message: &'a str,
}

fn diagnostics(list: &[Diagnostic]) -> Vec<DiagnosticOut<'_>> {
    list.iter().map(|d| DiagnosticOut { path: &d.path, message: &d.message }).collect()
}

pub(crate) fn diagnostics_to_js(list: &[Diagnostic]) -> JsValue {
    to_js(&diagnostics(list))
}

/// What `validateCatalog` returns.
#[derive(Serialize)]
pub(crate) struct ValidationOut<'a> {
    valid: bool,
    errors: Vec<DiagnosticOut<'a>>,
    warnings: Vec<DiagnosticOut<'a>>,
}

impl<'a> ValidationOut<'a> {
    pub(crate) fn new(errors: &'a [Diagnostic], warnings: &'a [Diagnostic]) -> Self {
        ValidationOut { valid: errors.is_empty(), errors: diagnostics(errors), warnings: diagnostics(warnings) }
    }
}

#[derive(Serialize)]
pub(crate) struct CategoryOut {
    id: &'static str,
    title: &'static str,
}

impl From<Category> for CategoryOut {
    fn from(c: Category) -> Self {
        CategoryOut { id: c.as_str(), title: c.title() }
    }
}

/// The core's `Explanation`, camelCase, with each blocker's sentence.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ExplanationOut {
    key: String,
    name: String,
    criteria: String,
    tracking_field: String,
    value: Int64,
    target: Int64,
    active: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    available_from: Option<Instant>,
    #[serde(skip_serializing_if = "Option::is_none")]
    available_until: Option<Instant>,
    prerequisites: Vec<PrerequisiteOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    earned: Option<EarnedCamel>,
    blockers: Vec<BlockerOut>,
    progress: ProgressOut,
    text: String,
}

#[derive(Serialize)]
struct PrerequisiteOut {
    key: String,
    earned: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EarnedCamel {
    earned_at: Instant,
    progress_at_unlock: Int64,
    cause: Cause,
}

#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum BlockerOut {
    Inactive { message: String },
    NotYetAvailable { from: Instant, message: String },
    NoLongerAvailable { until: Instant, message: String },
    MissingPrerequisites { keys: Vec<String>, message: String },
    BelowTarget { value: Int64, target: Int64, message: String },
}

impl From<Blocker> for BlockerOut {
    fn from(b: Blocker) -> Self {
        let message = b.to_string();
        match b {
            Blocker::Inactive => BlockerOut::Inactive { message },
            Blocker::NotYetAvailable { from } => BlockerOut::NotYetAvailable { from, message },
            Blocker::NoLongerAvailable { until } => BlockerOut::NoLongerAvailable { until, message },
            Blocker::MissingPrerequisites { keys } => BlockerOut::MissingPrerequisites { keys, message },
            Blocker::BelowTarget { value, target } => {
                BlockerOut::BelowTarget { value: Int64(value), target: Int64(target), message }
            }
        }
    }
}

impl From<Explanation> for ExplanationOut {
    fn from(e: Explanation) -> Self {
        let text = e.to_string();
        ExplanationOut {
            key: e.key,
            name: e.name,
            criteria: e.criteria,
            tracking_field: e.tracking_field,
            value: Int64(e.value),
            target: Int64(e.target),
            active: e.active,
            available_from: e.available_from,
            available_until: e.available_until,
            prerequisites: e
                .prerequisites
                .into_iter()
                .map(|PrerequisiteStatus { key, earned }| PrerequisiteOut { key, earned })
                .collect(),
            earned: e.earned.map(|r| EarnedCamel {
                earned_at: r.earned_at,
                progress_at_unlock: Int64(r.progress_at_unlock),
                cause: r.cause,
            }),
            blockers: e.blockers.into_iter().map(BlockerOut::from).collect(),
            progress: e.progress.into(),
            text,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The static item fields plus those `js/interop.js` adds are exactly the
    /// plan's `Achievement` interface.
    #[test]
    fn static_items_and_js_parts_are_the_plan_fields() {
        let engine = achievements_core::Engine::from_json(achievements_core::SHIPPED_CATALOG_JSON).map(|(e, _)| e);
        let Ok(engine) = engine else { panic!("shipped catalog loads") };
        let def = &engine.catalog().achievements[0];
        let json = serde_json::to_value(StaticItem::definition(def)).unwrap_or_default();
        let mut keys: Vec<&str> = json.as_object().map(|o| o.keys().map(String::as_str).collect()).unwrap_or_default();
        let js = include_str!("../js/interop.js");
        for added in ["isEarned", "earnedAt", "progress", "progressValue", "targetValue"] {
            assert!(js.contains(&format!("item.{added} =")) || js.contains(&format!("{added}: ")), "{added}");
            keys.push(added);
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

    #[test]
    fn int64_is_a_number_in_the_safe_range_and_wider_beyond() {
        let json = |v| serde_json::to_string(&Int64(v)).unwrap_or_default();
        assert_eq!(json(MAX_SAFE), "9007199254740991");
        assert_eq!(json(-MAX_SAFE), "-9007199254740991");
        assert_eq!(json(i64::MAX), "9223372036854775807");
    }
}
