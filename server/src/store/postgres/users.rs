//! Users and their bearer tokens (PostgreSQL). The rules are the SQLite
//! backend's ([`crate::store::sqlite::users`]): every name passes
//! [`check_name`] and shares no look-alike key with another's. Two
//! instances creating look-alike names at once cannot both succeed: the
//! keys' primary key refuses the second, reported as the collision it is.

use crate::names::{check_name, look_alike_keys};
use crate::store::StoreError;
use crate::store::model::{TokenFor, User};
use crate::store::ts;
use crate::token;
use achievements_core::{Instant, StateSnapshot};
use deadpool_postgres::{Client, GenericClient, Transaction};
use tokio_postgres::Row;

fn user(row: &Row) -> Result<User, StoreError> {
    Ok(User { id: row.try_get(0)?, name: row.try_get(1)?, timezone: row.try_get(2)?, is_admin: row.try_get(3)? })
}

/// The user with this name, if any.
///
/// # Errors
/// PostgreSQL errors.
pub(crate) async fn user_by_name(client: &impl GenericClient, name: &str) -> Result<Option<User>, StoreError> {
    let stmt = client.prepare_cached("SELECT id, name, timezone, is_admin FROM users WHERE name = $1").await?;
    client.query_opt(&stmt, &[&name]).await?.as_ref().map(user).transpose()
}

/// Every user, by id.
///
/// # Errors
/// PostgreSQL errors.
pub(crate) async fn all_users(client: &Client) -> Result<Vec<User>, StoreError> {
    client.query("SELECT id, name, timezone, is_admin FROM users ORDER BY id", &[]).await?.iter().map(user).collect()
}

/// Sets a user's public-profile flag; `false` when no user has this name.
///
/// # Errors
/// PostgreSQL errors.
pub(crate) async fn set_public_profile(tx: &Transaction<'_>, name: &str, public: bool) -> Result<bool, StoreError> {
    Ok(tx.execute("UPDATE users SET public_profile = $2 WHERE name = $1", &[&name, &public]).await? > 0)
}

/// The user with this name if their profile is public.
///
/// # Errors
/// PostgreSQL errors.
pub(crate) async fn public_user(client: &Client, name: &str) -> Result<Option<User>, StoreError> {
    let stmt = client
        .prepare_cached("SELECT id, name, timezone, is_admin FROM users WHERE name = $1 AND public_profile")
        .await?;
    client.query_opt(&stmt, &[&name]).await?.as_ref().map(user).transpose()
}

/// Creates a user, their look-alike keys and their empty state, inside
/// the caller's transaction. `timezone` must already be a valid IANA name.
///
/// # Errors
/// [`StoreError::InvalidName`], [`StoreError::UserExists`],
/// [`StoreError::NameCollides`]; PostgreSQL errors.
pub(crate) async fn create_user(
    tx: &Transaction<'_>,
    name: &str,
    timezone: &str,
    is_admin: bool,
    now: Instant,
) -> Result<User, StoreError> {
    check_name(name)?;
    let keys = look_alike_keys(name);
    let inserted = tx
        .query_opt(
            "INSERT INTO users (name, timezone, is_admin, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (name) DO NOTHING RETURNING id",
            &[&name, &timezone, &is_admin, &ts(now)],
        )
        .await?;
    let Some(row) = inserted else { return Err(StoreError::UserExists(name.to_owned())) };
    let user = User { id: row.try_get(0)?, name: name.to_owned(), timezone: timezone.to_owned(), is_admin };
    let taken = tx
        .query(
            "INSERT INTO user_name_keys (key, user_id) SELECT k, $2::bigint FROM unnest($1::text[]) AS k
             ON CONFLICT (key) DO NOTHING RETURNING key",
            &[&keys, &user.id],
        )
        .await?;
    if taken.len() < keys.len() {
        let existing: Option<String> = tx
            .query_opt(
                "SELECT u.name FROM user_name_keys k JOIN users u ON u.id = k.user_id
                 WHERE k.key = ANY($1) AND u.id <> $2 LIMIT 1",
                &[&keys, &user.id],
            )
            .await?
            .map(|row| row.try_get(0))
            .transpose()?;
        // The caller rolls back: the user row goes with the transaction.
        return Err(StoreError::NameCollides { name: name.to_owned(), existing: existing.unwrap_or_default() });
    }
    let snapshot = StateSnapshot { timezone: timezone.to_owned(), ..StateSnapshot::default() };
    super::state::save_snapshots(tx, &[(user.id, snapshot)], now).await?;
    Ok(user)
}

/// Issues a new token and stores its hash; returns the token text.
///
/// # Errors
/// PostgreSQL errors, or a failing random source.
pub(crate) async fn add_token(tx: &Transaction<'_>, owner: TokenFor<'_>, now: Instant) -> Result<String, StoreError> {
    let token = token::generate()?;
    let (user_id, service) = owner.columns();
    tx.execute(
        "INSERT INTO tokens (hash, user_id, service, created_at) VALUES ($1, $2, $3, $4)",
        &[&token::hash(&token).as_slice(), &user_id, &service, &ts(now)],
    )
    .await?;
    Ok(token)
}
