//! Every conversion between JS values and core types, in one place.
//!
//! Inputs are read with serde-wasm-bindgen into the core's own wire types
//! (`StateSnapshot`) or small input structs here, and every malformed input
//! becomes an [`ApiError::Input`] naming the argument. Outputs are DTOs: the
//! shapes promised by the TypeScript types in `types.rs`, serialized with
//! plain objects for maps. Integers that may exceed 2^53 go through
//! [`Int64`] so they round-trip exactly (a `bigint` beyond the safe range).

use crate::error::ApiError;
use achievements_core::explain::PrerequisiteStatus;
use achievements_core::state::DateRange;
use achievements_core::{
    Blocker, Category, Cause, Definition, Diagnostic, EarnedRecord, Engine, Explanation, Placeholder, Progress,
    StateSnapshot, Unlock, UserState, parse_instant,
};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize, Serializer};
use std::collections::BTreeMap;
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

/// A user state in the core's `StateSnapshot` shape (`undefined`/`null`:
/// a fresh state in UTC), laid out for `engine`.
pub(crate) fn user_state(engine: &Engine, state: &JsValue) -> Result<UserState, ApiError> {
    let snapshot = if state.is_undefined() || state.is_null() {
        StateSnapshot::default()
    } else {
        only_fields(state, STATE_FIELDS, "state")?;
        if let Some(earned) = js_sys::Reflect::get(state, &"earned".into()).ok().and_then(|e| e.dyn_into().ok()) {
            for record in js_sys::Object::values(&earned).iter() {
                only_fields(&record, EARNED_FIELDS, "state.earned")?;
            }
        }
        let input: StateInput = serde_wasm_bindgen::from_value(state.clone()).map_err(|e| from_serde("state", &e))?;
        input.into_snapshot()?
    };
    Ok(engine.state_from_snapshot(&snapshot)?)
}

const STATE_FIELDS: &[&str] = &["timezone", "stats", "streak_days", "earned"];
const EARNED_FIELDS: &[&str] = &["earned_at", "progress_at_unlock", "cause"];
const EVENT_FIELDS: &[&str] = &["type", "value", "at"];

/// serde-wasm-bindgen reads only the fields a struct names, so unknown ones
/// (typos) are refused here, as the core refuses them in files.
fn only_fields(value: &JsValue, allowed: &[&str], what: &'static str) -> Result<(), ApiError> {
    let Some(object) = value.dyn_ref::<js_sys::Object>() else { return Ok(()) };
    for key in js_sys::Object::keys(object).iter() {
        let key = key.as_string().unwrap_or_default();
        if !allowed.contains(&key.as_str()) {
            return Err(ApiError::input(
                what,
                format!("unknown field `{key}` (expected one of: {})", allowed.join(", ")),
            ));
        }
    }
    Ok(())
}

/// A serde-wasm-bindgen error's message, without the `Error: ` it starts with.
fn from_serde(what: &'static str, error: &serde_wasm_bindgen::Error) -> ApiError {
    let text = error.to_string();
    ApiError::input(what, text.strip_prefix("Error: ").unwrap_or(&text))
}

/// A `StateSnapshot` as JS passes it. Dates and instants are read as text
/// and parsed here (with the core's messages) rather than by jiff's serde
/// support, whose error formatting alone would add about 20 KB to the module.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StateInput {
    #[serde(default)]
    timezone: Option<String>,
    #[serde(default)]
    stats: Option<BTreeMap<String, i64>>,
    #[serde(default)]
    streak_days: Option<BTreeMap<String, Vec<(String, String)>>>,
    #[serde(default)]
    earned: Option<BTreeMap<String, EarnedInput>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EarnedInput {
    earned_at: String,
    progress_at_unlock: i64,
    cause: Cause,
}

impl StateInput {
    fn into_snapshot(self) -> Result<StateSnapshot, ApiError> {
        let date = |text: &str| {
            text.parse::<Date>()
                .map_err(|_| ApiError::input("state.streak_days", format!("`{text}` is not a date (like 2026-03-01)")))
        };
        let mut streak_days = BTreeMap::new();
        for (field, ranges) in self.streak_days.unwrap_or_default() {
            let ranges = ranges
                .iter()
                .map(|(first, last)| Ok(DateRange(date(first)?, date(last)?)))
                .collect::<Result<Vec<_>, ApiError>>()?;
            streak_days.insert(field, ranges);
        }
        let mut earned = BTreeMap::new();
        for (key, record) in self.earned.unwrap_or_default() {
            let earned_at =
                parse_instant(&record.earned_at).map_err(|message| ApiError::input("state.earned", message))?;
            earned.insert(
                key,
                EarnedRecord { earned_at, progress_at_unlock: record.progress_at_unlock, cause: record.cause },
            );
        }
        Ok(StateSnapshot {
            timezone: self.timezone.unwrap_or_default(),
            stats: self.stats.unwrap_or_default(),
            streak_days,
            earned,
        })
    }
}

