//! Rule-by-rule tests through the public API, on a small catalog written
//! here so each rule's inputs are visible next to its assertions.
#![allow(clippy::unwrap_used)]

use achievements_core::Instant as Timestamp;
use achievements_core::{
    Blocker, Cause, Definition, Engine, Event, EventError, StateError, StateSnapshot, UserState, ValidCatalog,
    load_catalog, time_zone,
};

const CATALOG: &str = r#"{
  "version": 1,
  "points_field": "points",
  "events": {
    "made": [{"field": "made", "op": "add"}],
    "gift": [{"field": "points", "op": "add"}],
    "level": [{"field": "level", "op": "set"}],
    "stars": [{"field": "stars", "op": "max"}],
    "visit": [{"field": "visits", "op": "add"}, {"field": "streak", "op": "streak", "longest_field": "best"}]
  },
  "achievements": [
    {"key": "made_1", "name": "M1", "description": "d", "icon": "faStar", "color_from": "blue-500", "color_to": "blue-600",
     "category": "projects", "points": 60, "criteria_type": "first_time", "criteria_value": 1, "tracking_field": "made"},
    {"key": "points_100", "name": "P100", "description": "d", "icon": "faStar", "color_from": "blue-500", "color_to": "blue-600",
     "category": "milestones", "points": 5, "criteria_type": "cumulative", "criteria_value": 100, "tracking_field": "points"},
    {"key": "made_2", "name": "M2", "description": "d", "icon": "faStar", "color_from": "blue-500", "color_to": "blue-600",
     "category": "projects", "points": 50, "criteria_type": "count", "criteria_value": 2, "tracking_field": "made"},
    {"key": "after_both", "name": "AB", "description": "d", "icon": "faStar", "color_from": "blue-500", "color_to": "blue-600",
     "category": "projects", "points": 0, "criteria_type": "count", "criteria_value": 1, "tracking_field": "made",
     "requires_achievements": ["made_2", "points_100"]},
    {"key": "streak_3", "name": "S3", "description": "d", "icon": "faFire", "color_from": "red-500", "color_to": "red-600",
     "category": "streaks", "points": 0, "criteria_type": "streak", "criteria_value": 3, "tracking_field": "streak"},
    {"key": "hidden", "name": "Hidden gem", "description": "secret words", "icon": "faGem", "color_from": "purple-500",
     "color_to": "purple-600", "category": "engagement", "points": 0, "criteria_type": "threshold", "criteria_value": 5,
     "tracking_field": "stars", "is_secret": true},
    {"key": "after_hidden", "name": "AH", "description": "d", "icon": "faStar", "color_from": "blue-500", "color_to": "blue-600",
     "category": "engagement", "points": 0, "criteria_type": "threshold", "criteria_value": 1, "tracking_field": "level",
     "requires_achievements": ["hidden"]},
    {"key": "winter", "name": "W", "description": "d", "icon": "faSnowflake", "color_from": "sky-400", "color_to": "sky-600",
     "category": "engagement", "points": 0, "criteria_type": "count", "criteria_value": 1, "tracking_field": "visits",
     "available_from": "2026-12-01T00:00:00Z", "available_until": "2027-01-01T00:00:00Z"}
  ]
}"#;

fn engine() -> Engine {
    Engine::from_json(CATALOG).unwrap().0
}

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn ev<'a>(event_type: &'a str, value: Option<i64>, when: &str) -> Event<'a> {
    Event { event_type, value, at: at(when) }
}

fn keys(unlocks: &[achievements_core::Unlock]) -> Vec<&str> {
    unlocks.iter().map(|u| u.key.as_str()).collect()
}

fn utc(engine: &Engine) -> UserState {
    engine.new_state(time_zone("UTC").unwrap())
}

#[test]
fn cascades_run_in_rounds_with_causes_and_catalog_order_ties() {
    let e = engine();
    let mut s = utc(&e);
    let first = e.apply(&mut s, &ev("made", None, "2026-03-01T10:00:00Z")).unwrap();
    assert_eq!(keys(&first), ["made_1"]);
    assert_eq!(e.stat(&s, "points"), 60);

    // made_2 (+50) → points 110 → points_100 (round 2) → after_both (round 3).
    let second = e.apply(&mut s, &ev("made", None, "2026-03-02T10:00:00Z")).unwrap();
    assert_eq!(keys(&second), ["made_2", "points_100", "after_both"]);
    let causes: Vec<Cause> = second.iter().map(|u| u.record.cause).collect();
    assert_eq!(causes, [Cause::Event, Cause::Points, Cause::Event]);
    assert_eq!(second[1].record.progress_at_unlock, 110, "value when its round began");
    assert!(second.iter().all(|u| u.record.earned_at == at("2026-03-02T10:00:00Z")), "earned_at is the event's time");
    assert_eq!(e.stat(&s, "points"), 115);
}

