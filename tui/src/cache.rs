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

use crate::badges::{Badge, Earned, Kind};
use crate::sync::Resource;
use achievements_core::{Category, Progress, Rarity};
use jiff::Timestamp;
use rusqlite::{Connection, ErrorCode, OptionalExtension, TransactionBehavior, params};
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

/// The schema this build writes and reads.
pub const SCHEMA_VERSION: i32 = 2;

/// Version 1: the synced documents and when each earned badge was seen.
const SCHEMA_V1: &str = "
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

/// Version 2 adds the badge list as last shown, for a quick first frame.
const SCHEMA_V2: &str = "
CREATE TABLE board (
    position INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    kind INTEGER NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    icon TEXT NOT NULL,
    color_from TEXT NOT NULL,
    color_to TEXT NOT NULL,
    category TEXT NOT NULL,
    points INTEGER NOT NULL,
    rarity TEXT,
    criteria TEXT,
    requires TEXT NOT NULL,      -- ids, one per line
    current INTEGER,
    target INTEGER,
    percent INTEGER,
    earned_at TEXT,
    value_at_unlock INTEGER,
    cause TEXT,
    rule INTEGER
);
";

const TABLES: &[&str] = &["meta", "documents", "earned_seen", "board"];

/// The name of the derived earned document (see the module docs).
const EARNED_EXTRA: &str = "earned_extra";

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
    /// What the header shows of the user (from `me/`), kept here so the
    /// first frame reads no document.
    pub profile: Option<Profile>,
}

