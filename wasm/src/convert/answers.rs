//! Answers out: core values → JS values through serde-wasm-bindgen.
//!
//! The core's wire shapes (`StateSnapshot`, `Progress`, `Diagnostic`,
//! `PrerequisiteStatus`) cross as the core derives them; the JS API's own
//! camelCase views of an unlock, an explanation and a blocker (with its
//! sentence) are defined here, once, as serde derives. Integers beyond 2^53
//! come back as `bigint`s (`achievements_core::int64`); a missing optional
//! field is absent, a `None` inside a shape (`Blocker::Requires.name`) is
//! `null`, and maps are plain objects.

use achievements_core::explain::PrerequisiteStatus;
use achievements_core::int64;
use achievements_core::{
    Blocker, Category, Cause, Diagnostic, EarnedRecord, Explanation, Instant, Progress, StateSnapshot, Unlock,
};
use serde::Serialize;
use serde_wasm_bindgen::Serializer;
use wasm_bindgen::JsValue;

/// `value` as a JS value. Every shape here serializes (integers are exact,
/// keys are strings), so a failure is a bug; it still reaches JS as an error.
pub(crate) fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsValue> {
    let serializer = Serializer::new().serialize_missing_as_null(true).serialize_maps_as_objects(true);
    value.serialize(&serializer).map_err(JsValue::from)
}

/// An earned record as the JS API shows it: `{earnedAt, progressAtUnlock, cause}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EarnedView {
    earned_at: Instant,
    #[serde(serialize_with = "int64::serialize")]
    progress_at_unlock: i64,
    cause: Cause,
}

impl From<&EarnedRecord> for EarnedView {
    fn from(r: &EarnedRecord) -> Self {
        EarnedView { earned_at: r.earned_at, progress_at_unlock: r.progress_at_unlock, cause: r.cause }
    }
}

/// One unlock: `{key, earnedAt, progressAtUnlock, cause}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UnlockView<'a> {
    key: &'a str,
    earned_at: Instant,
    #[serde(serialize_with = "int64::serialize")]
    progress_at_unlock: i64,
    cause: Cause,
}

pub(crate) fn unlocks(list: &[Unlock]) -> Vec<UnlockView<'_>> {
    list.iter()
        .map(|u| UnlockView {
            key: &u.key,
            earned_at: u.record.earned_at,
            progress_at_unlock: u.record.progress_at_unlock,
            cause: u.record.cause,
        })
        .collect()
}

/// What `apply` and `evaluate` return: `{state, unlocked}`.
#[derive(Debug, Serialize)]
pub(crate) struct StepView<'a> {
    pub(crate) state: &'a StateSnapshot,
    pub(crate) unlocked: Vec<UnlockView<'a>>,
}

/// A blocker with the core's sentence: `{kind, …, message}`.
#[derive(Debug, Serialize)]
pub(crate) struct BlockerView<'a> {
    #[serde(flatten)]
    blocker: &'a Blocker,
    message: String,
}

impl<'a> From<&'a Blocker> for BlockerView<'a> {
    fn from(blocker: &'a Blocker) -> Self {
        BlockerView { blocker, message: blocker.to_string() }
    }
}

/// The core's `Explanation`, camelCase, with each blocker's sentence and the
/// whole text as the CLI prints it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ExplanationView<'a> {
    key: &'a str,
    name: &'a str,
    criteria: &'a str,
    tracking_field: &'a str,
    #[serde(serialize_with = "int64::serialize")]
    value: i64,
    #[serde(serialize_with = "int64::serialize")]
    target: i64,
    active: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    available_from: Option<Instant>,
    #[serde(skip_serializing_if = "Option::is_none")]
    available_until: Option<Instant>,
    prerequisites: &'a [PrerequisiteStatus],
    #[serde(skip_serializing_if = "Option::is_none")]
    earned: Option<EarnedView>,
    blockers: Vec<BlockerView<'a>>,
    progress: &'a Progress,
    text: String,
}

impl<'a> From<&'a Explanation> for ExplanationView<'a> {
    fn from(e: &'a Explanation) -> Self {
        ExplanationView {
            key: &e.key,
            name: &e.name,
            criteria: &e.criteria,
            tracking_field: &e.tracking_field,
            value: e.value,
            target: e.target,
            active: e.active,
            available_from: e.available_from,
            available_until: e.available_until,
            prerequisites: &e.prerequisites,
            earned: e.earned.as_ref().map(EarnedView::from),
            blockers: e.blockers.iter().map(BlockerView::from).collect(),
            progress: &e.progress,
            text: e.to_string(),
        }
    }
}

/// What `validateCatalog` returns.
#[derive(Debug, Serialize)]
pub(crate) struct ValidationView<'a> {
    pub(crate) valid: bool,
    pub(crate) errors: &'a [Diagnostic],
    pub(crate) warnings: &'a [Diagnostic],
}

/// One category for a page: `{id, title}`.
#[derive(Debug, Serialize)]
pub(crate) struct CategoryView {
    id: Category,
    title: &'static str,
}

/// Every category, in display order.
pub(crate) fn categories() -> Vec<CategoryView> {
    Category::ALL.iter().map(|&id| CategoryView { id, title: id.title() }).collect()
}
