//! The `achievements` command and its HTTP server: the adapter between the
//! platform and `achievements-core`. It converts, stores and serves; every
//! unlock is decided by the core.
//!
//! # Layout
//! - [`cli`]: the command line and its dispatch; [`rules`] (offline catalog
//!   and scenario tools), [`admin`] (users, tokens, catalog loading) and
//!   [`ops`] (award-retroactive, recalculate, check, debug, import-events).
//! - [`serve`]: start-up, graceful shutdown; [`connections`]: the accept
//!   loop and the time limits on slow or idle clients; [`demo`]: the
//!   `--demo` user.
//! - [`app`]: shared state and the router; [`routes`]: the handlers;
//!   [`www`]: the web page's folder (`--www`), served without leaking the disk.
//! - [`auth`]: bearer tokens to callers, and whose data they may see;
//!   [`sign_in`]: each request's token checked (opaque row or JWT), no cache;
//!   [`cache`]: user states kept in memory for the read path.
//! - [`views`]: achievement JSON and the secrecy rule; [`json`]: responses
//!   assembled from pre-rendered parts; [`intake`]: the event wire format;
//!   [`api_error`]: every error answer.
//! - [`stats`]: the success metrics (`GET stats/`, `achievements stats`).
//! - [`store`]: SQLite — schema, migrations, queries, the writer thread.
//! - [`catalog_file`], [`served_catalog`]: the catalog from file to engine;
//!   [`file_read`]: every file a command reads, at most 64 MiB.
//! - [`platform`]: what `serve` is told about the platform beside it (sign-ins,
//!   CORS and rate limits, what operators watch); [`rate_limit`]: the
//!   `--rate-limit` middleware; [`webhooks`]: unlocks
//!   told to the platform, from a durable outbox.
//! - [`telemetry`]: the Prometheus metrics (`GET /metrics`) and their
//!   names; [`retention`]: read notifications pruned after
//!   `--notifications-retention`.
//! - [`names`]: which user and service names are valid, and when two user
//!   names look alike.
//! - [`clock`]: the one place that reads the time; [`token`]: token bytes
//!   and hashes.
//!
//! Exports: only what other crates use — the binary (`cli`), and the tests
//! and benches that start a real server or seed a database (`serve`,
//! `store::open` and `store::users`, `catalog_file`, `clock`,
//! `connections`). Everything else is private or `pub(crate)`, so the
//! `unreachable_pub` lint catches an item made `pub` by mistake.
//!
//! Invariants: the server holds no rule logic (it hands the core events
//! and `now`, and stores what comes back); an event and all its effects
//! commit in one transaction before it is acknowledged; writes are
//! serialized through one connection; an unearned secret achievement
//! leaves the server in no response, for anyone.

mod admin;
mod api_error;
mod app;
mod auth;
mod by_hand;
mod cache;
pub mod catalog_file;
pub mod cli;
pub mod clock;
pub mod connections;
mod demo;
mod file_read;
mod intake;
mod json;
mod names;
mod openapi;
mod ops;
pub mod platform;
mod rate_limit;
mod retention;
mod routes;
mod rules;
pub mod serve;
mod served_catalog;
mod sign_in;
mod stats;
pub mod store;
mod telemetry;
mod token;
mod views;
pub mod webhooks;
mod www;
