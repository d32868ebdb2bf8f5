//! `achievements-tui`: browse your achievements in a terminal. It syncs with
//! the `achievements` server in the background, keeps what it fetched in a
//! SQLite cache to work offline, and runs the core's rules locally for
//! progress, explanations and "what would unlock?" previews. It has no
//! rules of its own: every number it shows about a badge comes from
//! `achievements-core`.
//!
//! # Layout
//! - State and behaviour: [`app`] (the `App`, its modes, `update`; the
//!   list's tabs, filter, search and sort in `app/listing.rs`, the "what
//!   would unlock?" panel in `app/preview.rs`), [`keymap`] (keys → actions,
//!   as data), [`event`] (the closed event set and the input thread),
//!   [`run`] (the main loop, generic over the backend).
//! - [`layout`]: where each part of the screen goes and how many rows fit,
//!   read by both the app (paging, scrolling) and the renderer, so the app
//!   never asks the renderer for a size.
//! - Drawing: [`ui`] (header, list, details, panels), [`palette`]
//!   (Tailwind tokens → RGB, 256-colour fallback), [`glyphs`] (icons,
//!   `--ascii`), [`terminal`] (raw mode, restore on exit and on panic).
//! - Data: [`dataset`] (what is browsed, from the cache or local files),
//!   [`badges`] (the rows, derived with the core), [`wire`] (the server's
//!   JSON).
//! - Sync: [`resource`] (the documents synced, which the cache keys by),
//!   [`sync`] (plan, then execute), [`http`] (the reqwest transport),
//!   [`cache`] (SQLite, rebuilt when unusable: `cache/schema.rs` the
//!   versioned schema, `cache/documents.rs` the synced documents and
//!   metadata, `cache/board.rs` the list as last shown), [`worker`] (the
//!   background thread).
//! - [`config`]: XDG paths, the `login` config file, flag/env/file
//!   precedence; [`file_read`]: every file read, at most 64 MiB.
//!
//! Invariants: the interface thread never does network or disk I/O after
//! start-up (the sync thread does, and sends back ready-to-show data);
//! `render` only reads the `App`; nothing here reads the clock except the
//! input thread's ticks and the sync thread (time reaches the `App` as
//! events, so tests fix it); a secret badge the user has not earned is
//! shown as "???" everywhere.

pub mod app;
pub mod badges;
pub mod cache;
pub mod config;
pub mod dataset;
pub mod event;
pub mod file_read;
pub mod glyphs;
pub mod http;
pub mod keymap;
pub mod layout;
pub mod palette;
pub mod resource;
pub mod run;
pub mod sync;
pub mod terminal;
pub mod time;
pub mod ui;
pub mod wire;
pub mod worker;
