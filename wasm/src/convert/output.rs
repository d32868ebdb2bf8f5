//! The listing's fast path: its catalog-only parts and its few extras
//! (windows, blockers) as JSON text parsed by `fromJson` in `js/interop.js`.
//!
//! Every other answer goes through serde-wasm-bindgen (`answers`). The
//! listing is the one answer a page asks for on every render, for every
//! badge, and building 1,000 items property by property from Rust is several
//! times over its budget (BENCHMARKS.md); one string crossing once is not.
//! Bigints, which JSON lacks, are written as `{"$bigint":"digits"}`, and only
//! text that holds one is revived (see [`Out::finish`]).

use super::MAX_SAFE;
use achievements_core::{Blocker, Catalog, Definition, Instant, LocalWindow, Placeholder};
use std::fmt::Write;
use wasm_bindgen::JsValue;
use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen(module = "/js/interop.js")]
extern "C" {
    #[wasm_bindgen(js_name = fromJson)]
    fn from_json(text: &str, bigints: bool) -> JsValue;
}

/// A JSON text being written. Separators are decided from the last byte
/// written, so callers only say what comes next.
#[derive(Debug, Default)]
pub(crate) struct Out {
    text: String,
    bigints: bool,
}

impl Out {
    pub(crate) fn new() -> Self {
        Out::default()
    }

    /// The written value as a JS value.
    pub(crate) fn finish(self) -> JsValue {
        from_json(&self.text, self.bigints)
    }

    /// A comma unless this value opens its container or follows a key.
    fn separate(&mut self) {
        if !matches!(self.text.as_bytes().last(), None | Some(b'{' | b'[' | b':')) {
            self.text.push(',');
        }
    }

    pub(crate) fn open_object(&mut self) -> &mut Self {
        self.separate();
        self.text.push('{');
        self
    }

    pub(crate) fn close_object(&mut self) -> &mut Self {
        self.text.push('}');
        self
    }

    pub(crate) fn open_array(&mut self) -> &mut Self {
        self.separate();
        self.text.push('[');
        self
    }

    pub(crate) fn close_array(&mut self) -> &mut Self {
        self.text.push(']');
        self
    }

    /// The name of the next field (escaped: a state's keys are data).
    pub(crate) fn key(&mut self, name: &str) -> &mut Self {
        self.string(name);
        self.text.push(':');
        self
    }

    pub(crate) fn string(&mut self, value: &str) -> &mut Self {
        self.separate();
        self.text.push('"');
        for c in value.chars() {
            match c {
                '"' => self.text.push_str("\\\""),
                '\\' => self.text.push_str("\\\\"),
                '\n' => self.text.push_str("\\n"),
                '\r' => self.text.push_str("\\r"),
                '\t' => self.text.push_str("\\t"),
                c if c < ' ' => {
                    let _ = write!(self.text, "\\u{:04x}", u32::from(c));
                }
                c => self.text.push(c),
            }
        }
        self.text.push('"');
        self
    }

    pub(crate) fn bool(&mut self, value: bool) -> &mut Self {
        self.separate();
        self.text.push_str(if value { "true" } else { "false" });
        self
    }

    /// A 64-bit integer, exactly: a number when it is a safe integer, else a
    /// bigint (the core allows all of `i64`).
    pub(crate) fn int(&mut self, value: i64) -> &mut Self {
        self.separate();
        if (-MAX_SAFE..=MAX_SAFE).contains(&value) {
            let _ = write!(self.text, "{value}");
        } else {
            self.bigints = true;
            let _ = write!(self.text, "{{\"$bigint\":\"{value}\"}}");
        }
        self
    }

    /// An integer for the plan's `number` fields: exact up to 2^53, the
    /// nearest double beyond (JSON.parse rounds the digits).
    pub(crate) fn number(&mut self, value: i64) -> &mut Self {
        self.separate();
        let _ = write!(self.text, "{value}");
        self
    }

    pub(crate) fn null(&mut self) -> &mut Self {
        self.separate();
        self.text.push_str("null");
        self
    }

