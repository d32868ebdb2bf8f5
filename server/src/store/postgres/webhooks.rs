//! Webhook endpoints and the outbox of deliveries (PostgreSQL). Deliveries
//! are queued by [`super::unlocks::record`] in the unlocks' transaction
//! ([`enqueue`]). Several instances send: [`Pg::claim_deliveries`] takes
//! due rows with `FOR UPDATE SKIP LOCKED` and moves their next attempt on
//! (a lease) in one transaction, so each delivery is tried by one instance
//! at a time, and a crashed instance's come back when the lease runs out.

use super::Pg;
use crate::store::StoreError;
use crate::store::model::Notification;
use crate::store::outbox::{
    Claimed, Finish, MAX_UNLOCKS_PER_DELIVERY, UnlockItem, Webhook, batches, events_column, events_of_column,
    new_delivery_id,
};
use crate::store::ts;
use achievements_core::Instant;
use deadpool_postgres::{GenericClient, Transaction};

/// As SQLite's `enqueue`: one delivery per endpoint that asked for
/// `unlock`; backfill unlocks join a backfill delivery no sender has taken
/// (one another transaction holds is skipped, not waited for).
///
/// # Errors
/// PostgreSQL errors.
pub(crate) async fn enqueue(tx: &Transaction<'_>, queued: &[Notification]) -> Result<(), StoreError> {
    let Some(first) = queued.first() else { return Ok(()) };
    let hooks_stmt =
        tx.prepare_cached("SELECT id FROM webhooks WHERE ',' || events || ',' LIKE '%,unlock,%' ORDER BY id").await?;
    let hooks: Vec<i64> = tx.query(&hooks_stmt, &[]).await?.iter().map(|r| r.try_get(0)).collect::<Result<_, _>>()?;
    if hooks.is_empty() {
        return Ok(());
    }
    let limit = i64::try_from(MAX_UNLOCKS_PER_DELIVERY).unwrap_or(i64::MAX);
    let open_stmt = tx
        .prepare_cached(
            "SELECT seq FROM webhook_deliveries
             WHERE webhook_id = $1 AND backfill AND attempts = 0 AND status = 'pending' AND size + $2 <= $3
             ORDER BY seq DESC LIMIT 1 FOR UPDATE SKIP LOCKED",
        )
        .await?;
    let insert_stmt = tx
        .prepare_cached(
            "INSERT INTO webhook_deliveries (id, webhook_id, event, backfill, created_at)
             VALUES ($1, $2, 'unlock', $3, $4) RETURNING seq",
        )
        .await?;
    let items_stmt = tx
        .prepare_cached(
            "INSERT INTO webhook_delivery_unlocks
                 (delivery_seq, user_id, user_name, achievement_key, name, points, cause, earned_at)
             SELECT $1, n.user_id, u.name, n.achievement_key,
                    coalesce(a.definition::jsonb ->> 'name', n.achievement_key),
                    coalesce((a.definition::jsonb ->> 'points')::bigint, 0), n.cause, n.earned_at
             FROM unnest($2::bigint[]) AS j(id)
             JOIN notifications AS n ON n.id = j.id
             JOIN users AS u ON u.id = n.user_id
             JOIN achievements AS a ON a.key = n.achievement_key
             ORDER BY n.id",
        )
        .await?;
    let size_stmt = tx.prepare_cached("UPDATE webhook_deliveries SET size = size + $2 WHERE seq = $1").await?;
    for (backfill, ids) in batches(queued) {
        let count = i64::try_from(ids.len()).unwrap_or(i64::MAX);
        for &hook in &hooks {
            let open = if backfill {
                tx.query_opt(&open_stmt, &[&hook, &count, &limit]).await?.map(|r| r.try_get::<_, i64>(0)).transpose()?
            } else {
                None
            };
            let seq: i64 = match open {
                Some(seq) => seq,
                None => tx
                    .query_one(&insert_stmt, &[&new_delivery_id()?, &hook, &backfill, &first.created_at])
                    .await?
                    .try_get(0)?,
            };
            tx.execute(&items_stmt, &[&seq, &ids]).await?;
            tx.execute(&size_stmt, &[&seq, &count]).await?;
        }
    }
    Ok(())
}

