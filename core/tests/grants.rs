//! Badges granted and revoked by hand (`Engine::grant_by_hand`,
//! `Engine::revoke`): the operator's decision, counted by the rules' own
//! arithmetic.

use achievements_core::{Cause, Engine, Event, GrantError, Instant, SHIPPED_CATALOG_JSON, TimeZone};

fn engine() -> Engine {
    Engine::from_json(SHIPPED_CATALOG_JSON).expect("the shipped catalog").0
}

fn at(text: &str) -> Instant {
    text.parse().expect("timestamp")
}

#[test]
fn a_grant_is_earned_now_credits_its_points_and_sets_off_what_they_reach() {
    let engine = engine();
    let mut state = engine.new_state(TimeZone::utc());
    let now = at("2026-03-01T10:00:00Z");
    let unlocks = engine.grant_by_hand(&mut state, "50_projects", now).expect("granted");
    let keys: Vec<(&str, Cause)> = unlocks.iter().map(|u| (u.key.as_str(), u.record.cause)).collect();
    assert_eq!(keys, [("50_projects", Cause::Granted), ("100_points", Cause::Points)]);
    assert_eq!(unlocks[0].record.earned_at, now);
    assert_eq!(unlocks[0].record.progress_at_unlock, 0, "the tracked value when granted");
    assert_eq!(engine.stat(&state, "total_points"), 100 + 10);
    assert_eq!(engine.earned(&state, "50_projects").map(|r| r.cause), Some(Cause::Granted));
}

#[test]
fn a_grant_is_refused_for_an_earned_badge_or_an_unknown_key_and_changes_nothing() {
    let engine = engine();
    let mut state = engine.new_state(TimeZone::utc());
    let now = at("2026-03-01T10:00:00Z");
    engine.grant_by_hand(&mut state, "first_login", now).expect("granted");
    let before = engine.snapshot(&state);
    assert_eq!(
        engine.grant_by_hand(&mut state, "first_login", now),
        Err(GrantError::AlreadyEarned("first_login".into()))
    );
    assert_eq!(engine.grant_by_hand(&mut state, "nope", now), Err(GrantError::UnknownAchievement("nope".into())));
    assert_eq!(
        engine.grant_by_hand(&mut state, "secret-1", now),
        Err(GrantError::UnknownAchievement("secret-1".into())),
        "a placeholder is not a badge"
    );
    assert_eq!(engine.snapshot(&state), before);
}

#[test]
fn a_revocation_removes_the_record_and_takes_its_points_back() {
    let engine = engine();
    let mut state = engine.new_state(TimeZone::utc());
    let now = at("2026-03-01T10:00:00Z");
    engine.grant_by_hand(&mut state, "50_projects", now).expect("granted");
    let record = engine.revoke(&mut state, "50_projects").expect("revoked");
    assert_eq!(record.cause, Cause::Granted);
    assert_eq!(engine.earned(&state, "50_projects"), None);
    assert_eq!(engine.stat(&state, "total_points"), 10, "100_points, unlocked since, keeps its record and points");
    assert!(engine.earned(&state, "100_points").is_some());
    assert_eq!(engine.revoke(&mut state, "50_projects"), Err(GrantError::NotEarned("50_projects".into())));
    assert_eq!(engine.revoke(&mut state, "nope"), Err(GrantError::NotEarned("nope".into())));
}

#[test]
fn a_revoked_badge_whose_condition_holds_is_unlocked_again_by_the_next_event() {
    let engine = engine();
    let mut state = engine.new_state(TimeZone::utc());
    let login = |s: &str| Event { event_type: "login", value: None, at: at(s) };
    engine.apply(&mut state, &login("2026-03-01T10:00:00Z")).expect("applied");
    assert!(engine.earned(&state, "first_login").is_some());
    engine.revoke(&mut state, "first_login").expect("revoked");
    let again = engine.apply(&mut state, &login("2026-03-02T10:00:00Z")).expect("applied");
    assert!(again.iter().any(|u| u.key == "first_login"), "{again:?}");
}

#[test]
fn a_grant_unlocks_what_required_it_with_cause_prerequisite() {
    let engine = engine();
    let mut state = engine.new_state(TimeZone::utc());
    let now = at("2026-03-01T10:00:00Z");
    engine.set_stat(&mut state, "battle_count", 25).expect("a counter");
    let evaluated: Vec<String> = engine.evaluate(&mut state, now).into_iter().map(|u| u.key).collect();
    assert!(evaluated.contains(&"5_battles".to_owned()) && !evaluated.contains(&"battle_legend".to_owned()));
    let unlocks = engine.grant_by_hand(&mut state, "10_wins", now).expect("granted");
    let keys: Vec<(&str, Cause)> = unlocks.iter().map(|u| (u.key.as_str(), u.record.cause)).collect();
    assert_eq!(keys[0], ("10_wins", Cause::Granted));
    assert!(keys.contains(&("battle_legend", Cause::Prerequisite)), "{keys:?}");
}
