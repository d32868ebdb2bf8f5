//! Arguments in: JS objects (states, events, zone tables) → core types.
//!
//! An argument object crosses the boundary once, as JSON text written by
//! `toJson` in `js/interop.js` (bigints as `{"$bigint": "digits"}`); that is
//! several times faster than reading a state with hundreds of earned badges
//! field by field. The core's own JSON parser (`achievements_core::json`,
//! the one that reads catalogs) turns the text into a tree that borrows its
//! strings and keeps objects as lists, which is then read by hand, like the
//! core reads its files: unknown fields are refused and every message names
//! its path (`state.stats.project_count: expected an integer, got a
//! string`). No serde deserializer is linked: reading through
//! serde-wasm-bindgen into the derived shapes, with paths for the messages,
//! measured over the module's size budget (BENCHMARKS.md; ARCHITECTURE.md,
//! "The WebAssembly boundary").

use super::MAX_SAFE;
use crate::error::ApiError;
use achievements_core::json::{self, Json};
use achievements_core::state::DateRange;
use achievements_core::{
    Cause, Date, EarnedRecord, Engine, Instant, StateError, StateSnapshot, TimeZone, UserState, ZoneTable,
};
use std::borrow::Cow;
use wasm_bindgen::JsValue;
use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen(module = "/js/interop.js")]
extern "C" {
    #[wasm_bindgen(js_name = toJson, catch)]
    fn to_json(value: &JsValue) -> Result<String, JsValue>;
}

/// An argument object as JSON text (see the module docs).
fn json_text(what: &str, value: &JsValue) -> Result<String, ApiError> {
    if !value.is_object() {
        return Err(ApiError::input(what, "expected an object"));
    }
    to_json(value).map_err(|_| ApiError::input(what, "cannot be read (a cycle?)"))
}

/// JSON text made by `toJson` → a value (a syntax error cannot happen).
fn parse<'t>(what: &str, text: &'t str) -> Result<Json<'t>, ApiError> {
    json::parse(text).map_err(|_| ApiError::input(what, "cannot be read as JSON"))
}

/// An object's fields, in order.
type Fields<'a> = Vec<(Cow<'a, str>, Json<'a>)>;

// ----- reading values, with paths --------------------------------------------

fn type_name(value: &Json<'_>) -> &'static str {
    match value {
        Json::Number(_) => "a number",
        other => other.type_name(),
    }
}

/// An object with only `allowed` fields.
fn object<'v, 'a>(value: &'v Json<'a>, path: &str, allowed: &[&str]) -> Result<&'v Fields<'a>, ApiError> {
    let fields = any_object(value, path)?;
    if let Some((key, _)) = fields.iter().find(|(k, _)| !allowed.contains(&k.as_ref())) {
        return Err(ApiError::input(path, format!("unknown field `{key}` (expected one of: {})", allowed.join(", "))));
    }
    Ok(fields)
}

/// An object whose keys are data (fields, achievement keys), not a schema.
fn any_object<'v, 'a>(value: &'v Json<'a>, path: &str) -> Result<&'v Fields<'a>, ApiError> {
    match value {
        Json::Object(fields) => Ok(fields),
        other => Err(ApiError::input(path, format!("expected an object, got {}", type_name(other)))),
    }
}

/// A field that may be absent or null.
fn optional<'v, 'a>(fields: &'v Fields<'a>, field: &str) -> Option<&'v Json<'a>> {
    fields.iter().find(|(k, v)| k == field && !matches!(v, Json::Null)).map(|(_, v)| v)
}

fn required<'v, 'a>(fields: &'v Fields<'a>, path: &str, field: &str) -> Result<&'v Json<'a>, ApiError> {
    optional(fields, field).ok_or_else(|| ApiError::input(path, format!("missing field `{field}`")))
}

fn string<'v>(value: &'v Json<'_>, path: &str) -> Result<&'v str, ApiError> {
    match value {
        Json::String(s) => Ok(s),
        other => Err(ApiError::input(path, format!("expected a string, got {}", type_name(other)))),
    }
}

/// A 64-bit integer: a number that is a safe integer, or a bigint. A number
/// beyond 2^53 may already have been rounded, so it is refused.
fn int(value: &Json<'_>, path: &str) -> Result<i64, ApiError> {
    match value {
        Json::Number(n) => match n.as_i64() {
            Some(v) if (-MAX_SAFE..=MAX_SAFE).contains(&v) => Ok(v),
            _ if n.is_integer() => Err(ApiError::input(path, "beyond 2^53 as a number; pass it as a bigint")),
            _ => Err(ApiError::input(path, "expected an integer, got a number with a fraction")),
        },
        Json::Object(fields) => match fields.as_slice() {
            [(tag, Json::String(digits))] if tag == "$bigint" => {
                digits.parse().map_err(|_| ApiError::input(path, format!("bigint {digits} does not fit in 64 bits")))
            }
            _ => Err(ApiError::input(path, "expected an integer, got an object")),
        },
        other => Err(ApiError::input(path, format!("expected an integer, got {}", type_name(other)))),
    }
}

fn array<'v, 'a>(value: &'v Json<'a>, path: &str) -> Result<&'v [Json<'a>], ApiError> {
    match value {
        Json::Array(items) => Ok(items),
        other => Err(ApiError::input(path, format!("expected an array, got {}", type_name(other)))),
    }
}

