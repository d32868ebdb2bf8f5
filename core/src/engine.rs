//! The unlock rules: apply an event, preview one, evaluate everything.
//!
//! An [`Engine`] is a validated [`Catalog`] compiled into flat vectors when it
//! is built (field numbers, each event's effects, each achievement's rule), so
//! applying an event touches no string and no hash map. The rules, in short
//! (ARCHITECTURE.md has them in full):
//!
//! * an event's effects are checked first and then applied, all or nothing;
//! * then every unearned active achievement is checked, in rounds: the
//!   achievements whose conditions hold at the start of a round unlock
//!   together (in catalog order), their points are credited, and the next
//!   round looks again — until a round unlocks nothing;
//! * an achievement is never earned twice and never revoked.

use crate::event::{Event, EventError, EventTypeId, TypedEvent};
use crate::load::{FieldRole, Loaded, field_roles, load_catalog};
use crate::model::{Catalog, CriteriaType, Op};
use crate::sorted_map::SortedMap;
use crate::state::{Cause, DateRange, EarnedRecord, GrantError, StateError, StateSnapshot, UserState, time_zone};
use crate::streak::{DayNumber, DayRun, DayRuns};
use crate::time::{Date, Instant as Timestamp, TimeZone};
use crate::valid_catalog::ValidCatalog;
use crate::{Diagnostics, InvalidFile};

/// A catalog compiled for fast, deterministic rule evaluation.
#[derive(Clone, Debug)]
pub struct Engine {
    catalog: Catalog,
    fields: Vec<FieldSpec>,
    /// Field name → index into `fields` (sorted vectors, as every name
    /// lookup here: see `SortedMap`).
    field_ids: SortedMap<String, usize>,
    /// Event type name → index into `events`.
    event_ids: SortedMap<String, usize>,
    events: Vec<CompiledEvent>,
    streak_fields: Vec<usize>,
    /// Per streak slot: every field any effect names as that streak's
    /// `longest_field`. Each effect recording a day updates all of them, so
    /// a longest field holds the longest run whichever event type recorded
    /// the days (an effect that names none still counts), as a state
    /// restored from its snapshot does.
    longest_fields: Vec<Vec<usize>>,
    /// One per definition, same index as `catalog.achievements`.
    pub(crate) rules: Vec<Rule>,
    /// Indexes of active definitions, in catalog order: the only ones that can unlock.
    candidates: Vec<usize>,
    /// Per field: the candidates tracking it (catalog order).
    candidates_by_field: Vec<Vec<usize>>,
    /// Per achievement slot: the candidates that require it.
    dependents: Vec<Vec<usize>>,
    /// Achievement slot by key or placeholder id.
    slots: SortedMap<String, usize>,
    /// Flattened prerequisite slots; each rule owns a range.
    prereqs: Vec<usize>,
    points_field: Option<usize>,
}

#[derive(Clone, Debug)]
pub(crate) struct FieldSpec {
    pub(crate) name: String,
    role: FieldRole,
    /// For streak fields: which entry of `UserState::streaks`.
    streak_slot: Option<usize>,
}

#[derive(Clone, Debug)]
struct CompiledEvent {
    effects: Vec<CompiledEffect>,
    /// Every field the event writes (streak longest fields included).
    touched: Vec<usize>,
    /// The candidates whose condition this event can change in a settled
    /// state: those tracking a touched field, and every windowed one (time
    /// moved). Catalog order.
    checks: Vec<usize>,
}

#[derive(Clone, Copy, Debug)]
enum CompiledEffect {
    Add(usize),
    Set(usize),
    Max(usize),
    /// Its longest fields are the slot's `Engine::longest_fields`.
    Streak {
        field: usize,
        slot: usize,
    },
}

#[derive(Clone, Debug)]
pub(crate) struct Rule {
    pub(crate) field: usize,
    pub(crate) target: i64,
    /// `Some` for `streak` criteria: compare the longest run of this slot.
    pub(crate) longest_run_of: Option<usize>,
    pub(crate) from: Option<Timestamp>,
    pub(crate) until: Option<Timestamp>,
    prereqs: (u32, u32),
    points: i64,
    /// Requires an achievement the catalog does not have.
    impossible: bool,
}

