//! Rule engine throughput: `cargo bench -p achievements-core`.
//!
//! Targets (one core): ≥ 10 M events/s with the shipped catalog, ≥ 2 M
//! events/s with a synthetic catalog of 1,000 achievements over 50 fields,
//! retroactive evaluation ≥ 1 M users/s. A hand-written counter loop over the
//! same events runs in the same process as the baseline, so the ratio — not
//! the absolute figure — is what to compare across noisy machines.
#![allow(clippy::unwrap_used, missing_docs)]

use achievements_core::Instant as Timestamp;
use achievements_core::{Engine, Event, SHIPPED_CATALOG_JSON, StateSnapshot, TypedEvent, time_zone};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

const EVENTS: usize = 10_000;

/// A small deterministic generator (xorshift64*), so runs are comparable.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A realistic mix over the shipped event table, one event a few minutes apart.
fn shipped_events() -> Vec<(&'static str, Option<i64>, Timestamp)> {
    const MIX: &[(&str, u64)] = &[
        ("login", 30),
        ("project_created", 15),
        ("project_published", 5),
        ("battle_participated", 10),
        ("battle_won", 5),
        ("community_help", 15),
        ("quiz_completed", 10),
        ("points_earned", 5),
        ("stars_received", 5),
    ];
    let total: u64 = MIX.iter().map(|(_, w)| w).sum();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut at: Timestamp = "2026-01-01T08:00:00Z".parse().unwrap();
    (0..EVENTS)
        .map(|i| {
            at = at.checked_add_seconds(i64::try_from(rng.below(180)).unwrap() * 60).unwrap();
            let mut pick = rng.below(total);
            let (event_type, _) = MIX
                .iter()
                .find(|(_, w)| {
                    if pick < *w {
                        true
                    } else {
                        pick -= w;
                        false
                    }
                })
                .unwrap();
            let value = match *event_type {
                "stars_received" => Some(i64::try_from(i).unwrap() / 50),
                "points_earned" => Some(5),
                _ => None,
            };
            (*event_type, value, at)
        })
        .collect()
}

/// 1,000 `count` achievements over 50 `add` fields, targets spread so that
/// some unlock during the run and most stay locked (every step checks them).
fn synthetic_catalog() -> String {
    let events: Vec<String> = (0..50).map(|f| format!(r#""e{f}": [{{"field": "f{f}", "op": "add"}}]"#)).collect();
    let achievements: Vec<String> = (0..1000)
        .map(|i| {
            format!(
                r#"{{"key": "a{i}", "name": "A{i}", "description": "d", "icon": "faStar", "color_from": "blue-500",
                "color_to": "blue-600", "category": "projects", "points": 1, "criteria_type": "count",
                "criteria_value": {}, "tracking_field": "f{}"}}"#,
                1 + (i / 50) * 25,
                i % 50
            )
        })
        .collect();
    format!(
        r#"{{"version": 1, "points_field": "points", "events": {{{}}}, "achievements": [{}]}}"#,
        events.join(","),
        achievements.join(",")
    )
}

fn apply_benches(c: &mut Criterion) {
    let (shipped, _) = Engine::from_json(SHIPPED_CATALOG_JSON).unwrap();
    let raw = shipped_events();
    let typed: Vec<TypedEvent> = raw
        .iter()
        .map(|(t, value, at)| shipped.resolve(&Event { event_type: t, value: *value, at: *at }).unwrap())
        .collect();

    let mut group = c.benchmark_group("apply");
    group.throughput(Throughput::Elements(EVENTS as u64));
    group.bench_function("shipped catalog, typed events", |b| {
        b.iter(|| {
            let mut state = shipped.new_state(time_zone("UTC").unwrap());
            for e in &typed {
                black_box(shipped.apply_typed(&mut state, e).unwrap());
            }
            state
        });
    });
    group.bench_function("shipped catalog, events by name", |b| {
        b.iter(|| {
            let mut state = shipped.new_state(time_zone("UTC").unwrap());
            for (t, value, at) in &raw {
                black_box(shipped.apply(&mut state, &Event { event_type: t, value: *value, at: *at }).unwrap());
            }
            state
        });
    });
    group.bench_function("shipped catalog, user in America/New_York", |b| {
        b.iter(|| {
            let mut state = shipped.new_state(time_zone("America/New_York").unwrap());
            for e in &typed {
                black_box(shipped.apply_typed(&mut state, e).unwrap());
            }
            state
        });
    });

    let (synthetic, _) = Engine::from_json(&synthetic_catalog()).unwrap();
    let mut rng = Rng(42);
    let start: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
    let synthetic_events: Vec<TypedEvent> = (0..EVENTS)
        .map(|i| {
            let name = format!("e{}", rng.below(50));
            let at = start.checked_add_seconds(i64::try_from(i).unwrap() * 60).unwrap();
            synthetic.resolve(&Event { event_type: &name, value: None, at }).unwrap()
        })
        .collect();
    group.bench_function("1,000 achievements over 50 fields", |b| {
        b.iter(|| {
            let mut state = synthetic.new_state(time_zone("UTC").unwrap());
            for e in &synthetic_events {
                black_box(synthetic.apply_typed(&mut state, e).unwrap());
            }
            state
        });
    });

    // The baseline: what a hand-written loop over the same shipped events
    // costs — a counter per event type and a fixed list of targets each.
    let kinds: Vec<usize> = raw.iter().map(|(t, _, _)| usize::from(t.as_bytes()[0]) % 16).collect();
    let targets: [&[i64]; 16] = [&[1, 5, 10, 25, 50]; 16];
    group.bench_function("baseline: hand-written counter loop", |b| {
        b.iter(|| {
            let mut counters = [0i64; 16];
            let mut unlocked = 0u32;
            for (k, (_, value, _)) in kinds.iter().zip(&raw) {
                counters[*k] += value.unwrap_or(1);
                for t in targets[*k] {
                    if counters[*k] == *t {
                        unlocked += 1;
                    }
                }
            }
            black_box((counters, unlocked))
        });
    });
    group.finish();
}

/// Retroactive evaluation of users restored from stored snapshots with
/// varied counters: the `award-retroactive` loop.
fn evaluate_benches(c: &mut Criterion) {
    let (shipped, _) = Engine::from_json(SHIPPED_CATALOG_JSON).unwrap();
    let mut rng = Rng(7);
    let users: Vec<_> = (0..1000)
        .map(|_| {
            let mut snap = StateSnapshot::default();
            for field in
                ["project_count", "battle_count", "battle_wins", "helpful_actions", "quiz_count", "login_count"]
            {
                snap.stats.insert(field.to_owned(), i64::try_from(rng.below(60)).unwrap());
            }
            shipped.state_from_snapshot(&snap).unwrap()
        })
        .collect();
    let now: Timestamp = "2026-06-01T00:00:00Z".parse().unwrap();
    let mut group = c.benchmark_group("evaluate");
    group.throughput(Throughput::Elements(users.len() as u64));
    group.bench_function("1,000 users, shipped catalog", |b| {
        b.iter_batched_ref(
            || users.clone(),
            |users| {
                for state in users.iter_mut() {
                    black_box(shipped.evaluate(state, now));
                }
            },
            BatchSize::LargeInput,
        );
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).warm_up_time(std::time::Duration::from_secs(1)).measurement_time(std::time::Duration::from_secs(3));
    targets = apply_benches, evaluate_benches
}
criterion_main!(benches);
