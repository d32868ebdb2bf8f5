//! Properties of the rules over random event sequences on the shipped
//! catalog (whose ops — add, max, streak — are all monotone, and which has no
//! availability windows, so order independence is expected to hold).

use achievements_core::Instant as Timestamp;
use achievements_core::{Blocker, Engine, Event, SHIPPED_CATALOG_JSON, StateSnapshot, UserState, time_zone};
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
