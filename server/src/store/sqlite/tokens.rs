//! Bearer tokens' lifecycle: issued with terms (expiry, admin service),
//! checked on every request, listed, revoked, and their last use noted.
//! Times are stored as RFC 3339 text and compared in Rust, after parsing
//! (text comparison would misorder fractional seconds).

use super::ts;
use crate::store::StoreError;
use crate::store::model::{TokenFor, TokenListing, TokenOwner, TokenRecord, TokenTerms, User};
use crate::token;
use achievements_core::Instant;
use rusqlite::{Connection, OptionalExtension, Row, params};

/// Issues a new token with `terms` and stores its hash; returns its id and
/// text (which exists nowhere else afterwards).
///
/// # Errors
/// SQLite errors, or a failing random source.
pub(crate) fn issue(
    conn: &Connection,
    owner: TokenFor<'_>,
    terms: TokenTerms,
    now: Instant,
) -> Result<(i64, String), StoreError> {
    let text = token::generate()?;
    let (user_id, service) = owner.columns();
    let is_admin = service.is_some() && terms.is_admin;
    conn.execute(
        "INSERT INTO tokens (hash, user_id, service, created_at, expires_at, is_admin) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![token::hash(&text).as_slice(), user_id, service, ts(now), terms.expires_at.map(ts), is_admin],
    )?;
    Ok((conn.last_insert_rowid(), text))
}

/// The lookup of every request. The hash is bound through `CAST(?1 AS
/// BLOB)`, not a bare `?1`: in a join, SQLite marks a bare parameter
/// compared with a column as one whose value may change the plan, so the
/// cached statement was compiled again (parsed and planned) on every run,
/// which cost more than the lookup itself. The cast keeps the unique
/// index (`tests::the_token_lookup_is_compiled_once_and_searches_the_index`).
pub(crate) const RECORD_OF_HASH: &str =
    "SELECT t.id, t.service, t.is_admin, t.expires_at, t.revoked_at, t.last_used_at,
        u.id, u.name, u.timezone, u.is_admin
 FROM tokens t LEFT JOIN users u ON u.id = t.user_id WHERE t.hash = CAST(?1 AS BLOB)";

/// The row of the token with this SHA-256, with its owner.
///
/// # Errors
/// SQLite errors; [`StoreError::Corrupt`] for an unreadable time.
pub(crate) fn record_of_hash(conn: &Connection, hash: &[u8; 32]) -> Result<Option<TokenRecord>, StoreError> {
    let row = conn
        .prepare_cached(RECORD_OF_HASH)?
        .query_row([hash.as_slice()], |r| {
            let owner = match r.get::<_, Option<String>>(1)? {
                Some(name) => TokenOwner::Service { name, is_admin: r.get(2)? },
                None => {
                    TokenOwner::User(User { id: r.get(6)?, name: r.get(7)?, timezone: r.get(8)?, is_admin: r.get(9)? })
                }
            };
            let times: [Option<String>; 3] = [r.get(3)?, r.get(4)?, r.get(5)?];
            Ok((r.get::<_, i64>(0)?, owner, times))
        })
        .optional()?;
    let Some((id, owner, [expires_at, revoked_at, last_used_at])) = row else { return Ok(None) };
    Ok(Some(TokenRecord {
        id,
        owner,
        expires_at: instant(expires_at)?,
        revoked_at: instant(revoked_at)?,
        last_used_at: instant(last_used_at)?,
    }))
}

/// Every token (of the user `user_id`, or everyone's), by id.
///
/// # Errors
/// SQLite errors.
pub(crate) fn list(conn: &Connection, user_id: Option<i64>) -> Result<Vec<TokenListing>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT t.id, u.name, t.service, t.is_admin, t.created_at, t.last_used_at, t.expires_at, t.revoked_at
         FROM tokens t LEFT JOIN users u ON u.id = t.user_id
         WHERE ?1 IS NULL OR t.user_id = ?1 ORDER BY t.id",
    )?;
    let rows = stmt.query_map([user_id], listing)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn listing(r: &Row<'_>) -> rusqlite::Result<TokenListing> {
    let user: Option<String> = r.get(1)?;
    let service: Option<String> = r.get(2)?;
    Ok(TokenListing {
        id: r.get(0)?,
        owner: owner_label(user, service, r.get(3)?),
        created_at: r.get(4)?,
        last_used_at: r.get(5)?,
        expires_at: r.get(6)?,
        revoked_at: r.get(7)?,
    })
}

/// `user:NAME`, `service:NAME` or `admin-service:NAME`.
pub(crate) fn owner_label(user: Option<String>, service: Option<String>, is_admin: bool) -> String {
    match (user, service) {
        (_, Some(service)) if is_admin => format!("admin-service:{service}"),
        (_, Some(service)) => format!("service:{service}"),
        (Some(user), None) => format!("user:{user}"),
        (None, None) => "user:?".to_owned(),
    }
}

/// Revokes the token `id` at `now` (a token already revoked keeps its
/// first time). Returns whether a token has this id.
///
/// # Errors
/// SQLite errors.
pub(crate) fn revoke(conn: &Connection, id: i64, now: Instant) -> Result<bool, StoreError> {
    let found =
        conn.execute("UPDATE tokens SET revoked_at = coalesce(revoked_at, ?2) WHERE id = ?1", params![id, ts(now)])?;
    Ok(found > 0)
}

/// Notes that the token `id` was used at `now`.
///
/// # Errors
/// SQLite errors.
pub(crate) fn touch(conn: &Connection, id: i64, now: Instant) -> Result<(), StoreError> {
    conn.prepare_cached("UPDATE tokens SET last_used_at = ?2 WHERE id = ?1")?.execute(params![id, ts(now)])?;
    Ok(())
}

pub(crate) fn instant(text: Option<String>) -> Result<Option<Instant>, StoreError> {
    text.map(|t| t.parse::<Instant>().map_err(|e| StoreError::Corrupt(format!("token time `{t}`: {e}")))).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::model::TokenTerms;
    use rusqlite::StatementStatus;

    #[test]
    fn the_token_lookup_is_compiled_once_and_searches_the_index() {
        let mut conn = Connection::open_in_memory().expect("in-memory database");
        super::super::migrations::migrate(&mut conn).expect("migrate");
        let now: Instant = "2026-03-01T10:00:00Z".parse().expect("timestamp");
        let (id, text) = issue(&conn, TokenFor::Service("platform"), TokenTerms::default(), now).expect("issue");
        for _ in 0..3 {
            let record = record_of_hash(&conn, &token::hash(&text)).expect("lookup").expect("found");
            assert_eq!(record.id, id);
            assert_eq!(record_of_hash(&conn, &[7; 32]).expect("lookup"), None);
        }
        let statement = conn.prepare_cached(RECORD_OF_HASH).expect("the cached statement");
        assert_eq!(statement.get_status(StatementStatus::Run), 6);
        assert_eq!(statement.get_status(StatementStatus::RePrepare), 0, "compiled again on a run");
        drop(statement);
        let plan: Vec<String> = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {RECORD_OF_HASH}"))
            .expect("explain")
            .query_map([[0u8; 32].as_slice()], |r| r.get(3))
            .expect("plan")
            .collect::<Result<_, _>>()
            .expect("rows");
        assert!(plan[0].contains("USING INDEX") && plan[0].contains("hash=?"), "{plan:?}");
    }
}
