//! Structured fuzzing of the rules: random valid catalogs and event logs
//! (the `arbitrary` crate turns libFuzzer's bytes into them), checked
//! against the properties of `core/tests/properties.rs`, which proptest
//! holds on a few fixed catalogs; here the catalog's shape varies too.
//!
//! The catalog generator, like `random_catalog` there, only writes valid
//! catalogs: fields of every op (`add`, `set`, `max`, `streak` with or
//! without a longest field), event types updating one to three of them (a
//! field keeps its op everywhere), an optional points field (written by
//! unlocks and by a `bonus` event), achievements whose criteria fit their
//! field, prerequisites on earlier ones only (never a cycle), windows,
//! secrets and inactive ones. The log mixes ordinary events with refused
//! ones (an unknown type, negative or missing values, overflowing sums,
//! instants at the edges of years 0000–9999).
//!
//! Properties:
//! 1. **Determinism**: the same log on a fresh state gives the same unlocks
//!    and the same snapshot.
//! 2. **Earned once**: no key unlocks twice; the unlocks are the earned set.
//! 3. **Incremental = full**: applying each event to the running state
//!    unlocks exactly what applying it to the state restored from its
//!    snapshot does (which forces checking every achievement).
//! 4. **Settled**: after each event nothing is left to unlock at its instant
//!    (`evaluate` finds nothing), and each unlock recorded a value that met
//!    its target.
//! 5. **Preview and refusals**: `preview` says what `apply` does; a refused
//!    event changes nothing.
//! 6. **Recalculation**: recalculating the state from its log finds no
//!    difference, rebuilds the same snapshot and refuses the same events.

#![no_main]

use achievements_core::{Engine, Event, Instant, Unlock, UserState, time_zone};
use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};
use std::collections::BTreeSet;

#[derive(Arbitrary, Debug)]
enum FieldOp {
    Add,
    Set,
    Max,
    Streak { longest: bool },
}

#[derive(Arbitrary, Debug)]
struct EventSpec {
    /// Field numbers (modulo the number of fields), duplicates dropped.
    fields: Vec<u8>,
    /// Whether its streak effects name their field's longest field.
    longest: bool,
}

#[derive(Arbitrary, Debug)]
struct AchievementSpec {
    tracked: u8,
    criteria: u8,
    target: u8,
    points: u8,
    inactive: bool,
    secret: bool,
    window: Option<(u16, u16)>,
    requires: Vec<u8>,
}

#[derive(Arbitrary, Debug)]
enum ValueSpec {
    Absent,
    Small(u8),
    Negative(u8),
    NearMax(u8),
    Any(i64),
}

#[derive(Arbitrary, Debug)]
enum AtSpec {
    /// Minutes into the two months the windows fall in.
    Minutes(u16, u8),
    /// Seconds from the first instant of year 0000.
    Earliest(u32),
    /// Seconds before the last instant of year 9999.
    Latest(u32),
}

#[derive(Arbitrary, Debug)]
struct LogEvent {
    /// An event type number; one past the last is a type the catalog lacks.
    event_type: u8,
    value: ValueSpec,
    at: AtSpec,
}

#[derive(Arbitrary, Debug)]
struct Input {
    fields: Vec<FieldOp>,
    events: Vec<EventSpec>,
    points_field: bool,
    achievements: Vec<AchievementSpec>,
    zone: u8,
    log: Vec<LogEvent>,
}

const ZONES: &[&str] = &["UTC", "Europe/Berlin", "America/New_York", "Pacific/Auckland", "+23:59", "-23:59", "+05:30"];
const MAX_FIELDS: usize = 6;
const MAX_EVENT_TYPES: usize = 6;
const MAX_ACHIEVEMENTS: usize = 16;
const MAX_LOG: usize = 64;
/// 2026-11-15T00:00:00Z: events and windows fall in the two months after it.
const BASE_SECONDS: i64 = 1_794_700_800;
const MINUTES: i64 = 60 * 24 * 60;
const EARLIEST_SECONDS: i64 = -62_167_219_200;
const LATEST_SECONDS: i64 = 253_402_300_799;

/// The criteria types that fit a field: (`add` fields, other fields).
const FIT_ADD: &[&str] = &["count", "cumulative", "threshold", "first_time"];
const FIT_STREAK: &[&str] = &["streak", "threshold"];
const FIT_OTHER: &[&str] = &["threshold"];

struct Generated {
    catalog: String,
    /// Event type names, in the order log events pick them.
    types: Vec<String>,
}