#[test]
fn a_prerequisite_unlock_is_caused_by_the_prerequisite() {
    let e = engine();
    let mut s = utc(&e);
    e.set_stat(&mut s, "level", 3).unwrap(); // after_hidden's value already met
    let unlocks = e.apply(&mut s, &ev("stars", Some(5), "2026-03-01T10:00:00Z")).unwrap();
    assert_eq!(keys(&unlocks), ["hidden", "after_hidden"]);
    assert_eq!(unlocks[1].record.cause, Cause::Prerequisite);
}

#[test]
fn every_step_checks_every_unearned_achievement() {
    let e = engine();
    let mut s = utc(&e);
    e.set_stat(&mut s, "made", 2).unwrap();
    assert!(e.progress(&s, "made_2", at("2026-03-01T00:00:00Z")).unwrap().percent == 100, "met, but not yet earned");
    // An unrelated event unlocks them, with cause prerequisite (not their field).
    let unlocks = e.apply(&mut s, &ev("stars", Some(1), "2026-03-01T10:00:00Z")).unwrap();
    assert_eq!(keys(&unlocks), ["made_1", "made_2", "points_100", "after_both"]);
    assert_eq!(unlocks[0].record.cause, Cause::Prerequisite);
}

#[test]
fn evaluation_awards_retroactively_once() {
    let e = engine();
    let mut s = utc(&e);
    e.set_stat(&mut s, "made", 1).unwrap();
    let first = e.evaluate(&mut s, at("2026-03-01T00:00:00Z"));
    assert_eq!(keys(&first), ["made_1"]);
    assert!(first.iter().all(|u| u.record.cause == Cause::Evaluation));
    assert!(e.evaluate(&mut s, at("2026-03-02T00:00:00Z")).is_empty(), "running it twice changes nothing");
}

