//! Properties of the rules over random event sequences on the shipped
//! catalog (whose ops — add, max, streak — are all monotone, and which has no
//! availability windows, so order independence is expected to hold).

use achievements_core::Instant as Timestamp;
use achievements_core::{
    Blocker, Cause, EarnedRecord, Engine, Event, SHIPPED_CATALOG_JSON, StateSnapshot, UserState, time_zone,
};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::OnceLock;

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::from_json(SHIPPED_CATALOG_JSON).expect("shipped catalog is valid").0)
}

#[derive(Clone, Debug)]
struct Ev {
    event_type: &'static str,
    value: Option<i64>,
    at: Timestamp,
}

const TYPES: &[&str] = &[
    "project_created",
    "project_published",
    "battle_participated",
    "battle_won",
    "login",
    "community_help",
    "quiz_completed",
    "points_earned",
    "stars_received",
];
const ZONES: &[&str] = &["UTC", "America/New_York", "Europe/Berlin", "Asia/Kolkata", "Pacific/Auckland"];

fn event() -> impl Strategy<Value = Ev> {
    (0..TYPES.len(), prop::option::of(0i64..40), 0i64..(60 * 24 * 45)).prop_map(|(t, value, minutes)| {
        let base: Timestamp = "2026-03-01T00:00:00Z".parse().expect("valid instant");
        let event_type = TYPES[t];
        // `max` needs an explicit value; give stars a wider range.
        let value = if event_type == "stars_received" { Some(value.unwrap_or(7) * 5) } else { value };
        Ev { event_type, value, at: base.checked_add_seconds(minutes * 60).expect("in range") }
    })
}

fn run(zone: &str, events: &[Ev]) -> (UserState, Vec<String>) {
    let e = engine();
    let mut state = e.new_state(time_zone(zone).expect("known zone"));
    let mut unlocked = Vec::new();
    for ev in events {
        let unlocks = e
            .apply(&mut state, &Event { event_type: ev.event_type, value: ev.value, at: ev.at })
            .expect("generated events are valid");
        unlocked.extend(unlocks.into_iter().map(|u| u.key));
    }
    (state, unlocked)
}

fn counters_and_earned(state: &UserState) -> (BTreeMap<String, i64>, BTreeSet<String>, StateSnapshot) {
    let snap = engine().snapshot(state);
    (snap.stats.clone().into_iter().collect(), snap.earned.keys().cloned().collect(), snap)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn replaying_the_same_events_gives_the_same_state(zone in 0..ZONES.len(), events in prop::collection::vec(event(), 0..120)) {
        let (a, ua) = run(ZONES[zone], &events);
        let (b, ub) = run(ZONES[zone], &events);
        prop_assert_eq!(engine().snapshot(&a), engine().snapshot(&b));
        prop_assert_eq!(ua, ub);
    }

    #[test]
    fn no_achievement_is_earned_twice(events in prop::collection::vec(event(), 0..200)) {
        let (state, unlocked) = run("UTC", &events);
        let unique: HashSet<&String> = unlocked.iter().collect();
        prop_assert_eq!(unique.len(), unlocked.len(), "{:?}", unlocked);
        prop_assert_eq!(unlocked.len(), state.earned_count());
    }

    #[test]
    fn final_counters_and_badges_do_not_depend_on_event_order(
        zone in 0..ZONES.len(),
        events in prop::collection::vec(event(), 0..120),
        seed in any::<u64>(),
    ) {
        let shuffled = shuffle(&events, seed);
        let (a, _) = run(ZONES[zone], &events);
        let (b, _) = run(ZONES[zone], &shuffled);
        let (stats_a, earned_a, snap_a) = counters_and_earned(&a);
        let (stats_b, earned_b, snap_b) = counters_and_earned(&b);
        prop_assert_eq!(stats_a, stats_b);
        prop_assert_eq!(earned_a, earned_b);
        prop_assert_eq!(snap_a.streak_days, snap_b.streak_days, "streaks from shuffled events equal streaks from sorted ones");
    }

    #[test]
    fn streaks_from_shuffled_logins_equal_streaks_from_sorted_logins(
        zone in 0..ZONES.len(),
        minutes in prop::collection::vec(0i64..(60 * 24 * 40), 0..80),
        seed in any::<u64>(),
    ) {
        let base: Timestamp = "2026-03-01T00:00:00Z".parse().expect("valid instant");
        let mut logins: Vec<Ev> = minutes
            .iter()
            .map(|m| Ev { event_type: "login", value: None, at: base.checked_add_seconds(m * 60).expect("in range") })
            .collect();
        logins.sort_by_key(|e| e.at);
        let (sorted, _) = run(ZONES[zone], &logins);
        let (shuffled, _) = run(ZONES[zone], &shuffle(&logins, seed));
        let e = engine();
        for field in ["current_streak", "max_streak"] {
            prop_assert_eq!(e.stat(&sorted, field), e.stat(&shuffled, field), "{}", field);
        }
        let now = base.checked_add_seconds(41 * 86_400).expect("in range");
        prop_assert_eq!(e.streak_as_of(&sorted, "current_streak", now), e.streak_as_of(&shuffled, "current_streak", now));
    }

    /// Earned iff the condition held at some step: after every step no
    /// unearned active achievement has its condition met, and each unlock
    /// records a value that met its target.
    #[test]
    fn an_achievement_is_earned_iff_its_condition_held(events in prop::collection::vec(event(), 0..150)) {
        let e = engine();
        let mut state = e.new_state(time_zone("UTC").expect("utc"));
        for ev in &events {
            let unlocks = e.apply(&mut state, &Event { event_type: ev.event_type, value: ev.value, at: ev.at }).expect("valid");
            for u in &unlocks {
                let def = e.catalog().definition(&u.key).expect("known key");
                prop_assert!(u.record.progress_at_unlock >= def.criteria_value, "{} unlocked below target", u.key);
            }
            for def in e.catalog().achievements.iter().filter(|d| d.is_active) {
                let x = e.explain(&state, &def.key, ev.at).expect("known key");
                if x.earned.is_none() {
                    prop_assert!(!x.blockers.is_empty(), "{} holds at {} but was not earned", def.key, ev.at);
                    prop_assert!(x.blockers.iter().all(|b| !matches!(b, Blocker::Inactive)));
                }
            }
        }
    }
}

