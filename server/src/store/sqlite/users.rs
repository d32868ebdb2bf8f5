//! Users and their bearer tokens.

use super::ts;
use crate::names::{check_name, look_alike_keys};
use crate::store::StoreError;
use crate::store::model::{TokenFor, TokenOwner, User};
use crate::token;
use achievements_core::Instant;
use achievements_core::StateSnapshot;
use rusqlite::{Connection, OptionalExtension, params};

/// Creates a user and their empty state. `timezone` must already be a valid
/// IANA name (the caller checks it with the core's `time_zone`). Every path
/// that creates a user comes here, so every user name passes [`check_name`]
/// and shares no [`look_alike_keys`] with another's.
///
/// # Errors
/// [`StoreError::InvalidName`], [`StoreError::UserExists`],
/// [`StoreError::NameCollides`]; SQLite errors.
pub fn create_user(
    conn: &Connection,
    name: &str,
    timezone: &str,
    is_admin: bool,
    now: Instant,
) -> Result<User, StoreError> {
    check_name(name)?;
    if user_by_name(conn, name)?.is_some() {
        return Err(StoreError::UserExists(name.to_owned()));
    }
    let keys = look_alike_keys(name);
    for key in &keys {
        if let Some(existing) = owner_of_name_key(conn, key)? {
            return Err(StoreError::NameCollides { name: name.to_owned(), existing });
        }
    }
    conn.execute(
        "INSERT INTO users (name, timezone, is_admin, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![name, timezone, is_admin, ts(now)],
    )?;
    let user = User { id: conn.last_insert_rowid(), name: name.to_owned(), timezone: timezone.to_owned(), is_admin };
    for key in &keys {
        add_name_key(conn, key, user.id)?;
    }
    let snapshot = StateSnapshot { timezone: timezone.to_owned(), ..StateSnapshot::default() };
    super::state::save_snapshot(conn, user.id, &snapshot, now)?;
    Ok(user)
}

/// Which user holds a look-alike key: asked for each key of each user
/// created, so for every member an event creates (`--create-users`).
/// (`CAST`: see [`super::tokens::RECORD_OF_HASH`].)
const OWNER_OF_NAME_KEY: &str =
    "SELECT u.name FROM user_name_keys k JOIN users u ON u.id = k.user_id WHERE k.key = CAST(?1 AS TEXT)";

/// The name of the user who holds this look-alike key, if any.
///
/// # Errors
/// SQLite errors.
pub(crate) fn owner_of_name_key(conn: &Connection, key: &str) -> Result<Option<String>, StoreError> {
    Ok(conn.prepare_cached(OWNER_OF_NAME_KEY)?.query_row([key], |r| r.get(0)).optional()?)
}

/// Gives a look-alike key to a user; the key must be free.
///
/// # Errors
/// SQLite errors.
pub(crate) fn add_name_key(conn: &Connection, key: &str, user_id: i64) -> Result<(), StoreError> {
    conn.prepare_cached("INSERT INTO user_name_keys (key, user_id) VALUES (?1, ?2)")?.execute(params![key, user_id])?;
    Ok(())
}

/// The user with this name, if any.
///
/// # Errors
/// SQLite errors.
pub(crate) fn user_by_name(conn: &Connection, name: &str) -> Result<Option<User>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT id, name, timezone, is_admin FROM users WHERE name = ?1")?
        .query_row([name], |r| Ok(User { id: r.get(0)?, name: r.get(1)?, timezone: r.get(2)?, is_admin: r.get(3)? }))
        .optional()?)
}

/// Every user, by id.
///
/// # Errors
/// SQLite errors.
pub(crate) fn all_users(conn: &Connection) -> Result<Vec<User>, StoreError> {
    let mut stmt = conn.prepare("SELECT id, name, timezone, is_admin FROM users ORDER BY id")?;
    let rows =
        stmt.query_map([], |r| Ok(User { id: r.get(0)?, name: r.get(1)?, timezone: r.get(2)?, is_admin: r.get(3)? }))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The user with this name if their profile is public.
///
/// # Errors
/// SQLite errors.
pub(crate) fn public_user(conn: &Connection, name: &str) -> Result<Option<User>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT id, name, timezone, is_admin FROM users WHERE name = ?1 AND public_profile = 1")?
        .query_row([name], |r| Ok(User { id: r.get(0)?, name: r.get(1)?, timezone: r.get(2)?, is_admin: r.get(3)? }))
        .optional()?)
}

/// Sets a user's public-profile flag; `false` when no user has this name.
///
/// # Errors
/// SQLite errors.
pub(crate) fn set_public_profile(conn: &Connection, name: &str, public: bool) -> Result<bool, StoreError> {
    Ok(conn.execute("UPDATE users SET public_profile = ?2 WHERE name = ?1", params![name, public])? > 0)
}

