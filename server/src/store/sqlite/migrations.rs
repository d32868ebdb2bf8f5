//! Versioned schema migrations, tracked in `PRAGMA user_version`.
//!
//! Migration `n` (1-based) takes a database from version `n - 1` to `n`.
//! Each runs in its own `BEGIN IMMEDIATE` transaction together with the
//! version bump, so a crash mid-migration leaves the previous version intact
//! and two processes starting at once cannot both migrate. Append new
//! migrations at the end; never edit one that has shipped.

use super::users::{add_name_key, owner_of_name_key};
use crate::names::look_alike_keys;
use crate::store::StoreError;
use rusqlite::{Connection, TransactionBehavior};

/// Every migration, in order. The schema is documented in `docs/server.md`.
const MIGRATIONS: &[&str] =
    &[V1_INITIAL, V2_NOTIFICATIONS, V3_CATALOG, V4_NAME_KEYS, V5_TOKENS, V6_ERASURE, V7_WEBHOOKS];

/// A step SQL cannot express (it needs Rust, e.g. Unicode's tables), run
/// after the SQL of the migration with the same number, in its transaction.
type RustStep = fn(&Connection) -> Result<(), StoreError>;

/// The Rust steps, by migration number.
const RUST_STEPS: &[(u32, RustStep)] = &[(4, backfill_name_keys)];

/// The schema version this build writes.
pub(crate) const LATEST: u32 = MIGRATIONS.len() as u32;

const V1_INITIAL: &str = r"
-- Every definition ever loaded. Definitions removed from the catalog file
-- stay (retired = 1, is_active = 0): earned badges keep their names.
CREATE TABLE achievements (
    key         TEXT PRIMARY KEY,
    position    INTEGER NOT NULL,
    definition  TEXT NOT NULL,
    is_active   INTEGER NOT NULL CHECK (is_active IN (0, 1)),
    retired     INTEGER NOT NULL DEFAULT 0 CHECK (retired IN (0, 1)),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
) STRICT;

CREATE TABLE users (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE,
    timezone       TEXT NOT NULL,
    is_admin       INTEGER NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1)),
    public_profile INTEGER NOT NULL DEFAULT 1 CHECK (public_profile IN (0, 1)),
    created_at     TEXT NOT NULL
) STRICT;

-- Bearer tokens, by SHA-256 of the token text. A token belongs to a user or
-- to a service (which may post events), never both.
CREATE TABLE tokens (
    id          INTEGER PRIMARY KEY,
    hash        BLOB NOT NULL UNIQUE,
    user_id     INTEGER REFERENCES users(id),
    service     TEXT,
    created_at  TEXT NOT NULL,
    CHECK ((user_id IS NULL) <> (service IS NULL))
) STRICT;

-- The core's StateSnapshot of each user, as JSON (see store/state.rs).
-- `version` grows by one with every save: the server's state cache keeps
-- the highest version it has seen.
CREATE TABLE user_state (
    user_id     INTEGER PRIMARY KEY REFERENCES users(id),
    snapshot    TEXT NOT NULL,
    version     INTEGER NOT NULL,
    updated_at  TEXT NOT NULL
) STRICT;

CREATE TABLE earned (
    user_id             INTEGER NOT NULL REFERENCES users(id),
    achievement_key     TEXT NOT NULL REFERENCES achievements(key),
    earned_at           TEXT NOT NULL,
    progress_at_unlock  INTEGER NOT NULL,
    cause               TEXT NOT NULL,
    PRIMARY KEY (user_id, achievement_key)
) STRICT, WITHOUT ROWID;

-- Every accepted event, append-only. `id` is the client's idempotency key.
CREATE TABLE events (
    seq          INTEGER PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    type         TEXT NOT NULL,
    value        INTEGER,
    at           TEXT NOT NULL,
    received_at  TEXT NOT NULL,
    source       TEXT NOT NULL
) STRICT;
CREATE INDEX events_by_user ON events (user_id, seq);

-- Every unlock, append-only: what, when, why, and the event that caused it
-- (NULL for a retroactive evaluation).
CREATE TABLE unlock_audit (
    seq                 INTEGER PRIMARY KEY,
    user_id             INTEGER NOT NULL REFERENCES users(id),
    achievement_key     TEXT NOT NULL REFERENCES achievements(key),
    earned_at           TEXT NOT NULL,
    cause               TEXT NOT NULL,
    event_id            TEXT REFERENCES events(id),
    progress_at_unlock  INTEGER NOT NULL,
    recorded_at         TEXT NOT NULL
) STRICT;
CREATE INDEX unlock_audit_by_user ON unlock_audit (user_id, seq);

CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
CREATE TRIGGER unlock_audit_no_update BEFORE UPDATE ON unlock_audit
BEGIN SELECT RAISE(ABORT, 'the unlock audit log is append-only'); END;
CREATE TRIGGER unlock_audit_no_delete BEFORE DELETE ON unlock_audit
BEGIN SELECT RAISE(ABORT, 'the unlock audit log is append-only'); END;
";

const V2_NOTIFICATIONS: &str = r"
-- One row per unlock, queued for its user in the unlock's transaction.
-- AUTOINCREMENT: ids only grow and are never reused (they are the SSE event
-- ids clients resume from). backfill = 1 for retroactive awards and imports.
CREATE TABLE notifications (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id          INTEGER NOT NULL REFERENCES users(id),
    achievement_key  TEXT NOT NULL REFERENCES achievements(key),
    earned_at        TEXT NOT NULL,
    cause            TEXT NOT NULL,
    backfill         INTEGER NOT NULL CHECK (backfill IN (0, 1)),
    read             INTEGER NOT NULL DEFAULT 0 CHECK (read IN (0, 1)),
    created_at       TEXT NOT NULL
) STRICT;
CREATE INDEX notifications_by_user ON notifications (user_id, id);
";

const V3_CATALOG: &str = r"
-- The catalog file last upserted (by `serve` or `load-achievements`), in the
-- core's JSON form: event table, points field, definitions. With the retired
-- rows of `achievements` it is the catalog the server runs, and the one the
-- operators' commands read. One row, written only when the file changes.
CREATE TABLE catalog (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    document   TEXT NOT NULL,
    loaded_at  TEXT NOT NULL
) STRICT;
";

const V4_NAME_KEYS: &str = r"
-- The look-alike keys of each user's name (names.rs: UTS #39 skeletons of
-- the NFKC form, without case): no two users share one. Filled in for
-- existing users by backfill_name_keys.
CREATE TABLE user_name_keys (
    key      TEXT PRIMARY KEY,
    user_id  INTEGER NOT NULL REFERENCES users(id)
) STRICT, WITHOUT ROWID;
";

/// Gives existing users their look-alike keys. Names that already collide
/// are not an error (the server must start): users are taken in the order
/// they were created, a key goes to the first user who has it, a later
/// user keeps their name, tokens and badges with only the keys still free,
/// and a warning names both users.
const V5_TOKENS: &str = r"
-- Token lifecycle (expiry, revocation, last use, admin services). The
-- times are RFC 3339 in UTC, as every other column; NULL: never expires,
-- not revoked, never used. Revoking keeps the row (the listing shows it).
ALTER TABLE tokens ADD COLUMN expires_at TEXT;
ALTER TABLE tokens ADD COLUMN revoked_at TEXT;
ALTER TABLE tokens ADD COLUMN last_used_at TEXT;
-- A service token that may use the admin API (`tokens add --service NAME
-- --admin`); always 0 for a user's token (the user's own flag decides).
ALTER TABLE tokens ADD COLUMN is_admin INTEGER NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1));
CREATE INDEX tokens_by_user ON tokens (user_id, id);
";

