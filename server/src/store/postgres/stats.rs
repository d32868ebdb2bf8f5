//! The success metrics' queries (PostgreSQL); [`crate::stats`] computes the
//! metrics from them, as for SQLite.

use crate::stats::Counts;
use crate::store::StoreError;
use achievements_core::Date;
use deadpool_postgres::Transaction;

/// Counts what the metrics need. Run it inside one (repeatable-read)
/// transaction, for a consistent view.
///
/// # Errors
/// PostgreSQL errors.
pub(crate) async fn counts(tx: &Transaction<'_>, from: Date, until: Date) -> Result<Counts, StoreError> {
    let one = async |sql: &str| -> Result<i64, StoreError> { Ok(tx.query_one(sql, &[]).await?.try_get(0)?) };
    let mut counts = Counts {
        users: one("SELECT count(*) FROM users").await?,
        users_with_achievements: one("SELECT count(DISTINCT user_id) FROM earned").await?,
        total_earned: one("SELECT count(*) FROM earned").await?,
        ..Counts::default()
    };
    for r in tx
        .query(
            "SELECT a.key, coalesce(a.definition::jsonb ->> 'name', a.key), count(e.user_id)
             FROM achievements a LEFT JOIN earned e ON e.achievement_key = a.key
             WHERE a.is_active GROUP BY a.key, a.position, a.definition ORDER BY a.position",
            &[],
        )
        .await?
    {
        counts.earners.push((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?));
    }
    for r in tx
        .query(
            "SELECT u.created_at, min(e.earned_at) FROM users u JOIN earned e ON e.user_id = u.id GROUP BY u.id",
            &[],
        )
        .await?
    {
        counts.first_badges.push((r.try_get(0)?, r.try_get(1)?));
    }
    for r in tx
        .query(
            "SELECT substr(earned_at, 1, 10) AS day, count(*) FROM earned
             WHERE substr(earned_at, 1, 10) BETWEEN $1 AND $2 GROUP BY day",
            &[&from.to_string(), &until.to_string()],
        )
        .await?
    {
        counts.per_day.insert(r.try_get(0)?, r.try_get(1)?);
    }
    Ok(counts)
}