/// A `[a, b]` pair.
fn pair<'v, 'a>(value: &'v Json<'a>, path: &str) -> Result<(&'v Json<'a>, &'v Json<'a>), ApiError> {
    match array(value, path)? {
        [a, b] => Ok((a, b)),
        items => Err(ApiError::input(path, format!("expected a pair, got {} items", items.len()))),
    }
}

// ----- states ----------------------------------------------------------------

const STATE_FIELDS: &[&str] = &["timezone", "stats", "streak_days", "earned"];
const EARNED_FIELDS: &[&str] = &["earned_at", "progress_at_unlock", "cause"];

/// A state argument as JSON text (`None` for `undefined`/`null`: a fresh
/// state in UTC). [`user_state`] turns the text into a state.
pub(crate) fn state_text(state: &JsValue) -> Result<Option<String>, ApiError> {
    if state.is_undefined() || state.is_null() { Ok(None) } else { json_text("state", state).map(Some) }
}

/// A user state from its `StateSnapshot` JSON text, laid out for `engine`.
/// Its time zone is one of `zones` (tables the caller handed in) or one the
/// core knows without a database (UTC, fixed offsets).
pub(crate) fn user_state(engine: &Engine, text: Option<&str>, zones: &[TimeZone]) -> Result<UserState, ApiError> {
    let snapshot = match text {
        None => StateSnapshot::default(),
        Some(text) => snapshot(&parse("state", text)?)?,
    };
    match zones.iter().find(|z| z.name() == snapshot.timezone) {
        Some(zone) => Ok(engine.state_from_snapshot_in(&snapshot, zone.clone())),
        None => engine.state_from_snapshot(&snapshot).map_err(zone_error),
    }
}

/// The core's `StateSnapshot` from its wire shape; every part optional.
/// Paths for messages are only formatted when something is wrong (a state
/// may hold hundreds of records, read on every call).
fn snapshot(value: &Json<'_>) -> Result<StateSnapshot, ApiError> {
    let map = object(value, "state", STATE_FIELDS)?;
    let mut snapshot = StateSnapshot::default();
    if let Some(tz) = optional(map, "timezone") {
        string(tz, "state.timezone")?.clone_into(&mut snapshot.timezone);
    }
    if let Some(stats) = optional(map, "stats") {
        for (field, value) in any_object(stats, "state.stats")? {
            let value = int(value, "").map_err(|e| e.at(format!("state.stats.{field}")))?;
            snapshot.stats.insert(field.to_string(), value);
        }
    }
    if let Some(days) = optional(map, "streak_days") {
        for (field, ranges) in any_object(days, "state.streak_days")? {
            let ranges = streak_ranges(ranges).map_err(|e| e.within(&format!("state.streak_days.{field}")))?;
            snapshot.streak_days.insert(field.to_string(), ranges);
        }
    }
    if let Some(earned) = optional(map, "earned") {
        for (key, record) in any_object(earned, "state.earned")? {
            let record = earned_record(record).map_err(|e| e.within(&format!("state.earned.{key}")))?;
            snapshot.earned.insert(key.to_string(), record);
        }
    }
    Ok(snapshot)
}

/// One streak field's ranges; paths relative to the field (`[0][1]`).
fn streak_ranges(value: &Json<'_>) -> Result<Vec<DateRange>, ApiError> {
    array(value, "")?
        .iter()
        .enumerate()
        .map(|(i, range)| {
            let (first, last) = pair(range, "").map_err(|e| e.at(format!("[{i}]")))?;
            let first = date(first, "").map_err(|e| e.at(format!("[{i}][0]")))?;
            let last = date(last, "").map_err(|e| e.at(format!("[{i}][1]")))?;
            Ok(DateRange(first, last))
        })
        .collect()
}

