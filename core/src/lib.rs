//! The achievement catalog and its unlock rules: pure and deterministic.
//!
//! This crate decides every unlock in the system. The server, the WebAssembly
//! module and the terminal app call it; none of them has rules of its own.
//! It does no I/O and never reads a clock: time comes in as arguments.
//!
//! # Layout
//! - [`model`]: the catalog's vocabulary ([`Definition`], [`Category`], …).
//! - [`json`]: the core's JSON parser (a borrowed tree, located syntax errors).
//! - [`load`]: JSON text → [`ValidCatalog`], with located errors.
//! - [`valid_catalog`]: [`ValidCatalog`], a catalog known to be valid: the
//!   only kind an [`Engine`] is built from.
//! - [`engine`]: [`Engine`], the compiled catalog: apply, preview, evaluate.
//! - [`state`]: [`UserState`] and its portable [`StateSnapshot`].
//! - [`sorted_map`]: [`SortedMap`], the map of name-keyed data (small code
//!   in WebAssembly, unlike a `BTreeMap` per type).
//! - [`streak`]: active days as runs, the basis of streaks.
//! - [`time`]: instants, dates and time zones (the IANA database with the
//!   `tzdb` feature, on by default).
//! - [`progress`], [`explain`], [`window`]: reading a state for people
//!   (progress, blockers, a time window in the user's local days).
//! - [`public_view`]: the catalog a client may see (secrets masked).
//! - [`recalculate`]: a state rebuilt from its event log (`recalculate`).
//! - [`scenario`]: the offline rule-test format and its runner.
//!
//! ```
//! use achievements_core::{Engine, Event, SHIPPED_CATALOG_JSON};
//! let (engine, _warnings) = Engine::from_json(SHIPPED_CATALOG_JSON).unwrap();
//! let mut state = engine.new_state(achievements_core::TimeZone::utc());
//! let at = "2026-03-01T10:00:00Z".parse().unwrap();
//! let unlocked = engine.apply(&mut state, &Event { event_type: "project_created", value: Some(5), at }).unwrap();
//! let keys: Vec<_> = unlocked.iter().map(|u| u.key.as_str()).collect();
//! assert!(keys.contains(&"first_project") && keys.contains(&"5_projects"));
//! ```

pub mod diagnostic;
pub mod engine;
pub mod event;
pub mod explain;
pub mod int64;
pub mod json;
mod json_reader;
pub mod load;
pub mod model;
pub mod progress;
pub mod public_view;
pub mod recalculate;
pub mod scenario;
pub mod sorted_map;
pub mod state;
pub mod streak;
pub mod time;
pub mod valid_catalog;
pub mod window;

pub use diagnostic::{Diagnostic, Diagnostics, InvalidFile};
pub use engine::{Engine, Unlock};
pub use event::{Event, EventError, EventTypeId, TypedEvent};
pub use explain::{Blocker, Explanation, describe_criteria};
pub use load::{Loaded, load_catalog, parse_instant};
pub use model::{Catalog, Category, CriteriaType, Definition, Effect, Op, Placeholder, Rarity};
pub use progress::Progress;
pub use public_view::PublicView;
pub use recalculate::{Difference, Recalculation};
pub use sorted_map::SortedMap;
pub use state::{Cause, EarnedRecord, GrantError, StateError, StateSnapshot, UserState};
pub use time::{Date, Instant, TimeZone, ZoneTable, time_zone};
pub use valid_catalog::ValidCatalog;
pub use window::{LocalWindow, local_window};

/// The shipped catalog (`fixtures/achievements.json`), embedded so nothing
/// depends on the working directory.
pub const SHIPPED_CATALOG_JSON: &str = include_str!("../../fixtures/achievements.json");