/// An event as JS passes it: `{type, value?, at}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EventInput {
    #[serde(rename = "type")]
    event_type: String,
    #[serde(default)]
    value: Option<i64>,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    at: JsValue,
}

/// A checked event, owning its type name (the core's `Event` borrows it).
#[derive(Debug)]
pub(crate) struct OwnedEvent {
    pub(crate) event_type: String,
    pub(crate) value: Option<i64>,
    pub(crate) at: Timestamp,
}

impl OwnedEvent {
    pub(crate) fn as_event(&self) -> achievements_core::Event<'_> {
        achievements_core::Event { event_type: &self.event_type, value: self.value, at: self.at }
    }
}

pub(crate) fn event(event: &JsValue) -> Result<OwnedEvent, ApiError> {
    only_fields(event, EVENT_FIELDS, "event")?;
    let input: EventInput = serde_wasm_bindgen::from_value(event.clone()).map_err(|e| from_serde("event", &e))?;
    let at = instant("event.at", &input.at)?;
    Ok(OwnedEvent { event_type: input.event_type, value: input.value, at })
}

/// An instant: RFC 3339 text or a JS `Date`.
pub(crate) fn instant(what: &'static str, value: &JsValue) -> Result<Timestamp, ApiError> {
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
const MAX_SAFE: i64 = (1 << 53) - 1;

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

/// The plan's `Achievement` interface (section 6), camelCase.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AchievementItem<'a> {
    key: &'a str,
    name: &'a str,
    description: &'a str,
    icon: &'a str,
    color_from: &'a str,
    color_to: &'a str,
    category: &'static str,
    points: f64,
    is_earned: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    earned_at: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    progress: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    progress_value: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    target_value: Option<f64>,
    is_secret: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    rarity: Option<&'static str>,
}

impl<'a> AchievementItem<'a> {
    pub(crate) fn definition(def: &'a Definition, progress: Progress, earned: Option<EarnedRecord>) -> Self {
        AchievementItem {
            key: &def.key,
            name: &def.name,
            description: &def.description,
            icon: &def.icon,
            color_from: &def.color_from,
            color_to: &def.color_to,
            category: def.category.as_str(),
            points: plain_number(def.points),
            is_earned: earned.is_some(),
            earned_at: earned.map(|e| e.earned_at),
            progress: Some(progress.percent),
            progress_value: Some(plain_number(progress.current)),
            target_value: Some(plain_number(progress.target)),
            is_secret: def.is_secret,
            rarity: Some(def.rarity.as_str()),
        }
    }

    /// A secret the client may not see (from a public catalog): its id as
    /// key, its category, whether it is earned, and nothing else.
    pub(crate) fn placeholder(placeholder: &'a Placeholder, earned: Option<EarnedRecord>) -> Self {
        AchievementItem {
            key: &placeholder.id,
            name: "",
            description: "",
            icon: "",
            color_from: "",
            color_to: "",
            category: placeholder.category.as_str(),
            points: 0.0,
            is_earned: earned.is_some(),
            earned_at: earned.map(|e| e.earned_at),
            progress: None,
            progress_value: None,
            target_value: None,
            is_secret: true,
            rarity: None,
        }
    }
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
    earned_at: Timestamp,
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
    earned_at: Timestamp,
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
    available_from: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    available_until: Option<Timestamp>,
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
    earned_at: Timestamp,
    progress_at_unlock: Int64,
    cause: Cause,
}

#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum BlockerOut {
    Inactive { message: String },
    NotYetAvailable { from: Timestamp, message: String },
    NoLongerAvailable { until: Timestamp, message: String },
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

    /// The DTOs' field names are the promise made by the TypeScript types.
    #[test]
    fn achievement_item_has_the_plan_field_names() {
        let engine = Engine::from_json(achievements_core::SHIPPED_CATALOG_JSON).map(|(e, _)| e);
        let Ok(engine) = engine else { panic!("shipped catalog loads") };
        let state = engine.new_state(jiff::tz::TimeZone::UTC);
        let def = &engine.catalog().achievements[0];
        let progress = engine.progress_at(&state, 0, Timestamp::UNIX_EPOCH);
        let json = serde_json::to_value(AchievementItem::definition(def, progress, None)).unwrap_or_default();
        let mut keys: Vec<&str> = json.as_object().map(|o| o.keys().map(String::as_str).collect()).unwrap_or_default();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "category",
                "colorFrom",
                "colorTo",
                "description",
                "icon",
                "isEarned",
                "isSecret",
                "key",
                "name",
                "points",
                "progress",
                "progressValue",
                "rarity",
                "targetValue"
            ]
        );
    }

    #[test]
    fn int64_is_a_number_in_the_safe_range_and_wider_beyond() {
        let json = |v| serde_json::to_string(&Int64(v)).unwrap_or_default();
        assert_eq!(json(MAX_SAFE), "9007199254740991");
        assert_eq!(json(-MAX_SAFE), "-9007199254740991");
        assert_eq!(json(i64::MAX), "9223372036854775807");
    }
}
