//! What a request's events do, decided before anything is written: which
//! are duplicates, which name no user, what the core's [`Engine`] makes of
//! the rest, and so which rows to write. Pure: both backends load what it
//! needs ([`Known`]), call [`plan_events`], and write the [`Plan`] in one
//! transaction, each in its own way (row by row on SQLite, in bulk on
//! PostgreSQL). Deciding here, once, is what keeps the two backends'
//! answers identical.

use super::model::{NewEvent, Outcome};
use achievements_core::{Engine, Event, Unlock, UserState, time_zone};
use std::collections::{HashMap, HashSet};

/// What the store holds that a request's events depend on.
#[derive(Debug, Default)]
pub(crate) struct Known {
    /// The request's event ids that the event log already has.
    pub stored_ids: HashSet<String>,
    /// Every user the request names who exists: id, state, and the version
    /// of their stored state row. With `serve --create-users`, also each
    /// unknown user who may be created, under a [`placeholder`] id and a
    /// fresh state in UTC (an event's `timezone` then sets theirs).
    pub users: HashMap<String, KnownUser>,
    /// `serve --create-users`: the unknown users who cannot be created,
    /// and why (a bad name, a look-alike of an existing user's).
    pub cannot_create: HashMap<String, String>,
}

/// The id a user to be created plans under, until [`Plan::created`] maps
/// it to their real one: negative, so it is never a stored user's.
pub(crate) fn placeholder(n: usize) -> i64 {
    -1 - i64::try_from(n).unwrap_or(i64::MAX - 1)
}

/// A user an event names, as loaded.
#[derive(Debug)]
pub(crate) struct KnownUser {
    pub id: i64,
    pub state: UserState,
}

/// An unlock to record: the earned row, its audit row and its notification.
#[derive(Debug)]
pub(crate) struct UnlockRow {
    pub user_id: i64,
    pub unlock: Unlock,
    /// The event that caused it; `None` for a re-evaluation.
    pub event_id: Option<String>,
}

impl UnlockRow {
    /// The rows of what a re-evaluation of a user unlocked (no event).
    pub(crate) fn of_evaluation(user_id: i64, unlocked: &[Unlock]) -> Vec<UnlockRow> {
        unlocked.iter().map(|u| UnlockRow { user_id, unlock: u.clone(), event_id: None }).collect()
    }
}

/// What to write for a request's events.
#[derive(Debug, Default)]
pub(crate) struct Plan {
    /// One per event, in order.
    pub outcomes: Vec<Outcome>,
    /// The events to append to the log: their index in the request and
    /// their user's id, in request order.
    pub events: Vec<(usize, i64)>,
    /// In unlock order (an event's unlocks follow its row).
    pub unlocks: Vec<UnlockRow>,
    /// The new state of every user an event changed, by user id.
    pub states: Vec<(i64, UserState)>,
    /// Users whose time zone an applied event changed, with their new
    /// zone (the last one given), to store in `users.timezone` too.
    pub zones: Vec<(i64, String)>,
}

impl Plan {
    /// Replaces placeholder ids by the ids the users were created with.
    pub(crate) fn created(&mut self, ids: &HashMap<i64, i64>) {
        let real = |id: &mut i64| {
            if let Some(&created) = ids.get(id) {
                *id = created;
            }
        };
        self.events.iter_mut().for_each(|(_, id)| real(id));
        self.unlocks.iter_mut().for_each(|u| real(&mut u.user_id));
        self.states.iter_mut().for_each(|(id, _)| real(id));
        self.zones.iter_mut().for_each(|(id, _)| real(id));
    }
}

/// Applies `events` in order to the states in `known`.
///
/// An event whose id is stored, or repeated earlier in the same request
/// and applied, is a duplicate; one that names no known user or that the
/// engine refuses changes nothing.
pub(crate) fn plan_events(engine: &Engine, events: &[NewEvent], known: Known) -> Plan {
    let Known { stored_ids, mut users, cannot_create } = known;
    let mut seen: HashSet<&str> = stored_ids.iter().map(String::as_str).collect();
    let mut changed: Vec<String> = Vec::new();
    let mut plan = Plan { outcomes: Vec::with_capacity(events.len()), ..Plan::default() };
    for (index, event) in events.iter().enumerate() {
        if seen.contains(event.id.as_str()) {
            plan.outcomes.push(Outcome::Duplicate);
            continue;
        }
        let Some(user) = users.get_mut(&event.user) else {
            plan.outcomes.push(match cannot_create.get(&event.user) {
                Some(why) => Outcome::CannotCreateUser(why.clone()),
                None => Outcome::UnknownUser,
            });
            continue;
        };
        let core_event = Event { event_type: &event.event_type, value: event.value, at: event.at };
        // A zone that differs from the user's is the core's zone change
        // (days already recorded keep their dates), made with the event:
        // on a copy, so a refused event leaves the zone as it was. The
        // intake checked the name; one the core cannot read is ignored.
        let new_zone = event
            .timezone
            .as_deref()
            .filter(|zone| *zone != user.state.timezone().name())
            .and_then(|zone| time_zone(zone).ok().map(|tz| (zone, tz)));
        let applied = match new_zone {
            None => engine.apply(&mut user.state, &core_event),
            Some((zone, tz)) => {
                let mut next = user.state.clone();
                next.set_timezone(tz);
                engine.apply(&mut next, &core_event).inspect(|_| {
                    user.state = next;
                    plan.zones.retain(|(id, _)| *id != user.id);
                    plan.zones.push((user.id, zone.to_owned()));
                })
            }
        };
        match applied {
            Err(refused) => plan.outcomes.push(Outcome::Refused(refused)),
            Ok(unlocked) => {
                plan.events.push((index, user.id));
                plan.unlocks.extend(unlocked.iter().map(|unlock| UnlockRow {
                    user_id: user.id,
                    unlock: unlock.clone(),
                    event_id: Some(event.id.clone()),
                }));
                if !changed.contains(&event.user) {
                    changed.push(event.user.clone());
                }
                seen.insert(&event.id);
                plan.outcomes.push(Outcome::Applied(unlocked));
            }
        }
    }
    plan.states = changed.into_iter().filter_map(|name| users.remove(&name)).map(|u| (u.id, u.state)).collect();
    plan
}