/// One achievement earned by a step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unlock {
    pub key: String,
    pub record: EarnedRecord,
}

#[derive(Clone, Copy)]
enum Trigger<'a> {
    Event(&'a CompiledEvent),
    Evaluation,
    /// What a badge granted by hand set off: its points, and what required it.
    Grant,
}

impl Engine {
    /// Compiles a validated catalog. Retired definitions added by
    /// [`ValidCatalog::with_retired`] are inactive: their fields are kept,
    /// and prerequisites they name that the catalog lost are never met.
    pub fn new(catalog: ValidCatalog) -> Self {
        let catalog = catalog.into_catalog();
        // A valid catalog gives each field one role: no diagnostics here.
        let roles = field_roles(&catalog.events, &mut Diagnostics::default());

        // Fields: every field an event writes, then the points field, in a
        // deterministic order (sorted by name: `names` is a sorted map).
        let mut names = roles;
        let implied = || (FieldRole::Updated(Op::Add), String::new());
        if let Some(pf) = catalog.points_field.as_deref() {
            names.get_or_insert_with(pf, implied);
        }
        // Retired definitions (see `Catalog::with_retired`) may track a field
        // no event updates any more: it still holds the user's value.
        for def in &catalog.achievements {
            names.get_or_insert_with(&def.tracking_field, implied);
        }
        let mut fields = Vec::with_capacity(names.len());
        let mut streak_fields = Vec::new();
        for (i, (name, (role, _))) in names.iter().enumerate() {
            let streak_slot = (*role == FieldRole::Updated(Op::Streak)).then(|| {
                streak_fields.push(i);
                streak_fields.len() - 1
            });
            fields.push(FieldSpec { name: (*name).to_owned(), role: *role, streak_slot });
        }
        let field_ids: SortedMap<String, usize> = fields.iter().enumerate().map(|(i, f)| (f.name.clone(), i)).collect();
        // Every field the catalog names is in `fields` (built above from
        // those very names), so the fallback is never taken.
        let id = |name: &str| field_ids.get(name).copied().unwrap_or_default();

        let mut longest_fields = vec![Vec::new(); streak_fields.len()];
        for effect in catalog.events.values().flatten() {
            let slot = fields[id(&effect.field)].streak_slot;
            if let (Some(slot), Some(longest)) = (slot, effect.longest_field.as_deref()) {
                let longest = id(longest);
                if !longest_fields[slot].contains(&longest) {
                    longest_fields[slot].push(longest);
                }
            }
        }

        let event_ids: SortedMap<String, usize> = catalog.events.keys().cloned().zip(0..).collect();
        let mut events = Vec::new();
        for effects in catalog.events.values() {
            let mut compiled = Vec::with_capacity(effects.len());
            let mut touched = Vec::new();
            for effect in effects {
                let field = id(&effect.field);
                touched.push(field);
                compiled.push(match effect.op {
                    Op::Add => CompiledEffect::Add(field),
                    Op::Set => CompiledEffect::Set(field),
                    Op::Max => CompiledEffect::Max(field),
                    Op::Streak => {
                        let slot = fields[field].streak_slot.unwrap_or(0);
                        touched.extend(longest_fields.get(slot).into_iter().flatten());
                        CompiledEffect::Streak { field, slot }
                    }
                });
            }
            events.push(CompiledEvent { effects: compiled, touched, checks: Vec::new() });
        }

        let keys = catalog.achievements.iter().map(|def| def.key.clone());
        let ids = catalog.secret_placeholders.iter().map(|p| p.id.clone());
        let slots: SortedMap<String, usize> = keys.chain(ids).zip(0..).collect();

        let mut prereqs = Vec::new();
        let mut rules = Vec::with_capacity(catalog.achievements.len());
        for def in &catalog.achievements {
            let start = prereqs.len();
            // An unknown prerequisite (only possible in a retired definition)
            // can never be earned: it blocks the rule for good.
            let impossible = def.requires_achievements.iter().any(|k| !slots.contains_key(k.as_str()));
            prereqs.extend(def.requires_achievements.iter().filter_map(|k| slots.get(k.as_str()).copied()));
            let field = id(&def.tracking_field);
            rules.push(Rule {
                field,
                target: def.criteria_value,
                longest_run_of: (def.criteria_type == CriteriaType::Streak)
                    .then(|| fields[field].streak_slot)
                    .flatten(),
                from: def.available_from,
                until: def.available_until,
                prereqs: (to_u32(start), to_u32(prereqs.len())),
                points: def.points,
                impossible,
            });
        }
        let candidates: Vec<usize> = (0..catalog.achievements.len())
            .filter(|&i| catalog.achievements[i].is_active && !rules[i].impossible)
            .collect();
        let points_field = catalog.points_field.as_deref().map(id);

        let mut candidates_by_field = vec![Vec::new(); fields.len()];
        let mut dependents = vec![Vec::new(); catalog.achievements.len() + catalog.secret_placeholders.len()];
        for &a in &candidates {
            candidates_by_field[rules[a].field].push(a);
            let (start, end) = rules[a].prereqs;
            for &p in &prereqs[start as usize..end as usize] {
                dependents[p].push(a);
            }
        }
        for event in &mut events {
            event.checks = candidates
                .iter()
                .copied()
                .filter(|&a| {
                    let rule: &Rule = &rules[a];
                    event.touched.contains(&rule.field) || rule.from.is_some() || rule.until.is_some()
                })
                .collect();
        }

        Engine {
            catalog,
            fields,
            field_ids,
            event_ids,
            events,
            streak_fields,
            longest_fields,
            rules,
            candidates,
            candidates_by_field,
            dependents,
            slots,
            prereqs,
            points_field,
        }
    }

