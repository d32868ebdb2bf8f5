//! Webhook endpoints and the outbox of deliveries (SQLite). Deliveries are
//! queued by [`super::unlocks::record`] in the unlocks' own transaction
//! ([`enqueue`]); the sender claims due ones through the writer thread
//! ([`claim`]), so a claim and an enqueue never interleave.

use super::ts;
use crate::store::StoreError;
use crate::store::model::Notification;
use crate::store::outbox::{
    Claimed, Finish, MAX_UNLOCKS_PER_DELIVERY, UnlockItem, Webhook, batches, events_column, events_of_column,
    new_delivery_id,
};
use achievements_core::Instant;
use rusqlite::{Connection, OptionalExtension, params};

/// Queues one delivery per endpoint that asked for `unlock` for the
/// notifications just queued (inside the caller's transaction). Backfill
/// unlocks join a backfill delivery of the endpoint no sender has taken
/// yet, if one has room: an import or a retroactive award makes one
/// delivery, not one per user.
///
/// # Errors
/// SQLite errors.
pub(crate) fn enqueue(conn: &Connection, queued: &[Notification]) -> Result<(), StoreError> {
    let Some(first) = queued.first() else { return Ok(()) };
    let hooks: Vec<i64> = conn
        .prepare_cached("SELECT id FROM webhooks WHERE ',' || events || ',' LIKE '%,unlock,%' ORDER BY id")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    if hooks.is_empty() {
        return Ok(());
    }
    let limit = i64::try_from(MAX_UNLOCKS_PER_DELIVERY).unwrap_or(i64::MAX);
    for (backfill, ids) in batches(queued) {
        let count = i64::try_from(ids.len()).unwrap_or(i64::MAX);
        let json = serde_json::to_string(&ids).map_err(|e| StoreError::Corrupt(format!("ids: {e}")))?;
        for &hook in &hooks {
            let open: Option<i64> = if backfill {
                conn.prepare_cached(
                    "SELECT seq FROM webhook_deliveries
                     WHERE webhook_id = ?1 AND backfill = 1 AND attempts = 0 AND status = 'pending' AND size + ?2 <= ?3
                     ORDER BY seq DESC LIMIT 1",
                )?
                .query_row(params![hook, count, limit], |r| r.get(0))
                .optional()?
            } else {
                None
            };
            let seq = match open {
                Some(seq) => seq,
                None => conn
                    .prepare_cached(
                        "INSERT INTO webhook_deliveries (id, webhook_id, event, backfill, created_at)
                         VALUES (?1, ?2, 'unlock', ?3, ?4) RETURNING seq",
                    )?
                    .query_row(params![new_delivery_id()?, hook, backfill, first.created_at], |r| r.get(0))?,
            };
            conn.prepare_cached(
                "INSERT INTO webhook_delivery_unlocks
                     (delivery_seq, user_id, user_name, achievement_key, name, points, cause, earned_at)
                 SELECT ?1, n.user_id, u.name, n.achievement_key,
                        coalesce(json_extract(a.definition, '$.name'), n.achievement_key),
                        coalesce(json_extract(a.definition, '$.points'), 0), n.cause, n.earned_at
                 FROM json_each(?2) AS j
                 JOIN notifications AS n ON n.id = j.value
                 JOIN users AS u ON u.id = n.user_id
                 JOIN achievements AS a ON a.key = n.achievement_key
                 ORDER BY n.id",
            )?
            .execute(params![seq, json])?;
            conn.prepare_cached("UPDATE webhook_deliveries SET size = size + ?2 WHERE seq = ?1")?
                .execute(params![seq, count])?;
        }
    }
    Ok(())
}

/// Registers an endpoint.
///
/// # Errors
/// SQLite errors.
pub(crate) fn add(
    conn: &Connection,
    url: &str,
    secret: &str,
    events: &[String],
    now: Instant,
) -> Result<Webhook, StoreError> {
    let created_at = ts(now);
    let id: i64 = conn.query_row(
        "INSERT INTO webhooks (url, secret, events, created_at) VALUES (?1, ?2, ?3, ?4) RETURNING id",
        params![url, secret, events_column(events), created_at],
        |r| r.get(0),
    )?;
    Ok(Webhook { id, url: url.to_owned(), events: events.to_vec(), created_at, pending: 0, failed: 0 })
}

