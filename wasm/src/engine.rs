//! `AchievementEngine`: the core's [`Engine`] for one catalog, seen from JS.
//!
//! Every method takes the user's state as a `StateSnapshot` object and
//! returns plain objects; a state passed in is never changed (`apply`
//! returns a new one), so a page can hold one engine and pass whatever state
//! it has. Besides the compiled catalog, the engine keeps only caches: the
//! listing's static parts and the last state read (by content). Each method
//! converts its arguments (`convert`), calls the core once, and converts the
//! answer back: no rule is decided here.

use crate::convert::{self, ItemExtras, ItemNumbers};
use crate::error::ApiError;
use achievements_core::{Diagnostic, Engine, Event, TimeZone, UserState, describe_criteria};
use std::cell::{OnceCell, RefCell};
use wasm_bindgen::prelude::*;

/// The rules of one catalog. Build it once per catalog; its rules never change.
#[wasm_bindgen]
#[derive(Debug)]
pub struct AchievementEngine {
    engine: Engine,
    warnings: Vec<Diagnostic>,
    /// The catalog-only parts of the listing's items, made on first use.
    statics: OnceCell<JsValue>,
    /// The last state read, keyed by its content as JSON text (made by
    /// `JSON.stringify`, native and fast): a page passes the same state to
    /// many calls (every render, every preview), and reading a large one
    /// through serde-wasm-bindgen costs more than the listing itself. Keyed
    /// by content, never identity: a page may change its object in place.
    last_state: RefCell<Option<(String, UserState)>>,
    /// Time zones handed in as tables (`addTimeZone`); a page has one or two.
    zones: RefCell<Vec<TimeZone>>,
}