/// The user as the header shows them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Profile {
    pub timezone: String,
    pub points: i64,
    pub secret_locked: usize,
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
    /// The earned entries the public catalog cannot describe, as
    /// `{"results": [...]}` (when the earned list was fetched).
    pub earned_extra: Option<String>,
    /// From `me/`, when fetched.
    pub profile: Option<Profile>,
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
                tx.execute_batch(SCHEMA_V1)?;
                tx.execute_batch(SCHEMA_V2)?;
                tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
                tx.commit()?;
            }
            0 => return Err(Problem::Unusable("it is not an achievements-tui cache".to_owned())),
            1 => {
                // Forward migration: the data stays, the board comes at the next sync.
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                tx.execute_batch(SCHEMA_V2)?;
                tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
                tx.commit()?;
            }
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
        // Absent is the default; present but unreadable is damage.
        fn value<T: std::str::FromStr>(
            pairs: &HashMap<String, String>,
            key: &str,
        ) -> Result<Option<T>, rusqlite::Error> {
            pairs.get(key).map(|v| v.parse().map_err(|_| damaged(format!("meta `{key}` holds `{v}`")))).transpose()
        }
        let profile = match pairs.get("timezone") {
            Some(timezone) => Some(Profile {
                timezone: timezone.clone(),
                points: value(&pairs, "points")?.unwrap_or(0),
                secret_locked: value(&pairs, "secret_locked")?.unwrap_or(0),
            }),
            None => None,
        };
        Ok(Meta {
            server: pairs.get("server").cloned(),
            user: pairs.get("user").cloned().filter(|u| !u.is_empty()),
            last_sync: value(&pairs, "last_sync")?,
            generation: value(&pairs, "generation")?.unwrap_or(0),
            reset_generation: value(&pairs, "reset_generation")?.unwrap_or(0),
            profile,
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
            let at = timestamp(&row.get::<_, String>(4)?, &format!("document `{name}`"))?;
            let stored = if status == 404 {
                Stored::Unsupported { checked_at: at }
            } else {
                Stored::Body { body: row.get(2)?, etag: row.get(3)?, fetched_at: at }
            };
            documents.insert(resource, stored);
        }
        let mut stmt = self.conn.prepare_cached("SELECT key, first_seen FROM earned_seen")?;
        let first_seen = stmt.query_map([], first_seen_row)?.collect::<Result<_, _>>()?;
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
            tx.execute_batch("DELETE FROM earned_seen; DELETE FROM board;")?;
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
            if let Some(extra) = &commit.earned_extra {
                upsert.execute(params![EARNED_EXTRA, 200, extra, Option::<String>::None, at])?;
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
            if let Some(profile) = &commit.profile {
                meta.execute(params!["timezone", profile.timezone])?;
                meta.execute(params!["points", profile.points.to_string()])?;
                meta.execute(params!["secret_locked", profile.secret_locked.to_string()])?;
            } else if commit.user.is_none() {
                tx.execute("DELETE FROM meta WHERE key IN ('timezone', 'points', 'secret_locked')", [])?;
            }
            meta.execute(params!["generation", generation.to_string()])?;
            if before.generation == 0 || server_changed || user_changed {
                meta.execute(params!["reset_generation", generation.to_string()])?;
            }
        }
        tx.commit()?;
        Ok(generation)
    }

    /// One stored document (`None` when never fetched).
    ///
    /// # Errors
    /// SQLite errors.
    pub fn document(&self, resource: Resource) -> Result<Option<Stored>, CacheError> {
        self.read_document(resource.name()).map_err(|e| self.error(e))
    }

    /// The derived earned document (see the module docs).
    ///
    /// # Errors
    /// SQLite errors.
    pub fn earned_extra(&self) -> Result<Option<String>, CacheError> {
        match self.read_document(EARNED_EXTRA).map_err(|e| self.error(e))? {
            Some(Stored::Body { body, .. }) => Ok(Some(body)),
            _ => Ok(None),
        }
    }

    fn read_document(&self, name: &str) -> Result<Option<Stored>, rusqlite::Error> {
        self.conn
            .prepare_cached("SELECT status, body, etag, fetched_at FROM documents WHERE name = ?1")?
            .query_row([name], |row| {
                let at = timestamp(&row.get::<_, String>(3)?, &format!("document `{name}`"))?;
                Ok(if row.get::<_, i64>(0)? == 404 {
                    Stored::Unsupported { checked_at: at }
                } else {
                    Stored::Body { body: row.get(1)?, etag: row.get(2)?, fetched_at: at }
                })
            })
            .optional()
    }

    /// When each earned badge was first seen (key → sync generation).
    ///
    /// # Errors
    /// SQLite errors.
    pub fn first_seen(&self) -> Result<HashMap<String, u64>, CacheError> {
        self.read_first_seen().map_err(|e| self.error(e))
    }

    fn read_first_seen(&self) -> Result<HashMap<String, u64>, rusqlite::Error> {
        let mut stmt = self.conn.prepare_cached("SELECT key, first_seen FROM earned_seen")?;
        stmt.query_map([], first_seen_row)?.collect()
    }

    /// Stores the badge list as shown after sync `generation`, replacing
    /// the previous one, in one transaction.
    ///
    /// # Errors
    /// SQLite errors; the previous list stays then.
    pub fn store_board(&mut self, generation: u64, badges: &[Badge]) -> Result<(), CacheError> {
        let result = write_board(&mut self.conn, generation, badges);
        result.map_err(|e| self.error(e))
    }

    /// The badge list stored for the current sync generation, in display
    /// order; `None` when there is none or it is older than the data.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn board(&self) -> Result<Option<Vec<Badge>>, CacheError> {
        self.read_board().map_err(|e| self.error(e))
    }

    fn read_board(&self) -> Result<Option<Vec<Badge>>, rusqlite::Error> {
        let meta = self.read_meta()?;
        let stored: Option<String> = self
            .conn
            .query_row("SELECT value FROM meta WHERE key = 'board_generation'", [], |r| r.get(0))
            .optional()?;
        if meta.generation == 0 || stored.and_then(|g| g.parse::<u64>().ok()) != Some(meta.generation) {
            return Ok(None);
        }
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, kind, name, description, icon, color_from, color_to, category, points, rarity, criteria,
                    requires, current, target, percent, earned_at, value_at_unlock, cause, rule
             FROM board ORDER BY position",
        )?;
        let rows = stmt.query_map([], |row| {
            let id: String = row.get(0)?;
            let requires: String = row.get(11)?;
            let category: String = row.get(7)?;
            let category =
                Category::parse(&category).ok_or_else(|| damaged(format!("badge `{id}` has category `{category}`")))?;
            let rarity = match row.get::<_, Option<String>>(9)? {
                Some(r) => Some(Rarity::parse(&r).ok_or_else(|| damaged(format!("badge `{id}` has rarity `{r}`")))?),
                None => None,
            };
            let kind = kind_from(row.get(1)?).ok_or_else(|| damaged(format!("badge `{id}` has an unknown kind")))?;
            let progress = match (row.get::<_, Option<i64>>(12)?, row.get::<_, Option<i64>>(13)?) {
                (Some(current), Some(target)) => {
                    let percent = u8::try_from(row.get::<_, Option<i64>>(14)?.unwrap_or(0).clamp(0, 100)).unwrap_or(0);
                    let earned_at: Option<String> = row.get(15)?;
                    Some(Progress { current, target, percent, earned: earned_at.is_some() })
                }
                _ => None,
            };
            let earned = match row.get::<_, Option<String>>(15)? {
                Some(at) => Some(Earned {
                    at: timestamp(&at, &format!("badge `{id}`"))?,
                    value_at_unlock: row.get(16)?,
                    cause: row.get(17)?,
                }),
                None => None,
            };
            Ok(Badge {
                id,
                kind,
                name: row.get(2)?,
                description: row.get(3)?,
                icon: row.get(4)?,
                color_from: row.get(5)?,
                color_to: row.get(6)?,
                category,
                points: row.get(8)?,
                rarity,
                criteria: row.get(10)?,
                requires: requires.lines().map(str::to_owned).collect(),
                progress,
                earned,
                is_new: false,
                rule: row.get::<_, Option<i64>>(18)?.and_then(|r| usize::try_from(r).ok()),
            })
        })?;
        rows.collect::<Result<Vec<_>, _>>().map(Some)
    }

    /// Forgets everything (keeps the schema).
    ///
    /// # Errors
    /// SQLite errors.
    pub fn clear(&mut self) -> Result<(), CacheError> {
        self.conn
            .execute_batch("DELETE FROM documents; DELETE FROM earned_seen; DELETE FROM meta; DELETE FROM board;")
            .map_err(|e| sqlite(self.path.as_deref(), e))
    }
}

