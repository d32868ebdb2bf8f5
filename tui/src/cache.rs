//! The offline cache: a small SQLite file holding what the last successful
//! sync fetched, so the app browses without a server.
//!
//! It stores the server's documents as they came (catalog, `me/`,
//! achievements, earned, notifications) with their ETags, plus when each
//! earned badge was first seen (to highlight new ones). Storing documents
//! rather than a schema of our own keeps the cache independent of the
//! server's item shapes: they are read, defensively, when loaded.
//!
//! Two things are derived at sync time so that start-up is quick: the
//! earned list's entries the public catalog cannot describe (earned secrets,
//! retired badges: `earned_extra`), and the badge list as last shown
//! (`board`), which the first frame draws while the core compiles the
//! catalog in the background.
//!
//! A sync commits in one transaction: a failed sync leaves the cache as it
//! was. The schema is versioned with `PRAGMA user_version` and migrated
//! forward; a file that is not a cache, is corrupt, or comes from a newer
//! version of the app is moved aside and a new cache is started, with a
//! message, never a crash. So is a file holding a value this app did not
//! write (an unknown category, a time that does not parse, …): a damaged
//! value is never read as a plausible one (a default category, 1970).
//!
//! # Layout
//! - here: opening a cache, and moving an unusable file aside; the one
//!   error type and how a damaged value becomes [`CacheError::Unusable`].
//! - [`schema`]: the versioned schema and its forward migrations.
//! - [`documents`]: the synced documents, the metadata a sync plans from,
//!   when each earned badge was first seen, and a sync's [`Commit`].
//! - [`board`]: the badge list as last shown, for the first frame.

mod board;
mod documents;
mod schema;

pub use documents::{Commit, Fetched, Meta, Profile, Stored};
pub use schema::SCHEMA_VERSION;

use jiff::Timestamp;
use rusqlite::{Connection, ErrorCode};
use std::fmt;
use std::path::{Path, PathBuf};

/// The cache: one SQLite connection.
#[derive(Debug)]
pub struct Cache {
    conn: Connection,
    path: Option<PathBuf>,
}

/// A cache that could not be used and was replaced by an empty one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rebuilt {
    pub path: Option<PathBuf>,
    /// Where the old file went (`None` for an in-memory cache).
    pub moved_to: Option<PathBuf>,
    pub reason: String,
}

impl fmt::Display for Rebuilt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.path, &self.moved_to) {
            (Some(path), Some(moved)) => write!(
                f,
                "The cache {} could not be used ({}); it was moved to {} and a new one started.",
                path.display(),
                self.reason,
                moved.display()
            ),
            _ => write!(f, "The cache could not be used ({}); a new one was started.", self.reason),
        }
    }
}

/// Why the cache cannot be used at all (the app then runs without one).
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("cannot create the cache folder {path}: {source} (choose another file with --cache FILE)")]
    CreateFolder { path: PathBuf, source: std::io::Error },
    #[error(
        "cannot move the unusable cache {path} aside: {source} (delete it, or choose another file with --cache FILE)"
    )]
    MoveAside { path: PathBuf, source: std::io::Error },
    #[error("the cache {path} failed: {source}")]
    Sqlite { path: String, source: rusqlite::Error },
    #[error("the cache {path} is unusable: {reason}")]
    Unusable { path: String, reason: String },
}

impl CacheError {
    /// True when the file's content is at fault (corrupt, not a cache, a
    /// newer schema), so rebuilding it is the cure.
    pub fn is_unusable(&self) -> bool {
        match self {
            CacheError::Unusable { .. } => true,
            CacheError::Sqlite { source, .. } => is_corruption(source),
            _ => false,
        }
    }
}

fn is_corruption(e: &rusqlite::Error) -> bool {
    matches!(e.sqlite_error_code(), Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt))
}

