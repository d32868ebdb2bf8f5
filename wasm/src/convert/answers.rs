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
use tsify::Tsify;
use wasm_bindgen::JsValue;

/// `value` as a JS value. Every shape here serializes (integers are exact,
/// keys are strings), so a failure is a bug; it still reaches JS as an error.
pub(crate) fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsValue> {
    let serializer = Serializer::new().serialize_missing_as_null(true).serialize_maps_as_objects(true);
    value.serialize(&serializer).map_err(JsValue::from)
}

/// An earned record as the JS API shows it: `{earnedAt, progressAtUnlock, cause}`.
#[derive(Debug, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
#[tsify(rename = "Earned")]
pub(crate) struct EarnedView {
    #[tsify(type = "string")]
    earned_at: Instant,
    #[serde(serialize_with = "int64::serialize")]
    #[tsify(type = "Int64")]
    progress_at_unlock: i64,
    cause: Cause,
}

impl From<&EarnedRecord> for EarnedView {
    fn from(r: &EarnedRecord) -> Self {
        EarnedView { earned_at: r.earned_at, progress_at_unlock: r.progress_at_unlock, cause: r.cause }
    }
}

/// One achievement earned by a step. `earnedAt` is the event's time, not the clock.
#[derive(Debug, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
#[tsify(rename = "Unlock")]
pub(crate) struct UnlockView<'a> {
    key: &'a str,
    #[tsify(type = "string")]
    earned_at: Instant,
    #[serde(serialize_with = "int64::serialize")]
    #[tsify(type = "Int64")]
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

/// What `apply` and `evaluate` return: the new state and the unlocks, in
/// the order they happened.
#[derive(Debug, Serialize, Tsify)]
#[tsify(rename = "StepResult")]
pub(crate) struct StepView<'a> {
    pub(crate) state: &'a StateSnapshot,
    #[tsify(type = "Unlock[]")]
    pub(crate) unlocked: Vec<UnlockView<'a>>,
}

/// One reason an achievement cannot unlock now (the API's `blockers`
/// shape), with the core's sentence. `requires` is one missing
/// prerequisite: its key (a placeholder id for a secret) and its name
/// (`null` for a secret). `below_target.value` is the value progress shows
/// (the run as of now, for streaks).
#[derive(Debug, Serialize, Tsify)]
#[tsify(rename = "Blocker")]
pub(crate) struct BlockerView {
    #[serde(flatten)]
    #[tsify(type = "BlockerReason")]
    blocker: Blocker,
    message: String,
}

impl From<Blocker> for BlockerView {
    fn from(blocker: Blocker) -> Self {
        let message = blocker.to_string();
        BlockerView { blocker, message }
    }
}

/// Everything that decides one achievement for one user at one moment: the
/// core's `Explanation`, camelCase, with each blocker's sentence and the
/// whole text as the CLI prints it.
#[derive(Debug, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
#[tsify(rename = "Explanation")]
pub(crate) struct ExplanationView<'a> {
    key: &'a str,
    name: &'a str,
    /// The condition in words, e.g. "project count ≥ 5".
    criteria: &'a str,
    tracking_field: &'a str,
    /// The tracked value as progress reads it (the run as of now, for streak badges).
    #[serde(serialize_with = "int64::serialize")]
    #[tsify(type = "Int64")]
    value: i64,
    #[serde(serialize_with = "int64::serialize")]
    #[tsify(type = "Int64")]
    target: i64,
    active: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[tsify(type = "string")]
    available_from: Option<Instant>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[tsify(type = "string")]
    available_until: Option<Instant>,
    prerequisites: &'a [PrerequisiteStatus],
    #[serde(skip_serializing_if = "Option::is_none")]
    #[tsify(type = "Earned")]
    earned: Option<EarnedView>,
    /// Empty when earned, or when every condition holds.
    #[tsify(type = "Blocker[]")]
    blockers: Vec<BlockerView>,
    progress: &'a Progress,
    /// The whole explanation as the CLI prints it.
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
            blockers: e.blockers.iter().cloned().map(BlockerView::from).collect(),
            progress: &e.progress,
            text: e.to_string(),
        }
    }
}

/// What `validateCatalog` returns.
#[derive(Debug, Serialize, Tsify)]
#[tsify(rename = "ValidationResult")]
pub(crate) struct ValidationView<'a> {
    pub(crate) valid: bool,
    pub(crate) errors: &'a [Diagnostic],
    pub(crate) warnings: &'a [Diagnostic],
}

/// One category for a page: `{id, title}`.
#[derive(Debug, Serialize, Tsify)]
#[tsify(rename = "CategoryInfo")]
pub(crate) struct CategoryView {
    id: Category,
    title: &'static str,
}

/// Every category, in display order.
pub(crate) fn categories() -> Vec<CategoryView> {
    Category::ALL.iter().map(|&id| CategoryView { id, title: id.title() }).collect()
}