    /// Parses, validates and compiles catalog JSON text.
    ///
    /// # Errors
    /// Every problem found in the catalog, located.
    pub fn from_json(text: &str) -> Result<(Self, Vec<crate::Diagnostic>), InvalidFile> {
        let Loaded { catalog, warnings } = load_catalog(text)?;
        Ok((Engine::new(catalog), warnings))
    }

    /// The catalog this engine runs.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// A fresh state: every counter 0, nothing earned.
    pub fn new_state(&self, timezone: TimeZone) -> UserState {
        UserState {
            timezone,
            values: vec![0; self.fields.len()],
            earned: vec![None; self.slot_count()],
            streaks: vec![DayRuns::default(); self.streak_fields.len()],
            foreign: StateSnapshot::default(),
            // Every counter 0 and every target ≥ 1: nothing holds.
            settled: true,
        }
    }

    fn slot_count(&self) -> usize {
        self.catalog.achievements.len() + self.catalog.secret_placeholders.len()
    }

    /// Looks up an event type once, for applying many events of it.
    ///
    /// # Errors
    /// [`EventError::UnknownEventType`].
    pub fn resolve(&self, event: &Event<'_>) -> Result<TypedEvent, EventError> {
        let id = self
            .event_type_id(event.event_type)
            .ok_or_else(|| EventError::UnknownEventType(event.event_type.to_owned()))?;
        Ok(TypedEvent { event_type: id, value: event.value, at: event.at })
    }

    /// Applies an event (the plan's `track_event` + `check_and_unlock`) and
    /// returns what it unlocked, cascades included, in the order they happened.
    ///
    /// # Errors
    /// A refused event changes nothing: unknown type, a negative or
    /// overflowing `add`, or a `set`/`max` without a value.
    pub fn apply(&self, state: &mut UserState, event: &Event<'_>) -> Result<Vec<Unlock>, EventError> {
        let typed = self.resolve(event)?;
        self.apply_typed(state, &typed)
    }