const V6_ERASURE: &str = r"
-- Who acted by hand (`user:NAME`, `service:NAME`, `cli`), once each: the
-- audit rows point here, so erasing a user who acted rewrites their one
-- row (to `erased:ID`, the erasure's id) instead of append-only rows.
CREATE TABLE actors (
    id    INTEGER PRIMARY KEY,
    name  TEXT NOT NULL UNIQUE
) STRICT;

-- Badges granted by hand: who and why (NULL for the rules' unlocks).
ALTER TABLE unlock_audit ADD COLUMN actor_id INTEGER REFERENCES actors(id);
ALTER TABLE unlock_audit ADD COLUMN reason TEXT;

-- Every badge revoked by hand, append-only: the record removed, who, when, why.
CREATE TABLE revocations (
    seq                 INTEGER PRIMARY KEY,
    user_id             INTEGER NOT NULL REFERENCES users(id),
    achievement_key     TEXT NOT NULL,
    earned_at           TEXT NOT NULL,
    cause               TEXT NOT NULL,
    revoked_at          TEXT NOT NULL,
    actor_id            INTEGER NOT NULL REFERENCES actors(id),
    reason              TEXT NOT NULL
) STRICT;
CREATE INDEX revocations_by_user ON revocations (user_id, seq);

-- Every erasure: a salted SHA-256 of the name (hex; salt: 16 random bytes,
-- hex), when, and who; never the name or the id.
CREATE TABLE erasures (
    id         INTEGER PRIMARY KEY,
    name_hash  TEXT NOT NULL,
    salt       TEXT NOT NULL,
    erased_at  TEXT NOT NULL,
    actor_id   INTEGER NOT NULL REFERENCES actors(id)
) STRICT;

-- The user being erased, only inside the erasing transaction (the row is
-- deleted before it commits): the append-only logs let that user's rows
-- go, and nothing else.
CREATE TABLE erasing (
    user_id  INTEGER PRIMARY KEY
) STRICT;

DROP TRIGGER events_no_delete;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
WHEN NOT EXISTS (SELECT 1 FROM erasing WHERE user_id = OLD.user_id)
BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
DROP TRIGGER unlock_audit_no_delete;
CREATE TRIGGER unlock_audit_no_delete BEFORE DELETE ON unlock_audit
WHEN NOT EXISTS (SELECT 1 FROM erasing WHERE user_id = OLD.user_id)
BEGIN SELECT RAISE(ABORT, 'the unlock audit log is append-only'); END;
CREATE TRIGGER revocations_no_update BEFORE UPDATE ON revocations
BEGIN SELECT RAISE(ABORT, 'the revocation log is append-only'); END;
CREATE TRIGGER revocations_no_delete BEFORE DELETE ON revocations
WHEN NOT EXISTS (SELECT 1 FROM erasing WHERE user_id = OLD.user_id)
BEGIN SELECT RAISE(ABORT, 'the revocation log is append-only'); END;
CREATE TRIGGER erasures_no_update BEFORE UPDATE ON erasures
BEGIN SELECT RAISE(ABORT, 'the erasure log is append-only'); END;
CREATE TRIGGER erasures_no_delete BEFORE DELETE ON erasures
BEGIN SELECT RAISE(ABORT, 'the erasure log is append-only'); END;
";

const V7_WEBHOOKS: &str = r"
-- Webhook endpoints and the outbox of deliveries.
-- `events` is the comma-separated list of events an endpoint receives
-- (only `unlock` today). The secret signs the deliveries (HMAC-SHA256);
-- it is never answered by the API.
CREATE TABLE webhooks (
    id          INTEGER PRIMARY KEY,
    url         TEXT NOT NULL,
    secret      TEXT NOT NULL,
    events      TEXT NOT NULL,
    created_at  TEXT NOT NULL
) STRICT;

-- One delivery: a signed POST to one endpoint, written in the unlocks'
-- transaction. `id` is the delivery id receivers dedupe by. Times in
-- `next_attempt_at` and `first_attempt_at` are Unix milliseconds of the
-- wall clock (retries need real time); a claimed delivery's
-- `next_attempt_at` is its lease: a sender that crashed gives it back
-- when the lease runs out. Delivered rows are deleted; failed ones stay.
CREATE TABLE webhook_deliveries (
    seq               INTEGER PRIMARY KEY,
    id                TEXT NOT NULL UNIQUE,
    webhook_id        INTEGER NOT NULL REFERENCES webhooks(id),
    event             TEXT NOT NULL,
    backfill          INTEGER NOT NULL CHECK (backfill IN (0, 1)),
    created_at        TEXT NOT NULL,
    status            TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'failed')),
    size              INTEGER NOT NULL DEFAULT 0,
    attempts          INTEGER NOT NULL DEFAULT 0,
    next_attempt_at   INTEGER NOT NULL DEFAULT 0,
    first_attempt_at  INTEGER,
    last_error        TEXT
) STRICT;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (webhook_id, status);

-- The unlocks a delivery carries, one row each, with the user's id so that
-- erasing a user deletes what is still to be sent about them.
CREATE TABLE webhook_delivery_unlocks (
    seq              INTEGER PRIMARY KEY,
    delivery_seq     INTEGER NOT NULL REFERENCES webhook_deliveries(seq),
    user_id          INTEGER NOT NULL REFERENCES users(id),
    user_name        TEXT NOT NULL,
    achievement_key  TEXT NOT NULL,
    name             TEXT NOT NULL,
    points           INTEGER NOT NULL,
    cause            TEXT NOT NULL,
    earned_at        TEXT NOT NULL
) STRICT;
CREATE INDEX webhook_delivery_unlocks_by_delivery ON webhook_delivery_unlocks (delivery_seq, seq);
CREATE INDEX webhook_delivery_unlocks_by_user ON webhook_delivery_unlocks (user_id);
";