fn write_board(conn: &mut Connection, generation: u64, badges: &[Badge]) -> Result<(), rusqlite::Error> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute("DELETE FROM board", [])?;
    {
        let mut insert = tx.prepare_cached(
            "INSERT INTO board (position, id, kind, name, description, icon, color_from, color_to, category, points,
                                rarity, criteria, requires, current, target, percent, earned_at, value_at_unlock,
                                cause, rule)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)",
        )?;
        for (position, b) in badges.iter().enumerate() {
            insert.execute(params![
                i64::try_from(position).unwrap_or(i64::MAX),
                b.id,
                kind_code(b.kind),
                b.name,
                b.description,
                b.icon,
                b.color_from,
                b.color_to,
                b.category.as_str(),
                b.points,
                b.rarity.map(Rarity::as_str),
                b.criteria,
                b.requires.join("\n"),
                b.progress.map(|p| p.current),
                b.progress.map(|p| p.target),
                b.progress.map(|p| i64::from(p.percent)),
                b.earned.as_ref().map(|e| e.at.to_string()),
                b.earned.as_ref().and_then(|e| e.value_at_unlock),
                b.earned.as_ref().and_then(|e| e.cause.clone()),
                b.rule.and_then(|r| i64::try_from(r).ok()),
            ])?;
        }
    }
    tx.execute(
        "INSERT INTO meta (key, value) VALUES ('board_generation', ?1) ON CONFLICT (key) DO UPDATE SET value = ?1",
        [generation.to_string()],
    )?;
    tx.commit()
}

fn kind_code(kind: Kind) -> i64 {
    match kind {
        Kind::Listed => 0,
        Kind::Secret => 1,
        Kind::Hidden => 2,
        Kind::Retired => 3,
    }
}

