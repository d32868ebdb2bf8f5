//! Error paths as JS sees them, run in Node by `wasm-pack test --node wasm`:
//! each failure is a JS `Error` with the core's message, a `name` and a
//! stable `code`. (Not `run_in_browser`: `wasm-pack test --node` would skip it.)
#![cfg(target_arch = "wasm32")]

use achievements_wasm::{AchievementEngine, validate_catalog};
use js_sys::{Array, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

const SHIPPED: &str = include_str!("../../fixtures/achievements.json");

fn json(text: &str) -> JsValue {
    js_sys::JSON::parse(text).unwrap_or_else(|e| panic!("test JSON {text}: {e:?}"))
}

fn engine() -> AchievementEngine {
    AchievementEngine::new(JsValue::from_str(SHIPPED)).unwrap_or_else(|e| panic!("shipped catalog: {e:?}"))
}

/// The thrown value as `(name, code, message)`, checking it is an `Error`.
fn thrown<T: std::fmt::Debug>(result: Result<T, JsValue>) -> (String, String, String) {
    let error = match result {
        Ok(value) => panic!("expected an error, got {value:?}"),
        Err(e) => e,
    };
    let error: js_sys::Error = error.dyn_into().unwrap_or_else(|v| panic!("not an Error: {v:?}"));
    let code = Reflect::get(&error, &"code".into()).ok().and_then(|c| c.as_string()).unwrap_or_default();
    (String::from(error.name()), code, String::from(error.message()))
}

fn prop(value: &JsValue, key: &str) -> JsValue {
    Reflect::get(value, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

#[wasm_bindgen_test]
fn a_catalog_with_a_syntax_error_is_a_catalog_error_located_by_line_and_column() {
    let (name, code, message) = thrown(AchievementEngine::new("{\"version\": 1,\n  \"events\" {}}".into()));
    assert_eq!((name.as_str(), code.as_str()), ("CatalogError", "invalid_catalog"));
    assert!(message.contains("line 2, column 12: invalid JSON"), "{message}");
}

#[wasm_bindgen_test]
fn an_invalid_catalog_lists_every_located_error_in_message_and_errors() {
    let text = include_str!("../../fixtures/invalid/many-errors.json");
    let expected = include_str!("../../fixtures/invalid/many-errors.expected");
    let error = AchievementEngine::new(text.into()).map(|_| ()).expect_err("invalid catalog");
    let (name, _, message) = thrown::<()>(Err(error.clone()));
    assert_eq!(name, "CatalogError");
    let errors: Array = prop(&error, "errors").dyn_into().unwrap_or_default();
    let expected_errors: Vec<&str> = expected.lines().filter(|l| !l.starts_with("warning: ")).collect();
    assert_eq!(errors.length() as usize, expected_errors.len());
    for (i, line) in expected_errors.iter().enumerate() {
        let e = errors.get(i as u32);
        let located = format!(
            "{}: {}",
            prop(&e, "path").as_string().unwrap_or_default(),
            prop(&e, "message").as_string().unwrap_or_default()
        );
        assert_eq!(located, *line);
        assert!(message.contains(line), "message lacks `{line}`:\n{message}");
    }
}

#[wasm_bindgen_test]
fn a_catalog_object_is_validated_like_its_text() {
    let bad = json(r#"{"version": 2, "events": {}, "achievements": []}"#);
    let (name, _, message) = thrown(AchievementEngine::new(bad.clone()));
    assert_eq!(name, "CatalogError");
    assert!(message.contains("version: unsupported version 2"), "{message}");
    let result =
        validate_catalog(bad).unwrap_or_else(|e| panic!("validateCatalog throws only for non-catalogs: {e:?}"));
    assert_eq!(prop(&result, "valid").as_bool(), Some(false));
}

#[wasm_bindgen_test]
fn a_value_that_is_no_catalog_is_an_input_error() {
    let (name, code, message) = thrown(AchievementEngine::new(JsValue::from_f64(3.0)));
    assert_eq!((name.as_str(), code.as_str()), ("InputError", "invalid_argument"));
    assert!(message.starts_with("catalog: "), "{message}");
}

#[wasm_bindgen_test]
fn a_negative_add_is_refused_with_the_cores_message() {
    let event = json(r#"{"type": "project_created", "value": -2, "at": "2026-03-01T10:00:00Z"}"#);
    let (name, code, message) = thrown(engine().apply(JsValue::UNDEFINED, event.clone()));
    assert_eq!((name.as_str(), code.as_str()), ("EventError", "negative_value"));
    assert_eq!(message, "value must not be negative for `add` field `project_count`, got -2");
    // The preview refuses it the same way.
    assert_eq!(thrown(engine().preview(JsValue::UNDEFINED, event)).2, message);
}

#[wasm_bindgen_test]
fn an_unknown_event_type_is_refused() {
    let event = json(r#"{"type": "project_deleted", "at": "2026-03-01T10:00:00Z"}"#);
    let (name, code, message) = thrown(engine().apply(JsValue::UNDEFINED, event));
    assert_eq!((name.as_str(), code.as_str()), ("EventError", "unknown_event_type"));
    assert_eq!(message, "unknown event type `project_deleted`");
}

#[wasm_bindgen_test]
fn an_overflowing_add_is_refused() {
    let state = json(r#"{"stats": {"project_count": 9007199254740991}}"#);
    let event = js_sys::Object::new();
    Reflect::set(&event, &"type".into(), &"project_created".into()).ok();
    Reflect::set(&event, &"value".into(), &JsValue::from(i64::MAX)).ok();
    Reflect::set(&event, &"at".into(), &"2026-03-01T10:00:00Z".into()).ok();
    let (name, code, message) = thrown(engine().apply(state, event.into()));
    assert_eq!((name.as_str(), code.as_str()), ("EventError", "overflow"));
    assert!(message.contains("would overflow a 64-bit integer"), "{message}");
}

#[wasm_bindgen_test]
fn a_max_event_without_value_is_refused() {
    let event = json(r#"{"type": "stars_received", "at": "2026-03-01T10:00:00Z"}"#);
    let (name, code, message) = thrown(engine().apply(JsValue::UNDEFINED, event));
    assert_eq!((name.as_str(), code.as_str()), ("EventError", "missing_value"));
    assert_eq!(message, "`star_count` is a `max` field, so the event needs an explicit value");
}

#[wasm_bindgen_test]
fn a_malformed_event_is_an_input_error_naming_the_argument() {
    let cases = [
        (r#"{"type": "login", "at": "yesterday"}"#, "event.at: `yesterday` is not an RFC 3339 instant"),
        (
            r#"{"type": "login", "value": 1.5, "at": "2026-03-01T10:00:00Z"}"#,
            "event.value: expected an integer, got a number with a fraction",
        ),
        (
            r#"{"type": "login", "value": 9007199254740993, "at": "2026-03-01T10:00:00Z"}"#,
            "event.value: beyond 2^53 as a number; pass it as a bigint",
        ),
        (
            r#"{"type": "login", "when": "2026-03-01T10:00:00Z"}"#,
            "event: unknown field `when` (expected one of: type, value, at)",
        ),
        (r#"{"at": "2026-03-01T10:00:00Z"}"#, "event: missing field `type`"),
        (r#"{"type": 3, "at": "2026-03-01T10:00:00Z"}"#, "event.type: expected a string, got a number"),
        (r#"{"type": "login"}"#, "event.at: expected RFC 3339 text or a valid Date"),
    ];
    for (event, start) in cases {
        let (name, code, message) = thrown(engine().preview(JsValue::UNDEFINED, json(event)));
        assert_eq!((name.as_str(), code.as_str()), ("InputError", "invalid_argument"), "{event}");
        assert!(message.starts_with(start), "{event}: {message}");
    }
}

#[wasm_bindgen_test]
fn a_zone_without_a_table_is_a_state_error_saying_how_to_give_it() {
    let (name, code, message) =
        thrown(engine().achievements(json(r#"{"timezone": "Mars/Olympus"}"#), "2026-03-01T10:00:00Z".into()));
    assert_eq!((name.as_str(), code.as_str()), ("StateError", "unknown_time_zone"));
    assert!(message.starts_with("unknown time zone `Mars/Olympus`: give the engine its table first"), "{message}");
    assert_eq!(thrown(engine().new_state(Some("Nowhere".into()))).1, "unknown_time_zone");
}

#[wasm_bindgen_test]
fn a_malformed_state_is_an_input_error_located_by_its_path() {
    let cases = [
        (r#"{"stats": {"project_count": "3"}}"#, "state.stats.project_count: expected an integer, got a string"),
        (r#"{"stats": [1]}"#, "state.stats: expected an object, got an array"),
        (
            r#"{"streak_days": {"current_streak": [["2026-02-30", "2026-03-01"]]}}"#,
            "state.streak_days.current_streak[0][0]: `2026-02-30` is not a date",
        ),
        (
            r#"{"streak_days": {"current_streak": [["2026-03-01"]]}}"#,
            "state.streak_days.current_streak[0]: expected a pair",
        ),
        (
            r#"{"earned": {"first_login": {"earned_at": "soon", "progress_at_unlock": 1, "cause": "event"}}}"#,
            "state.earned.first_login.earned_at: `soon` is not an RFC 3339 instant",
        ),
        (
            r#"{"earned": {"first_login": {"earned_at": "2026-03-01T10:00:00Z", "progress_at_unlock": 1, "cause": "luck"}}}"#,
            "state.earned.first_login.cause: unknown cause `luck` (expected one of: event, points, prerequisite, evaluation, granted)",
        ),
        (
            r#"{"earned": {"first_login": {"earned_at": "2026-03-01T10:00:00Z", "cause": "event"}}}"#,
            "state.earned.first_login: missing field `progress_at_unlock`",
        ),
        (
            r#"{"counters": {}}"#,
            "state: unknown field `counters` (expected one of: timezone, stats, streak_days, earned)",
        ),
        (
            r#"{"earned": {"first_login": {"earned_at": "2026-03-01T10:00:00Z", "progress_at_unlock": 1, "cause": "event", "seen": true}}}"#,
            "state.earned.first_login: unknown field `seen`",
        ),
        (r#"{"timezone": 1}"#, "state.timezone: expected a string, got a number"),
    ];
    for (state, start) in cases {
        let (name, _, message) = thrown(engine().normalize_state(json(state)));
        assert_eq!(name, "InputError", "{state}");
        assert!(message.starts_with(start), "{state}: {message}");
    }
}

/// What serde-wasm-bindgen would read as something else (any iterable as a
/// map, a struct by looking up its names only) is refused where it is.
#[wasm_bindgen_test]
fn a_part_of_the_wrong_kind_is_refused_where_it_is() {
    let states = [
        (r#"[]"#, "state: expected an object"),
        (r#"{"earned": {"first_login": true}}"#, "state.earned.first_login: expected an object, got a boolean"),
        (r#"{"earned": {"first_login": "yes"}}"#, "state.earned.first_login: expected an object, got a string"),
        (r#"{"earned": {"first_login": [1, 2]}}"#, "state.earned.first_login: expected an object, got an array"),
        (r#"{"stats": "abc"}"#, "state.stats: expected an object, got a string"),
        (
            r#"{"streak_days": {"current_streak": [["2026-03-01", "2026-03-02", "2026-03-03"]]}}"#,
            "state.streak_days.current_streak[0]: expected a pair of dates, got 3 items",
        ),
        (r#"{"stats": {"a": 1, "b": {"x": 1}}}"#, "state.stats.b: expected an integer, got an object"),
        (r#"{"stats": {"a": 9007199254740993}}"#, "state.stats.a: beyond 2^53 as a number; pass it as a bigint"),
    ];
    for (state, expected) in states {
        let (name, code, message) = thrown(engine().normalize_state(json(state)));
        assert_eq!((name.as_str(), code.as_str()), ("InputError", "invalid_argument"), "{state}");
        assert_eq!(message, expected, "{state}");
    }
    let events = [
        (json(r#""login""#), "event: expected an object"),
        (json(r#"{"type": "login", "at": null}"#), "event.at: expected RFC 3339 text or a valid Date"),
        (json(r#"{"type": ["login"], "at": "2026-03-01T10:00:00Z"}"#), "event.type: expected a string, got an array"),
    ];
    for (event, expected) in events {
        assert_eq!(thrown(engine().preview(JsValue::NULL, event)).2, expected);
    }
    let table = json(r#"{"name": "X", "offset": 0, "transitions": [[0, 3600], [60]]}"#);
    assert!(thrown(engine().add_time_zone(table)).2.starts_with("table.transitions[1]: expected "));
}

/// A 64-bit integer crosses exactly as a bigint, in both directions.
#[wasm_bindgen_test]
fn a_bigint_counter_is_read_and_written_exactly() {
    let state = js_sys::Object::new();
    let stats = js_sys::Object::new();
    Reflect::set(&stats, &"points".into(), &JsValue::from(i64::MAX - 1)).ok();
    Reflect::set(&state, &"stats".into(), &stats).ok();
    let normalized = engine().normalize_state(state.into()).unwrap_or_else(|e| panic!("a bigint counter: {e:?}"));
    let points = prop(&prop(&normalized, "stats"), "points");
    assert_eq!(i64::try_from(points).ok(), Some(i64::MAX - 1));
}

#[wasm_bindgen_test]
fn an_unknown_key_is_an_input_error() {
    let now = JsValue::from_str("2026-03-01T10:00:00Z");
    for result in [
        engine().explain(JsValue::NULL, "no_such_badge", now.clone()),
        engine().progress(JsValue::NULL, "no_such_badge", now.clone()),
    ] {
        let (name, code, message) = thrown(result);
        assert_eq!((name.as_str(), code.as_str()), ("InputError", "unknown_achievement"));
        assert_eq!(message, "unknown achievement `no_such_badge`");
    }
    assert_eq!(thrown(engine().describe_criteria("no_such_badge")).1, "unknown_achievement");
}

#[wasm_bindgen_test]
fn a_bad_now_is_an_input_error() {
    let (name, _, message) = thrown(engine().achievements(JsValue::NULL, JsValue::from_f64(0.0)));
    assert_eq!(name, "InputError");
    assert!(message.starts_with("now: expected RFC 3339 text"), "{message}");
    let invalid_date = js_sys::Date::new(&JsValue::from_str("not a date"));
    assert_eq!(thrown(engine().evaluate(JsValue::NULL, invalid_date.into())).2, "at: invalid Date");
}

#[wasm_bindgen_test]
fn a_zone_table_makes_its_zone_known_and_a_bad_one_is_refused() {
    let engine = engine();
    let table = json(r#"{"name": "Test/Zone", "offset": 3600, "transitions": [[1772953200, 7200]]}"#);
    engine.add_time_zone(table).unwrap_or_else(|e| panic!("valid table: {e:?}"));
    let state = engine.new_state(Some("Test/Zone".into())).unwrap_or_else(|e| panic!("known zone: {e:?}"));
    assert_eq!(prop(&state, "timezone").as_string().as_deref(), Some("Test/Zone"));

    let (name, code, message) =
        thrown(engine.add_time_zone(json(r#"{"name": "Bad", "offset": 90000, "transitions": []}"#)));
    assert_eq!((name.as_str(), code.as_str()), ("InputError", "invalid_argument"));
    assert_eq!(message, "table: time zone `Bad`: offsets must be within ±24 hours");
    assert!(thrown(engine.add_time_zone(json(r#"{"offset": 0}"#))).2.starts_with("table: missing field `name`"));
}