/// A deterministic Fisher–Yates shuffle (proptest shrinks the seed).
fn shuffle(events: &[Ev], mut seed: u64) -> Vec<Ev> {
    let mut out = events.to_vec();
    for i in (1..out.len()).rev() {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        let j = usize::try_from((seed >> 33) % (i as u64 + 1)).unwrap_or(0);
        out.swap(i, j);
    }
    out
}

/// Random valid events for any catalog: add values ≥ 0 (or the default),
/// explicit values for set/max, times spread over two winter months so
/// availability windows open and close.
fn events_for(engine: &Engine) -> impl Strategy<Value = Vec<(String, Option<i64>, Timestamp)>> + use<> {
    let types: Vec<(String, bool)> = engine
        .catalog()
        .events
        .iter()
        .map(|(name, effects)| {
            let needs_value =
                effects.iter().any(|e| matches!(e.op, achievements_core::Op::Set | achievements_core::Op::Max));
            (name.clone(), needs_value)
        })
        .collect();
    let n = types.len();
    prop::collection::vec((0..n, prop::option::of(-5i64..30), 0i64..(60 * 24 * 60)), 0..120).prop_map(move |raw| {
        let base: Timestamp = "2026-11-15T00:00:00Z".parse().expect("valid instant");
        raw.into_iter()
            .map(|(t, value, minutes)| {
                let (name, needs_value) = &types[t];
                let value = if *needs_value { Some(value.unwrap_or(3)) } else { value.map(i64::abs) };
                (name.clone(), value, base.checked_add_seconds(minutes * 60).expect("in range"))
            })
            .collect()
    })
}

fn catalogs() -> Vec<&'static Engine> {
    static WINTER: OnceLock<Engine> = OnceLock::new();
    let winter = WINTER.get_or_init(|| {
        Engine::from_json(include_str!("../../fixtures/catalogs/winter-event.json")).expect("valid example catalog").0
    });
    vec![engine(), winter]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(150))]

    /// The incremental check (only what an event can change) unlocks exactly
    /// what checking every achievement at every step does. Restoring the
    /// state from its snapshot before each event forces the full check.
    #[test]
    fn incremental_checks_match_checking_everything(which in 0..2usize, seed in any::<u64>()) {
        let e = catalogs()[which];
        let mut runner = proptest::test_runner::TestRunner::new_with_rng(
            ProptestConfig::default(),
            proptest::test_runner::TestRng::from_seed(proptest::test_runner::RngAlgorithm::ChaCha, &seed_bytes(seed)),
        );
        let events = events_for(e).new_tree(&mut runner).expect("generates").current();
        let mut incremental = e.new_state(time_zone("Europe/Berlin").expect("zone"));
        let mut full = e.new_state(time_zone("Europe/Berlin").expect("zone"));
        for (event_type, value, at) in &events {
            let event = Event { event_type, value: *value, at: *at };
            let a = e.apply(&mut incremental, &event);
            full = e.state_from_snapshot(&e.snapshot(&full)).expect("round-trips");
            let b = e.apply(&mut full, &event);
            prop_assert_eq!(a, b, "{} at {}", event_type, at);
        }
        prop_assert_eq!(e.snapshot(&incremental), e.snapshot(&full));
    }
}

