//! One test kit for every test and bench that needs a live `achievements`
//! server: a real server on a free port (port 0) over a temporary database
//! (SQLite, or PostgreSQL with `ACHIEVEMENTS_TEST_BACKEND=postgres`), and
//! the few things its callers do with it. Each test gets its
//! own server and its own database, so tests run in parallel and never
//! touch a fixed port, the home folder or the wall clock.
//!
//! # Parts
//! - [`TestServer`] (`test_server.rs`): the server's router in this
//!   process, started from a [`Setup`] (clock, catalog, web folder, demo
//!   user, connection limits): on the caller's tokio runtime for async
//!   tests ([`TestServer::start`]), or on a thread and runtime of its own
//!   for blocking tests and benches ([`TestServer::start_blocking`]), or
//!   as a second instance on another's database
//!   ([`TestServer::start_beside`]). Row counts go through a second
//!   connection to its database, on either backend.
//! - [`accounts`]: users and tokens made in a database through the
//!   server's own storage interface.
//! - [`postgres`]: [`TestPostgres`], a throwaway PostgreSQL database per
//!   test, from `ACHIEVEMENTS_TEST_POSTGRES` (never skipped in CI).
//!   In-process because a test can then fix the clock, shorten the
//!   connection limits and see a failed start as a panic with its message.
//! - [`ServeProcess`] (`serve_process.rs`) and [`binary!`]: the real
//!   `achievements serve` as a child process, for what only a process has
//!   (signals, exit status, the lines it prints), and the binary itself for
//!   command-line tests.
//! - `wire.rs`: requests and answers in JSON: [`TestServer::get`],
//!   [`TestServer::post`], [`TestServer::post_events`] (and their blocking
//!   twins), [`read`], [`event`], [`keys`].
//!
//! The clock is fixed at [`NOW`] unless a [`Setup`] says otherwise; the
//! server's types a [`Setup`] needs are re-exported ([`CatalogSource`],
//! [`Clock`], [`ConnectionTimeouts`]) so callers need no other import.

pub mod accounts;
pub mod postgres;
mod serve_process;
mod test_server;
mod wire;

pub use achievements_server::catalog_file::CatalogSource;
pub use achievements_server::clock::Clock;
pub use achievements_server::connections::ConnectionTimeouts;
pub use postgres::{POSTGRES_ENV, TestPostgres};
pub use serve_process::ServeProcess;
pub use test_server::{BACKEND_ENV, Backend, Kept, Setup, TestServer};
pub use wire::{event, keys, read, read_unlocks, stream_ends};

/// The fixed "now" of a [`TestServer`]'s clock unless its [`Setup`] says otherwise.
pub const NOW: &str = "2026-03-20T12:00:00Z";

/// A clock at [`NOW`] plus the seconds its handle holds (0 to start), for
/// a test that moves time on: `offset.store(61, SeqCst)`.
pub fn movable_clock() -> (Clock, std::sync::Arc<std::sync::atomic::AtomicI64>) {
    use std::sync::atomic::{AtomicI64, Ordering};
    let offset = std::sync::Arc::new(AtomicI64::new(0));
    let seconds = std::sync::Arc::clone(&offset);
    let clock = Clock::from_fn(move || {
        now().checked_add_seconds(seconds.load(Ordering::SeqCst)).expect("the moved clock stays in range")
    });
    (clock, offset)
}

/// [`NOW`] as the core's instant.
pub fn now() -> achievements_core::Instant {
    NOW.parse().expect("NOW is an RFC 3339 instant")
}
