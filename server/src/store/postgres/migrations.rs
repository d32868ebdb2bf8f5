//! Versioned schema migrations for PostgreSQL, tracked in the table
//! `schema_migrations` (one row per migration applied).
//!
//! Migration `n` (1-based) takes a database from version `n - 1` to `n`.
//! Each runs in its own transaction with the row that records it, after
//! taking a transaction-scoped advisory lock: instances starting together
//! queue on the lock, and each re-reads the version under it, so a
//! migration runs once; a crash mid-migration rolls back to the previous
//! version. Append new migrations at the end; never edit one that has
//! shipped.
//!
//! Migration 1 is SQLite's migrations 1 to 4 in one (`store/migrations.rs`):
//! this backend is new and has no shipped history to replay. SQLite's
//! migration 4 also fills `user_name_keys` for existing users in Rust; an
//! empty PostgreSQL schema has no users to fill it for.

use crate::store::StoreError;
use deadpool_postgres::GenericClient;

/// Every migration, in order. See the schema choices in `super`'s doc.
const MIGRATIONS: &[&str] = &[V1_INITIAL, V2_TOKENS, V3_ERASURE, V4_WEBHOOKS];

/// The schema version this build writes.
pub const LATEST: u32 = MIGRATIONS.len() as u32;

/// The advisory lock migrations hold (`pg_advisory_xact_lock`). Advisory
/// locks belong to one database, so only this application's instances on
/// the same database wait on it. The value is arbitrary: "achvmigr" in
/// ASCII.
const MIGRATION_LOCK: i64 = 0x6163_6876_6d69_6772;

const V2_TOKENS: &str = r#"
-- Token lifecycle (expiry, revocation, last use, admin services), as
-- SQLite's migration 5: RFC 3339 text in UTC; NULL: never expires, not
-- revoked, never used.
ALTER TABLE tokens ADD COLUMN expires_at TEXT COLLATE "C";
ALTER TABLE tokens ADD COLUMN revoked_at TEXT COLLATE "C";
ALTER TABLE tokens ADD COLUMN last_used_at TEXT COLLATE "C";
ALTER TABLE tokens ADD COLUMN is_admin BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX tokens_by_user ON tokens (user_id, id);
"#;

const V3_ERASURE: &str = r#"
-- SQLite's migration 6 (see there): actors, who and why on the audit,
-- revocations, erasures, and the one sanctioned deletion from the logs.
CREATE TABLE actors (
    id    BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name  TEXT COLLATE "C" NOT NULL UNIQUE
);

ALTER TABLE unlock_audit ADD COLUMN actor_id BIGINT REFERENCES actors(id),
    ADD COLUMN reason TEXT COLLATE "C";

CREATE TABLE revocations (
    seq                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id             BIGINT NOT NULL REFERENCES users(id),
    achievement_key     TEXT COLLATE "C" NOT NULL,
    earned_at           TEXT COLLATE "C" NOT NULL,
    cause               TEXT COLLATE "C" NOT NULL,
    revoked_at          TEXT COLLATE "C" NOT NULL,
    actor_id            BIGINT NOT NULL REFERENCES actors(id),
    reason              TEXT COLLATE "C" NOT NULL
);
CREATE INDEX revocations_by_user ON revocations (user_id, seq);

CREATE TABLE erasures (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name_hash  TEXT COLLATE "C" NOT NULL,
    salt       TEXT COLLATE "C" NOT NULL,
    erased_at  TEXT COLLATE "C" NOT NULL,
    actor_id   BIGINT NOT NULL REFERENCES actors(id)
);

CREATE TABLE erasing (
    user_id  BIGINT PRIMARY KEY
);

-- The append-only rule, but a row of the user being erased (in `erasing`,
-- within the erasing transaction) may be deleted.
CREATE FUNCTION refuse_append_only_change_unless_erasing() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND EXISTS (SELECT 1 FROM erasing WHERE user_id = OLD.user_id) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'restrict_violation';
END
$$;
DROP TRIGGER events_append_only ON events;
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION refuse_append_only_change_unless_erasing('the event log is append-only');
DROP TRIGGER unlock_audit_append_only ON unlock_audit;
CREATE TRIGGER unlock_audit_append_only BEFORE UPDATE OR DELETE ON unlock_audit
    FOR EACH ROW EXECUTE FUNCTION refuse_append_only_change_unless_erasing('the unlock audit log is append-only');