/// Issues a new token and stores its hash; returns the token text, which
/// exists nowhere else afterwards.
///
/// # Errors
/// SQLite errors, or a failing random source.
pub fn add_token(conn: &Connection, owner: TokenFor<'_>, now: Instant) -> Result<String, StoreError> {
    let token = token::generate()?;
    let (user_id, service) = owner.columns();
    conn.execute(
        "INSERT INTO tokens (hash, user_id, service, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![token::hash(&token).as_slice(), user_id, service, ts(now)],
    )?;
    Ok(token)
}

/// Whom `token` belongs to, or `None` for an unknown token.
///
/// # Errors
/// SQLite errors.
pub fn token_owner(conn: &Connection, token: &str) -> Result<Option<TokenOwner>, StoreError> {
    owner_of_hash(conn, &token::hash(token))
}

/// Whom the token with this SHA-256 belongs to.
///
/// # Errors
/// SQLite errors.
/// (`CAST`: see [`super::tokens::RECORD_OF_HASH`].)
pub(crate) fn owner_of_hash(conn: &Connection, hash: &[u8; 32]) -> Result<Option<TokenOwner>, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT t.service, u.id, u.name, u.timezone, u.is_admin, t.is_admin
             FROM tokens t LEFT JOIN users u ON u.id = t.user_id WHERE t.hash = CAST(?1 AS BLOB)",
        )?
        .query_row([hash.as_slice()], |r| {
            Ok(match r.get::<_, Option<String>>(0)? {
                Some(name) => TokenOwner::Service { name, is_admin: r.get(5)? },
                None => {
                    TokenOwner::User(User { id: r.get(1)?, name: r.get(2)?, timezone: r.get(3)?, is_admin: r.get(4)? })
                }
            })
        })
        .optional()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> Connection {
        let mut conn = Connection::open_in_memory().expect("in-memory database");
        super::super::migrations::migrate(&mut conn).expect("migrate");
        conn
    }

    fn now() -> Instant {
        "2026-03-01T10:00:00Z".parse().expect("timestamp")
    }

    #[test]
    fn tokens_resolve_to_their_owner_and_are_stored_hashed() {
        let conn = db();
        let alice = create_user(&conn, "alice", "Europe/Paris", false, now()).expect("create");
        let user_token = add_token(&conn, TokenFor::User(&alice), now()).expect("token");
        let service_token = add_token(&conn, TokenFor::Service("platform"), now()).expect("token");
        assert_eq!(token_owner(&conn, &user_token).expect("query"), Some(TokenOwner::User(alice)));
        assert_eq!(
            token_owner(&conn, &service_token).expect("query"),
            Some(TokenOwner::Service { name: "platform".into(), is_admin: false })
        );
        assert_eq!(token_owner(&conn, "ach_nope").expect("query"), None);
        let stored: i64 = conn
            .query_row("SELECT count(*) FROM tokens WHERE hash = ?1", [user_token.as_bytes()], |r| r.get(0))
            .expect("query");
        assert_eq!(stored, 0, "the token text itself is never stored");
    }

    #[test]
    fn the_look_alike_lookup_is_compiled_once_and_searches_the_index() {
        let conn = db();
        create_user(&conn, "alice", "UTC", false, now()).expect("create");
        for name in ["bob", "carol", "dave"] {
            create_user(&conn, name, "UTC", false, now()).expect("create");
        }
        let statement = conn.prepare_cached(OWNER_OF_NAME_KEY).expect("the cached statement");
        assert!(statement.get_status(rusqlite::StatementStatus::Run) >= 4);
        assert_eq!(statement.get_status(rusqlite::StatementStatus::RePrepare), 0, "compiled again on a run");
        drop(statement);
        let plan: String =
            conn.query_row(&format!("EXPLAIN QUERY PLAN {OWNER_OF_NAME_KEY}"), ["x"], |r| r.get(3)).expect("plan");
        assert!(plan.contains("USING") && plan.contains("key=?"), "{plan}");
    }

    #[test]
    fn user_names_are_unique() {
        let conn = db();
        create_user(&conn, "bob", "UTC", false, now()).expect("create");
        assert!(matches!(create_user(&conn, "bob", "UTC", true, now()), Err(StoreError::UserExists(_))));
    }

    #[test]
    fn names_that_look_alike_are_one_name() {
        let conn = db();
        create_user(&conn, "alice", "UTC", false, now()).expect("create");
        for look_alike in ["ALICE", "\u{ff41}lice", "a1ice", "AIice"] {
            match create_user(&conn, look_alike, "UTC", false, now()) {
                Err(StoreError::NameCollides { name, existing }) => {
                    assert_eq!((name.as_str(), existing.as_str()), (look_alike, "alice"))
                }
                other => panic!("{look_alike}: {other:?}"),
            }
        }
        assert!(matches!(create_user(&conn, "\u{430}lice", "UTC", false, now()), Err(StoreError::InvalidName(_))));
        create_user(&conn, "alicia", "UTC", false, now()).expect("a different name");
    }
}