/// How many endpoints there are, and those from `offset` (by id).
///
/// # Errors
/// SQLite errors.
pub(crate) fn list(conn: &Connection, offset: i64, limit: i64) -> Result<(i64, Vec<Webhook>), StoreError> {
    let count: i64 = conn.query_row("SELECT count(*) FROM webhooks", [], |r| r.get(0))?;
    let mut stmt = conn.prepare_cached(
        "SELECT w.id, w.url, w.events, w.created_at,
                (SELECT count(*) FROM webhook_deliveries d WHERE d.webhook_id = w.id AND d.status = 'pending'),
                (SELECT count(*) FROM webhook_deliveries d WHERE d.webhook_id = w.id AND d.status = 'failed')
         FROM webhooks w ORDER BY w.id LIMIT ?1 OFFSET ?2",
    )?;
    let rows = stmt
        .query_map(params![limit, offset], |r| {
            Ok(Webhook {
                id: r.get(0)?,
                url: r.get(1)?,
                events: events_of_column(&r.get::<_, String>(2)?),
                created_at: r.get(3)?,
                pending: r.get(4)?,
                failed: r.get(5)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok((count, rows))
}

/// Removes an endpoint and its deliveries (pending and failed); `false`
/// when there is none with this id.
///
/// # Errors
/// SQLite errors.
pub(crate) fn remove(conn: &Connection, id: i64) -> Result<bool, StoreError> {
    conn.execute(
        "DELETE FROM webhook_delivery_unlocks
         WHERE delivery_seq IN (SELECT seq FROM webhook_deliveries WHERE webhook_id = ?1)",
        [id],
    )?;
    conn.execute("DELETE FROM webhook_deliveries WHERE webhook_id = ?1", [id])?;
    Ok(conn.execute("DELETE FROM webhooks WHERE id = ?1", [id])? > 0)
}

/// Claims up to `limit` due deliveries: each one's attempt count goes up
/// and its next attempt moves `lease_ms` on, so no other sender takes it
/// while this one tries (and a crashed sender's come back). A delivery
/// left with no unlocks (its users erased) is deleted instead. (`CAST`:
/// see [`super::tokens::RECORD_OF_HASH`].)
///
/// # Errors
/// SQLite errors.
pub(crate) fn claim(conn: &Connection, now_ms: i64, lease_ms: i64, limit: i64) -> Result<Vec<Claimed>, StoreError> {
    let due: Vec<(i64, String, String, String, String, String)> = conn
        .prepare_cached(
            "SELECT d.seq, d.id, w.url, w.secret, d.event, d.created_at
             FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
             WHERE d.status = 'pending' AND d.next_attempt_at <= CAST(?1 AS INTEGER)
             ORDER BY d.next_attempt_at, d.seq LIMIT ?2",
        )?
        .query_map(params![now_ms, limit], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))?
        .collect::<Result<_, _>>()?;
    let mut claimed = Vec::with_capacity(due.len());
    for (seq, id, url, secret, event, created_at) in due {
        let unlocks = items(conn, seq)?;
        if unlocks.is_empty() {
            conn.execute("DELETE FROM webhook_deliveries WHERE seq = ?1", [seq])?;
            continue;
        }
        let (attempts, first_attempt_at): (i64, i64) = conn
            .prepare_cached(
                "UPDATE webhook_deliveries SET attempts = attempts + 1, next_attempt_at = ?2 + ?3,
                     first_attempt_at = coalesce(first_attempt_at, ?2)
                 WHERE seq = ?1 RETURNING attempts, first_attempt_at",
            )?
            .query_row(params![seq, now_ms, lease_ms], |r| Ok((r.get(0)?, r.get(1)?)))?;
        claimed.push(Claimed { seq, id, url, secret, event, created_at, attempts, first_attempt_at, unlocks });
    }
    Ok(claimed)
}

/// Whether a delivery is due at `now_ms`.
///
/// # Errors
/// SQLite errors.
pub(crate) fn any_due(conn: &Connection, now_ms: i64) -> Result<bool, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= ?1)",
        )?
        .query_row([now_ms], |r| r.get(0))?)
}

fn items(conn: &Connection, seq: i64) -> Result<Vec<UnlockItem>, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT user_name, achievement_key, name, points, cause, earned_at
             FROM webhook_delivery_unlocks WHERE delivery_seq = ?1 ORDER BY seq",
        )?
        .query_map([seq], |r| {
            Ok(UnlockItem {
                user: r.get(0)?,
                achievement: r.get(1)?,
                name: r.get(2)?,
                points: r.get(3)?,
                cause: r.get(4)?,
                earned_at: r.get(5)?,
            })
        })?
        .collect::<Result<_, _>>()?)
}