/// Erasure: as SQLite's `erase_user`, inside the erasure's transaction.
///
/// # Errors
/// PostgreSQL errors.
pub(crate) async fn erase_user(tx: &impl GenericClient, user_id: i64) -> Result<u64, StoreError> {
    let seqs: Vec<i64> = tx
        .query("SELECT DISTINCT delivery_seq FROM webhook_delivery_unlocks WHERE user_id = $1", &[&user_id])
        .await?
        .iter()
        .map(|r| r.try_get(0))
        .collect::<Result<_, _>>()?;
    let deleted = tx.execute("DELETE FROM webhook_delivery_unlocks WHERE user_id = $1", &[&user_id]).await?;
    tx.execute(
        "DELETE FROM webhook_deliveries d WHERE d.seq = ANY($1)
         AND NOT EXISTS (SELECT 1 FROM webhook_delivery_unlocks x WHERE x.delivery_seq = d.seq)",
        &[&seqs],
    )
    .await?;
    tx.execute(
        "UPDATE webhook_deliveries d
         SET size = (SELECT count(*) FROM webhook_delivery_unlocks x WHERE x.delivery_seq = d.seq)
         WHERE d.seq = ANY($1)",
        &[&seqs],
    )
    .await?;
    Ok(deleted)
}

async fn remove_in(tx: &impl GenericClient, id: i64) -> Result<bool, StoreError> {
    tx.execute(
        "DELETE FROM webhook_delivery_unlocks
         WHERE delivery_seq IN (SELECT seq FROM webhook_deliveries WHERE webhook_id = $1)",
        &[&id],
    )
    .await?;
    tx.execute("DELETE FROM webhook_deliveries WHERE webhook_id = $1", &[&id]).await?;
    Ok(tx.execute("DELETE FROM webhooks WHERE id = $1", &[&id]).await? > 0)
}

async fn claim_in(tx: &impl GenericClient, now_ms: i64, lease_ms: i64, limit: i64) -> Result<Vec<Claimed>, StoreError> {
    let rows = tx
        .query(
            "WITH due AS (
                 SELECT seq FROM webhook_deliveries
                 WHERE status = 'pending' AND next_attempt_at <= $1
                 ORDER BY next_attempt_at, seq LIMIT $3
                 FOR UPDATE SKIP LOCKED
             )
             UPDATE webhook_deliveries d
             SET attempts = d.attempts + 1, next_attempt_at = $1 + $2,
                 first_attempt_at = coalesce(d.first_attempt_at, $1)
             FROM due, webhooks w
             WHERE d.seq = due.seq AND w.id = d.webhook_id
             RETURNING d.seq, d.id, w.url, w.secret, d.event, d.created_at, d.attempts, d.first_attempt_at",
            &[&now_ms, &lease_ms, &limit],
        )
        .await?;
    let mut claimed = Vec::with_capacity(rows.len());
    for r in rows {
        let seq: i64 = r.try_get(0)?;
        let unlocks: Vec<UnlockItem> = tx
            .query(
                "SELECT user_name, achievement_key, name, points, cause, earned_at
                 FROM webhook_delivery_unlocks WHERE delivery_seq = $1 ORDER BY seq",
                &[&seq],
            )
            .await?
            .iter()
            .map(|r| {
                Ok(UnlockItem {
                    user: r.try_get(0)?,
                    achievement: r.try_get(1)?,
                    name: r.try_get(2)?,
                    points: r.try_get(3)?,
                    cause: r.try_get(4)?,
                    earned_at: r.try_get(5)?,
                })
            })
            .collect::<Result<_, StoreError>>()?;
        if unlocks.is_empty() {
            tx.execute("DELETE FROM webhook_deliveries WHERE seq = $1", &[&seq]).await?;
            continue;
        }
        claimed.push(Claimed {
            seq,
            id: r.try_get(1)?,
            url: r.try_get(2)?,
            secret: r.try_get(3)?,
            event: r.try_get(4)?,
            created_at: r.try_get(5)?,
            attempts: r.try_get(6)?,
            first_attempt_at: r.try_get(7)?,
            unlocks,
        });
    }
    claimed.sort_by_key(|c| c.seq);
    Ok(claimed)
}