/// The names among `names` (sorted, as [`names_to_load`] gives them) that
/// no user in `known` has: whom `serve --create-users` would create, in
/// the order the events first name them (of two look-alike newcomers, the
/// first named is created).
pub(crate) fn unknown_names<'a>(events: &'a [NewEvent], names: &[&str], known: &Known) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for name in events.iter().map(|e| e.user.as_str()) {
        if names.binary_search(&name).is_ok() && !known.users.contains_key(name) && !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

/// Whether a user named `name` may be created, given the owner (if any)
/// of each of its look-alike keys: `Err` says why not, in the words of
/// `users add`.
pub(crate) fn creatable(name: &str, owners: impl IntoIterator<Item = Option<String>>) -> Result<(), String> {
    crate::names::check_name(name).map_err(|e| e.to_string())?;
    match owners.into_iter().flatten().next() {
        Some(existing) => Err(super::StoreError::NameCollides { name: name.to_owned(), existing }.to_string()),
        None => Ok(()),
    }
}

/// The distinct user names of the events not already stored: whom to load.
pub(crate) fn names_to_load<'a>(events: &'a [NewEvent], stored_ids: &HashSet<String>) -> Vec<&'a str> {
    let mut names: Vec<&str> = events.iter().filter(|e| !stored_ids.contains(&e.id)).map(|e| e.user.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use achievements_core::{Instant, SHIPPED_CATALOG_JSON, load_catalog, time_zone};

    fn engine() -> Engine {
        Engine::new(load_catalog(SHIPPED_CATALOG_JSON).expect("the shipped catalog").catalog)
    }

    fn event(id: &str, user: &str, event_type: &str) -> NewEvent {
        let at: Instant = "2026-03-01T10:00:00Z".parse().expect("timestamp");
        NewEvent { id: id.into(), user: user.into(), event_type: event_type.into(), value: None, at, timezone: None }
    }

    fn known(engine: &Engine, stored: &[&str], users: &[(&str, i64)]) -> Known {
        Known {
            stored_ids: stored.iter().map(|s| (*s).to_owned()).collect(),
            users: users
                .iter()
                .map(|(name, id)| {
                    let state = engine.new_state(time_zone("UTC").expect("UTC"));
                    ((*name).to_owned(), KnownUser { id: *id, state })
                })
                .collect(),
            cannot_create: HashMap::new(),
        }
    }

    #[test]
    fn duplicates_unknown_users_and_refusals_write_nothing() {
        let engine = engine();
        let events = [
            event("old", "ann", "login"),
            event("e1", "ann", "login"),
            event("e1", "ann", "login"),
            event("e2", "nobody", "login"),
            event("e3", "ann", "no_such_event_type"),
        ];
        let plan = plan_events(&engine, &events, known(&engine, &["old"], &[("ann", 7)]));
        assert!(matches!(plan.outcomes[0], Outcome::Duplicate));
        assert!(matches!(plan.outcomes[1], Outcome::Applied(_)));
        assert!(matches!(plan.outcomes[2], Outcome::Duplicate), "repeated within the request");
        assert!(matches!(plan.outcomes[3], Outcome::UnknownUser));
        assert!(matches!(plan.outcomes[4], Outcome::Refused(_)));
        assert_eq!(plan.events, [(1, 7)]);
        assert_eq!(plan.states.len(), 1);
        assert!(plan.unlocks.iter().all(|u| u.user_id == 7 && u.event_id.as_deref() == Some("e1")));
    }

    #[test]
    fn only_users_of_new_events_are_loaded() {
        let events = [event("a", "zed", "login"), event("b", "ann", "login"), event("c", "zed", "login")];
        let stored = ["b".to_owned()].into_iter().collect();
        assert_eq!(names_to_load(&events, &stored), ["zed"]);
    }
}