/// One earned record; paths relative to it (`.cause`).
fn earned_record(value: &Json<'_>) -> Result<EarnedRecord, ApiError> {
    let fields = object(value, "", EARNED_FIELDS)?;
    let earned_at = instant(required(fields, "", "earned_at")?, ".earned_at")?;
    let progress_at_unlock = int(required(fields, "", "progress_at_unlock")?, ".progress_at_unlock")?;
    let cause = cause(required(fields, "", "cause")?, ".cause")?;
    Ok(EarnedRecord { earned_at, progress_at_unlock, cause })
}

fn date(value: &Json<'_>, path: &str) -> Result<Date, ApiError> {
    Date::parse(string(value, path)?).map_err(|message| ApiError::input(path, message))
}

fn instant(value: &Json<'_>, path: &str) -> Result<Instant, ApiError> {
    Instant::parse(string(value, path)?).map_err(|message| ApiError::input(path, message))
}

fn cause(value: &Json<'_>, path: &str) -> Result<Cause, ApiError> {
    let text = string(value, path)?;
    Cause::parse(text).ok_or_else(|| {
        ApiError::input(path, format!("unknown cause `{text}` (expected one of: {})", Cause::expected_list()))
    })
}

// ----- time zones ------------------------------------------------------------

/// A time zone by name: a table handed in, or one the core knows.
pub(crate) fn time_zone(name: &str, zones: &[TimeZone]) -> Result<TimeZone, ApiError> {
    match zones.iter().find(|z| z.name() == name) {
        Some(zone) => Ok(zone.clone()),
        None => achievements_core::time_zone(name).map_err(zone_error),
    }
}

/// Without the database, an unknown zone most likely lacks its table.
fn zone_error(error: StateError) -> ApiError {
    match error {
        StateError::UnknownTimeZone(name) => ApiError::UnknownZone(name),
        other => ApiError::State(other),
    }
}

/// A zone table as JS passes it (`{name, offset, transitions}`, what the
/// server sends as `zone_table` in `me/`).
pub(crate) fn zone(table: &JsValue) -> Result<TimeZone, ApiError> {
    let text = json_text("table", table)?;
    let value = parse("table", &text)?;
    let map = object(&value, "table", &["name", "offset", "transitions"])?;
    let offset = |value: &Json<'_>, path: &str| {
        i32::try_from(int(value, path)?).map_err(|_| ApiError::input(path, "not an offset in seconds"))
    };
    let mut transitions = Vec::new();
    if let Some(list) = optional(map, "transitions") {
        for (i, item) in array(list, "table.transitions")?.iter().enumerate() {
            let path = format!("table.transitions[{i}]");
            let (at, to) = pair(item, &path)?;
            transitions.push((int(at, &format!("{path}[0]"))?, offset(to, &format!("{path}[1]"))?));
        }
    }
    let table = ZoneTable {
        name: string(required(map, "table", "name")?, "table.name")?.to_owned(),
        offset: offset(required(map, "table", "offset")?, "table.offset")?,
        transitions,
    };
    TimeZone::from_table(table).map_err(|message| ApiError::input("table", message))
}

// ----- events ----------------------------------------------------------------

/// A checked event, owning its type name (the core's `Event` borrows it).
#[derive(Debug)]
pub(crate) struct OwnedEvent {
    pub(crate) event_type: String,
    pub(crate) value: Option<i64>,
    pub(crate) at: Instant,
}

impl OwnedEvent {
    pub(crate) fn as_event(&self) -> achievements_core::Event<'_> {
        achievements_core::Event { event_type: &self.event_type, value: self.value, at: self.at }
    }
}

/// An event as JS passes it: `{type, value?, at}` (a `Date` for `at`
/// arrives as its ISO text; an invalid `Date` as null).
pub(crate) fn event(event: &JsValue) -> Result<OwnedEvent, ApiError> {
    let text = json_text("event", event)?;
    let value = parse("event", &text)?;
    let map = object(&value, "event", &["type", "value", "at"])?;
    let event_type = string(required(map, "event", "type")?, "event.type")?.to_owned();
    let value = optional(map, "value").map(|v| int(v, "event.value")).transpose()?;
    let at = optional(map, "at")
        .ok_or_else(|| ApiError::input("event.at", "expected RFC 3339 text or a valid Date"))
        .and_then(|at| instant(at, "event.at"))?;
    Ok(OwnedEvent { event_type, value, at })
}