#[wasm_bindgen]
impl AchievementEngine {
    /// Loads and validates a catalog (JSON text, or an object of the same
    /// shape, e.g. the server's public catalog). Throws a `CatalogError`
    /// listing every located problem when it is invalid.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "string | CatalogFile")] catalog: JsValue,
    ) -> Result<AchievementEngine, JsValue> {
        let text = convert::catalog_text(&catalog)?;
        let (engine, warnings) = Engine::from_json(&text).map_err(ApiError::Catalog)?;
        Ok(AchievementEngine {
            engine,
            warnings,
            statics: OnceCell::new(),
            last_state: RefCell::new(None),
            zones: RefCell::new(Vec::new()),
        })
    }

    /// Warnings found while loading the catalog (it is valid regardless).
    #[wasm_bindgen(getter, unchecked_return_type = "Diagnostic[]")]
    pub fn warnings(&self) -> Result<JsValue, JsValue> {
        convert::to_js(&self.warnings)
    }

    /// Every achievement in catalog order, with the user's progress at `now`
    /// (the plan's `Achievement` items). An unearned time-limited item has
    /// its `window` in the user's local days; an unearned item that
    /// something other than progress blocks has the core's `blockers`.
    /// Secrets the catalog only knows as placeholders come last: key =
    /// placeholder id, `isSecret: true`, empty texts and no progress.
    #[wasm_bindgen(unchecked_return_type = "Achievement[]")]
    pub fn achievements(
        &self,
        #[wasm_bindgen(unchecked_param_type = "StateInput | null | undefined")] state: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Instant")] now: JsValue,
    ) -> Result<JsValue, JsValue> {
        let state = self.state(&state)?;
        let now = convert::instant("now", &now)?;
        let catalog = self.engine.catalog();
        let mut numbers = ItemNumbers::with_capacity(catalog.achievements.len() + catalog.secret_placeholders.len());
        let mut extras = ItemExtras::new();
        for (index, def) in catalog.achievements.iter().enumerate() {
            let progress = self.engine.progress_at(&state, index, now);
            // Only earned ones need their record (a lookup by key).
            let earned = if progress.earned { self.engine.earned(&state, &def.key) } else { None };
            numbers.push(earned, Some(progress));
            // Only unearned ones with a window, a prerequisite or a retired
            // definition can have more to say than their progress.
            let windowed = def.available_from.is_some() || def.available_until.is_some();
            if !progress.earned && (windowed || !def.requires_achievements.is_empty() || !def.is_active) {
                let window = self.engine.local_window_at(&state, index, now);
                extras.push(index, window, self.engine.blockers_at(&state, index, now));
            }
        }
        for placeholder in &catalog.secret_placeholders {
            numbers.push(self.engine.earned(&state, &placeholder.id), None);
        }
        let statics = match self.statics.get() {
            Some(statics) => statics,
            None => {
                let statics = convert::static_items(catalog)?;
                self.statics.get_or_init(|| statics)
            }
        };
        numbers.assemble(statics, extras)
    }

    /// Progress toward one achievement at `now` (the plan's
    /// `calculate_progress`): `{current, target, percent, earned}`.
    #[wasm_bindgen(unchecked_return_type = "Progress")]
    pub fn progress(
        &self,
        #[wasm_bindgen(unchecked_param_type = "StateInput | null | undefined")] state: JsValue,
        key: &str,
        #[wasm_bindgen(unchecked_param_type = "Instant")] now: JsValue,
    ) -> Result<JsValue, JsValue> {
        let state = self.state(&state)?;
        let now = convert::instant("now", &now)?;
        let progress = self.engine.progress(&state, key, now).ok_or_else(|| unknown(key))?;
        convert::to_js(&progress)
    }

    /// What `event` would unlock, cascades included, without changing
    /// anything. Throws an `EventError` (the core's message) if the event
    /// would be refused.
    #[wasm_bindgen(unchecked_return_type = "Unlock[]")]
    pub fn preview(
        &self,
        #[wasm_bindgen(unchecked_param_type = "StateInput | null | undefined")] state: JsValue,
        #[wasm_bindgen(unchecked_param_type = "AchievementEvent")] event: JsValue,
    ) -> Result<JsValue, JsValue> {
        let state = self.state(&state)?;
        let (input, at) = convert::event(&event)?;
        let event = Event { event_type: &input.event_type, value: input.value, at };
        let unlocked = self.engine.preview(&state, &event).map_err(ApiError::from)?;
        convert::to_js(&convert::unlocks(&unlocked))
    }

    /// Applies `event`: the new state and what it unlocked, in the order it
    /// happened. The state passed in is not modified. Throws an `EventError`
    /// (the core's message) if the event is refused.
    #[wasm_bindgen(unchecked_return_type = "StepResult")]
    pub fn apply(
        &self,
        #[wasm_bindgen(unchecked_param_type = "StateInput | null | undefined")] state: JsValue,
        #[wasm_bindgen(unchecked_param_type = "AchievementEvent")] event: JsValue,
    ) -> Result<JsValue, JsValue> {
        let mut state = self.state(&state)?;
        let (input, at) = convert::event(&event)?;
        let event = Event { event_type: &input.event_type, value: input.value, at };
        let unlocked = self.engine.apply(&mut state, &event).map_err(ApiError::from)?;
        self.step(&state, &unlocked)
    }

    /// Retroactive award at `at` (the plan's
    /// `award_retroactive_achievements`): the new state and what unlocked
    /// (cause `evaluation`). Running it twice unlocks nothing more.
    #[wasm_bindgen(unchecked_return_type = "StepResult")]
    pub fn evaluate(
        &self,
        #[wasm_bindgen(unchecked_param_type = "StateInput | null | undefined")] state: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Instant")] at: JsValue,
    ) -> Result<JsValue, JsValue> {
        let mut state = self.state(&state)?;
        let at = convert::instant("at", &at)?;
        let unlocked = self.engine.evaluate(&mut state, at);
        self.step(&state, &unlocked)
    }

    /// Why achievement `key` is locked, or how it was unlocked, at `now`.
    #[wasm_bindgen(unchecked_return_type = "Explanation")]
    pub fn explain(
        &self,
        #[wasm_bindgen(unchecked_param_type = "StateInput | null | undefined")] state: JsValue,
        key: &str,
        #[wasm_bindgen(unchecked_param_type = "Instant")] now: JsValue,
    ) -> Result<JsValue, JsValue> {
        let state = self.state(&state)?;
        let now = convert::instant("now", &now)?;
        let explanation = self.engine.explain(&state, key, now).ok_or_else(|| unknown(key))?;
        convert::to_js(&convert::ExplanationView::from(&explanation))
    }

    /// The unlock condition of `key` in words ("project count ≥ 5").
    #[wasm_bindgen(js_name = describeCriteria)]
    pub fn describe_criteria(&self, key: &str) -> Result<String, JsValue> {
        let def = self.engine.catalog().definition(key).ok_or_else(|| unknown(key))?;
        Ok(describe_criteria(def))
    }

    /// Gives the engine a time zone as a table of offsets (the server's
    /// `zone_table` in `me/`): states naming it then count days in it. The
    /// module has no time-zone database; UTC and fixed offsets (`+05:30`)
    /// need no table. A table for a name already given replaces it.
    #[wasm_bindgen(js_name = addTimeZone)]
    pub fn add_time_zone(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ZoneTable")] table: JsValue,
    ) -> Result<(), JsValue> {
        let zone = convert::zone(&table)?;
        let mut zones = self.zones.borrow_mut();
        zones.retain(|z| z.name() != zone.name());
        zones.push(zone);
        // A remembered state may name this zone.
        self.last_state.borrow_mut().take();
        Ok(())
    }

    /// A fresh state (every counter 0, nothing earned) in a time zone:
    /// UTC (the default), a fixed offset, or one given by `addTimeZone`.
    /// Throws a `StateError` for another.
    #[wasm_bindgen(js_name = newState, unchecked_return_type = "StateSnapshot")]
    pub fn new_state(&self, timezone: Option<String>) -> Result<JsValue, JsValue> {
        let tz = convert::time_zone(timezone.as_deref().unwrap_or("UTC"), &self.zones.borrow())?;
        convert::to_js(&self.engine.snapshot(&self.engine.new_state(tz)))
    }

    /// The state as the engine reads it: checked (time zone, dates) and
    /// normalized (streak fields derived from their days, zero counters
    /// left out). Throws a `StateError` or `InputError` when unusable.
    #[wasm_bindgen(js_name = normalizeState, unchecked_return_type = "StateSnapshot")]
    pub fn normalize_state(
        &self,
        #[wasm_bindgen(unchecked_param_type = "StateInput | null | undefined")] state: JsValue,
    ) -> Result<JsValue, JsValue> {
        let state = self.state(&state)?;
        convert::to_js(&self.engine.snapshot(&state))
    }

    /// The event types of the catalog, sorted.
    #[wasm_bindgen(js_name = eventTypes)]
    pub fn event_types(&self) -> Vec<String> {
        self.engine.catalog().events.keys().cloned().collect()
    }

    /// The tracking fields (counters) of the catalog, sorted.
    #[wasm_bindgen(js_name = trackingFields)]
    pub fn tracking_fields(&self) -> Vec<String> {
        self.engine.field_names().map(str::to_owned).collect()
    }

    /// The keys of every definition, in catalog order (placeholders excluded).
    pub fn keys(&self) -> Vec<String> {
        self.engine.catalog().achievements.iter().map(|d| d.key.clone()).collect()
    }
}

impl AchievementEngine {
    /// The user state of a state argument (see `last_state`).
    fn state(&self, value: &JsValue) -> Result<UserState, ApiError> {
        let zones = self.zones.borrow();
        let Some(key) = convert::state_key(value)? else { return convert::user_state(&self.engine, value, &zones) };
        let mut last = self.last_state.borrow_mut();
        if let Some((last_key, state)) = last.as_ref()
            && *last_key == key
        {
            return Ok(state.clone());
        }
        let state = convert::user_state(&self.engine, value, &zones)?;
        *last = Some((key, state.clone()));
        Ok(state)
    }

    fn step(&self, state: &UserState, unlocked: &[achievements_core::Unlock]) -> Result<JsValue, JsValue> {
        let state = self.engine.snapshot(state);
        convert::to_js(&convert::StepView { state: &state, unlocked: convert::unlocks(unlocked) })
    }
}

fn unknown(key: &str) -> ApiError {
    ApiError::UnknownAchievement(key.to_owned())
}
