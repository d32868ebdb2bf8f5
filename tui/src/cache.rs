//! The offline cache: a small SQLite file holding what the last successful
//! sync fetched, so the app browses without a server.
//!
//! It stores the server's documents as they came (catalog, `me/`,
//! achievements, earned, notifications) with their ETags, plus when each
//! earned badge was first seen (to highlight new ones). Storing documents
//! rather than a schema of our own keeps the cache independent of the
//! server's item shapes: they are read, defensively, when loaded.
//!
//! A sync commits in one transaction: a failed sync leaves the cache as it
//! was. The schema is versioned with `PRAGMA user_version`; a file that is
//! not a cache, is corrupt, or comes from a newer version of the app is moved
//! aside and a new cache is started, with a message, never a crash.

use crate::sync::Resource;
use jiff::Timestamp;
use rusqlite::{Connection, ErrorCode, OptionalExtension, TransactionBehavior, params};
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

/// The schema this build writes and reads.
pub const SCHEMA_VERSION: i32 = 1;

const SCHEMA: &str = "
CREATE TABLE meta (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE documents (
    name TEXT PRIMARY KEY NOT NULL,
    status INTEGER NOT NULL,   -- 200: body holds the document; 404: the server has no such route
    body TEXT NOT NULL,
    etag TEXT,
    fetched_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE earned_seen (
    key TEXT PRIMARY KEY NOT NULL,
    first_seen INTEGER NOT NULL  -- the sync generation that first listed it as earned
) WITHOUT ROWID;
";

const TABLES: &[&str] = &["meta", "documents", "earned_seen"];

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

/// What a sync knows about the cache before it starts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Meta {
    /// The server the cached data came from.
    pub server: Option<String>,
    /// The user it belongs to (`None` for an anonymous sync).
    pub user: Option<String>,
    pub last_sync: Option<Timestamp>,
    /// Counts successful syncs; 0 when nothing was ever synced.
    pub generation: u64,
    /// The generation that (re)started this cache's data: the first sync,
    /// or the last change of server or user. Badges first seen then are the
    /// starting point, not news.
    pub reset_generation: u64,
}

/// One stored document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stored {
    Body {
        body: String,
        etag: Option<String>,
        fetched_at: Timestamp,
    },
    /// The server answered 404: it does not have this route.
    Unsupported {
        checked_at: Timestamp,
    },
}

/// Everything in the cache.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Contents {
    pub meta: Meta,
    pub documents: BTreeMap<Resource, Stored>,
    /// Earned key → generation that first listed it.
    pub first_seen: HashMap<String, u64>,
}

/// What a sync fetched for one resource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fetched {
    Body {
        body: String,
        etag: Option<String>,
    },
    /// 304: the cached copy is current.
    NotModified,
    Unsupported,
}

