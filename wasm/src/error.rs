//! Every failure the JS API can report, and how each becomes a JS `Error`.
//!
//! One enum, one variant per failure domain of the core plus malformed
//! arguments. The message is always the core's own (`Display`), so a refused
//! event reads the same in the browser, the server and the CLI. Each error
//! also carries a `name` (`CatalogError`, `EventError`, `StateError`,
//! `InputError`) and a stable `code`; a catalog error carries the located
//! `errors` and `warnings` as `{path, message}` objects.

use crate::convert::to_js;
use achievements_core::{EventError, InvalidFile, StateError};
use js_sys::{Object, Reflect};
use wasm_bindgen::JsValue;

/// A failure of a JS API call. Converted to a JS `Error` at the boundary.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ApiError {
    /// The catalog is not valid: every located problem, as the core found them.
    #[error("invalid catalog: {n} error(s)\n{report}", n = .0.errors.len(), report = .0.report().trim_end())]
    Catalog(InvalidFile),
    /// The event was refused; the state did not change.
    #[error("{0}")]
    Event(#[from] EventError),
    /// A state snapshot names something the core cannot use.
    #[error("{0}")]
    State(#[from] StateError),
    /// A time zone that is neither UTC, a fixed offset, nor a table handed in
    /// (the module has no time-zone database).
    #[error(
        "unknown time zone `{0}`: give the engine its table first (`engine.addTimeZone(me.zone_table)`; \
         this module has no time-zone database)"
    )]
    UnknownZone(String),
    /// No achievement with this key in the engine's catalog.
    #[error("unknown achievement `{0}`")]
    UnknownAchievement(String),
    /// An argument does not have the documented shape (`what` says which).
    #[error("{what}: {message}")]
    Input { what: String, message: String },
}

impl ApiError {
    pub(crate) fn input(what: &str, message: impl ToString) -> Self {
        ApiError::Input { what: what.to_owned(), message: message.to_string() }
    }

    /// The JS `Error.name`.
    fn name(&self) -> &'static str {
        match self {
            ApiError::Catalog(_) => "CatalogError",
            ApiError::Event(_) => "EventError",
            ApiError::State(_) | ApiError::UnknownZone(_) => "StateError",
            ApiError::UnknownAchievement(_) | ApiError::Input { .. } => "InputError",
        }
    }

    /// A stable machine-readable code; event codes are the core's.
    fn code(&self) -> &'static str {
        match self {
            ApiError::Catalog(_) => "invalid_catalog",
            ApiError::Event(e) => e.code(),
            ApiError::State(StateError::UnknownTimeZone(_)) | ApiError::UnknownZone(_) => "unknown_time_zone",
            ApiError::State(StateError::UnknownField(_)) => "unknown_field",
            ApiError::State(StateError::DerivedField(_)) => "derived_field",
            ApiError::State(StateError::UnknownAchievement(_)) | ApiError::UnknownAchievement(_) => {
                "unknown_achievement"
            }
            ApiError::Input { .. } => "invalid_argument",
        }
    }
}

impl From<ApiError> for JsValue {
    fn from(error: ApiError) -> JsValue {
        let js = js_sys::Error::new(&error.to_string());
        js.set_name(error.name());
        let object: &Object = js.as_ref();
        set(object, "code", &JsValue::from_str(error.code()));
        if let ApiError::Catalog(invalid) = &error {
            set(object, "errors", &to_js(&invalid.errors).unwrap_or(JsValue::NULL));
            set(object, "warnings", &to_js(&invalid.warnings).unwrap_or(JsValue::NULL));
        }
        js.into()
    }
}

/// Sets a property on a fresh object; that cannot fail, so the result is ignored.
fn set(object: &Object, key: &str, value: &JsValue) {
    let _ = Reflect::set(object, &JsValue::from_str(key), value);
}
