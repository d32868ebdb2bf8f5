//! Bearer tokens' lifecycle (PostgreSQL), as
//! [`crate::store::sqlite::tokens`]: issued with terms, checked on every
//! request (no instance caches a token, so a revocation made on one holds
//! on all at once), listed, revoked, their last use noted.

use super::Pg;
use super::changes::{self, Change};
use super::operations::is_transient;
use super::users;
use crate::store::StoreError;
use crate::store::model::{TokenFor, TokenListing, TokenOwner, TokenRecord, TokenSubject, TokenTerms, User};
use crate::store::sqlite::tokens::{instant, owner_label};
use crate::store::ts;
use crate::token;
use achievements_core::Instant;
use deadpool_postgres::Transaction;

/// Issues a new token with `terms` inside the caller's transaction;
/// returns its id and text.
///
/// # Errors
/// PostgreSQL errors, or a failing random source.
pub(crate) async fn issue(
    tx: &Transaction<'_>,
    owner: TokenFor<'_>,
    terms: TokenTerms,
    now: Instant,
) -> Result<(i64, String), StoreError> {
    let text = token::generate()?;
    let (user_id, service) = owner.columns();
    let is_admin = service.is_some() && terms.is_admin;
    let row = tx
        .query_one(
            "INSERT INTO tokens (hash, user_id, service, created_at, expires_at, is_admin)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            &[&token::hash(&text).as_slice(), &user_id, &service, &ts(now), &terms.expires_at.map(ts), &is_admin],
        )
        .await?;
    Ok((row.try_get(0)?, text))
}

impl Pg {
    /// The row of the token with this SHA-256: one primary-key-like lookup
    /// (the hash is unique) on a pooled connection.
    pub(crate) async fn token_record(&self, hash: [u8; 32]) -> Result<Option<TokenRecord>, StoreError> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(
                "SELECT t.id, t.service, t.is_admin, t.expires_at, t.revoked_at, t.last_used_at,
                        u.id, u.name, u.timezone, u.is_admin
                 FROM tokens t LEFT JOIN users u ON u.id = t.user_id WHERE t.hash = $1",
            )
            .await?;
        let Some(row) = client.query_opt(&stmt, &[&hash.as_slice()]).await? else { return Ok(None) };
        let owner = match row.try_get::<_, Option<String>>(1)? {
            Some(name) => TokenOwner::Service { name, is_admin: row.try_get(2)? },
            None => TokenOwner::User(User {
                id: row.try_get(6)?,
                name: row.try_get(7)?,
                timezone: row.try_get(8)?,
                is_admin: row.try_get(9)?,
            }),
        };
        Ok(Some(TokenRecord {
            id: row.try_get(0)?,
            owner,
            expires_at: instant(row.try_get(3)?)?,
            revoked_at: instant(row.try_get(4)?)?,
            last_used_at: instant(row.try_get(5)?)?,
        }))
    }

    /// Issues a token for a user (by name) or a service, with `terms`.
    pub(crate) async fn issue_token(
        &self,
        owner: &TokenSubject,
        terms: TokenTerms,
        now: Instant,
    ) -> Result<(i64, String), StoreError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut client = self.client().await?;
            let tx = client.transaction().await?;
            let result = async {
                match owner {
                    TokenSubject::User(name) => {
                        let user = users::user_by_name(&tx, name)
                            .await?
                            .ok_or_else(|| StoreError::UnknownUser(name.to_owned()))?;
                        issue(&tx, TokenFor::User(&user), terms, now).await
                    }
                    TokenSubject::Service(name) => issue(&tx, TokenFor::Service(name), terms, now).await,
                }
            }
            .await;
            let result = match result {
                Ok(value) => tx.commit().await.map(|()| value).map_err(StoreError::from),
                Err(e) => Err(e),
            };
            match result {
                Err(e) if attempt < super::operations::ATTEMPTS && is_transient(&e) => continue,
                other => return other,
            }
        }
    }

    /// Every token (of the named user, or everyone's), by id.
    pub(crate) async fn list_tokens(&self, user: Option<&str>) -> Result<Vec<TokenListing>, StoreError> {
        let client = self.client().await?;
        let user_id = match user {
            Some(name) => Some(
                users::user_by_name(&client, name).await?.ok_or_else(|| StoreError::UnknownUser(name.to_owned()))?.id,
            ),
            None => None,
        };
        let rows = client
            .query(
                "SELECT t.id, u.name, t.service, t.is_admin, t.created_at, t.last_used_at, t.expires_at, t.revoked_at
                 FROM tokens t LEFT JOIN users u ON u.id = t.user_id
                 WHERE $1::bigint IS NULL OR t.user_id = $1 ORDER BY t.id",
                &[&user_id],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(TokenListing {
                    id: r.try_get(0)?,
                    owner: owner_label(r.try_get(1)?, r.try_get(2)?, r.try_get(3)?),
                    created_at: r.try_get(4)?,
                    last_used_at: r.try_get(5)?,
                    expires_at: r.try_get(6)?,
                    revoked_at: r.try_get(7)?,
                })
            })
            .collect()
    }

    /// Revokes the token `id` (keeping the first time); whether it exists.
    /// Requests read the token's row, so the next one is refused on every
    /// instance; open streams hear of it through [`Change::Access`].
    pub(crate) async fn revoke_token(&self, id: i64, now: Instant) -> Result<bool, StoreError> {
        let client = self.client().await?;
        let n = client
            .execute("UPDATE tokens SET revoked_at = coalesce(revoked_at, $2) WHERE id = $1", &[&id, &ts(now)])
            .await?;
        if n > 0 {
            changes::tell(&client, &[Change::Access]).await?;
        }
        Ok(n > 0)
    }

    /// Notes that the token `id` was used at `now`.
    pub(crate) async fn touch_token(&self, id: i64, now: Instant) -> Result<(), StoreError> {
        let client = self.client().await?;
        let stmt = client.prepare_cached("UPDATE tokens SET last_used_at = $2 WHERE id = $1").await?;
        client.execute(&stmt, &[&id, &ts(now)]).await?;
        Ok(())
    }
}