    pub(crate) fn instant(&mut self, value: Instant) -> &mut Self {
        self.separate();
        let _ = write!(self.text, "\"{value}\"");
        self
    }

    /// `"name": value` for a string field.
    fn field(&mut self, name: &str, value: &str) -> &mut Self {
        self.key(name).string(value)
    }
}

// ----- the answers -------------------------------------------------------------

/// The catalog-only parts of the plan's `Achievement` items (section 6),
/// camelCase: definitions in catalog order, then secret placeholders.
/// `assembleItems` in `js/interop.js` adds the per-user parts.
pub(crate) fn static_items(catalog: &Catalog) -> JsValue {
    let mut out = Out::new();
    out.open_array();
    for def in &catalog.achievements {
        static_item(&mut out, def);
    }
    for placeholder in &catalog.secret_placeholders {
        placeholder_item(&mut out, placeholder);
    }
    out.close_array();
    out.finish()
}

fn static_item(out: &mut Out, def: &Definition) {
    out.open_object()
        .field("key", &def.key)
        .field("name", &def.name)
        .field("description", &def.description)
        .field("icon", &def.icon)
        .field("colorFrom", &def.color_from)
        .field("colorTo", &def.color_to)
        .field("category", def.category.as_str())
        .key("points")
        .number(def.points)
        .key("isSecret")
        .bool(def.is_secret)
        .field("rarity", def.rarity.as_str());
    if let Some(from) = def.available_from {
        out.key("availableFrom").instant(from);
    }
    if let Some(until) = def.available_until {
        out.key("availableUntil").instant(until);
    }
    out.close_object();
}

/// The per-user parts of the listing that only some items have, as
/// `[{i, window?, blockers?}, …]` (`i`: the item's index): the window in
/// the user's local days, and the blockers when something other than
/// progress blocks the item. `assembleItems` in `js/interop.js` merges them.
#[derive(Debug, Default)]
pub(crate) struct ItemExtras {
    out: Out,
    any: bool,
}

impl ItemExtras {
    pub(crate) fn new() -> Self {
        let mut extras = ItemExtras::default();
        extras.out.open_array();
        extras
    }

    pub(crate) fn push(&mut self, index: usize, window: Option<LocalWindow>, blockers: &[Blocker]) {
        let gated = blockers.iter().any(Blocker::is_gate);
        if window.is_none() && !gated {
            return;
        }
        self.any = true;
        let out = &mut self.out;
        out.open_object().key("i").number(i64::try_from(index).unwrap_or(i64::MAX));
        if let Some(window) = window {
            out.key("window");
            local_window(out, window);
        }
        if gated {
            out.key("blockers").open_array();
            for b in blockers {
                blocker(out, b);
            }
            out.close_array();
        }
        out.close_object();
    }

    /// The extras as a JS array, or `None` when no item has any.
    pub(crate) fn finish(mut self) -> Option<JsValue> {
        self.any.then(|| {
            self.out.close_array();
            self.out.finish()
        })
    }
}

/// `{status: "upcoming", startsOn}`, `{status: "open", lastDay?, daysLeft?}`
/// or `{status: "ended", lastDay}`; dates `YYYY-MM-DD`, the user's local days.
fn local_window(out: &mut Out, window: LocalWindow) {
    out.open_object();
    match window {
        LocalWindow::Upcoming { starts_on } => {
            out.field("status", "upcoming").field("startsOn", &starts_on.to_string());
        }
        LocalWindow::Open { last_day, days_left } => {
            out.field("status", "open");
            if let Some(day) = last_day {
                out.field("lastDay", &day.to_string());
            }
            if let Some(days) = days_left {
                out.key("daysLeft").number(days);
            }
        }
        LocalWindow::Ended { last_day } => {
            out.field("status", "ended").field("lastDay", &last_day.to_string());
        }
    }
    out.close_object();
}

/// A secret the client may not see (from a public catalog): its id as
/// key, its category, and nothing else.
fn placeholder_item(out: &mut Out, placeholder: &Placeholder) {
    out.open_object().field("key", &placeholder.id);
    for empty in ["name", "description", "icon", "colorFrom", "colorTo"] {
        out.field(empty, "");
    }
    out.field("category", placeholder.category.as_str()).key("points").number(0).key("isSecret").bool(true);
    out.close_object();
}

