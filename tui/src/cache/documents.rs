//! The synced documents as the server sent them (with their ETags), the
//! metadata a sync plans from, when each earned badge was first seen, and
//! the one transaction that stores a sync's result.

use super::{Cache, CacheError, damaged, timestamp};
use crate::resource::Resource;
use jiff::Timestamp;
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use std::collections::HashMap;

/// The name of the derived earned document (see the module docs).
const EARNED_EXTRA: &str = "earned_extra";

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
    /// The metadata a sync plans from.
    ///
    /// # Errors
    /// SQLite errors ([`CacheError::is_unusable`] tells whether to rebuild).
    pub fn meta(&self) -> Result<Meta, CacheError> {
        self.read_meta().map_err(|e| self.error(e))
    }

    pub(super) fn read_meta(&self) -> Result<Meta, rusqlite::Error> {
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
}

/// An `earned_seen` row: key → generation (never negative).
fn first_seen_row(r: &rusqlite::Row<'_>) -> Result<(String, u64), rusqlite::Error> {
    let key: String = r.get(0)?;
    let generation: i64 = r.get(1)?;
    let generation =
        u64::try_from(generation).map_err(|_| damaged(format!("badge `{key}` was first seen in sync {generation}")))?;
    Ok((key, generation))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::cache::tests::{at, commit};

    #[test]
    fn commits_count_generations_and_first_sightings() {
        let mut cache = Cache::open_in_memory().unwrap();
        assert_eq!(cache.commit(&commit("http://s", "ann", &["a"])).unwrap(), 1);
        let mut second = commit("http://s", "ann", &["a", "b"]);
        second.documents[0].1 = Fetched::NotModified;
        second.at = at("2026-03-21T12:00:00Z");
        assert_eq!(cache.commit(&second).unwrap(), 2);
        let meta = cache.meta().unwrap();
        assert_eq!(meta.generation, 2);
        assert_eq!(meta.reset_generation, 1);
        assert_eq!(meta.user.as_deref(), Some("ann"));
        assert_eq!(meta.profile, Some(Profile { timezone: "Europe/Paris".to_owned(), points: 30, secret_locked: 1 }));
        assert_eq!(meta.last_sync, Some(at("2026-03-21T12:00:00Z")));
        let first_seen = cache.first_seen().unwrap();
        assert_eq!(first_seen["a"], 1);
        assert_eq!(first_seen["b"], 2);
        // 304 kept the body and ETag, and refreshed the time.
        assert_eq!(
            cache.document(Resource::Catalog).unwrap(),
            Some(Stored::Body {
                body: "{}".to_owned(),
                etag: Some("\"e1\"".to_owned()),
                fetched_at: at("2026-03-21T12:00:00Z")
            })
        );
        assert!(matches!(cache.document(Resource::Notifications).unwrap(), Some(Stored::Unsupported { .. })));
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
        assert_eq!(cache.meta().unwrap().reset_generation, 2);
        assert!(!cache.first_seen().unwrap().contains_key("a"));
        // The catalog is the server's, not the user's: kept.
        assert!(cache.document(Resource::Catalog).unwrap().is_some());
        assert!(cache.document(Resource::Notifications).unwrap().is_none());

        let mut other = commit("http://t", "bob", &[]);
        other.documents.retain(|(r, _)| *r == Resource::Me);
        cache.commit(&other).unwrap();
        assert!(cache.document(Resource::Catalog).unwrap().is_none());
    }

    /// A value this app never writes is damage, reported as such (so the
    /// cache is rebuilt), never read as a plausible default.
    #[test]
    fn damaged_values_are_unusable_not_defaults() {
        type Read = fn(&Cache) -> Result<(), CacheError>;
        let document: Read = |c| c.document(Resource::Catalog).map(drop);
        let meta: Read = |c| c.meta().map(drop);
        let first_seen: Read = |c| c.first_seen().map(drop);
        for (damage, read, expected) in [
            (
                "UPDATE documents SET fetched_at = 'soon' WHERE name = 'catalog'",
                document,
                "document `catalog` has the time `soon`",
            ),
            ("UPDATE meta SET value = 'later' WHERE key = 'last_sync'", meta, "meta `last_sync` holds `later`"),
            ("UPDATE meta SET value = 'many' WHERE key = 'generation'", meta, "meta `generation` holds `many`"),
            ("UPDATE earned_seen SET first_seen = -4", first_seen, "badge `first` was first seen in sync -4"),
        ] {
            let mut cache = Cache::open_in_memory().unwrap();
            cache.commit(&commit("http://s", "ann", &["first"])).unwrap();
            cache.conn.execute_batch(damage).unwrap();
            let error = read(&cache).unwrap_err();
            assert!(error.is_unusable(), "{damage}: {error}");
            assert!(error.to_string().contains(expected), "{damage}: {error}");
        }
    }
}
