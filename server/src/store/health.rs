//! What operators ask of the store: whether it is ready to serve
//! (`GET /readyz`) and how loaded it is (`GET /metrics`), on either backend.

use std::time::Duration;

/// How long a readiness check waits for the database and for the writer
/// before it calls them not ready: less than a load balancer's usual probe
/// timeout, so a hung database is reported, not waited on.
pub(crate) const READY_WITHIN: Duration = Duration::from_secs(2);

/// The answer of each readiness check: `Err` says why it is not ready.
#[derive(Debug)]
pub(crate) struct Readiness {
    /// The database answers a query.
    pub database: Result<(), String>,
    /// The writer (SQLite's writer thread, PostgreSQL's group commit) is
    /// running and, on SQLite, takes a write.
    pub writer: Result<(), String>,
}

impl Readiness {
    pub(crate) fn is_ready(&self) -> bool {
        self.database.is_ok() && self.writer.is_ok()
    }
}

/// The store's load, sampled when the metrics are scraped.
#[derive(Debug, Default)]
pub(crate) struct Load {
    /// Writes queued and not yet taken by the writer or group commit.
    pub writer_queue: usize,
    /// The connection pool (PostgreSQL only).
    pub pool: Option<PoolLoad>,
}

/// A connection pool's state.
#[derive(Debug)]
pub(crate) struct PoolLoad {
    pub in_use: usize,
    pub idle: usize,
    pub max: usize,
}

/// `Err` with a message when `check` does not finish within [`READY_WITHIN`].
pub(crate) async fn within<T>(what: &str, check: impl Future<Output = Result<T, String>>) -> Result<T, String> {
    tokio::time::timeout(READY_WITHIN, check)
        .await
        .unwrap_or_else(|_| Err(format!("{what} did not answer within {} s", READY_WITHIN.as_secs())))
}