fn seed_bytes(seed: u64) -> [u8; 32] {
    let mut bytes = [0u8; 32];
    for (i, chunk) in bytes.chunks_mut(8).enumerate() {
        chunk.copy_from_slice(&seed.wrapping_mul(i as u64 + 1).to_le_bytes());
    }
    bytes
}

// ----- recalculation over random catalogs ----------------------------------

/// Every kind of field a catalog can have: `add` counters (one written by two
/// event types), a `max` and a `set` gauge, a streak with its longest run, and
/// `points`, which one event adds to and which is the points field or not.
const RANDOM_EVENTS: &str = r#"{
    "made": [{"field": "made", "op": "add"}],
    "made_and_helped": [{"field": "made", "op": "add"}, {"field": "helped", "op": "add"}],
    "helped": [{"field": "helped", "op": "add"}],
    "rated": [{"field": "best", "op": "max"}],
    "levelled": [{"field": "level", "op": "set"}],
    "visited": [{"field": "visits", "op": "add"}, {"field": "streak", "op": "streak", "longest_field": "longest"}],
    "bonus": [{"field": "points", "op": "add"}]
}"#;
/// Event types of [`RANDOM_EVENTS`], with `gone`, which no catalog has (a
/// type an older catalog had: refused, live and in a replay alike).
const RANDOM_TYPES: &[&str] = &["made", "made_and_helped", "helped", "rated", "levelled", "visited", "bonus", "gone"];
/// Fields and the criteria types that fit each (`streak` needs a streak
/// field; count, cumulative and first_time need an `add` field).
const RANDOM_FIELDS: &[(&str, &[&str])] = &[
    ("made", &["count", "cumulative", "threshold", "first_time"]),
    ("helped", &["count", "threshold"]),
    ("best", &["threshold"]),
    ("level", &["threshold"]),
    ("visits", &["count", "first_time"]),
    ("streak", &["streak", "threshold"]),
    ("longest", &["threshold"]),
    ("points", &["cumulative", "threshold"]),
];
/// Events and windows fall in these two months.
const RANDOM_BASE: &str = "2026-11-15T00:00:00Z";
const RANDOM_MINUTES: i64 = 60 * 24 * 60;

fn random_instant(minutes: i64) -> Timestamp {
    let base: Timestamp = RANDOM_BASE.parse().expect("valid instant");
    base.checked_add_seconds(minutes * 60).expect("in range")
}

/// One random definition: (field, criteria, target, points, active, window, prerequisite picks, secret).
type RawDefinition = (usize, usize, i64, i64, bool, Option<(i64, i64)>, Vec<usize>, bool);

fn raw_definition() -> impl Strategy<Value = RawDefinition> {
    (
        0..RANDOM_FIELDS.len(),
        0..4usize,
        1i64..15,
        0i64..60,
        prop::bool::weighted(0.8),
        prop::option::weighted(0.25, (0..RANDOM_MINUTES, 0..RANDOM_MINUTES)),
        prop::collection::vec(0..64usize, 0..3),
        prop::bool::weighted(0.2),
    )
}

/// A valid catalog as JSON text: random achievements over [`RANDOM_EVENTS`]
/// (prerequisites only on earlier ones, so never a cycle), with or without
/// a points field.
fn random_catalog() -> impl Strategy<Value = String> {
    (prop::collection::vec(raw_definition(), 1..12), any::<bool>()).prop_map(|(raw, with_points)| {
        let mut achievements = Vec::new();
        for (i, (field, criteria, target, points, active, window, picks, secret)) in raw.into_iter().enumerate() {
            let (field, fits) = RANDOM_FIELDS[field];
            let criteria = fits[criteria % fits.len()];
            let target = match criteria {
                "first_time" => 1,
                "streak" => target % 5 + 1,
                _ => target,
            };
            let mut requires: Vec<String> =
                if i == 0 { Vec::new() } else { picks.iter().map(|p| format!("a{}", p % i)).collect() };
            requires.sort();
            requires.dedup();
            let mut definition = serde_json::json!({
                "key": format!("a{i}"), "name": format!("A{i}"), "description": "random",
                "icon": "faStar", "color_from": "blue-500", "color_to": "blue-600",
                "category": "milestones", "points": points, "criteria_type": criteria,
                "criteria_value": target, "tracking_field": field, "requires_achievements": requires,
                "is_secret": secret, "rarity": "common", "order": i, "is_active": active,
            });
            if let Some((a, b)) = window {
                definition["available_from"] = random_instant(a.min(b)).to_string().into();
                definition["available_until"] = random_instant(a.max(b) + 1).to_string().into();
            }
            achievements.push(definition);
        }
        let mut catalog = serde_json::json!({
            "version": 1,
            "events": serde_json::from_str::<serde_json::Value>(RANDOM_EVENTS).expect("valid JSON"),
            "achievements": achievements,
        });
        if with_points {
            catalog["points_field"] = "points".into();
        }
        catalog.to_string()
    })
}