CREATE TRIGGER revocations_append_only BEFORE UPDATE OR DELETE ON revocations
    FOR EACH ROW EXECUTE FUNCTION refuse_append_only_change_unless_erasing('the revocation log is append-only');
CREATE TRIGGER revocations_no_truncate BEFORE TRUNCATE ON revocations
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_append_only_change('the revocation log is append-only');
CREATE TRIGGER erasures_append_only BEFORE UPDATE OR DELETE ON erasures
    FOR EACH ROW EXECUTE FUNCTION refuse_append_only_change('the erasure log is append-only');
CREATE TRIGGER erasures_no_truncate BEFORE TRUNCATE ON erasures
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_append_only_change('the erasure log is append-only');
"#;

const V4_WEBHOOKS: &str = r#"
-- Webhook endpoints and the outbox of deliveries (as SQLite's V7; see
-- there). Several instances send: each claims due rows with
-- FOR UPDATE SKIP LOCKED and moves `next_attempt_at` on (its lease).
CREATE TABLE webhooks (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    url         TEXT COLLATE "C" NOT NULL,
    secret      TEXT COLLATE "C" NOT NULL,
    events      TEXT COLLATE "C" NOT NULL,
    created_at  TEXT COLLATE "C" NOT NULL
);

CREATE TABLE webhook_deliveries (
    seq               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id                TEXT COLLATE "C" NOT NULL UNIQUE,
    webhook_id        BIGINT NOT NULL REFERENCES webhooks(id),
    event             TEXT COLLATE "C" NOT NULL,
    backfill          BOOLEAN NOT NULL,
    created_at        TEXT COLLATE "C" NOT NULL,
    status            TEXT COLLATE "C" NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'failed')),
    size              BIGINT NOT NULL DEFAULT 0,
    attempts          BIGINT NOT NULL DEFAULT 0,
    next_attempt_at   BIGINT NOT NULL DEFAULT 0,
    first_attempt_at  BIGINT,
    last_error        TEXT COLLATE "C"
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (webhook_id, status);

CREATE TABLE webhook_delivery_unlocks (
    seq              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_seq     BIGINT NOT NULL REFERENCES webhook_deliveries(seq),
    user_id          BIGINT NOT NULL REFERENCES users(id),
    user_name        TEXT COLLATE "C" NOT NULL,
    achievement_key  TEXT COLLATE "C" NOT NULL,
    name             TEXT COLLATE "C" NOT NULL,
    points           BIGINT NOT NULL,
    cause            TEXT COLLATE "C" NOT NULL,
    earned_at        TEXT COLLATE "C" NOT NULL
);
CREATE INDEX webhook_delivery_unlocks_by_delivery ON webhook_delivery_unlocks (delivery_seq, seq);
CREATE INDEX webhook_delivery_unlocks_by_user ON webhook_delivery_unlocks (user_id);
"#;

const V1_INITIAL: &str = r#"
-- Every definition ever loaded. Definitions removed from the catalog file
-- stay (retired, not active): earned badges keep their names.
CREATE TABLE achievements (
    key         TEXT COLLATE "C" PRIMARY KEY,
    position    BIGINT NOT NULL,
    definition  TEXT COLLATE "C" NOT NULL,
    is_active   BOOLEAN NOT NULL,
    retired     BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  TEXT COLLATE "C" NOT NULL,
    updated_at  TEXT COLLATE "C" NOT NULL
);

CREATE TABLE users (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name           TEXT COLLATE "C" NOT NULL UNIQUE,
    timezone       TEXT COLLATE "C" NOT NULL,
    is_admin       BOOLEAN NOT NULL DEFAULT FALSE,
    public_profile BOOLEAN NOT NULL DEFAULT TRUE,
    created_at     TEXT COLLATE "C" NOT NULL
);

