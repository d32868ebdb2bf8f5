//! Defects the coverage-guided fuzz targets (`fuzz/`, `scripts/fuzz.sh`)
//! found, each pinned by the smallest case that showed it.

use achievements_core::{Engine, Event, Instant, time_zone};

fn at(text: &str) -> Instant {
    text.parse().expect("a valid instant")
}

/// Found by the `engine` target: a streak field written by two event types,
/// only one of which names its `longest_field`. Days recorded by the other
/// one did not update the longest field live, but a state restored from its
/// snapshot (or recalculated from its log) derived it from every day, so
/// the live state and its own snapshot disagreed, and recalculating an
/// untouched state reported a difference. The longest field now belongs to
/// the streak field, whichever event records the day.
#[test]
fn a_longest_field_counts_days_recorded_by_every_event_type() {
    let catalog = r#"{
        "version": 1,
        "events": {
            "login": [{"field": "streak", "op": "streak", "longest_field": "longest"}],
            "visit": [{"field": "streak", "op": "streak"}]
        },
        "achievements": [{
            "key": "two_days", "name": "Two days", "description": "d", "icon": "faStar",
            "color_from": "blue-500", "color_to": "blue-600", "category": "streaks", "points": 0,
            "criteria_type": "threshold", "criteria_value": 2, "tracking_field": "longest",
            "requires_achievements": [], "is_secret": false, "rarity": "common", "order": 0, "is_active": true
        }]
    }"#;
    let (engine, _) = Engine::from_json(catalog).expect("a valid catalog");
    let mut state = engine.new_state(time_zone("UTC").expect("utc"));
    let log = [
        Event { event_type: "visit", value: None, at: at("2026-03-01T10:00:00Z") },
        Event { event_type: "visit", value: None, at: at("2026-03-02T10:00:00Z") },
    ];
    let first = engine.apply(&mut state, &log[0]).expect("applies");
    assert!(first.is_empty());
    let second = engine.apply(&mut state, &log[1]).expect("applies");
    assert_eq!(second.iter().map(|u| u.key.as_str()).collect::<Vec<_>>(), ["two_days"]);
    assert_eq!(engine.stat(&state, "longest"), 2);

    let snapshot = engine.snapshot(&state);
    let restored = engine.state_from_snapshot(&snapshot).expect("its own snapshot");
    assert_eq!(engine.snapshot(&restored), snapshot);
    let r = engine.recalculate(&state, log);
    assert!(r.differences.is_empty(), "{:?}", r.differences);
}