fn kind_from(code: i64) -> Option<Kind> {
    match code {
        0 => Some(Kind::Listed),
        1 => Some(Kind::Secret),
        2 => Some(Kind::Hidden),
        3 => Some(Kind::Retired),
        _ => None,
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

/// An `earned_seen` row: key → generation (never negative).
fn first_seen_row(r: &rusqlite::Row<'_>) -> Result<(String, u64), rusqlite::Error> {
    let key: String = r.get(0)?;
    let generation: i64 = r.get(1)?;
    let generation =
        u64::try_from(generation).map_err(|_| damaged(format!("badge `{key}` was first seen in sync {generation}")))?;
    Ok((key, generation))
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
            earned_extra: None,
            profile: Some(Profile { timezone: "Europe/Paris".to_owned(), points: 30, secret_locked: 1 }),
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
        assert_eq!(
            contents.meta.profile,
            Some(Profile { timezone: "Europe/Paris".to_owned(), points: 30, secret_locked: 1 })
        );
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
    fn a_version_1_cache_is_migrated_and_keeps_its_data() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v1.sqlite");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(SCHEMA_V1).unwrap();
            conn.execute_batch(
                "PRAGMA user_version = 1;
                 INSERT INTO meta VALUES ('generation', '3'), ('server', 'http://s');
                 INSERT INTO earned_seen VALUES ('a', 2);",
            )
            .unwrap();
        }
        let (cache, rebuilt) = Cache::open(&path).unwrap();
        assert_eq!(rebuilt, None);
        let version: i32 = cache.conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(version, SCHEMA_VERSION);
        assert_eq!(cache.meta().unwrap().generation, 3);
        assert_eq!(cache.first_seen().unwrap()["a"], 2);
        assert_eq!(cache.board().unwrap(), None, "no list until the next sync");
    }

    #[test]
    fn the_cached_list_round_trips_and_goes_stale() {
        let mut cache = Cache::open_in_memory().unwrap();
        let generation = cache.commit(&commit("http://s", "ann", &["first"])).unwrap();
        let earned = Badge {
            id: "first".to_owned(),
            kind: Kind::Secret,
            name: "First".to_owned(),
            description: "d".to_owned(),
            icon: "faStar".to_owned(),
            color_from: "blue-500".to_owned(),
            color_to: "blue-600".to_owned(),
            category: Category::Streaks,
            points: 10,
            rarity: Some(Rarity::Epic),
            criteria: Some("x ≥ 1".to_owned()),
            requires: vec!["a".to_owned(), "secret-1".to_owned()],
            progress: Some(Progress { current: 3, target: 1, percent: 100, earned: true }),
            earned: Some(Earned {
                at: at("2026-03-01T10:00:00Z"),
                value_at_unlock: Some(1),
                cause: Some("event".to_owned()),
            }),
            is_new: false,
            rule: Some(7),
        };
        let hidden = Badge {
            id: "secret-2".to_owned(),
            kind: Kind::Hidden,
            rarity: None,
            criteria: None,
            requires: vec![],
            progress: None,
            earned: None,
            rule: None,
            ..earned.clone()
        };
        cache.store_board(generation, &[earned.clone(), hidden.clone()]).unwrap();
        assert_eq!(cache.board().unwrap(), Some(vec![earned, hidden]));
        cache.commit(&commit("http://s", "ann", &["first"])).unwrap();
        assert_eq!(cache.board().unwrap(), None, "older than the data");
    }

    /// A value this app never writes is damage, reported as such (so the
    /// cache is rebuilt), never read as a plausible default.
    #[test]
    fn damaged_values_are_unusable_not_defaults() {
        let badge = Badge {
            id: "first".to_owned(),
            kind: Kind::Listed,
            name: "First".to_owned(),
            description: "d".to_owned(),
            icon: "faStar".to_owned(),
            color_from: "blue-500".to_owned(),
            color_to: "blue-600".to_owned(),
            category: Category::Projects,
            points: 10,
            rarity: Some(Rarity::Common),
            criteria: None,
            requires: vec![],
            progress: None,
            earned: Some(Earned { at: at("2026-03-01T10:00:00Z"), value_at_unlock: Some(1), cause: None }),
            is_new: false,
            rule: None,
        };
        for (damage, expected) in [
            ("UPDATE board SET category = 'duels'", "badge `first` has category `duels`"),
            ("UPDATE board SET earned_at = 'yesterday'", "badge `first` has the time `yesterday`"),
            ("UPDATE board SET rarity = 'mythic'", "badge `first` has rarity `mythic`"),
            ("UPDATE board SET kind = 9", "badge `first` has an unknown kind"),
            ("UPDATE board SET points = 'ten'", "Invalid column type"),
        ] {
            let mut cache = Cache::open_in_memory().unwrap();
            let generation = cache.commit(&commit("http://s", "ann", &["first"])).unwrap();
            cache.store_board(generation, std::slice::from_ref(&badge)).unwrap();
            assert_eq!(cache.board().unwrap().unwrap()[0], badge, "the undamaged list reads back");
            cache.conn.execute_batch(damage).unwrap();
            let error = cache.board().unwrap_err();
            assert!(error.is_unusable(), "{damage}: {error}");
            assert!(error.to_string().contains(expected), "{damage}: {error}");
        }
        for (damage, expected) in [
            (
                "UPDATE documents SET fetched_at = 'soon' WHERE name = 'catalog'",
                "document `catalog` has the time `soon`",
            ),
            ("UPDATE meta SET value = 'later' WHERE key = 'last_sync'", "meta `last_sync` holds `later`"),
            ("UPDATE meta SET value = 'many' WHERE key = 'generation'", "meta `generation` holds `many`"),
            ("UPDATE earned_seen SET first_seen = -4", "badge `first` was first seen in sync -4"),
        ] {
            let mut cache = Cache::open_in_memory().unwrap();
            cache.commit(&commit("http://s", "ann", &["first"])).unwrap();
            cache.conn.execute_batch(damage).unwrap();
            let error = cache.contents().unwrap_err();
            assert!(error.is_unusable(), "{damage}: {error}");
            assert!(error.to_string().contains(expected), "{damage}: {error}");
        }
        // Damaged metadata is found at open: the file is moved aside at once.
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