impl Cache {
    /// Opens (creating if needed) the cache at `path`. A file that is not a
    /// usable cache is moved aside (`FILE.broken`, `FILE.broken-2`, …) and
    /// replaced by an empty cache, which the second value reports.
    ///
    /// # Errors
    /// When no cache can be made at `path` at all (no permission, no disk).
    pub fn open(path: &Path) -> Result<(Cache, Option<Rebuilt>), CacheError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|source| CacheError::CreateFolder { path: parent.to_owned(), source })?;
        }
        match Self::open_existing(path) {
            Ok(cache) => Ok((cache, None)),
            Err(e) if e.is_unusable() => {
                let reason = reason_of(&e);
                let (cache, rebuilt) = Self::rebuild(path, reason)?;
                Ok((cache, Some(rebuilt)))
            }
            Err(e) => Err(e),
        }
    }

    /// An empty cache in memory (tests, and the fallback when no file works).
    ///
    /// # Errors
    /// Only if SQLite itself fails.
    pub fn open_in_memory() -> Result<Cache, CacheError> {
        let conn = Connection::open_in_memory().map_err(|source| sqlite(None, source))?;
        let mut cache = Cache { conn, path: None };
        cache.prepare().map_err(|p| p.into_error(None))?;
        Ok(cache)
    }

    /// Replaces this cache by an empty one after its content turned out to
    /// be unreadable (`reason` says why), moving the file aside.
    ///
    /// # Errors
    /// As [`Cache::open`].
    pub fn recover(self, reason: impl Into<String>) -> Result<(Cache, Rebuilt), CacheError> {
        let reason = reason.into();
        match self.path.clone() {
            Some(path) => {
                drop(self);
                Self::rebuild(&path, reason)
            }
            None => Ok((Self::open_in_memory()?, Rebuilt { path: None, moved_to: None, reason })),
        }
    }

    /// The file, if not in memory.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    fn open_existing(path: &Path) -> Result<Cache, CacheError> {
        let conn = Connection::open(path).map_err(|source| sqlite(Some(path), source))?;
        let mut cache = Cache { conn, path: Some(path.to_owned()) };
        cache.prepare().map_err(|p| p.into_error(Some(path)))?;
        Ok(cache)
    }

    fn rebuild(path: &Path, reason: String) -> Result<(Cache, Rebuilt), CacheError> {
        let moved_to = aside_name(path);
        std::fs::rename(path, &moved_to).map_err(|source| CacheError::MoveAside { path: path.to_owned(), source })?;
        for suffix in ["-wal", "-shm", "-journal"] {
            let companion = with_suffix(path, suffix);
            if companion.exists() {
                let _ = std::fs::rename(&companion, with_suffix(&moved_to, suffix));
            }
        }
        let cache = Self::open_existing(path)?;
        Ok((cache, Rebuilt { path: Some(path.to_owned()), moved_to: Some(moved_to), reason }))
    }

    fn error(&self, source: rusqlite::Error) -> CacheError {
        sqlite(self.path.as_deref(), source)
    }
}

/// A value in the cache that this app did not write: the file is damaged.
/// It travels as a conversion error (the type rusqlite's row closures
/// return) and becomes [`CacheError::Unusable`], so the cache is rebuilt.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Damaged(String);

fn damaged(what: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(Damaged(what)))
}

/// A stored time (written by this app as RFC 3339).
fn timestamp(text: &str, whose: &str) -> Result<Timestamp, rusqlite::Error> {
    text.parse().map_err(|_| damaged(format!("{whose} has the time `{text}`")))
}

/// A problem found while preparing a connection.
enum Problem {
    Sqlite(rusqlite::Error),
    Unusable(String),
}

impl From<rusqlite::Error> for Problem {
    fn from(e: rusqlite::Error) -> Self {
        Problem::Sqlite(e)
    }
}

impl Problem {
    fn into_error(self, path: Option<&Path>) -> CacheError {
        match self {
            Problem::Sqlite(source) => sqlite(path, source),
            Problem::Unusable(reason) => CacheError::Unusable { path: show(path), reason },
        }
    }
}

fn sqlite(path: Option<&Path>, source: rusqlite::Error) -> CacheError {
    if let rusqlite::Error::FromSqlConversionFailure(_, _, inner) = &source
        && let Some(Damaged(what)) = inner.downcast_ref::<Damaged>()
    {
        return CacheError::Unusable { path: show(path), reason: format!("damaged: {what}") };
    }
    // A column holding another type than this app writes is damage too.
    if matches!(source, rusqlite::Error::InvalidColumnType(..) | rusqlite::Error::IntegralValueOutOfRange(..)) {
        return CacheError::Unusable { path: show(path), reason: format!("damaged: {source}") };
    }
    CacheError::Sqlite { path: show(path), source }
}

