//! Differential fuzzing of the core's JSON parser (`achievements_core::json`)
//! against serde_json, on any bytes that are UTF-8.
//!
//! The oracle is the parser's own contract (see `core/src/json.rs`): for the
//! same text both accept with the same tree, or both refuse with the same
//! message, line and column. Besides, a refusal never panics, and
//! `first_repeated_field` names a field that exists.
//!
//! Compared only where the two are meant to agree; the documented exceptions:
//! - **Repeated field names.** Both parsers accept them; our tree keeps every
//!   field in document order and serde_json's map keeps the last one. So an
//!   object is compared "last one wins" (what [`Json::get`] reads). Refusing
//!   repeated names is the readers' decision (`first_repeated_field`), not
//!   the parser's, so it is no difference here.
//! - **The "number out of range" boundary.** Ours rounds exactly (a number is
//!   out of range from 1.7976931348623158079e308); serde_json's default float
//!   parser rounds twice and may disagree within about one unit in the last
//!   place of `f64::MAX`. Texts where only that differs are skipped: both
//!   parsers' verdicts are accepted when every disagreement is
//!   "number out of range" on one side and a finite value within 1e-14 of
//!   `f64::MAX` on the other.
//! - **Number kinds.** `-0` and integers beyond u64 are integers here and
//!   floats in serde_json; numbers are compared by value (floats within a
//!   relative 1e-14, as serde_json's default float parser is not always
//!   correctly rounded, and values below 1e-300 as equal), not by kind.

#![no_main]

use achievements_core::json::{Json, Number, Step, SyntaxError, parse};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use std::collections::BTreeMap;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match (parse(text), serde_json::from_str::<Value>(text)) {
        (Ok(tree), Ok(value)) => {
            assert!(same(&tree, &value), "different trees for {text:?}:\n ours {tree:?}\n serde_json {value:?}");
            check_repeat_path(&tree);
        }
        (Err(ours), Err(e)) => {
            let theirs = serde_error(&e);
            if ours.message == OUT_OF_RANGE || theirs.message == OUT_OF_RANGE {
                // One side met the float boundary first; both refused.
                return;
            }
            assert_eq!(ours, theirs, "different errors for {text:?}");
            assert_eq!(ours.to_string(), e.to_string(), "Display of the error for {text:?}");
        }
        (Err(ours), Ok(value)) => assert!(
            ours.message == OUT_OF_RANGE && has_number_near_max(&value),
            "we refuse what serde_json accepts, {text:?}: {ours:?}"
        ),
        (Ok(tree), Err(e)) => assert!(
            serde_error(&e).message == OUT_OF_RANGE && tree_has_number_near_max(&tree),
            "we accept what serde_json refuses, {text:?}: {e}"
        ),
    }
});

const OUT_OF_RANGE: &str = "number out of range";

/// serde_json's error as a [`SyntaxError`], the location stripped from its
/// Display (its messages are a closed set of static strings; leaked once each).
fn serde_error(e: &serde_json::Error) -> SyntaxError {
    let full = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let message = full.strip_suffix(&suffix).unwrap_or(&full);
    SyntaxError { line: e.line(), column: e.column(), message: intern(message) }
}

fn intern(message: &str) -> &'static str {
    use std::sync::Mutex;
    static SEEN: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());
    let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(&known) = seen.iter().find(|&&m| m == message) {
        return known;
    }
    let leaked: &'static str = Box::leak(message.to_owned().into_boxed_str());
    seen.push(leaked);
    leaked
}