/// Records how an attempt ended (see [`Finish`]).
///
/// # Errors
/// SQLite errors.
pub(crate) fn finish(conn: &Connection, seq: i64, how: &Finish) -> Result<(), StoreError> {
    match how {
        Finish::Delivered => {
            conn.execute("DELETE FROM webhook_delivery_unlocks WHERE delivery_seq = ?1", [seq])?;
            conn.execute("DELETE FROM webhook_deliveries WHERE seq = ?1", [seq])?;
        }
        Finish::Retry { at_ms, error } => {
            conn.execute(
                "UPDATE webhook_deliveries SET next_attempt_at = ?2, last_error = ?3 WHERE seq = ?1 AND status = 'pending'",
                params![seq, at_ms, error],
            )?;
        }
        Finish::Failed { error } => {
            conn.execute(
                "UPDATE webhook_deliveries SET status = 'failed', last_error = ?2 WHERE seq = ?1",
                params![seq, error],
            )?;
        }
    }
    Ok(())
}

/// Deliveries still to be sent.
///
/// # Errors
/// SQLite errors.
pub(crate) fn pending(conn: &Connection) -> Result<i64, StoreError> {
    Ok(conn.query_row("SELECT count(*) FROM webhook_deliveries WHERE status = 'pending'", [], |r| r.get(0))?)
}

