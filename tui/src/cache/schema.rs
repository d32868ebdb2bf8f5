//! The cache's schema, versioned with `PRAGMA user_version` and migrated
//! forward; a file that is not a cache, or comes from a newer app, is
//! [`Problem::Unusable`] (the cache is then rebuilt).

use super::{Cache, Problem};
use rusqlite::TransactionBehavior;

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

impl Cache {
    /// Sets the connection up and checks (or creates) the schema.
    pub(super) fn prepare(&mut self) -> Result<(), Problem> {
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
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::cache::Meta;
    use crate::resource::Resource;
    use rusqlite::Connection;

    #[test]
    fn a_new_cache_is_empty_and_versioned() {
        let cache = Cache::open_in_memory().unwrap();
        assert_eq!(cache.meta().unwrap(), Meta::default());
        assert!(cache.first_seen().unwrap().is_empty());
        for resource in Resource::ALL {
            assert_eq!(cache.document(resource).unwrap(), None, "{resource}");
        }
        assert_eq!(cache.earned_extra().unwrap(), None);
        assert_eq!(cache.board().unwrap(), None);
        let version: i32 = cache.conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(version, SCHEMA_VERSION);
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
}