    /// [`Engine::apply`] for an already resolved event.
    ///
    /// # Errors
    /// As [`Engine::apply`].
    ///
    /// # Panics
    /// If `state` was made for another engine (a programming error).
    pub fn apply_typed(&self, state: &mut UserState, event: &TypedEvent) -> Result<Vec<Unlock>, EventError> {
        self.assert_layout(state);
        let compiled = &self.events[event.event_type.0 as usize];
        // All checks before any change: a refused event changes nothing.
        for effect in &compiled.effects {
            match *effect {
                CompiledEffect::Add(f) => {
                    let value = event.value.unwrap_or(1);
                    if value < 0 {
                        return Err(EventError::NegativeValue { field: self.fields[f].name.clone(), value });
                    }
                    if state.values[f].checked_add(value).is_none() {
                        return Err(EventError::Overflow {
                            field: self.fields[f].name.clone(),
                            current: state.values[f],
                            value,
                        });
                    }
                }
                CompiledEffect::Set(f) | CompiledEffect::Max(f) if event.value.is_none() => {
                    let op = if matches!(effect, CompiledEffect::Set(_)) { Op::Set } else { Op::Max };
                    return Err(EventError::MissingValue { field: self.fields[f].name.clone(), op });
                }
                // A recorded day must be a date (snapshots write days as
                // dates): refuse the event rather than record a day no
                // snapshot could hold.
                CompiledEffect::Streak { .. }
                    if Date::from_day_number(local_day(&state.timezone, event.at)).is_none() =>
                {
                    return Err(EventError::DayOutOfRange { at: event.at, timezone: state.timezone.name().to_owned() });
                }
                _ => {}
            }
        }
        for effect in &compiled.effects {
            match *effect {
                CompiledEffect::Add(f) => state.values[f] += event.value.unwrap_or(1),
                CompiledEffect::Set(f) => state.values[f] = event.value.unwrap_or_default(),
                CompiledEffect::Max(f) => state.values[f] = state.values[f].max(event.value.unwrap_or_default()),
                CompiledEffect::Streak { field, slot } => {
                    let day = local_day(&state.timezone, event.at);
                    let runs = &mut state.streaks[slot];
                    runs.insert(day);
                    state.values[field] = runs.latest_run();
                    for &l in &self.longest_fields[slot] {
                        state.values[l] = runs.longest();
                    }
                }
            }
        }
        Ok(self.settle(state, event.at, Trigger::Event(compiled)))
    }

    /// What an event would unlock, cascades included, without changing `state`.
    ///
    /// # Errors
    /// As [`Engine::apply`]: the event would be refused.
    pub fn preview(&self, state: &UserState, event: &Event<'_>) -> Result<Vec<Unlock>, EventError> {
        let mut scratch = state.clone();
        self.apply(&mut scratch, event)
    }

    /// Unlocks everything whose conditions hold at `at` (the plan's
    /// `award_retroactive_achievements`), with cause `evaluation`. Running it
    /// twice changes nothing.
    pub fn evaluate(&self, state: &mut UserState, at: Timestamp) -> Vec<Unlock> {
        self.assert_layout(state);
        self.settle(state, at, Trigger::Evaluation)
    }

    /// Unlock rounds until nothing changes.
    ///
    /// Which achievements a round checks. The first round checks all
    /// candidates when the state is not known to be settled (fresh from a
    /// snapshot or set by hand) or for an evaluation; otherwise — no unearned
    /// achievement's condition held after the previous step — only the event's
    /// precomputed `checks`, those whose condition it can change. Every later
    /// round checks only those on the points field and those requiring what
    /// the last round unlocked. The outcome is the same as checking everything
    /// every round; the property tests hold it to that.
    fn settle(&self, state: &mut UserState, at: Timestamp, trigger: Trigger<'_>) -> Vec<Unlock> {
        let full = !state.settled || matches!(trigger, Trigger::Evaluation);
        let mut unlocks = Vec::new();
        let mut round: Vec<usize> = Vec::new();
        let mut next: Vec<usize> = Vec::new();
        let mut first = true;
        loop {
            let checks: &[usize] = match trigger {
                _ if !first => &next,
                _ if full => &self.candidates,
                Trigger::Event(event) => &event.checks,
                Trigger::Evaluation | Trigger::Grant => &self.candidates,
            };
            round.clear();
            round.extend(checks.iter().copied().filter(|&a| state.earned[a].is_none() && self.holds(state, a, at)));
            first = false;
            if round.is_empty() {
                state.settled = true;
                return unlocks;
            }
            // Records first (values as they stood when the round began), then points.
            for &a in &round {
                let rule = &self.rules[a];
                let record = EarnedRecord {
                    earned_at: at,
                    progress_at_unlock: self.tracked_value(state, rule),
                    cause: self.cause(rule, trigger),
                };
                state.earned[a] = Some(record);
                unlocks.push(Unlock { key: self.catalog.achievements[a].key.clone(), record });
            }
            if let Some(pf) = self.points_field {
                for &a in &round {
                    state.values[pf] = state.values[pf].saturating_add(self.rules[a].points);
                }
            }
            // After any round, what did not hold can only have changed through
            // the points just credited or the prerequisites just earned.
            // `next` stays sorted and unique (catalog order) by insertion:
            // both sources are short and sorted, and no sort is linked.
            next.clear();
            if let Some(pf) = self.points_field {
                next.extend_from_slice(&self.candidates_by_field[pf]);
            }
            for &a in &round {
                for &d in &self.dependents[a] {
                    if let Err(at) = next.binary_search(&d) {
                        next.insert(at, d);
                    }
                }
            }
        }
    }