/// A sync's result, committed in one transaction by [`Cache::commit`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Commit {
    pub server: String,
    pub user: Option<String>,
    pub at: Timestamp,
    pub documents: Vec<(Resource, Fetched)>,
    /// Every key the earned list holds now.
    pub earned_keys: Vec<String>,
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

    /// Sets the connection up and checks (or creates) the schema.
    fn prepare(&mut self) -> Result<(), Problem> {
        let conn = &mut self.conn;
        conn.busy_timeout(std::time::Duration::from_secs(2))?;
        let version: i32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let tables: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        match version {
            0 if tables.is_empty() => {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                tx.execute_batch(SCHEMA)?;
                tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
                tx.commit()?;
            }
            0 => return Err(Problem::Unusable("it is not an achievements-tui cache".to_owned())),
            SCHEMA_VERSION => {
                if let Some(missing) = TABLES.iter().find(|t| !tables.iter().any(|have| have == *t)) {
                    return Err(Problem::Unusable(format!("its table `{missing}` is missing")));
                }
            }
            v if v > SCHEMA_VERSION => {
                return Err(Problem::Unusable(format!(
                    "it was written by a newer achievements-tui (schema {v}; this one reads {SCHEMA_VERSION})"
                )));
            }
            v => return Err(Problem::Unusable(format!("unknown schema version {v}"))),
        }
        if self.path.is_some() {
            // One writer (the sync thread); WAL lets a second app instance read meanwhile.
            self.conn.pragma_update(None, "journal_mode", "WAL")?;
            self.conn.pragma_update(None, "synchronous", "NORMAL")?;
        }
        // Read the metadata once now, so a damaged file is caught at open.
        self.read_meta().map_err(Problem::Sqlite)?;
        Ok(())
    }

    fn error(&self, source: rusqlite::Error) -> CacheError {
        sqlite(self.path.as_deref(), source)
    }

    /// The metadata a sync plans from.
    ///
    /// # Errors
    /// SQLite errors ([`CacheError::is_unusable`] tells whether to rebuild).
    pub fn meta(&self) -> Result<Meta, CacheError> {
        self.read_meta().map_err(|e| self.error(e))
    }

    fn read_meta(&self) -> Result<Meta, rusqlite::Error> {
        let mut stmt = self.conn.prepare_cached("SELECT key, value FROM meta")?;
        let pairs: HashMap<String, String> =
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
        let number = |k: &str| pairs.get(k).and_then(|v| v.parse().ok()).unwrap_or(0);
        Ok(Meta {
            server: pairs.get("server").cloned(),
            user: pairs.get("user").cloned().filter(|u| !u.is_empty()),
            last_sync: pairs.get("last_sync").and_then(|v| v.parse().ok()),
            generation: number("generation"),
            reset_generation: number("reset_generation"),
        })
    }

    /// The stored ETag of a document, when its body is cached.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn etag(&self, resource: Resource) -> Result<Option<String>, CacheError> {
        self.conn
            .query_row("SELECT etag FROM documents WHERE name = ?1 AND status = 200", [resource.name()], |r| {
                r.get::<_, Option<String>>(0)
            })
            .optional()
            .map(Option::flatten)
            .map_err(|e| self.error(e))
    }

    /// Everything cached.
    ///
    /// # Errors
    /// SQLite errors ([`CacheError::is_unusable`] tells whether to rebuild).
    pub fn contents(&self) -> Result<Contents, CacheError> {
        self.read_contents().map_err(|e| self.error(e))
    }

    fn read_contents(&self) -> Result<Contents, rusqlite::Error> {
        let meta = self.read_meta()?;
        let mut documents = BTreeMap::new();
        let mut stmt = self.conn.prepare_cached("SELECT name, status, body, etag, fetched_at FROM documents")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let name: String = row.get(0)?;
            let Some(resource) = Resource::from_name(&name) else { continue };
            let status: i64 = row.get(1)?;
            let at: Timestamp = row.get::<_, String>(4)?.parse().unwrap_or(Timestamp::UNIX_EPOCH);
            let stored = if status == 404 {
                Stored::Unsupported { checked_at: at }
            } else {
                Stored::Body { body: row.get(2)?, etag: row.get(3)?, fetched_at: at }
            };
            documents.insert(resource, stored);
        }
        let mut stmt = self.conn.prepare_cached("SELECT key, first_seen FROM earned_seen")?;
        let first_seen = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0))))?
            .collect::<Result<_, _>>()?;
        Ok(Contents { meta, documents, first_seen })
    }

    /// Stores a sync's result in one transaction and returns its generation.
    /// A new server or user replaces the data of the previous one.
    ///
    /// # Errors
    /// SQLite errors; nothing is changed then.
    pub fn commit(&mut self, commit: &Commit) -> Result<u64, CacheError> {
        let result = self.write_commit(commit);
        result.map_err(|e| self.error(e))
    }

    fn write_commit(&mut self, commit: &Commit) -> Result<u64, rusqlite::Error> {
        let before = self.read_meta()?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let server_changed = before.server.as_deref().is_some_and(|s| s != commit.server);
        let user_changed = before.user != commit.user;
        if server_changed {
            tx.execute("DELETE FROM documents", [])?;
        } else if user_changed {
            tx.execute("DELETE FROM documents WHERE name <> ?1", [Resource::Catalog.name()])?;
        }
        if server_changed || user_changed {
            tx.execute("DELETE FROM earned_seen", [])?;
        }
        let generation = before.generation + 1;
        let at = commit.at.to_string();
        {
            let mut upsert = tx.prepare_cached(
                "INSERT INTO documents (name, status, body, etag, fetched_at) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (name) DO UPDATE SET status = ?2, body = ?3, etag = ?4, fetched_at = ?5",
            )?;
            let mut touch = tx.prepare_cached("UPDATE documents SET fetched_at = ?2 WHERE name = ?1")?;
            for (resource, fetched) in &commit.documents {
                match fetched {
                    Fetched::Body { body, etag } => {
                        upsert.execute(params![resource.name(), 200, body, etag, at])?;
                    }
                    Fetched::Unsupported => {
                        upsert.execute(params![resource.name(), 404, "", Option::<String>::None, at])?;
                    }
                    Fetched::NotModified => {
                        touch.execute(params![resource.name(), at])?;
                    }
                }
            }
            let mut seen = tx.prepare_cached("INSERT OR IGNORE INTO earned_seen (key, first_seen) VALUES (?1, ?2)")?;
            let generation_sql = i64::try_from(generation).unwrap_or(i64::MAX);
            for key in &commit.earned_keys {
                seen.execute(params![key, generation_sql])?;
            }
            let mut meta = tx.prepare_cached(
                "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = ?2",
            )?;
            meta.execute(params!["server", commit.server])?;
            meta.execute(params!["user", commit.user.as_deref().unwrap_or("")])?;
            meta.execute(params!["last_sync", at])?;
            meta.execute(params!["generation", generation.to_string()])?;
            if before.generation == 0 || server_changed || user_changed {
                meta.execute(params!["reset_generation", generation.to_string()])?;
            }
        }
        tx.commit()?;
        Ok(generation)
    }

    /// Forgets everything (keeps the schema).
    ///
    /// # Errors
    /// SQLite errors.
    pub fn clear(&mut self) -> Result<(), CacheError> {
        self.conn
            .execute_batch("DELETE FROM documents; DELETE FROM earned_seen; DELETE FROM meta;")
            .map_err(|e| sqlite(self.path.as_deref(), e))
    }
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

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn commit(server: &str, user: &str, keys: &[&str]) -> Commit {
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
        }
    }

    #[test]
    fn a_new_cache_is_empty_and_versioned() {
        let cache = Cache::open_in_memory().unwrap();
        assert_eq!(cache.contents().unwrap(), Contents::default());
        let version: i32 = cache.conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(version, SCHEMA_VERSION);
    }

    #[test]
    fn commits_count_generations_and_first_sightings() {
        let mut cache = Cache::open_in_memory().unwrap();
        assert_eq!(cache.commit(&commit("http://s", "ann", &["a"])).unwrap(), 1);
        let mut second = commit("http://s", "ann", &["a", "b"]);
        second.documents[0].1 = Fetched::NotModified;
        second.at = at("2026-03-21T12:00:00Z");
        assert_eq!(cache.commit(&second).unwrap(), 2);
        let contents = cache.contents().unwrap();
        assert_eq!(contents.meta.generation, 2);
        assert_eq!(contents.meta.reset_generation, 1);
        assert_eq!(contents.meta.user.as_deref(), Some("ann"));
        assert_eq!(contents.meta.last_sync, Some(at("2026-03-21T12:00:00Z")));
        assert_eq!(contents.first_seen["a"], 1);
        assert_eq!(contents.first_seen["b"], 2);
        // 304 kept the body and ETag, and refreshed the time.
        assert_eq!(
            contents.documents[&Resource::Catalog],
            Stored::Body {
                body: "{}".to_owned(),
                etag: Some("\"e1\"".to_owned()),
                fetched_at: at("2026-03-21T12:00:00Z")
            }
        );
        assert!(matches!(contents.documents[&Resource::Notifications], Stored::Unsupported { .. }));
        assert_eq!(cache.etag(Resource::Catalog).unwrap().as_deref(), Some("\"e1\""));
        assert_eq!(cache.etag(Resource::Notifications).unwrap(), None);
    }

    #[test]
    fn another_user_or_server_starts_over() {
        let mut cache = Cache::open_in_memory().unwrap();
        cache.commit(&commit("http://s", "ann", &["a"])).unwrap();
        let mut bob = commit("http://s", "bob", &["z"]);
        bob.documents.retain(|(r, _)| *r == Resource::Me);
        assert_eq!(cache.commit(&bob).unwrap(), 2);
        let contents = cache.contents().unwrap();
        assert_eq!(contents.meta.reset_generation, 2);
        assert!(!contents.first_seen.contains_key("a"));
        // The catalog is the server's, not the user's: kept.
        assert!(contents.documents.contains_key(&Resource::Catalog));
        assert!(!contents.documents.contains_key(&Resource::Notifications));

        let mut other = commit("http://t", "bob", &[]);
        other.documents.retain(|(r, _)| *r == Resource::Me);
        cache.commit(&other).unwrap();
        assert!(!cache.contents().unwrap().documents.contains_key(&Resource::Catalog));
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

    #[test]
    fn newer_schemas_and_foreign_databases_are_rebuilt() {
        let dir = tempfile::tempdir().unwrap();
        let newer = dir.path().join("newer.sqlite");
        Connection::open(&newer).unwrap().execute_batch("PRAGMA user_version = 99;").unwrap();
        let (_, rebuilt) = Cache::open(&newer).unwrap();
        assert!(rebuilt.unwrap().reason.contains("newer achievements-tui"));

        let foreign = dir.path().join("foreign.sqlite");
        Connection::open(&foreign).unwrap().execute_batch("CREATE TABLE t (x);").unwrap();
        let (_, rebuilt) = Cache::open(&foreign).unwrap();
        assert!(rebuilt.unwrap().reason.contains("not an achievements-tui cache"));

        let damaged = dir.path().join("damaged.sqlite");
        {
            let (cache, _) = Cache::open(&damaged).unwrap();
            cache.conn.execute_batch("DROP TABLE earned_seen;").unwrap();
        }
        let (_, rebuilt) = Cache::open(&damaged).unwrap();
        assert!(rebuilt.unwrap().reason.contains("earned_seen"));
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