fn show(path: Option<&Path>) -> String {
    path.map_or_else(|| "(in memory)".to_owned(), |p| p.display().to_string())
}

fn reason_of(e: &CacheError) -> String {
    match e {
        CacheError::Unusable { reason, .. } => reason.clone(),
        CacheError::Sqlite { source, .. } => source.to_string(),
        other => other.to_string(),
    }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// `FILE.broken`, or `FILE.broken-2`, … whichever does not exist yet.
fn aside_name(path: &Path) -> PathBuf {
    let first = with_suffix(path, ".broken");
    if !first.exists() {
        return first;
    }
    (2..).map(|n| with_suffix(path, &format!(".broken-{n}"))).find(|p| !p.exists()).unwrap_or(first)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::resource::Resource;

    pub(super) fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    /// A sync's result for `user` on `server`, with `keys` earned.
    pub(super) fn commit(server: &str, user: &str, keys: &[&str]) -> Commit {
        Commit {
            server: server.to_owned(),
            user: Some(user.to_owned()),
            at: at("2026-03-20T12:00:00Z"),
            documents: vec![
                (Resource::Catalog, Fetched::Body { body: "{}".to_owned(), etag: Some("\"e1\"".to_owned()) }),
                (Resource::Me, Fetched::Body { body: "{\"name\":\"ann\"}".to_owned(), etag: None }),
                (Resource::Notifications, Fetched::Unsupported),
            ],
            earned_keys: keys.iter().map(|k| (*k).to_owned()).collect(),
            earned_extra: None,
            profile: Some(Profile { timezone: "Europe/Paris".to_owned(), points: 30, secret_locked: 1 }),
        }
    }

    #[test]
    fn garbage_files_are_moved_aside_and_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/cache.sqlite");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, b"this is not a database, not even close; just text that fills a page").unwrap();
        let (mut cache, rebuilt) = Cache::open(&path).unwrap();
        let rebuilt = rebuilt.unwrap();
        assert_eq!(rebuilt.moved_to.as_deref(), Some(dir.path().join("sub/cache.sqlite.broken").as_path()));
        assert!(rebuilt.to_string().contains("moved to"), "{rebuilt}");
        cache.commit(&commit("http://s", "ann", &["a"])).unwrap();
        drop(cache);
        // Reopening the new one is clean; a second broken file gets another name.
        let (_, again) = Cache::open(&path).unwrap();
        assert_eq!(again, None);
        assert_eq!(aside_name(&path), dir.path().join("sub/cache.sqlite.broken-2"));
    }

    /// Damaged metadata is found at open: the file is moved aside at once.
    #[test]
    fn damaged_metadata_is_found_at_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.sqlite");
        let (mut cache, _) = Cache::open(&path).unwrap();
        cache.commit(&commit("http://s", "ann", &["first"])).unwrap();
        cache.conn.execute_batch("UPDATE meta SET value = '1970?' WHERE key = 'last_sync'").unwrap();
        drop(cache);
        let (cache, rebuilt) = Cache::open(&path).unwrap();
        let rebuilt = rebuilt.unwrap();
        assert!(rebuilt.reason.contains("meta `last_sync` holds `1970?`"), "{rebuilt}");
        assert!(dir.path().join("cache.sqlite.broken").exists());
        assert_eq!(cache.meta().unwrap().last_sync, None, "a new, empty cache");
    }

    #[test]
    fn recovering_an_in_memory_cache_starts_afresh() {
        let mut cache = Cache::open_in_memory().unwrap();
        cache.commit(&commit("http://s", "ann", &["a"])).unwrap();
        let (cache, rebuilt) = cache.recover("bad JSON").unwrap();
        assert_eq!(rebuilt.moved_to, None);
        assert_eq!(cache.meta().unwrap().generation, 0);
    }
}