/// `{kind, …, message}`, `kind` in snake_case.
fn blocker(out: &mut Out, b: &Blocker) {
    out.open_object();
    match b {
        Blocker::Inactive => {
            out.field("kind", "inactive");
        }
        Blocker::NotYetAvailable { from } => {
            out.field("kind", "not_yet_available").key("from").instant(*from);
        }
        Blocker::WindowClosed { until } => {
            out.field("kind", "window_closed").key("until").instant(*until);
        }
        Blocker::Requires { key, name } => {
            out.field("kind", "requires").field("key", key).key("name");
            match name {
                Some(name) => out.string(name),
                None => out.null(),
            };
        }
        Blocker::BelowTarget { value, target } => {
            out.field("kind", "below_target").key("value").int(*value).key("target").int(*target);
        }
    }
    out.field("message", &b.to_string()).close_object();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(write: impl FnOnce(&mut Out)) -> (String, bool) {
        let mut out = Out::new();
        write(&mut out);
        (out.text, out.bigints)
    }

    #[test]
    fn separators_follow_from_what_was_written() {
        let (json, _) = text(|out| {
            out.open_object().key("a").open_array().int(1).int(2).open_object().close_object().close_array();
            out.key("b").bool(false).key("c\"").string("x").close_object();
        });
        assert_eq!(json, r#"{"a":[1,2,{}],"b":false,"c\"":"x"}"#);
    }

    #[test]
    fn strings_are_escaped_as_json() {
        let (json, _) = text(|out| {
            out.string("a\"b\\c\nd\u{1}é✓");
        });
        assert_eq!(json, "\"a\\\"b\\\\c\\nd\\u0001é✓\"");
        let value: Result<String, _> = serde_json::from_str(&json);
        assert_eq!(value.ok().as_deref(), Some("a\"b\\c\nd\u{1}é✓"));
    }

    #[test]
    fn int64_is_a_number_in_the_safe_range_and_a_bigint_beyond() {
        assert_eq!(
            text(|out| {
                out.int(MAX_SAFE);
            }),
            ("9007199254740991".to_owned(), false)
        );
        assert_eq!(
            text(|out| {
                out.int(-MAX_SAFE);
            }),
            ("-9007199254740991".to_owned(), false)
        );
        assert_eq!(
            text(|out| {
                out.int(i64::MAX);
            }),
            (r#"{"$bigint":"9223372036854775807"}"#.to_owned(), true)
        );
        assert_eq!(
            text(|out| {
                out.number(i64::MAX);
            }),
            ("9223372036854775807".to_owned(), false)
        );
    }

    /// The static item fields plus those `js/interop.js` adds are exactly the
    /// plan's `Achievement` interface.
    #[test]
    fn static_items_and_js_parts_are_the_plan_fields() {
        let engine = achievements_core::Engine::from_json(achievements_core::SHIPPED_CATALOG_JSON).map(|(e, _)| e);
        let Ok(engine) = engine else { panic!("shipped catalog loads") };
        let (json, _) = text(|out| static_item(out, &engine.catalog().achievements[0]));
        let value: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
        let mut keys: Vec<&str> = value.as_object().map(|o| o.keys().map(String::as_str).collect()).unwrap_or_default();
        let js = include_str!("../../js/interop.js");
        for added in ["isEarned", "earnedAt", "progress", "progressValue", "targetValue"] {
            assert!(js.contains(&format!("item.{added} =")) || js.contains(&format!("{added}: ")), "{added}");
            keys.push(added);
        }
        keys.sort_unstable();
        let mut plan = [
            "key",
            "name",
            "description",
            "icon",
            "colorFrom",
            "colorTo",
            "category",
            "points",
            "isEarned",
            "earnedAt",
            "progress",
            "progressValue",
            "targetValue",
            "isSecret",
            "rarity",
        ];
        plan.sort_unstable();
        assert_eq!(keys, plan);
    }
}