fn catalog(input: &Input) -> Option<Generated> {
    let ops: Vec<&FieldOp> = input.fields.iter().take(MAX_FIELDS).collect();
    if ops.is_empty() {
        return None;
    }
    let name = |i: usize| format!("f{i}");
    let longest = |i: usize| format!("f{i}_longest");
    let effect = |i: usize, with_longest: bool| match ops[i] {
        FieldOp::Add => json!({"field": name(i), "op": "add"}),
        FieldOp::Set => json!({"field": name(i), "op": "set"}),
        FieldOp::Max => json!({"field": name(i), "op": "max"}),
        FieldOp::Streak { longest: has } if *has && with_longest => {
            json!({"field": name(i), "op": "streak", "longest_field": longest(i)})
        }
        FieldOp::Streak { .. } => json!({"field": name(i), "op": "streak"}),
    };
    // One event type per field (so every field is written), then the
    // arbitrary ones.
    let mut events = serde_json::Map::new();
    let mut types = Vec::new();
    for i in 0..ops.len() {
        events.insert(format!("e{i}"), json!([effect(i, true)]));
        types.push(format!("e{i}"));
    }
    for (n, spec) in input.events.iter().take(MAX_EVENT_TYPES).enumerate() {
        let mut picked: Vec<usize> = Vec::new();
        for &f in spec.fields.iter().take(3) {
            let f = usize::from(f) % ops.len();
            if !picked.contains(&f) {
                picked.push(f);
            }
        }
        if picked.is_empty() {
            continue;
        }
        let name = format!("x{n}");
        events.insert(name.clone(), Value::Array(picked.iter().map(|&f| effect(f, spec.longest)).collect()));
        types.push(name);
    }
    if input.points_field {
        events.insert("bonus".to_owned(), json!([{"field": "points", "op": "add"}]));
        types.push("bonus".to_owned());
    }

    // What an achievement may track, with the criteria that fit it.
    let mut trackable: Vec<(String, &[&str])> = Vec::new();
    for (i, op) in ops.iter().enumerate() {
        match op {
            FieldOp::Add => trackable.push((name(i), FIT_ADD)),
            FieldOp::Set | FieldOp::Max => trackable.push((name(i), FIT_OTHER)),
            FieldOp::Streak { longest: has } => {
                trackable.push((name(i), FIT_STREAK));
                if *has {
                    trackable.push((longest(i), FIT_OTHER));
                }
            }
        }
    }
    if input.points_field {
        trackable.push(("points".to_owned(), FIT_ADD));
    }

    let mut achievements = Vec::new();
    for (i, spec) in input.achievements.iter().take(MAX_ACHIEVEMENTS).enumerate() {
        let (field, fits) = &trackable[usize::from(spec.tracked) % trackable.len()];
        let criteria = fits[usize::from(spec.criteria) % fits.len()];
        let target = if criteria == "first_time" { 1 } else { i64::from(spec.target % 20) + 1 };
        let mut requires: Vec<String> = if i == 0 {
            Vec::new()
        } else {
            spec.requires.iter().take(3).map(|&p| format!("a{}", usize::from(p) % i)).collect()
        };
        requires.sort();
        requires.dedup();
        let mut definition = json!({
            "key": format!("a{i}"), "name": format!("A{i}"), "description": "generated",
            "icon": "faStar", "color_from": "blue-500", "color_to": "blue-600",
            "category": "milestones", "points": spec.points % 50, "criteria_type": criteria,
            "criteria_value": target, "tracking_field": field, "requires_achievements": requires,
            "is_secret": spec.secret, "rarity": "common", "order": i, "is_active": !spec.inactive,
        });
        if let Some((a, b)) = spec.window {
            let (a, b) = (i64::from(a.min(b)) * 2, i64::from(a.max(b)) * 2 + 1);
            definition["available_from"] = instant(BASE_SECONDS + a * 60).to_string().into();
            definition["available_until"] = instant(BASE_SECONDS + b * 60).to_string().into();
        }
        achievements.push(definition);
    }
    if achievements.is_empty() {
        return None;
    }
    let mut catalog = json!({"version": 1, "events": events, "achievements": achievements});
    if input.points_field {
        catalog["points_field"] = "points".into();
    }
    Some(Generated { catalog: catalog.to_string(), types })
}

fn instant(seconds: i64) -> Instant {
    Instant::from_unix(seconds, 0).expect("generated instants lie in years 0000–9999")
}