/// Erasure: deletes every unlock of the user from the outbox (pending and
/// failed deliveries alike), and the deliveries left with none. Returns how
/// many unlocks were deleted. Call it inside the erasure's transaction.
///
/// # Errors
/// SQLite errors.
pub(crate) fn erase_user(conn: &Connection, user_id: i64) -> Result<usize, StoreError> {
    let seqs: Vec<i64> = conn
        .prepare_cached("SELECT DISTINCT delivery_seq FROM webhook_delivery_unlocks WHERE user_id = ?1")?
        .query_map([user_id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let deleted = conn.execute("DELETE FROM webhook_delivery_unlocks WHERE user_id = ?1", [user_id])?;
    for seq in seqs {
        conn.execute(
            "DELETE FROM webhook_deliveries WHERE seq = ?1
             AND NOT EXISTS (SELECT 1 FROM webhook_delivery_unlocks x WHERE x.delivery_seq = ?1)",
            [seq],
        )?;
        conn.execute(
            "UPDATE webhook_deliveries SET size = (SELECT count(*) FROM webhook_delivery_unlocks x WHERE x.delivery_seq = ?1)
             WHERE seq = ?1",
            [seq],
        )?;
    }
    Ok(deleted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::handle::Intake;
    use crate::store::model::NewEvent;
    use crate::store::sqlite::{catalog, intake, migrations, users};
    use achievements_core::{Engine, SHIPPED_CATALOG_JSON, load_catalog};

    fn now() -> Instant {
        "2026-03-01T10:00:00Z".parse().expect("timestamp")
    }

    /// A migrated in-memory database with the shipped catalog, ann and bob,
    /// and one endpoint.
    fn db() -> (Connection, Engine) {
        let mut conn = Connection::open_in_memory().expect("in-memory database");
        migrations::migrate(&mut conn).expect("migrate");
        let shipped = load_catalog(SHIPPED_CATALOG_JSON).expect("shipped catalog").catalog;
        let synced = catalog::sync(&conn, &shipped, now()).expect("sync");
        for name in ["ann", "bob"] {
            users::create_user(&conn, name, "UTC", false, now()).expect("user");
        }
        add(&conn, "http://127.0.0.1:9/hook", "s", &["unlock".to_owned()], now()).expect("webhook");
        (conn, Engine::new(synced.catalog))
    }

    /// Posts one event of `event_type` (each unlocks a `first_…` badge once).
    fn post(conn: &Connection, engine: &Engine, id: &str, user: &str, event_type: &str, backfill: bool) {
        let event = NewEvent {
            id: id.into(),
            user: user.into(),
            event_type: event_type.into(),
            value: None,
            at: now(),
            timezone: None,
        };
        let intake = Intake { source: "platform".into(), received_at: now(), backfill, create_users: false };
        let applied = intake::apply_events(conn, engine, &[event], &intake).expect("apply");
        assert!(!applied.notifications.is_empty(), "an unlock");
    }

    fn import(conn: &Connection, engine: &Engine, id: &str, user: &str, backfill: bool) {
        post(conn, engine, id, user, "project_created", backfill);
    }

    fn count(conn: &Connection, sql: &str) -> i64 {
        conn.query_row(sql, [], |r| r.get(0)).expect(sql)
    }

    #[test]
    fn backfill_gathers_until_claimed_and_live_unlocks_come_one_write_each() {
        let (conn, engine) = db();
        import(&conn, &engine, "h1", "ann", true);
        import(&conn, &engine, "h2", "bob", true);
        assert_eq!(count(&conn, "SELECT count(*) FROM webhook_deliveries"), 1, "one backfill delivery");
        let claimed = claim(&conn, 1_000, 30_000, 16).expect("claim");
        assert_eq!(claimed.len(), 1);
        let users: Vec<&str> = claimed[0].unlocks.iter().map(|u| u.user.as_str()).collect();
        assert_eq!(users, ["ann", "bob"]);
        assert_eq!(claimed[0].unlocks[0].name, "First Launch");
        assert_eq!(claimed[0].unlocks[0].points, 10);
        // Once an attempt started, more backfill makes a new delivery.
        users::create_user(&conn, "cid", "UTC", false, now()).expect("user");
        import(&conn, &engine, "h3", "cid", true);
        assert_eq!(count(&conn, "SELECT count(*) FROM webhook_deliveries"), 2);
        // Live unlocks are never gathered with others.
        users::create_user(&conn, "dee", "UTC", false, now()).expect("user");
        post(&conn, &engine, "l1", "dee", "project_created", false);
        post(&conn, &engine, "l2", "dee", "login", false);
        assert_eq!(count(&conn, "SELECT count(*) FROM webhook_deliveries"), 4);
    }

    #[test]
    fn a_claim_is_a_lease_and_each_outcome_is_recorded() {
        let (conn, engine) = db();
        import(&conn, &engine, "e1", "ann", false);
        let first = claim(&conn, 1_000, 30_000, 16).expect("claim");
        assert_eq!((first.len(), first[0].attempts, first[0].first_attempt_at), (1, 1, 1_000));
        assert!(claim(&conn, 2_000, 30_000, 16).expect("claim").is_empty(), "leased to the first sender");
        // A sender that crashed: the lease runs out and it comes back.
        let again = claim(&conn, 31_000, 30_000, 16).expect("claim");
        assert_eq!((again.len(), again[0].id.as_str(), again[0].attempts), (1, first[0].id.as_str(), 2));
        assert_eq!(again[0].first_attempt_at, 1_000, "the retry window counts from the first attempt");
        finish(&conn, again[0].seq, &Finish::Retry { at_ms: 40_000, error: "HTTP 500".into() }).expect("finish");
        assert!(claim(&conn, 39_999, 30_000, 16).expect("claim").is_empty());
        assert_eq!(pending(&conn).expect("pending"), 1);
        let third = claim(&conn, 40_000, 30_000, 16).expect("claim");
        finish(&conn, third[0].seq, &Finish::Failed { error: "HTTP 500".into() }).expect("finish");
        assert_eq!(pending(&conn).expect("pending"), 0);
        let (_, listed) = list(&conn, 0, 10).expect("list");
        assert_eq!((listed[0].pending, listed[0].failed), (0, 1), "a failed delivery is kept");
        assert!(claim(&conn, i64::MAX / 2, 30_000, 16).expect("claim").is_empty(), "never tried again");

        import(&conn, &engine, "e2", "bob", false);
        let fourth = claim(&conn, 50_000, 30_000, 16).expect("claim");
        finish(&conn, fourth[0].seq, &Finish::Delivered).expect("finish");
        assert_eq!(count(&conn, "SELECT count(*) FROM webhook_deliveries WHERE status = 'pending'"), 0);
        assert!(remove(&conn, listed[0].id).expect("remove"));
        assert_eq!(count(&conn, "SELECT count(*) FROM webhook_deliveries"), 0);
        assert_eq!(count(&conn, "SELECT count(*) FROM webhook_delivery_unlocks"), 0);
        assert!(!remove(&conn, listed[0].id).expect("remove"));
    }

    #[test]
    fn erasing_a_user_leaves_no_outbox_row_naming_them() {
        let (conn, engine) = db();
        import(&conn, &engine, "h1", "ann", true);
        import(&conn, &engine, "h2", "bob", true);
        post(&conn, &engine, "l1", "ann", "login", false);
        let ann: i64 = conn.query_row("SELECT id FROM users WHERE name = 'ann'", [], |r| r.get(0)).expect("ann");
        assert!(erase_user(&conn, ann).expect("erase") >= 2);
        assert_eq!(count(&conn, "SELECT count(*) FROM webhook_delivery_unlocks WHERE user_name = 'ann'"), 0);
        assert_eq!(count(&conn, "SELECT count(*) FROM webhook_deliveries"), 1, "ann's own delivery is gone");
        let claimed = claim(&conn, 1_000, 30_000, 16).expect("claim");
        let users: Vec<&str> = claimed.iter().flat_map(|c| c.unlocks.iter().map(|u| u.user.as_str())).collect();
        assert!(users.iter().all(|u| *u == "bob"), "{users:?}");
    }
}