#[test]
fn refused_events_change_nothing() {
    let e = engine();
    let mut s = utc(&e);
    e.apply(&mut s, &ev("visit", None, "2026-03-01T10:00:00Z")).unwrap();
    let before = e.snapshot(&s);
    let cases = [
        (ev("visit", Some(-1), "2026-03-02T10:00:00Z"), "negative_value"),
        (ev("nope", None, "2026-03-02T10:00:00Z"), "unknown_event_type"),
        (ev("level", None, "2026-03-02T10:00:00Z"), "missing_value"),
        (ev("stars", None, "2026-03-02T10:00:00Z"), "missing_value"),
    ];
    for (event, code) in cases {
        let err = e.apply(&mut s, &event).unwrap_err();
        assert_eq!(err.code(), code, "{err}");
        assert_eq!(e.snapshot(&s), before, "{code}: the streak day of a refused visit is not recorded either");
    }
    e.set_stat(&mut s, "made", i64::MAX - 1).unwrap();
    let err = e.apply(&mut s, &ev("made", Some(2), "2026-03-02T10:00:00Z")).unwrap_err();
    assert!(matches!(err, EventError::Overflow { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        format!("adding 2 to `made` (currently {}) would overflow a 64-bit integer", i64::MAX - 1)
    );
}

#[test]
fn gauges_set_and_max() {
    let e = engine();
    let mut s = utc(&e);
    e.apply(&mut s, &ev("level", Some(7), "2026-03-01T10:00:00Z")).unwrap();
    e.apply(&mut s, &ev("level", Some(-2), "2026-03-01T11:00:00Z")).unwrap();
    assert_eq!(e.stat(&s, "level"), -2, "set may go down");
    e.apply(&mut s, &ev("stars", Some(4), "2026-03-01T10:00:00Z")).unwrap();
    e.apply(&mut s, &ev("stars", Some(2), "2026-03-01T11:00:00Z")).unwrap();
    assert_eq!(e.stat(&s, "stars"), 4, "max keeps the highest");
}

#[test]
fn preview_reports_without_changing() {
    let e = engine();
    let mut s = utc(&e);
    e.apply(&mut s, &ev("made", None, "2026-03-01T10:00:00Z")).unwrap();
    let before = e.snapshot(&s);
    let preview = e.preview(&s, &ev("made", None, "2026-03-02T10:00:00Z")).unwrap();
    assert_eq!(e.snapshot(&s), before);
    assert_eq!(keys(&preview), ["made_2", "points_100", "after_both"]);
    assert_eq!(preview, e.apply(&mut s, &ev("made", None, "2026-03-02T10:00:00Z")).unwrap());
}

#[test]
fn windows_include_the_start_and_exclude_the_end() {
    let e = engine();
    for (when, unlocks) in [
        ("2026-11-30T23:59:59Z", false),
        ("2026-12-01T00:00:00Z", true),
        ("2026-12-31T23:59:59Z", true),
        ("2027-01-01T00:00:00Z", false),
    ] {
        let mut s = utc(&e);
        let got = e.apply(&mut s, &ev("visit", None, when)).unwrap();
        assert_eq!(keys(&got).contains(&"winter"), unlocks, "{when}");
    }
}

#[test]
fn streak_badges_read_the_longest_run_and_progress_reads_today() {
    let e = engine();
    let mut s = e.new_state(time_zone("America/New_York").unwrap());
    // Local days 1, 2, 4 (03:00Z on the 3rd is still the 2nd in New York), then 3 arrives late.
    for when in ["2026-03-01T15:00:00Z", "2026-03-03T03:00:00Z", "2026-03-04T15:00:00Z"] {
        assert!(e.apply(&mut s, &ev("visit", None, when)).unwrap().is_empty());
    }
    assert_eq!((e.stat(&s, "streak"), e.stat(&s, "best")), (1, 2));
    let late = e.apply(&mut s, &ev("visit", None, "2026-03-03T15:00:00Z")).unwrap();
    assert_eq!(keys(&late), ["streak_3"]);
    assert_eq!(late[0].record.progress_at_unlock, 4);
    assert_eq!((e.stat(&s, "streak"), e.stat(&s, "best")), (4, 4));
    assert_eq!(e.streak_as_of(&s, "streak", at("2026-03-05T12:00:00Z")), Some(4), "the day after still counts");
    assert_eq!(e.streak_as_of(&s, "streak", at("2026-03-06T12:00:00Z")), Some(0), "a whole day without activity");
    assert_eq!(e.longest_streak(&s, "streak"), Some(4));
    assert_eq!(e.longest_streak(&s, "visits"), None, "not a streak field");
}

#[test]
fn snapshots_round_trip_and_keep_what_the_catalog_does_not_know() {
    let e = engine();
    let mut s = e.new_state(time_zone("Europe/Paris").unwrap());
    for when in ["2026-03-01T10:00:00Z", "2026-03-02T10:00:00Z", "2026-03-05T10:00:00Z"] {
        e.apply(&mut s, &ev("visit", None, when)).unwrap();
    }
    e.apply(&mut s, &ev("made", None, "2026-03-05T10:00:00Z")).unwrap();
    let mut snap = e.snapshot(&s);
    assert_eq!(snap.timezone, "Europe/Paris");
    assert_eq!(snap.stats["visits"], 3);
    snap.stats.insert("retired_field".into(), 9);
    snap.earned.insert("retired_badge".into(), snap.earned["made_1"]);
    let json = serde_json::to_string(&snap).unwrap();
    assert!(
        json.contains(r#""streak_days":{"streak":[["2026-03-01","2026-03-02"],["2026-03-05","2026-03-05"]]}"#),
        "{json}"
    );
    let back: StateSnapshot = serde_json::from_str(&json).unwrap();
    let restored = e.state_from_snapshot(&back).unwrap();
    assert_eq!(e.snapshot(&restored), snap);
    assert_eq!(e.stat(&restored, "best"), 2, "longest fields derive from the days");
    assert_eq!(restored.earned_count(), 2, "made_1 and the retired badge");

    let bad = StateSnapshot { timezone: "Mars/Olympus".into(), ..StateSnapshot::default() };
    assert_eq!(e.state_from_snapshot(&bad).unwrap_err(), StateError::UnknownTimeZone("Mars/Olympus".into()));
}

#[test]
fn streak_fields_cannot_be_set_directly() {
    let e = engine();
    let mut s = utc(&e);
    assert_eq!(e.set_stat(&mut s, "streak", 3), Err(StateError::DerivedField("streak".into())));
    assert_eq!(e.set_stat(&mut s, "best", 3), Err(StateError::DerivedField("best".into())));
    assert_eq!(e.set_stat(&mut s, "typo", 3), Err(StateError::UnknownField("typo".into())));
}

#[test]
fn the_public_view_masks_secrets_and_still_loads() {
    let e = engine();
    let view = e.catalog().public_view();
    let json = view.catalog.to_json_pretty();
    for leaked in [r#""hidden""#, "Hidden gem", "secret words", "faGem"] {
        assert!(!json.contains(leaked), "`{leaked}` leaked into {json}");
    }
    assert_eq!(view.placeholder_of["hidden"], "secret-1");
    let public = Engine::new(load_catalog(&json).unwrap().catalog);
    let after = public.catalog().definition("after_hidden").unwrap();
    assert_eq!(after.requires_achievements, ["secret-1"]);

    // A placeholder never unlocks client-side; once the server says the user
    // earned it, what depends on it can.
    let mut s = utc(&public);
    public.set_stat(&mut s, "level", 1).unwrap();
    assert!(public.apply(&mut s, &ev("stars", Some(99), "2026-03-01T00:00:00Z")).unwrap().is_empty());
    let mut snap = public.snapshot(&s);
    snap.earned.insert("secret-1".into(), e.catalog().definition("hidden").map(|_| earned_record()).unwrap());
    let mut s = public.state_from_snapshot(&snap).unwrap();
    assert_eq!(keys(&public.evaluate(&mut s, at("2026-03-02T00:00:00Z"))), ["after_hidden"]);
}

fn earned_record() -> achievements_core::EarnedRecord {
    achievements_core::EarnedRecord {
        earned_at: at("2026-03-01T00:00:00Z"),
        progress_at_unlock: 5,
        cause: Cause::Event,
    }
}

#[test]
fn explanations_name_every_blocker() {
    let e = engine();
    let s = utc(&e);
    let x = e.explain(&s, "after_both", at("2026-03-01T00:00:00Z")).unwrap();
    assert_eq!(
        x.blockers,
        [
            Blocker::Requires { key: "made_2".into(), name: Some("M2".into()) },
            Blocker::Requires { key: "points_100".into(), name: Some("P100".into()) },
            Blocker::BelowTarget { value: 0, target: 1 }
        ]
    );
    let text = x.to_string();
    assert!(text.contains("condition:     made ≥ 1, after earning made_2, points_100"), "{text}");
    assert!(
        text.contains("blocked:       requires made_2 first\n  blocked:       requires points_100 first"),
        "{text}"
    );

    let w = e.explain(&s, "winter", at("2027-02-01T00:00:00Z")).unwrap();
    assert_eq!(w.blockers[0], Blocker::WindowClosed { until: at("2027-01-01T00:00:00Z") });
    assert!(e.explain(&s, "nope", at("2027-02-01T00:00:00Z")).is_none());
}

/// Issue 10, item 3: a streak broken long ago reads one value everywhere —
/// the bar, the explanation's tracked value and its `BelowTarget` blocker
/// all show the run as of now (0), not the longest run (2).
#[test]
fn a_broken_streak_reads_one_value_in_progress_explanation_and_blocker() {
    let e = engine();
    let mut s = utc(&e);
    e.apply(&mut s, &ev("visit", None, "2026-03-01T10:00:00Z")).unwrap();
    e.apply(&mut s, &ev("visit", None, "2026-03-02T10:00:00Z")).unwrap();
    let now = at("2026-03-20T10:00:00Z");
    let x = e.explain(&s, "streak_3", now).unwrap();
    assert_eq!((x.progress.current, x.value), (0, 0));
    assert_eq!(x.blockers, [Blocker::BelowTarget { value: 0, target: 3 }]);
    assert!(x.to_string().contains("tracked value: streak = 0 (target 3)"), "{x}");
    // While the run is alive, all three read it.
    let x = e.explain(&s, "streak_3", at("2026-03-02T20:00:00Z")).unwrap();
    assert_eq!((x.progress.current, x.value), (2, 2));
    assert_eq!(x.blockers, [Blocker::BelowTarget { value: 2, target: 3 }]);
}

#[test]
fn blockers_name_each_missing_prerequisite_and_the_window() {
    let e = engine();
    let s = utc(&e);
    let early = e.explain(&s, "winter", at("2026-11-30T00:00:00Z")).unwrap();
    assert_eq!(early.blockers[0], Blocker::NotYetAvailable { from: at("2026-12-01T00:00:00Z") });
    let open = e.explain(&s, "winter", at("2026-12-05T00:00:00Z")).unwrap();
    assert!(open.blockers.iter().all(|b| !b.is_gate()), "an open window blocks nothing: {:?}", open.blockers);
    let after = e.explain(&s, "after_hidden", at("2026-12-05T00:00:00Z")).unwrap();
    assert_eq!(after.blockers[0], Blocker::Requires { key: "hidden".into(), name: Some("Hidden gem".into()) });
    assert!(after.blockers[0].is_gate());
    let wire = serde_json::to_value(&after.blockers).unwrap();
    assert_eq!(
        wire,
        serde_json::json!([
            {"kind": "requires", "key": "hidden", "name": "Hidden gem"},
            {"kind": "below_target", "value": 0, "target": 1}
        ])
    );
    let closed =
        serde_json::to_value(&e.explain(&s, "winter", at("2027-02-01T00:00:00Z")).unwrap().blockers[0]).unwrap();
    assert_eq!(closed, serde_json::json!({"kind": "window_closed", "until": "2027-01-01T00:00:00Z"}));
}

#[test]
fn retired_definitions_stay_known_but_never_unlock() {
    let full = load_catalog(CATALOG).unwrap().catalog;
    let mut trimmed = full.clone().into_catalog();
    trimmed.achievements.retain(|d| d.key != "made_2" && d.key != "after_both");
    let trimmed = ValidCatalog::try_from(trimmed).unwrap();
    let merged = trimmed.with_retired(full.achievements.clone()).unwrap();
    let retired = merged.definition("made_2").unwrap();
    assert!(!retired.is_active);
    assert_eq!(merged.achievements.len(), full.achievements.len(), "nothing the catalog has is added twice");
    let e = Engine::new(merged);
    let mut s = utc(&e);
    let got = e.apply(&mut s, &ev("made", Some(5), "2026-03-01T00:00:00Z")).unwrap();
    assert_eq!(keys(&got), ["made_1"], "made_2 and after_both retired");
}

#[test]
fn retired_definitions_may_name_what_is_gone_but_must_not_be_damaged() {
    let full = load_catalog(CATALOG).unwrap().catalog;
    let gone = |key: &str, tracking: &str, requires: &[&str]| Definition {
        key: key.to_owned(),
        tracking_field: tracking.to_owned(),
        requires_achievements: requires.iter().map(|k| (*k).to_owned()).collect(),
        ..full.definition("made_1").unwrap().clone()
    };
    // A field no event updates any more, an achievement that left too: kept.
    let merged = full.clone().with_retired([gone("old_one", "old_field", &["older"])]).unwrap();
    let e = Engine::new(merged);
    assert_eq!(e.stat(&utc(&e), "old_field"), 0);

    // Damaged stored definitions are refused, each problem located.
    let mut zero = gone("zero_target", "made", &[]);
    zero.criteria_value = 0;
    let mut nameless = gone("Bad Key", "made", &[]);
    nameless.name = " ".into();
    let refused = full.with_retired([zero, nameless]).unwrap_err();
    let messages: Vec<String> = refused.errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        messages,
        [
            "retired[0] (zero_target).criteria_value: must be at least 1, got 0",
            "retired[1] (Bad Key).key: `Bad Key` is not a valid key (use lowercase letters, digits and `_`)",
            "retired[1] (Bad Key).name: must not be empty",
        ]
    );
}

/// An engine runs only a validated catalog (`Engine::new` takes a
/// `ValidCatalog`); a catalog built or changed in code is validated exactly
/// as its file form, so one naming an unknown field can never run.
#[test]
fn catalogs_built_in_code_are_validated_before_they_can_run() {
    let valid = load_catalog(CATALOG).unwrap().catalog;
    assert_eq!(ValidCatalog::try_from(valid.clone().into_catalog()).unwrap(), valid, "a valid catalog round-trips");

    let mut unknown_field = valid.clone().into_catalog();
    unknown_field.achievements[0].tracking_field = "nothing_updates_this".into();
    let refused = ValidCatalog::try_from(unknown_field).unwrap_err();
    assert_eq!(
        refused.errors[0].to_string(),
        "achievements[0] (made_1).tracking_field: no event updates `nothing_updates_this`, so this achievement could \
         never unlock"
    );

    // A field with two roles (`made` is added to, and now also set).
    let mut two_roles = valid.into_catalog();
    two_roles.events.get_mut("level").unwrap()[0].field = "made".into();
    let refused = ValidCatalog::try_from(two_roles).unwrap_err();
    assert!(refused.errors.iter().any(|e| e.message.contains("a field has one role everywhere")), "{refused}");
}

/// Catalog files read instants with the one parser: any number of
/// fractional digits, truncated to the nanosecond.
#[test]
fn catalog_windows_read_long_fractions() {
    let text = CATALOG.replace("2027-01-01T00:00:00Z", "2026-12-31T23:59:59.99999999999999Z");
    let e = Engine::from_json(&text).unwrap().0;
    let winter = e.catalog().definition("winter").unwrap();
    assert_eq!(winter.available_until.unwrap().to_string(), "2026-12-31T23:59:59.999999999Z");
    let mut s = utc(&e);
    let got = e.apply(&mut s, &ev("visit", None, "2026-12-31T23:59:59.999999998Z")).unwrap();
    assert_eq!(keys(&got), ["winter"], "a nanosecond before the end is inside the window");
}

#[test]
fn a_streak_day_outside_years_0000_to_9999_is_refused() {
    let e = engine();
    let mut s = e.new_state(time_zone("+05:30").unwrap());
    let before = e.snapshot(&s);
    // 9999-12-31T20:00Z is 10000-01-01T01:30 in +05:30: no date to record.
    let refused = e.apply(&mut s, &ev("visit", None, "9999-12-31T20:00:00Z")).unwrap_err();
    assert_eq!(refused.code(), "day_out_of_range");
    assert_eq!(
        refused.to_string(),
        "9999-12-31T20:00:00Z falls on a local day outside years 0000–9999 in time zone `+05:30`"
    );
    assert_eq!(e.snapshot(&s), before, "a refused event changes nothing");
    // The same instant is a day of 9999 in UTC, and events without a streak
    // record no day.
    let mut u = utc(&e);
    e.apply(&mut u, &ev("visit", None, "9999-12-31T20:00:00Z")).unwrap();
    assert_eq!(e.snapshot(&u).streak_days["streak"][0].0.to_string(), "9999-12-31");
    e.apply(&mut s, &ev("made", None, "9999-12-31T20:00:00Z")).unwrap();
}

#[test]
fn changing_time_zone_keeps_recorded_days() {
    let e = engine();
    let mut s = utc(&e);
    e.apply(&mut s, &ev("visit", None, "2026-03-01T23:30:00Z")).unwrap();
    s.set_timezone(time_zone("Asia/Tokyo").unwrap());
    // 2026-03-01T16:00Z is 2026-03-02 01:00 in Tokyo: the next day.
    e.apply(&mut s, &ev("visit", None, "2026-03-01T16:00:00Z")).unwrap();
    assert_eq!(e.stat(&s, "streak"), 2);
}

#[test]
fn a_snapshot_in_a_zone_the_core_cannot_look_up_is_restored_in_the_zone_given() {
    let engine = engine();
    // A zone known only as a table (as the browser module receives it):
    // UTC+14 all year, under a name no database has.
    let table =
        achievements_core::ZoneTable { name: "Pacific/Somewhere".to_owned(), offset: 14 * 3600, transitions: vec![] };
    let zone = achievements_core::TimeZone::from_table(table).unwrap();
    let mut state = engine.new_state(zone.clone());
    // 10:00 UTC on three consecutive days is three local days at UTC+14 too.
    for day in 1..=3 {
        let at: Timestamp = format!("2026-03-0{day}T10:00:00Z").parse().unwrap();
        engine.apply(&mut state, &Event { event_type: "visit", value: None, at }).unwrap();
    }
    let snapshot = engine.snapshot(&state);
    assert_eq!(snapshot.timezone, "Pacific/Somewhere");
    assert!(matches!(engine.state_from_snapshot(&snapshot), Err(StateError::UnknownTimeZone(_))));
    let restored = engine.state_from_snapshot_in(&snapshot, zone);
    assert_eq!(engine.snapshot(&restored), snapshot);
    assert_eq!(engine.longest_streak(&restored, "streak"), Some(3));
}