    /// The unlock condition of definition `a` at time `at`, activity aside.
    #[inline]
    fn holds(&self, state: &UserState, a: usize, at: Timestamp) -> bool {
        let rule = &self.rules[a];
        self.tracked_value(state, rule) >= rule.target && in_window(rule, at) && self.prerequisites_met(state, rule)
    }

    pub(crate) fn prerequisites_met(&self, state: &UserState, rule: &Rule) -> bool {
        self.prereqs[rule.prereqs.0 as usize..rule.prereqs.1 as usize].iter().all(|&p| state.earned[p].is_some())
    }

    pub(crate) fn prerequisite_slots(&self, a: usize) -> &[usize] {
        let rule = &self.rules[a];
        &self.prereqs[rule.prereqs.0 as usize..rule.prereqs.1 as usize]
    }

    /// The value the condition compares: the longest run for streak criteria,
    /// the field's value otherwise.
    #[inline]
    pub(crate) fn tracked_value(&self, state: &UserState, rule: &Rule) -> i64 {
        match rule.longest_run_of {
            Some(slot) => state.streaks[slot].longest(),
            None => state.values[rule.field],
        }
    }

    fn cause(&self, rule: &Rule, trigger: Trigger<'_>) -> Cause {
        match trigger {
            Trigger::Evaluation => Cause::Evaluation,
            Trigger::Event(event) if event.touched.contains(&rule.field) => Cause::Event,
            Trigger::Event(_) if Some(rule.field) == self.points_field => Cause::Points,
            Trigger::Event(_) => Cause::Prerequisite,
            Trigger::Grant if Some(rule.field) == self.points_field => Cause::Points,
            Trigger::Grant => Cause::Prerequisite,
        }
    }

    fn assert_layout(&self, state: &UserState) {
        assert!(
            state.values.len() == self.fields.len()
                && state.earned.len() == self.slot_count()
                && state.streaks.len() == self.streak_fields.len(),
            "this UserState was made for a different engine"
        );
    }

    // ----- reading state -------------------------------------------------

    /// The earned record of an achievement (by key or placeholder id).
    pub fn earned(&self, state: &UserState, key: &str) -> Option<EarnedRecord> {
        match self.slots.get(key) {
            Some(&slot) => state.earned[slot],
            None => state.foreign.earned.get(key).copied(),
        }
    }

    /// The value of a tracking field (0 if never touched or unknown).
    pub fn stat(&self, state: &UserState, field: &str) -> i64 {
        match self.field_ids.get(field) {
            Some(&f) => state.values[f],
            None => state.foreign.stats.get(field).copied().unwrap_or(0),
        }
    }

    /// The current run of a streak field as of `now` in the user's time zone
    /// (0 once a whole local day has passed with no activity).
    pub fn streak_as_of(&self, state: &UserState, field: &str, now: Timestamp) -> Option<i64> {
        let slot = self.field_ids.get(field).and_then(|&f| self.fields[f].streak_slot)?;
        Some(state.streaks[slot].run_as_of(local_day(&state.timezone, now)))
    }

    /// The longest run ever of a streak field, in days (`None` if `field` is
    /// not a streak field).
    pub fn longest_streak(&self, state: &UserState, field: &str) -> Option<i64> {
        let slot = self.field_ids.get(field).and_then(|&f| self.fields[f].streak_slot)?;
        Some(state.streaks[slot].longest())
    }

    /// Names of every tracking field, sorted.
    pub fn field_names(&self) -> impl Iterator<Item = &str> {
        self.fields.iter().map(|f| f.name.as_str())
    }

