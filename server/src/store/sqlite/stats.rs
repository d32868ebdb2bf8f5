//! The success metrics' queries (SQLite); [`crate::stats`] computes the
//! metrics from them.

use crate::stats::Counts;
use crate::store::StoreError;
use achievements_core::Date;
use rusqlite::Connection;

/// Counts what the metrics need. Run it inside one read transaction.
///
/// # Errors
/// SQLite errors.
pub(crate) fn counts(conn: &Connection, from: Date, until: Date) -> Result<Counts, StoreError> {
    let one = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, i64>(0));
    let mut earners = conn.prepare(
        "SELECT a.key, coalesce(json_extract(a.definition, '$.name'), a.key), count(e.user_id)
         FROM achievements a LEFT JOIN earned e ON e.achievement_key = a.key
         WHERE a.is_active = 1 GROUP BY a.key ORDER BY a.position",
    )?;
    let mut first_badges = conn.prepare(
        "SELECT u.created_at, min(e.earned_at) FROM users u JOIN earned e ON e.user_id = u.id GROUP BY u.id",
    )?;
    let mut per_day = conn.prepare(
        "SELECT substr(earned_at, 1, 10) AS day, count(*) FROM earned
         WHERE day BETWEEN ?1 AND ?2 GROUP BY day",
    )?;
    Ok(Counts {
        users: one("SELECT count(*) FROM users")?,
        users_with_achievements: one("SELECT count(DISTINCT user_id) FROM earned")?,
        total_earned: one("SELECT count(*) FROM earned")?,
        earners: earners.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<Result<_, _>>()?,
        first_badges: first_badges.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?,
        per_day: per_day
            .query_map([from.to_string(), until.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?,
    })
}