-- Bearer tokens, by SHA-256 of the token text. A token belongs to a user or
-- to a service (which may post events), never both.
CREATE TABLE tokens (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    hash        BYTEA NOT NULL UNIQUE,
    user_id     BIGINT REFERENCES users(id),
    service     TEXT COLLATE "C",
    created_at  TEXT COLLATE "C" NOT NULL,
    CHECK ((user_id IS NULL) <> (service IS NULL))
);

-- The core's StateSnapshot of each user, as JSON text (see store/state.rs).
-- `version` grows by one with every save: caches keep the highest seen.
CREATE TABLE user_state (
    user_id     BIGINT PRIMARY KEY REFERENCES users(id),
    snapshot    TEXT COLLATE "C" NOT NULL,
    version     BIGINT NOT NULL,
    updated_at  TEXT COLLATE "C" NOT NULL
);

CREATE TABLE earned (
    user_id             BIGINT NOT NULL REFERENCES users(id),
    achievement_key     TEXT COLLATE "C" NOT NULL REFERENCES achievements(key),
    earned_at           TEXT COLLATE "C" NOT NULL,
    progress_at_unlock  BIGINT NOT NULL,
    cause               TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (user_id, achievement_key)
);

-- Every accepted event, append-only. `id` is the client's idempotency key.
CREATE TABLE events (
    seq          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id           TEXT COLLATE "C" NOT NULL UNIQUE,
    user_id      BIGINT NOT NULL REFERENCES users(id),
    type         TEXT COLLATE "C" NOT NULL,
    value        BIGINT,
    at           TEXT COLLATE "C" NOT NULL,
    received_at  TEXT COLLATE "C" NOT NULL,
    source       TEXT COLLATE "C" NOT NULL
);
CREATE INDEX events_by_user ON events (user_id, seq);

-- Every unlock, append-only: what, when, why, and the event that caused it
-- (NULL for a retroactive evaluation).
CREATE TABLE unlock_audit (
    seq                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id             BIGINT NOT NULL REFERENCES users(id),
    achievement_key     TEXT COLLATE "C" NOT NULL REFERENCES achievements(key),
    earned_at           TEXT COLLATE "C" NOT NULL,
    cause               TEXT COLLATE "C" NOT NULL,
    event_id            TEXT COLLATE "C" REFERENCES events(id),
    progress_at_unlock  BIGINT NOT NULL,
    recorded_at         TEXT COLLATE "C" NOT NULL
);
CREATE INDEX unlock_audit_by_user ON unlock_audit (user_id, seq);

-- The append-only rule. TG_ARGV[0] is the message. TRUNCATE skips row
-- triggers, so it has a statement trigger of its own.
CREATE FUNCTION refuse_append_only_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'restrict_violation';
END
$$;
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION refuse_append_only_change('the event log is append-only');
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_append_only_change('the event log is append-only');
CREATE TRIGGER unlock_audit_append_only BEFORE UPDATE OR DELETE ON unlock_audit
    FOR EACH ROW EXECUTE FUNCTION refuse_append_only_change('the unlock audit log is append-only');
CREATE TRIGGER unlock_audit_no_truncate BEFORE TRUNCATE ON unlock_audit
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_append_only_change('the unlock audit log is append-only');

-- One row per unlock, queued for its user in the unlock's transaction.
-- Ids only grow and are never reused (they are the SSE event ids clients
-- resume from). backfill for retroactive awards and imports.
CREATE TABLE notifications (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id          BIGINT NOT NULL REFERENCES users(id),
    achievement_key  TEXT COLLATE "C" NOT NULL REFERENCES achievements(key),
    earned_at        TEXT COLLATE "C" NOT NULL,
    cause            TEXT COLLATE "C" NOT NULL,
    backfill         BOOLEAN NOT NULL,
    read             BOOLEAN NOT NULL DEFAULT FALSE,
    created_at       TEXT COLLATE "C" NOT NULL
);
CREATE INDEX notifications_by_user ON notifications (user_id, id);

-- The catalog file last upserted (by `serve` or `load-achievements`), in the
-- core's JSON form. One row, written only when the file changes.
CREATE TABLE catalog (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    document   TEXT COLLATE "C" NOT NULL,
    loaded_at  TEXT COLLATE "C" NOT NULL
);