    /// `true` if `field` is a streak field (its value derives from active
    /// days). Only `recalculate` asks; no adapter needs it.
    pub(crate) fn is_streak_field(&self, field: &str) -> bool {
        self.field_ids.get(field).is_some_and(|&f| self.fields[f].streak_slot.is_some())
    }

    /// The number of an event type, for [`TypedEvent`]s.
    pub fn event_type_id(&self, event_type: &str) -> Option<EventTypeId> {
        self.event_ids.get(event_type).map(|&i| EventTypeId(to_u32(i)))
    }

    pub(crate) fn slot(&self, key: &str) -> Option<usize> {
        self.slots.get(key).copied()
    }

    pub(crate) fn slot_name(&self, slot: usize) -> &str {
        let defs = &self.catalog.achievements;
        match defs.get(slot) {
            Some(d) => &d.key,
            None => &self.catalog.secret_placeholders[slot - defs.len()].id,
        }
    }

    pub(crate) fn local_day(&self, state: &UserState, at: Timestamp) -> DayNumber {
        local_day(&state.timezone, at)
    }

    // ----- setting up state ----------------------------------------------

    /// Sets a counter directly (initial states, imports). Streak fields and
    /// their longest fields derive from active days and cannot be set.
    ///
    /// # Errors
    /// [`StateError::UnknownField`] or [`StateError::DerivedField`].
    pub fn set_stat(&self, state: &mut UserState, field: &str, value: i64) -> Result<(), StateError> {
        let &f = self.field_ids.get(field).ok_or_else(|| StateError::UnknownField(field.to_owned()))?;
        if self.fields[f].streak_slot.is_some() || self.fields[f].role == FieldRole::Longest {
            return Err(StateError::DerivedField(field.to_owned()));
        }
        state.values[f] = value;
        state.settled = false;
        Ok(())
    }

    /// Marks an achievement earned without crediting points (initial states).
    ///
    /// # Errors
    /// [`StateError::UnknownAchievement`].
    pub fn grant(&self, state: &mut UserState, key: &str, record: EarnedRecord) -> Result<(), StateError> {
        let slot = self.slot(key).ok_or_else(|| StateError::UnknownAchievement(key.to_owned()))?;
        state.earned[slot] = Some(record);
        state.settled = false;
        Ok(())
    }

    /// Grants an achievement by hand (an operator's decision, not the
    /// rules'): it is earned at `at` with cause `granted`, its points are
    /// credited, and what that sets off unlocks too (badges on the points
    /// field, cause `points`; badges that required it, cause
    /// `prerequisite`), as any unlock's round would. Returns every unlock,
    /// the granted one first.
    ///
    /// # Errors
    /// [`GrantError::UnknownAchievement`] for a key the catalog does not
    /// define (secret placeholders included), [`GrantError::AlreadyEarned`];
    /// the state is unchanged then.
    pub fn grant_by_hand(&self, state: &mut UserState, key: &str, at: Timestamp) -> Result<Vec<Unlock>, GrantError> {
        self.assert_layout(state);
        let slot = self
            .slot(key)
            .filter(|&s| s < self.catalog.achievements.len())
            .ok_or_else(|| GrantError::UnknownAchievement(key.to_owned()))?;
        if state.earned[slot].is_some() {
            return Err(GrantError::AlreadyEarned(key.to_owned()));
        }
        let rule = &self.rules[slot];
        let record =
            EarnedRecord { earned_at: at, progress_at_unlock: self.tracked_value(state, rule), cause: Cause::Granted };
        state.earned[slot] = Some(record);
        if let Some(pf) = self.points_field {
            state.values[pf] = state.values[pf].saturating_add(rule.points);
        }
        let mut unlocks = vec![Unlock { key: key.to_owned(), record }];
        state.settled = false;
        unlocks.extend(self.settle(state, at, Trigger::Grant));
        Ok(unlocks)
    }

