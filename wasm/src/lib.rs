//! The achievement rules for JavaScript: a thin wasm-bindgen adapter over
//! `achievements-core`, so the web page computes progress bars and previews
//! unlocks with exactly the server's rules.
//!
//! Nothing here decides an unlock: every method converts its arguments, calls
//! the core once and converts the answer back. Only this crate knows
//! `JsValue`; the core knows nothing of wasm-bindgen.
//!
//! # Layout
//! - [`engine`]: `AchievementEngine`, one catalog's rules (list with
//!   progress, preview, apply, evaluate, explain).
//! - [`validate`]: `validateCatalog` and `categories`, which need no engine.
//! - `convert`: every JS ↔ core conversion and the output DTOs, with its
//!   JS half in `js/interop.js` (arguments as JSON text, the listing's items).
//! - `error`: the JS-visible errors (`CatalogError`, `EventError`, …).
//! - `types`: the TypeScript types of the generated `.d.ts`.
//!
//! `wasm/README.md` documents the JS API; `scripts/wasm-build.sh` builds it.

pub mod engine;
pub mod validate;

mod convert;
mod error;
mod types;

pub use engine::AchievementEngine;
pub use validate::{categories, validate_catalog};

/// The allocator of the browser module: talc is smaller than Rust's default
/// dlmalloc, for a few percent of speed (figures: BENCHMARKS.md).
#[cfg(all(not(target_feature = "atomics"), target_family = "wasm"))]
#[global_allocator]
static TALC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
