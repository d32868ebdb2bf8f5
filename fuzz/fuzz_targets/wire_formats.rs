//! The state and event wire formats, on any UTF-8 text.
//!
//! - A [`StateSnapshot`] (what the server stores and sends, read with
//!   serde_json): reading never panics; one that reads writes back to JSON
//!   that reads as the same snapshot; `Engine::state_from_snapshot` either
//!   refuses its time zone or gives a state whose snapshot keeps every
//!   earned record and every stat the catalog does not know, and is stable
//!   (snapshot → state → snapshot → state → snapshot gives the same second
//!   and third snapshots).
//! - Events as the server's intake reads them (`{"type", "value", "at"}`,
//!   `at` through `parse_instant`). The intake itself
//!   (`achievements_server::intake`) is private to the server binary's
//!   library and pulls in SQLite and axum, so it is not built here; what it
//!   calls in the core is: instants (`parse_instant` round-trips through its
//!   Display), and `Engine::apply` / `preview` on any type, value and
//!   instant, from any state: no panic, `preview` says what `apply` then
//!   does, and a refused event changes nothing.
//!
//! The text is either a bare snapshot, or `{"catalog": N, "state":
//! SNAPSHOT, "events": [EVENT, …]}` (every part optional) to run events on
//! a state; `N` picks a fixture catalog (the shipped one by default).

#![no_main]

use achievements_core::{Engine, Event, Instant, SHIPPED_CATALOG_JSON, StateError, StateSnapshot, UserState};
use achievements_core::{parse_instant, time_zone};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use std::sync::OnceLock;

const CATALOGS: &[&str] = &[
    SHIPPED_CATALOG_JSON,
    include_str!("../../fixtures/catalogs/winter-event.json"),
    include_str!("../../fixtures/scenarios/catalogs/inactive.json"),
    include_str!("../../fixtures/scenarios/catalogs/streak-threshold.json"),
];

fn engines() -> &'static [Engine] {
    static ENGINES: OnceLock<Vec<Engine>> = OnceLock::new();
    ENGINES.get_or_init(|| {
        CATALOGS.iter().map(|text| Engine::from_json(text).expect("a fixture catalog is valid").0).collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(snapshot) = serde_json::from_str::<StateSnapshot>(text) {
        for engine in engines() {
            check_snapshot(engine, &snapshot);
        }
        return;
    }
    let Ok(Value::Object(doc)) = serde_json::from_str::<Value>(text) else { return };
    let engine = doc
        .get("catalog")
        .and_then(Value::as_u64)
        .and_then(|n| engines().get(usize::try_from(n).ok()?))
        .unwrap_or(&engines()[0]);
    let snapshot = doc.get("state").and_then(|s| serde_json::from_value::<StateSnapshot>(s.clone()).ok());
    let mut state = match snapshot.as_ref().map(|s| check_snapshot(engine, s)) {
        Some(Some(state)) => state,
        _ => engine.new_state(achievements_core::TimeZone::utc()),
    };
    let events = doc.get("events").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    let mut last = None;
    for event in events {
        let Some((event_type, value, at)) = read_event(event) else { continue };
        apply(engine, &mut state, &Event { event_type, value, at });
        last = Some(at);
    }
    if let Some(at) = last {
        let unlocked = engine.evaluate(&mut state, at);
        let again = engine.evaluate(&mut state, at);
        assert!(again.is_empty(), "a second evaluation unlocked {again:?} (after {unlocked:?})");
        let _ = engine.progress_all(&state, at);
        for def in &engine.catalog().achievements {
            let _ = engine.explain(&state, &def.key, at);
        }
    }
    check_stable(engine, &engine.snapshot(&state));
});

/// `{"type", "value", "at"}` as the intake reads it; `None` when a part is
/// missing or of the wrong type (the intake refuses those itself).
fn read_event(event: &Value) -> Option<(&str, Option<i64>, Instant)> {
    let event_type = event.get("type")?.as_str()?;
    let value = match event.get("value") {
        None | Some(Value::Null) => None,
        Some(v) => Some(v.as_i64()?),
    };
    let at_text = event.get("at")?.as_str()?;
    let at = parse_instant(at_text).ok()?;
    let written = at.to_string();
    assert_eq!(parse_instant(&written), Ok(at), "`{at_text}` reads as {written}, which does not read back");
    Some((event_type, value, at))
}

/// Applies one event: `preview` foretells it, and a refusal changes nothing.
fn apply(engine: &Engine, state: &mut UserState, event: &Event<'_>) {
    let before = engine.snapshot(state);
    let preview = engine.preview(state, event);
    assert_eq!(engine.snapshot(state), before, "preview changed the state");
    let applied = engine.apply(state, event);
    assert_eq!(preview, applied, "preview and apply differ for {event:?}");
    if applied.is_err() {
        assert_eq!(engine.snapshot(state), before, "a refused event changed the state: {event:?}");
    }
}

/// A snapshot read from the wire: JSON round trip, then into a state.
fn check_snapshot(engine: &Engine, snapshot: &StateSnapshot) -> Option<UserState> {
    let json = serde_json::to_string(snapshot).expect("a snapshot serializes");
    let back: StateSnapshot =
        serde_json::from_str(&json).unwrap_or_else(|e| panic!("a snapshot's own JSON does not read: {e}\n{json}"));
    assert_eq!(&back, snapshot, "the JSON round trip changed the snapshot:\n{json}");

    let state = match engine.state_from_snapshot(snapshot) {
        Ok(state) => state,
        Err(StateError::UnknownTimeZone(name)) => {
            assert!(time_zone(&name).is_err());
            return None;
        }
        Err(e) => panic!("state_from_snapshot refused with {e:?}"),
    };
    let first = engine.snapshot(&state);
    assert_eq!(first.earned, snapshot.earned, "earned records changed");
    let known: Vec<&str> = engine.field_names().collect();
    for (field, value) in &snapshot.stats {
        if !known.contains(&field.as_str()) {
            assert_eq!(first.stats.get(field), Some(value), "the foreign stat `{field}` was lost");
        }
    }
    check_stable(engine, &first);
    Some(state)
}

/// A snapshot the engine wrote is a fixed point of snapshot → state → snapshot.
fn check_stable(engine: &Engine, snapshot: &StateSnapshot) {
    let state = engine.state_from_snapshot(snapshot).expect("the engine's own snapshot loads");
    assert_eq!(&engine.snapshot(&state), snapshot, "snapshot → state → snapshot is not stable");
}