fn log(input: &Input, types: &[String]) -> Vec<(String, Option<i64>, Instant)> {
    input
        .log
        .iter()
        .take(MAX_LOG)
        .map(|e| {
            let t = usize::from(e.event_type) % (types.len() + 1);
            let event_type = types.get(t).cloned().unwrap_or_else(|| "gone".to_owned());
            let value = match e.value {
                ValueSpec::Absent => None,
                ValueSpec::Small(v) => Some(i64::from(v % 30)),
                ValueSpec::Negative(v) => Some(-1 - i64::from(v % 5)),
                ValueSpec::NearMax(v) => Some(i64::MAX - i64::from(v)),
                ValueSpec::Any(v) => Some(v),
            };
            let at = match e.at {
                AtSpec::Minutes(m, s) => instant(BASE_SECONDS + i64::from(m) % MINUTES * 60 + i64::from(s % 60)),
                AtSpec::Earliest(s) => instant(EARLIEST_SECONDS + i64::from(s % 200_000)),
                AtSpec::Latest(s) => instant(LATEST_SECONDS - i64::from(s % 200_000)),
            };
            (event_type, value, at)
        })
        .collect()
}

fn run(engine: &Engine, zone: &str, log: &[(String, Option<i64>, Instant)]) -> (UserState, Vec<Option<Vec<Unlock>>>) {
    let mut state = engine.new_state(time_zone(zone).expect("a known zone"));
    let results = log
        .iter()
        .map(|(event_type, value, at)| engine.apply(&mut state, &Event { event_type, value: *value, at: *at }).ok())
        .collect();
    (state, results)
}

fuzz_target!(|input: Input| {
    let Some(generated) = catalog(&input) else { return };
    let engine = match Engine::from_json(&generated.catalog) {
        Ok((engine, _)) => engine,
        Err(e) => panic!("a generated catalog is invalid:\n{}\n{}", e.report(), generated.catalog),
    };
    let zone = ZONES[usize::from(input.zone) % ZONES.len()];
    let log = log(&input, &generated.types);

    // 1. Determinism.
    let (state, results) = run(&engine, zone, &log);
    let (again, results_again) = run(&engine, zone, &log);
    assert_eq!(results, results_again, "the same log unlocked differently");
    assert_eq!(engine.snapshot(&state), engine.snapshot(&again), "the same log left different states");

    // 2. Earned once.
    let keys: Vec<&str> = results.iter().flatten().flatten().map(|u| u.key.as_str()).collect();
    let unique: BTreeSet<&str> = keys.iter().copied().collect();
    assert_eq!(unique.len(), keys.len(), "an achievement unlocked twice: {keys:?}");
    let earned: BTreeSet<String> = engine.snapshot(&state).earned.keys().cloned().collect();
    assert_eq!(earned, unique.iter().map(|k| (*k).to_owned()).collect(), "unlocks and the earned set differ");

    // 3–5, step by step.
    let mut incremental = engine.new_state(time_zone(zone).expect("a known zone"));
    let mut full = engine.new_state(time_zone(zone).expect("a known zone"));
    for (event_type, value, at) in &log {
        let event = Event { event_type, value: *value, at: *at };
        let before = engine.snapshot(&incremental);
        let preview = engine.preview(&incremental, &event);
        let applied = engine.apply(&mut incremental, &event);
        assert_eq!(preview, applied, "preview and apply differ for {event:?}");
        full = engine.state_from_snapshot(&engine.snapshot(&full)).expect("the engine's snapshot loads");
        let checked_fully = engine.apply(&mut full, &event);
        assert_eq!(applied, checked_fully, "incremental and full checks differ for {event:?}");
        match &applied {
            Err(_) => assert_eq!(engine.snapshot(&incremental), before, "a refused event changed the state"),
            Ok(unlocks) => {
                for unlock in unlocks {
                    let def = engine.catalog().definition(&unlock.key).expect("an unlocked key is defined");
                    assert!(
                        unlock.record.progress_at_unlock >= def.criteria_value,
                        "{} unlocked below its target: {unlock:?}",
                        unlock.key
                    );
                }
                let mut evaluated = incremental.clone();
                let left = engine.evaluate(&mut evaluated, *at);
                assert!(left.is_empty(), "after {event:?}, evaluation still unlocks {left:?}");
            }
        }
    }
    assert_eq!(engine.snapshot(&incremental), engine.snapshot(&full));
    assert_eq!(engine.snapshot(&incremental), engine.snapshot(&state));

    // 6. Recalculation.
    let events = log.iter().map(|(event_type, value, at)| Event { event_type, value: *value, at: *at });
    let r = engine.recalculate(&state, events);
    assert!(r.differences.is_empty(), "recalculating an untouched state: {:?}", r.differences);
    assert_eq!(engine.snapshot(&r.state), engine.snapshot(&state));
    assert_eq!(r.refused, results.iter().filter(|r| r.is_none()).count());
});