/// A random event log for [`RANDOM_EVENTS`] (`gone` included); `set` and
/// `max` events mostly carry a value, so a few are refused for lacking one.
fn random_log() -> impl Strategy<Value = Vec<(&'static str, Option<i64>, Timestamp)>> {
    prop::collection::vec((0..RANDOM_TYPES.len(), prop::option::weighted(0.9, 0i64..12), 0..RANDOM_MINUTES), 0..80)
        .prop_map(|raw| {
            raw.into_iter().map(|(t, value, minutes)| (RANDOM_TYPES[t], value, random_instant(minutes))).collect()
        })
}

fn as_events<'a>(log: &'a [(&'static str, Option<i64>, Timestamp)]) -> impl Iterator<Item = Event<'static>> + 'a {
    log.iter().map(|&(event_type, value, at)| Event { event_type, value, at })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// A state built by applying the events is what recalculating it gives:
    /// no difference, the same snapshot, the same refusals.
    #[test]
    fn recalculating_an_untouched_state_reports_no_differences(
        catalog in random_catalog(),
        log in random_log(),
        zone in 0..ZONES.len(),
    ) {
        let (e, _) = Engine::from_json(&catalog).expect("generated catalogs are valid");
        let mut state = e.new_state(time_zone(ZONES[zone]).expect("known zone"));
        let refused = as_events(&log).filter(|event| e.apply(&mut state, event).is_err()).count();
        let r = e.recalculate(&state, as_events(&log));
        prop_assert!(r.differences.is_empty(), "{:?}", r.differences);
        prop_assert_eq!(e.snapshot(&r.state), e.snapshot(&state));
        prop_assert_eq!(r.refused, refused);
    }

    /// From any stored state (counters tampered with, badges earned that the
    /// log does not explain, badges the log explains missing): the points
    /// field is the points events added plus those of every earned badge,
    /// once each; the earned set is the stored one; and a second
    /// recalculation finds nothing more to fix.
    #[test]
    fn recalculating_twice_equals_recalculating_once(
        catalog in random_catalog(),
        log in random_log(),
        tampered_counters in prop::collection::vec((0..RANDOM_FIELDS.len(), 0i64..500), 0..4),
        earned_mask in any::<u64>(),
    ) {
        let (e, _) = Engine::from_json(&catalog).expect("generated catalogs are valid");
        let mut live = e.new_state(time_zone("Europe/Berlin").expect("known zone"));
        for event in as_events(&log) {
            let _ = e.apply(&mut live, &event);
        }
        let mut stored = e.snapshot(&live);
        for (field, value) in tampered_counters {
            stored.stats.insert(RANDOM_FIELDS[field].0.to_owned(), value);
        }
        // Flip each badge's earned state where the mask says so.
        let record = EarnedRecord { earned_at: random_instant(0), progress_at_unlock: 1, cause: Cause::Evaluation };
        for (i, def) in e.catalog().achievements.iter().enumerate() {
            if earned_mask >> (i % 64) & 1 == 1 && stored.earned.remove(&def.key).is_none() {
                stored.earned.insert(def.key.clone(), record);
            }
        }
        let stored = e.state_from_snapshot(&stored).expect("valid snapshot");

        let once = e.recalculate(&stored, as_events(&log));
        let twice = e.recalculate(&once.state, as_events(&log));
        prop_assert!(twice.differences.is_empty(), "{:?}", twice.differences);
        prop_assert_eq!(e.snapshot(&twice.state), e.snapshot(&once.state));

        let earned = e.snapshot(&stored).earned;
        prop_assert_eq!(&e.snapshot(&once.state).earned, &earned, "the stored earned set stands");
        if e.catalog().points_field.is_some() {
            let from_events: i64 =
                log.iter().filter(|(t, _, _)| *t == "bonus").map(|(_, value, _)| value.unwrap_or(1)).sum();
            let from_badges: i64 =
                earned.keys().map(|k| e.catalog().definition(k).expect("a key of this catalog").points).sum();
            prop_assert_eq!(e.stat(&once.state, "points"), from_events + from_badges);
        }
    }
}