-- The look-alike keys of each user's name (names.rs): no two users share one.
CREATE TABLE user_name_keys (
    key      TEXT COLLATE "C" PRIMARY KEY,
    user_id  BIGINT NOT NULL REFERENCES users(id)
);
"#;

/// The bookkeeping table, created by the first migration to run (under
/// the lock). `applied_at` is RFC 3339 text, as every timestamp here.
const CREATE_SCHEMA_MIGRATIONS: &str = "
CREATE TABLE IF NOT EXISTS schema_migrations (
    version     INTEGER PRIMARY KEY,
    applied_at  TEXT COLLATE \"C\" NOT NULL
)";

/// Records a migration, stamped with the database's clock in the store's
/// RFC 3339 form (UTC, `Z`): the server never reads a clock for this.
const RECORD_MIGRATION: &str = r#"INSERT INTO schema_migrations (version, applied_at)
VALUES ($1, to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))"#;

/// The schema version of a database: the highest migration applied, 0 for
/// a database without this application's schema.
///
/// # Errors
/// PostgreSQL errors.
pub(super) async fn version(client: &impl GenericClient) -> Result<u32, StoreError> {
    // Read from pg_tables, not with to_regclass: a name lookup that takes no
    // lock may answer from this session's stale catalog cache, and miss the
    // table another instance committed while this one waited on the lock.
    let exists: bool = client
        .query_one(
            "SELECT EXISTS (SELECT FROM pg_catalog.pg_tables
             WHERE schemaname = current_schema() AND tablename = 'schema_migrations')",
            &[],
        )
        .await?
        .try_get(0)?;
    if !exists {
        return Ok(0);
    }
    let highest: i32 =
        client.query_one("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", &[]).await?.try_get(0)?;
    Ok(u32::try_from(highest).unwrap_or(0))
}

/// Whether a database of version `found` can be used without migrating.
///
/// # Errors
/// [`StoreError::SchemaTooNew`] or [`StoreError::SchemaTooOld`].
pub(super) fn check_current(found: u32) -> Result<(), StoreError> {
    match found.cmp(&LATEST) {
        std::cmp::Ordering::Greater => Err(StoreError::SchemaTooNew { found, known: LATEST }),
        std::cmp::Ordering::Less => Err(StoreError::SchemaTooOld { found, known: LATEST }),
        std::cmp::Ordering::Equal => Ok(()),
    }
}

/// Brings the database to [`LATEST`]; returns the version it started at.
///
/// # Errors
/// [`StoreError::SchemaTooNew`] for a database written by a newer build;
/// PostgreSQL errors otherwise (the failed migration is rolled back).
pub(super) async fn migrate(client: &mut deadpool_postgres::Client) -> Result<u32, StoreError> {
    let start = version(&*client).await?;
    if start > LATEST {
        return Err(StoreError::SchemaTooNew { found: start, known: LATEST });
    }
    for (index, sql) in MIGRATIONS.iter().enumerate() {
        let target = u32::try_from(index + 1).unwrap_or(u32::MAX);
        if start >= target {
            continue;
        }
        let tx = client.transaction().await?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK]).await?;
        // Re-read under the lock: another instance may have migrated.
        let now = version(&tx).await?;
        if now > LATEST {
            return Err(StoreError::SchemaTooNew { found: now, known: LATEST });
        }
        if now >= target {
            continue;
        }
        tx.batch_execute(CREATE_SCHEMA_MIGRATIONS).await?;
        tx.batch_execute(sql).await?;
        let recorded = i32::try_from(target).unwrap_or(i32::MAX);
        tx.execute(RECORD_MIGRATION, &[&recorded]).await?;
        tx.commit().await?;
    }
    Ok(start)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_current_version_is_usable_as_it_is() {
        assert!(check_current(LATEST).is_ok());
        assert!(matches!(check_current(LATEST + 1), Err(StoreError::SchemaTooNew { .. })));
        assert!(matches!(check_current(LATEST - 1), Err(StoreError::SchemaTooOld { .. })));
    }
}
