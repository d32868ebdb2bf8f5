//! Every conversion between JS values and core types, in one place (with
//! its JS half, `js/interop.js`).
//!
//! Inputs ([`input`]): argument objects (states, events, zone tables) are
//! read through serde-wasm-bindgen into their serde derives (the core's
//! `StateSnapshot` and `ZoneTable`, the adapter's `AchievementEvent`);
//! every malformed input becomes an [`ApiError::Input`] naming its path.
//!
//! Outputs ([`answers`], [`listing`]): derived `Serialize` shapes through
//! serde-wasm-bindgen; integers beyond 2^53 come back as `bigint`s so they
//! round-trip exactly. The listing's items are assembled in JS by
//! `assembleItems` from their catalog-only parts (made once per engine) and
//! the core's numbers for the user.
//!
//! The TypeScript types of the `.d.ts` come from the same derives (tsify).

mod answers;
mod input;
mod listing;
mod strict;

pub(crate) use answers::{BlockerView, ExplanationView, StepView, ValidationView, categories, to_js, unlocks};
pub(crate) use input::{event, state_key, time_zone, user_state, zone};
pub(crate) use listing::{ItemExtras, plain_number, static_items};

use crate::error::ApiError;
use achievements_core::{EarnedRecord, Instant, Progress, parse_instant};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};

// ----- inputs ---------------------------------------------------------------

/// Catalog JSON text, or a catalog object (turned into text so the core's
/// loader validates it exactly as it validates a file).
pub(crate) fn catalog_text(catalog: &JsValue) -> Result<String, ApiError> {
    if let Some(text) = catalog.as_string() {
        return Ok(text);
    }
    if !catalog.is_object() {
        return Err(ApiError::input("catalog", "expected JSON text or a catalog object"));
    }
    js_sys::JSON::stringify(catalog)
        .ok()
        .and_then(|text| text.as_string())
        .ok_or_else(|| ApiError::input("catalog", "the object cannot be written as JSON (a bigint or a cycle?)"))
}

/// An instant: RFC 3339 text or a JS `Date`.
pub(crate) fn instant(what: &str, value: &JsValue) -> Result<Instant, ApiError> {
    let text = match value.dyn_ref::<js_sys::Date>() {
        Some(date) if date.get_time().is_nan() => return Err(ApiError::input(what, "invalid Date")),
        Some(date) => String::from(date.to_iso_string()),
        None => value
            .as_string()
            .ok_or_else(|| ApiError::input(what, "expected RFC 3339 text (like 2026-03-01T10:00:00Z) or a Date"))?,
    };
    parse_instant(&text).map_err(|message| ApiError::input(what, message))
}

// ----- outputs --------------------------------------------------------------

/// The per-user parts of every item, in the order of [`static_items`]:
/// four numbers each (flags: 1 = earned, 2 = has progress; percent;
/// current; target) and the earned items' times.
#[derive(Debug, Default)]
pub(crate) struct ItemNumbers {
    numbers: Vec<f64>,
    earned_at: Vec<String>,
}

impl ItemNumbers {
    pub(crate) fn with_capacity(items: usize) -> Self {
        ItemNumbers { numbers: Vec::with_capacity(4 * items), earned_at: Vec::new() }
    }

    pub(crate) fn push(&mut self, earned: Option<EarnedRecord>, progress: Option<Progress>) {
        let flags = u8::from(earned.is_some()) | (u8::from(progress.is_some()) << 1);
        self.numbers.push(f64::from(flags));
        match progress {
            Some(p) => {
                self.numbers.extend([f64::from(p.percent), plain_number(p.current), plain_number(p.target)]);
            }
            None => self.numbers.extend([0.0; 3]),
        }
        if let Some(e) = earned {
            self.earned_at.push(e.earned_at.to_string());
        }
    }

    /// The items as JS objects (`Achievement[]`), with the `extras` of the
    /// few items that have a window or a blocker other than progress.
    pub(crate) fn assemble(self, statics: &JsValue, extras: ItemExtras) -> Result<JsValue, JsValue> {
        let extras = extras.finish()?;
        Ok(assemble_items(statics, &self.numbers, self.earned_at, &extras))
    }
}

#[wasm_bindgen(module = "/js/interop.js")]
extern "C" {
    #[wasm_bindgen(js_name = assembleItems)]
    fn assemble_items(statics: &JsValue, numbers: &[f64], earned_at: Vec<String>, extras: &JsValue) -> JsValue;
}
