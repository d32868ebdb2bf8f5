//! A throwaway PostgreSQL database per test, made from the admin URL in
//! `ACHIEVEMENTS_TEST_POSTGRES` (`scripts/postgres.sh` prints one).
//!
//! Each [`TestPostgres`] is a new database with a unique name, dropped
//! (`WITH (FORCE)`, closing the connections a server left open) when it is
//! dropped, so tests run in parallel on one server and leave nothing
//! behind. The admin work runs on a thread of its own with a small tokio
//! runtime: a [`TestPostgres`] can be made and dropped from blocking tests
//! and from inside async tests alike.
//!
//! The admin connection does not use TLS: the URL is the local test
//! server's.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The environment variable that holds the admin URL.
pub const POSTGRES_ENV: &str = "ACHIEVEMENTS_TEST_POSTGRES";

/// One fresh database on the test PostgreSQL server.
#[derive(Debug)]
pub struct TestPostgres {
    admin_url: String,
    name: String,
    url: String,
}

impl TestPostgres {
    /// A fresh database on the server `ACHIEVEMENTS_TEST_POSTGRES` names,
    /// or `None` when it is unset (the caller prints `SKIPPED` and
    /// returns).
    ///
    /// # Panics
    /// When `CI=true` and the variable is unset: PostgreSQL tests never
    /// skip silently in CI. Whenever the variable is set but the server
    /// cannot make the database: a test that was asked for must not pass
    /// by not running.
    pub fn from_env() -> Option<TestPostgres> {
        let admin_url = std::env::var(POSTGRES_ENV).ok().filter(|url| !url.is_empty());
        let Some(admin_url) = admin_url else {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "{POSTGRES_ENV} is not set and CI=true: PostgreSQL tests must run in CI \
                 (export ACHIEVEMENTS_TEST_POSTGRES=$(scripts/postgres.sh))"
            );
            return None;
        };
        match TestPostgres::create(&admin_url) {
            Ok(db) => Some(db),
            Err(e) => panic!("{POSTGRES_ENV} is set but no test database could be made there: {e}"),
        }
    }

    /// A fresh database on the server `admin_url` names; its role must be
    /// allowed to create databases.
    ///
    /// # Errors
    /// The server cannot be reached, or refuses `CREATE DATABASE`.
    pub fn create(admin_url: &str) -> Result<TestPostgres, String> {
        let name = unique_name();
        admin(admin_url, format!("CREATE DATABASE {name}"))?;
        Ok(TestPostgres { admin_url: admin_url.to_owned(), url: with_database(admin_url, &name), name })
    }

    /// The URL of the database, for `--db` or the server's own `open`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for TestPostgres {
    fn drop(&mut self) {
        if let Err(e) = admin(&self.admin_url, format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)) {
            eprintln!("warning: test database {} was not dropped: {e}", self.name);
        }
    }
}

/// `achievements_test_<pid>_<counter>_<random>`: unique across the tests of
/// one process (the counter), across processes running at once (the pid),
/// and across runs that reuse a pid (the random part).
fn unique_name() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos()));
    let random = hasher.finish() & 0xff_ffff;
    format!("achievements_test_{}_{}_{random:06x}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed))
}

/// `url` with its database name replaced by `name` (its parameters kept).
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(base, query)| (base, Some(query)));
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let base = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{base}/{name}?{query}"),
        None => format!("{base}/{name}"),
    }
}

/// Runs one statement on the admin connection, on a thread and runtime of
/// its own.
fn admin(admin_url: &str, statement: String) -> Result<(), String> {
    on_connection(admin_url, async move |client| client.batch_execute(&statement).await.map_err(|e| describe(&e)))
}

/// The one number `sql` selects in the database at `url` (a count, a
/// version), as a 64-bit integer.
///
/// # Errors
/// The database cannot be reached, or the query fails.
pub fn query_i64(url: &str, sql: &str) -> Result<i64, String> {
    let sql = format!("SELECT ({sql})::bigint");
    on_connection(url, async move |client| {
        let row = client.query_one(&sql, &[]).await.map_err(|e| describe(&e))?;
        row.try_get(0).map_err(|e| describe(&e))
    })
}

/// Every row `sql` selects in the database at `url`, each value as text
/// (the simple query protocol's own form), `None` for NULL.
///
/// # Errors
/// The database cannot be reached, or the query fails.
pub fn text_rows(url: &str, sql: &str) -> Result<Vec<Vec<Option<String>>>, String> {
    let sql = sql.to_owned();
    on_connection(url, async move |client| {
        let messages = client.simple_query(&sql).await.map_err(|e| describe(&e))?;
        Ok(messages
            .iter()
            .filter_map(|m| match m {
                tokio_postgres::SimpleQueryMessage::Row(row) => {
                    Some((0..row.len()).map(|i| row.get(i).map(str::to_owned)).collect())
                }
                _ => None,
            })
            .collect())
    })
}

/// Runs statements in the database at `url`.
///
/// # Errors
/// The database cannot be reached, or a statement fails.
pub fn execute(url: &str, sql: &str) -> Result<(), String> {
    let sql = sql.to_owned();
    on_connection(url, async move |client| client.batch_execute(&sql).await.map_err(|e| describe(&e)))
}

/// Runs `work` on a plain-text connection to `url`, on a thread and
/// runtime of its own (callable from blocking and async tests alike).
fn on_connection<T: Send + 'static>(
    url: &str,
    work: impl AsyncFnOnce(&tokio_postgres::Client) -> Result<T, String> + Send + 'static,
) -> Result<T, String> {
    let url = url.to_owned();
    let run = move || -> Result<T, String> {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
        runtime.block_on(async {
            let (client, connection) =
                tokio_postgres::connect(&url, tokio_postgres::NoTls).await.map_err(|e| describe(&e))?;
            let connection = tokio::spawn(connection);
            let done = work(&client).await;
            drop(client);
            let _ = connection.await;
            done
        })
    };
    std::thread::spawn(run).join().map_err(|_| "the PostgreSQL thread panicked".to_owned())?
}

/// The server's message, which tokio-postgres's `Display` leaves out.
fn describe(error: &tokio_postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => db.to_string(),
        None => match std::error::Error::source(error) {
            Some(source) => format!("{error}: {source}"),
            None => error.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_name_is_replaced_and_parameters_kept() {
        assert_eq!(with_database("postgres://u:p@127.0.0.1:5432/postgres", "t1"), "postgres://u:p@127.0.0.1:5432/t1");
        assert_eq!(with_database("postgres://u@h/postgres?sslmode=disable", "t1"), "postgres://u@h/t1?sslmode=disable");
        assert_eq!(with_database("postgresql://u@h", "t1"), "postgresql://u@h/t1");
    }

    #[test]
    fn names_are_unique_and_valid_identifiers() {
        let (a, b) = (unique_name(), unique_name());
        assert_ne!(a, b);
        assert!(a.len() < 63, "{a}");
        assert!(a.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'), "{a}");
    }
}