async fn finish_in(tx: &impl GenericClient, seq: i64, how: &Finish) -> Result<(), StoreError> {
    match how {
        Finish::Delivered => {
            tx.execute("DELETE FROM webhook_delivery_unlocks WHERE delivery_seq = $1", &[&seq]).await?;
            tx.execute("DELETE FROM webhook_deliveries WHERE seq = $1", &[&seq]).await?;
        }
        Finish::Retry { at_ms, error } => {
            tx.execute(
                "UPDATE webhook_deliveries SET next_attempt_at = $2, last_error = $3 WHERE seq = $1 AND status = 'pending'",
                &[&seq, at_ms, error],
            )
            .await?;
        }
        Finish::Failed { error } => {
            tx.execute(
                "UPDATE webhook_deliveries SET status = 'failed', last_error = $2 WHERE seq = $1",
                &[&seq, error],
            )
            .await?;
        }
    }
    Ok(())
}

impl Pg {
    pub(crate) async fn add_webhook(
        &self,
        url: &str,
        secret: &str,
        events: &[String],
        now: Instant,
    ) -> Result<Webhook, StoreError> {
        let client = self.client().await?;
        let created_at = ts(now);
        let id: i64 = client
            .query_one(
                "INSERT INTO webhooks (url, secret, events, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
                &[&url, &secret, &events_column(events), &created_at],
            )
            .await?
            .try_get(0)?;
        Ok(Webhook { id, url: url.to_owned(), events: events.to_vec(), created_at, pending: 0, failed: 0 })
    }

    pub(crate) async fn webhooks(&self, offset: i64, limit: i64) -> Result<(i64, Vec<Webhook>), StoreError> {
        let mut client = self.client().await?;
        let tx = client
            .build_transaction()
            .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await?;
        let count: i64 = tx.query_one("SELECT count(*) FROM webhooks", &[]).await?.try_get(0)?;
        let rows = tx
            .query(
                "SELECT w.id, w.url, w.events, w.created_at,
                    (SELECT count(*) FROM webhook_deliveries d WHERE d.webhook_id = w.id AND d.status = 'pending'),
                    (SELECT count(*) FROM webhook_deliveries d WHERE d.webhook_id = w.id AND d.status = 'failed')
                 FROM webhooks w ORDER BY w.id LIMIT $1 OFFSET $2",
                &[&limit, &offset],
            )
            .await?
            .iter()
            .map(|r| {
                Ok(Webhook {
                    id: r.try_get(0)?,
                    url: r.try_get(1)?,
                    events: events_of_column(r.try_get(2)?),
                    created_at: r.try_get(3)?,
                    pending: r.try_get(4)?,
                    failed: r.try_get(5)?,
                })
            })
            .collect::<Result<_, StoreError>>()?;
        tx.commit().await?;
        Ok((count, rows))
    }