/// Whether our tree is serde_json's value (objects: the last field of a
/// name wins; numbers by value).
fn same(ours: &Json<'_>, theirs: &Value) -> bool {
    match (ours, theirs) {
        (Json::Null, Value::Null) => true,
        (Json::Bool(a), Value::Bool(b)) => a == b,
        (Json::Number(n), Value::Number(m)) => same_number(*n, m),
        (Json::String(a), Value::String(b)) => a == b,
        (Json::Array(a), Value::Array(b)) => a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y)),
        (Json::Object(fields), Value::Object(map)) => {
            let last_wins: BTreeMap<&str, &Json<'_>> = fields.iter().map(|(k, v)| (k.as_ref(), v)).collect();
            last_wins.len() == map.len()
                && last_wins.iter().zip(map).all(|((k, v), (mk, mv))| k == mk && same(v, mv))
                // `get` reads the same field the map kept.
                && last_wins.iter().all(|(k, v)| ours.get(k).is_some_and(|o| std::ptr::eq(o, *v)))
        }
        _ => false,
    }
}

fn same_number(n: Number<'_>, m: &serde_json::Number) -> bool {
    if let Some(i) = m.as_i64() {
        n.is_integer() && n.as_i64() == Some(i)
    } else if let Some(u) = m.as_u64() {
        n.is_integer() && n.as_i64().is_none() && n.text().parse::<u64>() == Ok(u)
    } else {
        let Some(theirs) = m.as_f64() else { return false };
        let Ok(ours) = n.text().parse::<f64>() else { return false };
        if n.is_integer() {
            // An integer literal: an i64 one must have been an i64 for serde_json too.
            if n.as_i64().is_some() && n.text() != "-0" {
                return false;
            }
        }
        ours == theirs || (ours - theirs).abs() <= 1e-14 * ours.abs().max(theirs.abs()) || ours.abs() < 1e-300
    }
}

/// A number so close to `f64::MAX` that the two parsers' out-of-range
/// boundaries may disagree on it.
fn near_max(x: f64) -> bool {
    x.is_finite() && (x.abs() - f64::MAX).abs() <= 1e-14 * f64::MAX
}

fn has_number_near_max(value: &Value) -> bool {
    match value {
        Value::Number(n) => n.as_f64().is_some_and(near_max),
        Value::Array(items) => items.iter().any(has_number_near_max),
        Value::Object(map) => map.values().any(has_number_near_max),
        _ => false,
    }
}

fn tree_has_number_near_max(tree: &Json<'_>) -> bool {
    match tree {
        Json::Number(n) => n.text().parse::<f64>().is_ok_and(near_max),
        Json::Array(items) => items.iter().any(tree_has_number_near_max),
        Json::Object(fields) => fields.iter().any(|(_, v)| tree_has_number_near_max(v)),
        _ => false,
    }
}

/// `first_repeated_field`'s path leads to a field whose name an earlier
/// field of the same object has; `None` means no object repeats a name.
fn check_repeat_path(tree: &Json<'_>) {
    let Some(path) = tree.first_repeated_field() else {
        assert!(!any_repeat(tree), "a repeat went unreported in {tree:?}");
        return;
    };
    let (last, parents) = path.0.split_last().expect("a repeat's path ends with its name");
    let mut at = tree;
    for step in parents {
        at = match (step, at) {
            // The search descends only into a name's first field (a later
            // one is itself the repeat), so the path means the first one.
            (Step::Field(name), Json::Object(fields)) => {
                &fields.iter().find(|(k, _)| k == name).expect("the path's field exists").1
            }
            (Step::Index(i), Json::Array(items)) => items.get(*i).expect("the path's index exists"),
            _ => panic!("path {path} does not fit {tree:?}"),
        };
    }
    let (Step::Field(name), Json::Object(fields)) = (last, at) else { panic!("path {path} does not end at a field") };
    assert!(fields.iter().filter(|(k, _)| k == name).count() >= 2, "`{name}` is not repeated at {path}");
}

fn any_repeat(tree: &Json<'_>) -> bool {
    match tree {
        Json::Object(fields) => {
            (0..fields.len()).any(|i| achievements_core::json::repeats_earlier(fields, i))
                || fields.iter().any(|(_, v)| any_repeat(v))
        }
        Json::Array(items) => items.iter().any(any_repeat),
        _ => false,
    }
}