    /// Revokes an earned achievement by hand: its record is removed and
    /// its points taken back (a key the catalog no longer has credited
    /// none). Nothing else changes: badges unlocked since keep their
    /// records. If its condition still holds, the rules unlock it again at
    /// the user's next event or evaluation; revoke what the rules would
    /// not give again (a grant, or after correcting the counters).
    /// Returns the record removed.
    ///
    /// # Errors
    /// [`GrantError::NotEarned`]; the state is unchanged then.
    pub fn revoke(&self, state: &mut UserState, key: &str) -> Result<EarnedRecord, GrantError> {
        self.assert_layout(state);
        let Some(slot) = self.slot(key) else {
            let record = state.foreign.earned.remove(key).ok_or_else(|| GrantError::NotEarned(key.to_owned()))?;
            return Ok(record);
        };
        let record = state.earned[slot].take().ok_or_else(|| GrantError::NotEarned(key.to_owned()))?;
        if let (Some(pf), Some(rule)) = (self.points_field, self.rules.get(slot)) {
            state.values[pf] = state.values[pf].saturating_sub(rule.points);
        }
        state.settled = false;
        Ok(record)
    }

    /// Rebuilds a state from its portable form. Fields and achievements this
    /// catalog does not know are kept aside and written back by
    /// [`Engine::snapshot`], so a catalog change never loses data.
    ///
    /// # Errors
    /// [`StateError::UnknownTimeZone`].
    pub fn state_from_snapshot(&self, snapshot: &StateSnapshot) -> Result<UserState, StateError> {
        Ok(self.state_from_snapshot_in(snapshot, time_zone(&snapshot.timezone)?))
    }

    /// [`Engine::state_from_snapshot`] in a time zone the caller already has
    /// (one the snapshot names but the core cannot look up itself, such as
    /// a [`crate::ZoneTable`] handed to the WebAssembly module).
    pub fn state_from_snapshot_in(&self, snapshot: &StateSnapshot, timezone: TimeZone) -> UserState {
        let mut state = self.new_state(timezone);
        for (field, days) in &snapshot.streak_days {
            let runs = days.iter().map(|r| DayRun { first: r.0.day_number(), last: r.1.day_number() });
            match self.field_ids.get(field).and_then(|&f| self.fields[f].streak_slot.map(|s| (f, s))) {
                Some((f, slot)) => {
                    state.streaks[slot] = DayRuns::from_runs(runs);
                    state.values[f] = state.streaks[slot].latest_run();
                }
                None => {
                    state.foreign.streak_days.insert(field.clone(), days.clone());
                }
            }
        }
        for (field, &value) in &snapshot.stats {
            match self.set_stat(&mut state, field, value) {
                Ok(()) | Err(StateError::DerivedField(_)) => {}
                Err(_) => {
                    state.foreign.stats.insert(field.clone(), value);
                }
            }
        }
        // Longest fields derive from their streak's runs.
        for (slot, longest) in self.longest_fields.iter().enumerate() {
            for &l in longest {
                state.values[l] = state.streaks[slot].longest();
            }
        }
        state.settled = false;
        for (key, record) in &snapshot.earned {
            match self.slot(key) {
                Some(slot) => state.earned[slot] = Some(*record),
                None => {
                    state.foreign.earned.insert(key.clone(), *record);
                }
            }
        }
        state
    }

    /// The portable form of a state (everything, including what the catalog
    /// does not know). Round-trips through [`Engine::state_from_snapshot`].
    pub fn snapshot(&self, state: &UserState) -> StateSnapshot {
        let mut out = state.foreign.clone();
        out.timezone = state.timezone.name().to_owned();
        for (f, spec) in self.fields.iter().enumerate() {
            if state.values[f] != 0 {
                out.stats.insert(spec.name.clone(), state.values[f]);
            }
            if let Some(slot) = spec.streak_slot.filter(|&s| !state.streaks[s].runs().is_empty()) {
                // Every recorded day is a date (`apply` refuses others and
                // snapshots hold dates), so no run is left out here.
                let ranges = state.streaks[slot].runs().iter().filter_map(|r| DateRange::from_run(*r)).collect();
                out.streak_days.insert(spec.name.clone(), ranges);
            }
        }
        for (slot, record) in state.earned.iter().enumerate() {
            if let Some(record) = record {
                out.earned.insert(self.slot_name(slot).to_owned(), *record);
            }
        }
        out
    }
}

#[inline]
pub(crate) fn in_window(rule: &Rule, at: Timestamp) -> bool {
    rule.from.is_none_or(|from| at >= from) && rule.until.is_none_or(|until| at < until)
}

/// The calendar day of `at` in `tz`.
fn local_day(tz: &TimeZone, at: Timestamp) -> DayNumber {
    tz.local_day(at)
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
