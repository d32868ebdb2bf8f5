//! Arguments in: JS values → the derived wire shapes, through serde-wasm-bindgen.
//!
//! States are the core's `StateSnapshot`, zone tables its `ZoneTable`,
//! events this adapter's [`AchievementEvent`]: each read by
//! `serde_wasm_bindgen::Deserializer` into its serde derive
//! ([`super::strict::read`], which locates and words every mistake), with
//! no reader of our own.

use super::strict::read;
use crate::error::ApiError;
use achievements_core::{Engine, Instant, StateError, StateSnapshot, TimeZone, UserState, ZoneTable, int64};
use serde::Deserialize;
use serde::de::IgnoredAny;
use wasm_bindgen::JsValue;
use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen(module = "/js/interop.js")]
extern "C" {
    /// The state cache's key: the argument's content as JSON text.
    #[wasm_bindgen(js_name = toJson, catch)]
    fn to_json(value: &JsValue) -> Result<String, JsValue>;
}

// ----- the argument shapes ---------------------------------------------------

/// Something a user did, as JS passes it: `{type, value?, at}`. The JS
/// API's own shape: `at` may be a `Date`, which serde cannot see, so it is
/// read from the object by [`event`]; it is declared here so that
/// it is a known, required field and has its type.
#[derive(Debug, Deserialize, tsify::Tsify)]
#[serde(deny_unknown_fields)]
pub(crate) struct AchievementEvent {
    #[serde(rename = "type")]
    pub(crate) event_type: String,
    /// Defaults to 1 for `add` effects; `set` and `max` need it.
    #[serde(default, deserialize_with = "int64::deserialize_option")]
    #[tsify(optional, type = "Int64 | null")]
    pub(crate) value: Option<i64>,
    #[tsify(type = "Instant")]
    #[expect(dead_code, reason = "its value is read from the object by `event`")]
    at: IgnoredAny,
}

/// A state argument: `undefined`/`null` (a fresh state in UTC) or a
/// `StateSnapshot` object with any part left out, and its content as JSON
/// text, the key of the engine's state cache.
pub(crate) fn state_key(state: &JsValue) -> Result<Option<String>, ApiError> {
    if state.is_undefined() || state.is_null() {
        return Ok(None);
    }
    if !state.is_object() {
        return Err(ApiError::input("state", "expected an object"));
    }
    to_json(state).map(Some).map_err(|_| ApiError::input("state", "cannot be read (a cycle?)"))
}

/// A user state from a state argument ([`state_key`] said it is one),
/// laid out for `engine`. Its time zone is one of `zones` (tables the
/// caller handed in) or one the core knows without a database (UTC, fixed
/// offsets).
pub(crate) fn user_state(engine: &Engine, state: &JsValue, zones: &[TimeZone]) -> Result<UserState, ApiError> {
    let snapshot: StateSnapshot =
        if state.is_undefined() || state.is_null() { StateSnapshot::default() } else { read("state", state)? };
    match zones.iter().find(|z| z.name() == snapshot.timezone) {
        Some(zone) => Ok(engine.state_from_snapshot_in(&snapshot, zone.clone())),
        None => engine.state_from_snapshot(&snapshot).map_err(zone_error),
    }
}

/// An event argument, checked, and its time.
pub(crate) fn event(event: &JsValue) -> Result<(AchievementEvent, Instant), ApiError> {
    let no_time = || ApiError::input("event.at", "expected RFC 3339 text or a valid Date");
    // `at` is required in the derive (so its TypeScript type says so), and
    // serde reports it missing only after any unknown field; a missing time
    // is then worded as the API words a bad one.
    let input = read("event", event).map_err(|e| match e {
        ApiError::Input { message, .. } if message == "missing field `at`" => no_time(),
        other => other,
    })?;
    let at = js_sys::Reflect::get(event, &JsValue::from_str("at")).unwrap_or(JsValue::UNDEFINED);
    if at.is_undefined() || at.is_null() {
        return Err(no_time());
    }
    Ok((input, super::instant("event.at", &at)?))
}

/// A zone table as JS passes it (`{name, offset, transitions}`, what the
/// server sends as `zone_table` in `me/`).
pub(crate) fn zone(table: &JsValue) -> Result<TimeZone, ApiError> {
    let table: ZoneTable = read("table", table)?;
    TimeZone::from_table(table).map_err(|message| ApiError::input("table", message))
}

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