    pub(crate) async fn remove_webhook(&self, id: i64) -> Result<bool, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let removed = remove_in(&tx, id).await?;
        tx.commit().await?;
        Ok(removed)
    }

    pub(crate) async fn claim_deliveries(
        &self,
        now_ms: i64,
        lease_ms: i64,
        limit: i64,
    ) -> Result<Vec<Claimed>, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let claimed = claim_in(&tx, now_ms, lease_ms, limit).await?;
        tx.commit().await?;
        Ok(claimed)
    }

    pub(crate) async fn finish_delivery(&self, seq: i64, how: &Finish) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        finish_in(&tx, seq, how).await?;
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn webhook_outbox_pending(&self) -> Result<i64, StoreError> {
        let client = self.client().await?;
        Ok(client
            .query_one("SELECT count(*) FROM webhook_deliveries WHERE status = 'pending'", &[])
            .await?
            .try_get(0)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::postgres::PoolOptions;

    /// A fresh, migrated database of its own on the test server (see
    /// `scripts/postgres.sh`), dropped by the caller with [`drop_db`].
    async fn fresh() -> Option<(Pg, String, String)> {
        let Some(admin) = std::env::var("ACHIEVEMENTS_TEST_POSTGRES").ok().filter(|u| !u.is_empty()) else {
            assert!(std::env::var("CI").as_deref() != Ok("true"), "ACHIEVEMENTS_TEST_POSTGRES is not set and CI=true");
            println!("SKIPPED: ACHIEVEMENTS_TEST_POSTGRES not set");
            return None;
        };
        let mut bytes = [0u8; 6];
        getrandom::fill(&mut bytes).expect("random");
        let name = format!("wh_{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>());
        let (client, connection) = tokio_postgres::connect(&admin, tokio_postgres::NoTls).await.expect("admin");
        tokio::spawn(connection);
        client.batch_execute(&format!("CREATE DATABASE {name}")).await.expect("create database");
        let (base, query) = admin.split_once('?').map_or((admin.as_str(), ""), |(b, q)| (b, q));
        let (server, _) = base.rsplit_once('/').expect("a URL with a database");
        let url = if query.is_empty() { format!("{server}/{name}") } else { format!("{server}/{name}?{query}") };
        let pg = Pg::open(&url, PoolOptions::default()).await.expect("migrated");
        Some((pg, admin, name))
    }

    async fn drop_db(pg: Pg, admin: &str, name: &str) {
        pg.close();
        let (client, connection) = tokio_postgres::connect(admin, tokio_postgres::NoTls).await.expect("admin");
        tokio::spawn(connection);
        client.batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)")).await.expect("drop database");
    }

    #[tokio::test]
    async fn erasing_a_user_leaves_no_outbox_row_naming_them() {
        let Some((pg, admin, name)) = fresh().await else { return };
        let client = pg.client().await.expect("client");
        let t = "2026-03-01T10:00:00Z";
        let mut ids = Vec::new();
        for user in ["ann", "bob"] {
            let row = client
                .query_one(
                    "INSERT INTO users (name, timezone, created_at) VALUES ($1, 'UTC', $2) RETURNING id",
                    &[&user, &t],
                )
                .await
                .expect("user");
            ids.push(row.get::<_, i64>(0));
        }
        let hook: i64 = client
            .query_one(
                "INSERT INTO webhooks (url, secret, events, created_at) VALUES ('http://h/', 's', 'unlock', $1) RETURNING id",
                &[&t],
            )
            .await
            .expect("webhook")
            .get(0);
        // One delivery with both users, one with ann only.
        for (id, users) in [("whd_both", vec![ids[0], ids[1]]), ("whd_ann", vec![ids[0]])] {
            let seq: i64 = client
                .query_one(
                    "INSERT INTO webhook_deliveries (id, webhook_id, event, backfill, created_at, size)
                     VALUES ($1, $2, 'unlock', TRUE, $3, $4) RETURNING seq",
                    &[&id, &hook, &t, &i64::try_from(users.len()).expect("size")],
                )
                .await
                .expect("delivery")
                .get(0);
            for user in users {
                client
                    .execute(
                        "INSERT INTO webhook_delivery_unlocks
                             (delivery_seq, user_id, user_name, achievement_key, name, points, cause, earned_at)
                         SELECT $1, id, name, 'first_project', 'First Launch', 10, 'event', $3 FROM users WHERE id = $2",
                        &[&seq, &user, &t],
                    )
                    .await
                    .expect("unlock");
            }
        }
        assert_eq!(erase_user(&client, ids[0]).await.expect("erase"), 2);
        let named: i64 = client
            .query_one("SELECT count(*) FROM webhook_delivery_unlocks WHERE user_name = 'ann'", &[])
            .await
            .expect("count")
            .get(0);
        assert_eq!(named, 0);
        let left: Vec<(String, i64)> = client
            .query("SELECT id, size FROM webhook_deliveries ORDER BY seq", &[])
            .await
            .expect("deliveries")
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
        assert_eq!(left, [("whd_both".to_owned(), 1)], "ann's own delivery is gone, bob's unlock stays");
        assert_eq!(erase_user(&client, ids[1]).await.expect("erase"), 1);
        assert_eq!(pg.webhook_outbox_pending().await.expect("pending"), 0);
        drop(client);
        drop_db(pg, &admin, &name).await;
    }
}