fn backfill_name_keys(conn: &Connection) -> Result<(), StoreError> {
    let users: Vec<(i64, String)> = {
        let mut stmt = conn.prepare("SELECT id, name FROM users ORDER BY id")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<Result<_, _>>()?
    };
    for (id, name) in users {
        for key in look_alike_keys(&name) {
            match owner_of_name_key(conn, &key)? {
                Some(owner) => tracing::warn!(
                    "user `{name}` looks like the earlier user `{owner}`: both are kept (see `User names` in docs/server.md)"
                ),
                None => add_name_key(conn, &key, id)?,
            }
        }
    }
    Ok(())
}

/// The schema version of an open database.
///
/// # Errors
/// SQLite errors.
pub(crate) fn version(conn: &Connection) -> Result<u32, StoreError> {
    Ok(conn.pragma_query_value(None, "user_version", |row| row.get(0))?)
}

/// Brings the database to [`LATEST`]; returns the version it started at.
///
/// # Errors
/// [`StoreError::SchemaTooNew`] for a database written by a newer build;
/// SQLite errors otherwise (the failed migration is rolled back).
pub(crate) fn migrate(conn: &mut Connection) -> Result<u32, StoreError> {
    let start = version(conn)?;
    if start > LATEST {
        return Err(StoreError::SchemaTooNew { found: start, known: LATEST });
    }
    for (index, sql) in MIGRATIONS.iter().enumerate() {
        let target = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Re-read under the write lock: another process may have migrated.
        if version(&tx)? >= target {
            continue;
        }
        tx.execute_batch(sql)?;
        for (_, step) in RUST_STEPS.iter().filter(|(version, _)| *version == target) {
            step(&tx)?;
        }
        tx.pragma_update(None, "user_version", target)?;
        tx.commit()?;
    }
    Ok(start)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrates_a_fresh_database_once() {
        let mut conn = Connection::open_in_memory().expect("in-memory database");
        assert_eq!(migrate(&mut conn).expect("first migration"), 0);
        assert_eq!(version(&conn).expect("version"), LATEST);
        assert_eq!(migrate(&mut conn).expect("second run is a no-op"), LATEST);
    }

    #[test]
    fn refuses_a_newer_schema() {
        let mut conn = Connection::open_in_memory().expect("in-memory database");
        conn.pragma_update(None, "user_version", LATEST + 1).expect("set version");
        assert!(matches!(migrate(&mut conn), Err(StoreError::SchemaTooNew { .. })));
    }

    /// A database of version 2 whose users already include look-alikes
    /// (accepted before migration 4): migrating succeeds, and each key goes
    /// to the earliest user who has it.
    #[test]
    fn colliding_names_from_before_keys_do_not_stop_the_migration() {
        let mut conn = Connection::open_in_memory().expect("in-memory database");
        let tx = conn.transaction().expect("transaction");
        for sql in &MIGRATIONS[..2] {
            tx.execute_batch(sql).expect("old schema");
        }
        tx.pragma_update(None, "user_version", 2).expect("set version");
        tx.commit().expect("commit");
        for name in ["alice", "ALICE", "bob", "\u{ff41}lice"] {
            conn.execute("INSERT INTO users (name, timezone, created_at) VALUES (?1, 'UTC', 'x')", [name])
                .expect("old insert");
        }
        assert_eq!(migrate(&mut conn).expect("migrates"), 2);
        let keys: Vec<(String, String)> = conn
            .prepare("SELECT k.key, u.name FROM user_name_keys k JOIN users u ON u.id = k.user_id ORDER BY k.key")
            .expect("query")
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("rows")
            .collect::<Result<_, _>>()
            .expect("rows");
        let expected =
            [("alice", "alice"), ("allce", "ALICE"), ("bob", "bob")].map(|(k, n)| (k.to_owned(), n.to_owned()));
        assert_eq!(keys, expected);
    }

    #[test]
    fn the_event_log_is_append_only() {
        let mut conn = Connection::open_in_memory().expect("in-memory database");
        migrate(&mut conn).expect("migrate");
        conn.execute_batch(
            "INSERT INTO users (name, timezone, created_at) VALUES ('a', 'UTC', 'now');
             INSERT INTO events (id, user_id, type, at, received_at, source) VALUES ('e1', 1, 't', 'x', 'y', 's');",
        )
        .expect("inserts");
        let err = conn.execute("DELETE FROM events", []).expect_err("deleting is refused");
        assert!(err.to_string().contains("append-only"), "{err}");
        assert!(conn.execute("UPDATE events SET value = 3", []).is_err());
    }
}
