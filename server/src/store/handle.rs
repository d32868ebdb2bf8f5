//! [`Store`]: the server's one storage interface. Every route, the
//! server's start-up and every command (`crate::admin`, `crate::ops`) reach
//! the database through its methods, each a whole operation (one read or
//! write transaction); which backend answers is decided once, by the
//! [`Location`] it was opened on, and how it was opened: [`Store::open`]
//! (creating and migrating), [`Store::open_existing`] (never creating) or
//! [`Store::open_read_only`] (never writing).
//!
//! On PostgreSQL, several instances share one database: the per-user
//! serialization, the event id's uniqueness and the notification ids'
//! order all live in the database (see [`super::postgres`]), never in this
//! process.
//!
//! Why an enum and not a trait object: two backends, known at compile
//! time, whose methods are `async`. A match per method costs nothing,
//! keeps the futures `Send` without boxing, and shows in one place what
//! every backend must do.

use super::StoreError;
use super::health::{Load, Readiness};
use super::location::Location;
use super::model::{
    Applied, Evaluated, Inspected, Mark, NewEvent, Notification, NotificationPage, Recalculated, Synced, TokenFor,
    TokenListing, TokenRecord, TokenSubject, TokenTerms, User, Versioned,
};
use super::outbox::{Claimed, Finish, Webhook};
use super::people::{ByHand, Erased, Granted, Patched, Revoked, UserPatch, UserRecord};
use super::postgres::changes::Change;
use super::postgres::{Pg, PoolOptions};
use super::replay::Progress;
use super::sqlite::{self, Db};
use crate::stats::{self, Stats};
use achievements_core::{Date, Engine, Instant, ValidCatalog};
use std::sync::Arc;

/// A cheap-to-clone handle on the database.
#[derive(Clone, Debug)]
pub struct Store(Backend);

#[derive(Clone, Debug)]
enum Backend {
    Sqlite(Db),
    Postgres(Pg),
}

impl Store {
    /// Opens (creating and migrating when needed) the database at `location`.
    ///
    /// # Errors
    /// The database cannot be opened, or its schema is newer than this build.
    pub async fn open(location: &Location) -> Result<Self, StoreError> {
        match location {
            Location::File(path) => {
                let path = path.clone();
                let db = blocking(move || Db::open(&path)).await?;
                Ok(Store(Backend::Sqlite(db)))
            }
            Location::Postgres(url) => Ok(Store(Backend::Postgres(Pg::open(url, PoolOptions::default()).await?))),
        }
    }

    /// Opens a database that must already exist, migrating an older
    /// schema: the writing commands given no catalog file, which have
    /// nothing to store in an empty database.
    ///
    /// # Errors
    /// [`StoreError::NoDatabase`], or as [`Store::open`].
    pub async fn open_existing(location: &Location) -> Result<Self, StoreError> {
        match location {
            Location::File(path) => {
                let path = path.clone();
                let db = blocking(move || Db::open_existing(&path)).await?;
                Ok(Store(Backend::Sqlite(db)))
            }
            Location::Postgres(url) => {
                Ok(Store(Backend::Postgres(Pg::open_existing(url, PoolOptions::default()).await?)))
            }
        }
    }

    /// Opens an existing database, at this build's schema, for commands
    /// that only read (`check`, `debug`, `stats`): nothing is created,
    /// migrated or changed (SQLite: read-only connections and no writer;
    /// PostgreSQL: read-only sessions). Writes through it fail.
    ///
    /// # Errors
    /// [`StoreError::NoDatabase`], [`StoreError::SchemaTooOld`],
    /// [`StoreError::SchemaTooNew`], or the database cannot be reached.
    pub async fn open_read_only(location: &Location) -> Result<Self, StoreError> {
        match location {
            Location::File(path) => {
                let path = path.clone();
                let db = blocking(move || Db::open_read_only(&path)).await?;
                Ok(Store(Backend::Sqlite(db)))
            }
            Location::Postgres(url) => {
                Ok(Store(Backend::Postgres(Pg::open_read_only(url, PoolOptions::default()).await?)))
            }
        }
    }

    /// Whether other instances may share the database (PostgreSQL): then
    /// what this process caches may be changed behind its back.
    pub(crate) fn is_shared(&self) -> bool {
        matches!(self.0, Backend::Postgres(_))
    }

    /// What any instance commits from now on, for a store that others
    /// share (see [`super::postgres::changes`]); `None` for SQLite, which
    /// only this process's writer thread writes.
    pub(crate) fn changes(&self) -> Option<tokio::sync::broadcast::Receiver<Change>> {
        match &self.0 {
            Backend::Sqlite(_) => None,
            Backend::Postgres(pg) => Some(pg.changes()),
        }
    }

    /// Finishes the writes already queued and closes the connections.
    pub async fn close(&self) {
        match &self.0 {
            Backend::Sqlite(db) => {
                let db = db.clone();
                let _ = tokio::task::spawn_blocking(move || db.close()).await;
            }
            Backend::Postgres(pg) => pg.close(),
        }
    }

    /// The user with this name, if any.
    pub(crate) async fn user_by_name(&self, name: String) -> Result<Option<User>, StoreError> {
        match &self.0 {
            Backend::Sqlite(db) => db.look_up(move |conn| sqlite::users::user_by_name(conn, &name)).await,
            Backend::Postgres(pg) => pg.user_by_name(&name).await,
        }
    }

    /// The user with this name if their profile is public.
    pub(crate) async fn public_user(&self, name: String) -> Result<Option<User>, StoreError> {
        match &self.0 {
            Backend::Sqlite(db) => db.read(move |conn| sqlite::users::public_user(conn, &name)).await,
            Backend::Postgres(pg) => pg.public_user(&name).await,
        }
    }

    /// Creates a user and their empty state (see
    /// [`sqlite::users::create_user`] for the name rules).
    pub async fn create_user(
        &self,
        name: String,
        timezone: String,
        is_admin: bool,
        now: Instant,
    ) -> Result<User, StoreError> {
        match &self.0 {
            Backend::Sqlite(db) => {
                db.write(move |conn| sqlite::users::create_user(conn, &name, &timezone, is_admin, now)).await
            }
            Backend::Postgres(pg) => pg.create_user(&name, &timezone, is_admin, now).await,
        }
    }

    /// Creates a user and a first token for them, in one transaction;
    /// returns the user and the token's text.
    ///
    /// # Errors
    /// As [`Store::create_user`].
    pub(crate) async fn create_user_with_token(
        &self,
        name: String,
        timezone: String,
        is_admin: bool,
        now: Instant,
    ) -> Result<(User, String), StoreError> {
        match &self.0 {
            Backend::Sqlite(db) => {
                db.write(move |conn| {
                    let user = sqlite::users::create_user(conn, &name, &timezone, is_admin, now)?;
                    let token = sqlite::users::add_token(conn, TokenFor::User(&user), now)?;
                    Ok((user, token))
                })
                .await
            }
            Backend::Postgres(pg) => pg.create_user_with_token(&name, &timezone, is_admin, now).await,
        }
    }

    /// Sets a user's public-profile flag; `false` when no user has this name.
    pub(crate) async fn set_public_profile(&self, name: String, public: bool) -> Result<bool, StoreError> {
        match &self.0 {
            Backend::Sqlite(db) => db.write(move |conn| sqlite::users::set_public_profile(conn, &name, public)).await,
            Backend::Postgres(pg) => pg.set_public_profile(&name, public).await,
        }
    }

    /// Every user, by id.
    pub(crate) async fn all_users(&self) -> Result<Vec<User>, StoreError> {
        match &self.0 {
            Backend::Sqlite(db) => db.read(sqlite::users::all_users).await,
            Backend::Postgres(pg) => pg.all_users().await,
        }
    }

    /// The catalog the server runs, as the last catalog upsert left it (the
    /// file's plus the retired definitions); `None` if none was ever loaded.
    pub(crate) async fn stored_catalog(&self) -> Result<Option<ValidCatalog>, StoreError> {
        match &self.0 {
            Backend::Sqlite(db) => db.read(sqlite::catalog::stored).await,
            Backend::Postgres(pg) => pg.stored_catalog().await,
        }
    }

    /// The named user as the reading commands see them (see [`Inspected`]),
    /// from one consistent view; with `audit_key`, that unlock's first
    /// audit record.
    ///
    /// # Errors
    /// [`StoreError::NoCatalog`], [`StoreError::UnknownUser`], or a
    /// database error.
    pub(crate) async fn inspect(&self, name: String, audit_key: Option<String>) -> Result<Inspected, StoreError> {
        match &self.0 {
            Backend::Sqlite(db) => {
                db.read(move |conn| sqlite::inspect::inspect(conn, &name, audit_key.as_deref())).await
            }
            Backend::Postgres(pg) => pg.inspect(&name, audit_key.as_deref()).await,
        }
    }

    /// Re-evaluates `users` at `now` in one transaction, storing what
    /// unlocked (backfill); each user's writes are serialized with every
    /// other writer's, on any instance. Returns each user evaluated.
    pub(crate) async fn evaluate_users(
        &self,
        engine: Arc<Engine>,
        users: Vec<User>,
        now: Instant,
    ) -> Result<Vec<(User, Evaluated)>, StoreError> {
        match &self.0 {
            Backend::Sqlite(db) => {
                db.write(move |conn| {
                    users
                        .into_iter()
                        .map(|user| {
                            let evaluated = sqlite::intake::evaluate_user(conn, &engine, &user, now)?;
                            Ok((user, evaluated))
                        })
                        .collect()
                })
                .await
            }
            Backend::Postgres(pg) => pg.evaluate_users(&engine, &users, now).await,
        }
    }

    /// Rebuilds the named user's state from their event log (see
    /// [`super::replay`]), stores it if it differs, and evaluates it, in
    /// one transaction holding the user's write lock. `progress` follows
    /// the replay.
    ///
    /// # Errors
    /// [`StoreError::UnknownUser`], or a database error.
    pub(crate) async fn recalculate_user(
        &self,
        engine: Arc<Engine>,
        name: String,
        now: Instant,
        progress: Progress,
    ) -> Result<Recalculated, StoreError> {
        match &self.0 {
            Backend::Sqlite(db) => {
                db.write(move |conn| sqlite::recalculate::recalculate_user(conn, &engine, &name, now, &progress)).await
            }
            Backend::Postgres(pg) => pg.recalculate_user(&engine, &name, now, &progress).await,
        }
    }

    /// Issues a token for a user (by id) or a service; returns its text.
    pub async fn add_token(&self, owner: OwnedTokenFor, now: Instant) -> Result<String, StoreError> {
        match &self.0 {
            Backend::Sqlite(db) => db.write(move |conn| sqlite::users::add_token(conn, owner.as_ref(), now)).await,
            Backend::Postgres(pg) => pg.add_token(&owner, now).await,
        }
    }

    /// A user's committed state and its version.
    pub(crate) async fn load_state(&self, engine: Arc<Engine>, user: User) -> Result<Versioned, StoreError> {
        match &self.0 {
            Backend::Sqlite(db) => db.read(move |conn| sqlite::state::load(conn, &engine, &user)).await,
            Backend::Postgres(pg) => pg.load_state(&engine, &user).await,
        }
    }

    /// Applies `events` in order and stores every effect in one transaction
    /// (see [`super::plan`]); `after_commit` runs right after the commit,
    /// whether or not the caller is still waiting. Hands the events back
    /// with what happened to each.
    pub(crate) async fn apply_events(
        &self,
        engine: Arc<Engine>,
        events: Vec<NewEvent>,
        intake: Intake,
        after_commit: impl FnOnce(&Applied) + Send + 'static,
    ) -> Result<(Vec<NewEvent>, Applied), StoreError> {
        let after_commit = move |applied: &Applied| {
            crate::telemetry::count_unlocks(&applied.notifications);
            after_commit(applied);
        };
        match &self.0 {
            Backend::Sqlite(db) => {
                db.write_then(
                    move |conn| {
                        let applied = sqlite::intake::apply_events(conn, &engine, &events, &intake)?;
                        Ok((events, applied))
                    },
                    move |(_, applied): &(Vec<NewEvent>, Applied)| after_commit(applied),
                )
                .await
            }
            // On a task of its own, as SQLite's writer thread: a request
            // whose client went away is still committed, and published.
            Backend::Postgres(pg) => {
                let pg = pg.clone();
                tokio::spawn(async move {
                    let applied = pg.apply_events(engine, events.clone(), intake).await?;
                    after_commit(&applied);
                    Ok((events, applied))
                })
                .await
                .map_err(|e| StoreError::Panicked(e.to_string()))?
            }
        }
    }

    /// Re-evaluates a user at `now` (a retroactive award) and stores what
    /// unlocked; `after_commit` as for [`Store::apply_events`].
    pub(crate) async fn evaluate_user(
        &self,
        engine: Arc<Engine>,
        user: User,
        now: Instant,
        after_commit: impl FnOnce(&Evaluated) + Send + 'static,
    ) -> Result<Evaluated, StoreError> {
        let after_commit = move |evaluated: &Evaluated| {
            crate::telemetry::count_unlocks(&evaluated.notifications);
            after_commit(evaluated);
        };
        match &self.0 {
            Backend::Sqlite(db) => {
                db.write_then(move |conn| sqlite::intake::evaluate_user(conn, &engine, &user, now), after_commit).await
            }
            Backend::Postgres(pg) => {
                let pg = pg.clone();
                tokio::spawn(async move {
                    let evaluated = pg.evaluate_user(&engine, &user, now).await?;
                    after_commit(&evaluated);
                    Ok(evaluated)
                })
                .await
                .map_err(|e| StoreError::Panicked(e.to_string()))?
            }
        }
    }

    /// A page of a user's notifications (unread first, then newest first):
    /// `limit` after the first `offset`, with the counts of the whole list,
    /// read in one snapshot.
    pub(crate) async fn notification_page(
        &self,
        user_id: i64,
        offset: u64,
        limit: u64,
    ) -> Result<NotificationPage, StoreError> {
        match &self.0 {
            Backend::Sqlite(db) => db.read(move |conn| sqlite::notifications::page(conn, user_id, offset, limit)).await,
            Backend::Postgres(pg) => pg.notification_page(user_id, offset, limit).await,
        }
    }

    /// A user's notifications with an id above `after`, oldest first.
    pub(crate) async fn notifications_after(&self, user_id: i64, after: i64) -> Result<Vec<Notification>, StoreError> {
        match &self.0 {
            Backend::Sqlite(db) => db.read(move |conn| sqlite::notifications::after(conn, user_id, after)).await,
            Backend::Postgres(pg) => pg.notifications_after(user_id, after).await,
        }
    }

    /// Where a stream starts: with `last` (a `Last-Event-ID`), what came
    /// after it; without, nothing, from the user's newest notification on.
    /// Returns the replay and the highest id it covers.
    pub(crate) async fn stream_start(
        &self,
        user_id: i64,
        last: Option<i64>,
    ) -> Result<(Vec<Notification>, i64), StoreError> {
        match &self.0 {
            Backend::Sqlite(db) => {
                db.read(move |conn| match last {
                    Some(after) => {
                        let replay = sqlite::notifications::after(conn, user_id, after)?;
                        let sent = replay.last().map_or(after, |n| n.id);
                        Ok((replay, sent))
                    }
                    None => Ok((Vec::new(), sqlite::notifications::last_id(conn, user_id)?)),
                })
                .await
            }
            Backend::Postgres(pg) => pg.stream_start(user_id, last).await,
        }
    }

    /// Marks a user's unread notifications read; returns how many changed.
    pub(crate) async fn mark_read(&self, user_id: i64, which: Mark) -> Result<usize, StoreError> {
        match &self.0 {
            Backend::Sqlite(db) => db.write(move |conn| sqlite::notifications::mark_read(conn, user_id, &which)).await,
            Backend::Postgres(pg) => pg.mark_read(user_id, &which).await,
        }
    }

    /// Upserts the catalog file's definitions and retires stored ones it
    /// lacks; returns the catalog to run (the file's plus the retired).
    pub(crate) async fn sync_catalog(&self, file: ValidCatalog, now: Instant) -> Result<Synced, StoreError> {
        match &self.0 {
            Backend::Sqlite(db) => db.write(move |conn| sqlite::catalog::sync(conn, &file, now)).await,
            Backend::Postgres(pg) => pg.sync_catalog(&file, now).await,
        }
    }

    /// The success metrics, with unlocks per day from `from` to `until`.
    pub(crate) async fn stats(&self, from: Date, until: Date) -> Result<Stats, StoreError> {
        let counts = match &self.0 {
            Backend::Sqlite(db) => db.read(move |conn| sqlite::stats::counts(conn, from, until)).await?,
            Backend::Postgres(pg) => pg.stats_counts(from, until).await?,
        };
        stats::assemble(counts, from, until)
    }
}

impl Store {
    /// Whether the store can serve (`GET /readyz`): the database answers
    /// and the writer runs (see [`super::health`]).
    pub(crate) async fn ready(&self) -> Readiness {
        match &self.0 {
            Backend::Sqlite(db) => db.ready().await,
            Backend::Postgres(pg) => pg.ready().await,
        }
    }

    /// The writer's queue and the pool, for `GET /metrics`.
    pub(crate) fn load(&self) -> Load {
        match &self.0 {
            Backend::Sqlite(db) => Load { writer_queue: db.queue_depth(), pool: None },
            Backend::Postgres(pg) => pg.load(),
        }
    }

    /// Deletes up to `limit` read notifications created before `before`,
    /// oldest first; returns how many (fewer than `limit`: none are left).
    /// Unread notifications are never deleted.
    ///
    /// # Errors
    /// A database error.
    pub(crate) async fn prune_read_notifications(&self, before: Instant, limit: usize) -> Result<usize, StoreError> {
        // `created_at` is RFC 3339 text; its first 19 characters
        // (`YYYY-MM-DDTHH:MM:SS`) are fixed-width. A row made in the
        // cutoff's own second, with or without a fraction, sorts after this
        // prefix: nothing newer than `before` is deleted.
        let cutoff: String = super::ts(before).chars().take(19).collect();
        match &self.0 {
            Backend::Sqlite(db) => db.write(move |conn| sqlite::notifications::prune_read(conn, &cutoff, limit)).await,
            Backend::Postgres(pg) => pg.prune_read_notifications(&cutoff, limit).await,
        }
    }
}

/// Who posted a request's events, and when it arrived.
#[derive(Clone, Debug)]
pub(crate) struct Intake {
    /// The service's name (the event log's `source`).
    pub source: String,
    /// The server's clock.
    pub received_at: Instant,
    /// The unlocks' notifications are backfill (an import, not live events).
    pub backfill: bool,
    /// `serve --create-users`: an event naming an unknown user creates them.
    pub create_users: bool,
}

/// [`TokenFor`] that owns its parts, to cross into a transaction.
#[derive(Clone, Debug)]
pub enum OwnedTokenFor {
    User(User),
    Service(String),
}

impl OwnedTokenFor {
    pub(crate) fn as_ref(&self) -> TokenFor<'_> {
        match self {
            OwnedTokenFor::User(user) => TokenFor::User(user),
            OwnedTokenFor::Service(name) => TokenFor::Service(name),
        }
    }
}

/// Runs blocking work (opening an SQLite file) off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(f).await.map_err(|e| StoreError::Panicked(e.to_string()))?
}

/// The admin API's users (see [`super::people`]); every write to a user
/// is serialized with the others to that user (SQLite's writer thread;
/// PostgreSQL's row lock on the user).
impl Store {
    /// Users by name, those starting with `prefix` if given: how many in
    /// all, and `limit` of them from `offset`.
    pub(crate) async fn list_users(
        &self,
        prefix: Option<String>,
        offset: u64,
        limit: u64,
    ) -> Result<(u64, Vec<UserRecord>), StoreError> {
        match &self.0 {
            Backend::Sqlite(db) => {
                db.read(move |conn| sqlite::people::list(conn, prefix.as_deref(), offset, limit)).await
            }
            Backend::Postgres(pg) => pg.list_users(prefix.as_deref(), offset, limit).await,
        }
    }

    /// The whole record of the user with this name.
    pub(crate) async fn user_record(&self, name: String) -> Result<Option<UserRecord>, StoreError> {
        match &self.0 {
            Backend::Sqlite(db) => db.read(move |conn| sqlite::people::find(conn, &name)).await,
            Backend::Postgres(pg) => pg.user_record(&name).await,
        }
    }

    /// Creates a user (every name rule of [`Store::create_user`]) with
    /// their profile flag.
    pub(crate) async fn create_user_record(
        &self,
        name: String,
        timezone: String,
        is_admin: bool,
        public_profile: bool,
        now: Instant,
    ) -> Result<UserRecord, StoreError> {
        match &self.0 {
            Backend::Sqlite(db) => {
                db.write(move |conn| sqlite::people::create(conn, &name, &timezone, is_admin, public_profile, now))
                    .await
            }
            Backend::Postgres(pg) => pg.create_user_record(&name, &timezone, is_admin, public_profile, now).await,
        }
    }

    /// Changes a user's record (a new zone through the core).
    pub(crate) async fn patch_user(
        &self,
        engine: Arc<Engine>,
        name: String,
        patch: UserPatch,
        now: Instant,
    ) -> Result<Patched, StoreError> {
        match &self.0 {
            Backend::Sqlite(db) => db.write(move |conn| sqlite::people::patch(conn, &engine, &name, &patch, now)).await,
            Backend::Postgres(pg) => pg.patch_user(&engine, &name, &patch, now).await,
        }
    }

    /// Grants a badge by hand; `after_commit` as for [`Store::apply_events`].
    pub(crate) async fn grant(
        &self,
        engine: Arc<Engine>,
        name: String,
        key: String,
        by: ByHand,
        now: Instant,
        after_commit: impl FnOnce(&Granted) + Send + 'static,
    ) -> Result<Granted, StoreError> {
        let after_commit = move |granted: &Granted| {
            crate::telemetry::count_unlocks(&granted.notifications);
            after_commit(granted);
        };
        match &self.0 {
            Backend::Sqlite(db) => {
                db.write_then(move |conn| sqlite::people::grant(conn, &engine, &name, &key, &by, now), after_commit)
                    .await
            }
            Backend::Postgres(pg) => {
                let granted = pg.grant(&engine, &name, &key, &by, now).await?;
                after_commit(&granted);
                Ok(granted)
            }
        }
    }

    /// Revokes a badge by hand.
    pub(crate) async fn revoke(
        &self,
        engine: Arc<Engine>,
        name: String,
        key: String,
        by: ByHand,
        now: Instant,
    ) -> Result<Revoked, StoreError> {
        match &self.0 {
            Backend::Sqlite(db) => {
                db.write(move |conn| sqlite::people::revoke(conn, &engine, &name, &key, &by, now)).await
            }
            Backend::Postgres(pg) => pg.revoke(&engine, &name, &key, &by, now).await,
        }
    }

    /// Erases a user, every row of theirs, in one transaction (see
    /// [`sqlite::people::erase`]); `actor` is recorded.
    pub(crate) async fn erase_user(&self, name: String, actor: String, now: Instant) -> Result<Erased, StoreError> {
        match &self.0 {
            Backend::Sqlite(db) => db.write(move |conn| sqlite::people::erase(conn, &name, &actor, now)).await,
            Backend::Postgres(pg) => pg.erase_user(&name, &actor, now).await,
        }
    }
}

/// Webhook endpoints and their outbox (see [`super::outbox`]).
impl Store {
    /// Registers a webhook endpoint.
    pub(crate) async fn add_webhook(
        &self,
        url: String,
        secret: String,
        events: Vec<String>,
        now: Instant,
    ) -> Result<Webhook, StoreError> {
        match &self.0 {
            Backend::Sqlite(db) => db.write(move |conn| sqlite::webhooks::add(conn, &url, &secret, &events, now)).await,
            Backend::Postgres(pg) => pg.add_webhook(&url, &secret, &events, now).await,
        }
    }

    /// How many endpoints there are, and `limit` of them from `offset` (by id).
    pub(crate) async fn webhooks(&self, offset: i64, limit: i64) -> Result<(i64, Vec<Webhook>), StoreError> {
        match &self.0 {
            Backend::Sqlite(db) => db.read(move |conn| sqlite::webhooks::list(conn, offset, limit)).await,
            Backend::Postgres(pg) => pg.webhooks(offset, limit).await,
        }
    }

    /// Removes an endpoint and its deliveries; `false` if there is none.
    pub(crate) async fn remove_webhook(&self, id: i64) -> Result<bool, StoreError> {
        match &self.0 {
            Backend::Sqlite(db) => db.write(move |conn| sqlite::webhooks::remove(conn, id)).await,
            Backend::Postgres(pg) => pg.remove_webhook(id).await,
        }
    }

    /// Claims up to `limit` deliveries due at `now_ms` (Unix ms), leasing
    /// each for `lease_ms`.
    pub(crate) async fn claim_deliveries(
        &self,
        now_ms: i64,
        lease_ms: i64,
        limit: i64,
    ) -> Result<Vec<Claimed>, StoreError> {
        match &self.0 {
            Backend::Sqlite(db) => {
                // A read first: the sender wakes after every commit that
                // notified, and a claim is a turn of the one writer.
                if !db.read(move |conn| sqlite::webhooks::any_due(conn, now_ms)).await? {
                    return Ok(Vec::new());
                }
                db.write(move |conn| sqlite::webhooks::claim(conn, now_ms, lease_ms, limit)).await
            }
            Backend::Postgres(pg) => pg.claim_deliveries(now_ms, lease_ms, limit).await,
        }
    }

    /// Records how an attempt at a claimed delivery ended.
    pub(crate) async fn finish_delivery(&self, seq: i64, how: Finish) -> Result<(), StoreError> {
        match &self.0 {
            Backend::Sqlite(db) => db.write(move |conn| sqlite::webhooks::finish(conn, seq, &how)).await,
            Backend::Postgres(pg) => pg.finish_delivery(seq, &how).await,
        }
    }

    /// Deliveries still to be sent.
    pub(crate) async fn webhook_outbox_pending(&self) -> Result<i64, StoreError> {
        match &self.0 {
            Backend::Sqlite(db) => db.read(sqlite::webhooks::pending).await,
            Backend::Postgres(pg) => pg.webhook_outbox_pending().await,
        }
    }
}

/// Tokens' lifecycle (see [`sqlite::tokens`]): every request checks its
/// token's row here, nothing caches it.
impl Store {
    /// The row of the token with this SHA-256 (owner, expiry, revocation,
    /// last use): one lookup by the unique hash.
    pub(crate) async fn token_record(&self, hash: [u8; 32]) -> Result<Option<TokenRecord>, StoreError> {
        match &self.0 {
            Backend::Sqlite(db) => db.look_up(move |conn| sqlite::tokens::record_of_hash(conn, &hash)).await,
            Backend::Postgres(pg) => pg.token_record(hash).await,
        }
    }

    /// Issues a token for an existing user or a service, with `terms`;
    /// returns its id and text.
    ///
    /// # Errors
    /// [`StoreError::UnknownUser`], or a database error.
    pub(crate) async fn issue_token(
        &self,
        owner: TokenSubject,
        terms: TokenTerms,
        now: Instant,
    ) -> Result<(i64, String), StoreError> {
        match &self.0 {
            Backend::Sqlite(db) => {
                db.write(move |conn| match &owner {
                    TokenSubject::User(name) => {
                        let user =
                            sqlite::users::user_by_name(conn, name)?.ok_or(StoreError::UnknownUser(name.clone()))?;
                        sqlite::tokens::issue(conn, TokenFor::User(&user), terms, now)
                    }
                    TokenSubject::Service(name) => sqlite::tokens::issue(conn, TokenFor::Service(name), terms, now),
                })
                .await
            }
            Backend::Postgres(pg) => pg.issue_token(&owner, terms, now).await,
        }
    }

    /// Every token (of the named user, or everyone's), by id; never their
    /// text or hash.
    ///
    /// # Errors
    /// [`StoreError::UnknownUser`], or a database error.
    pub(crate) async fn list_tokens(&self, user: Option<String>) -> Result<Vec<TokenListing>, StoreError> {
        match &self.0 {
            Backend::Sqlite(db) => {
                db.read(move |conn| {
                    let user_id = match &user {
                        Some(name) => Some(
                            sqlite::users::user_by_name(conn, name)?.ok_or(StoreError::UnknownUser(name.clone()))?.id,
                        ),
                        None => None,
                    };
                    sqlite::tokens::list(conn, user_id)
                })
                .await
            }
            Backend::Postgres(pg) => pg.list_tokens(user.as_deref()).await,
        }
    }

    /// Revokes the token `id` at `now`; `false` when no token has this id.
    /// Revoking twice keeps the first time.
    pub(crate) async fn revoke_token(&self, id: i64, now: Instant) -> Result<bool, StoreError> {
        match &self.0 {
            Backend::Sqlite(db) => db.write(move |conn| sqlite::tokens::revoke(conn, id, now)).await,
            Backend::Postgres(pg) => pg.revoke_token(id, now).await,
        }
    }

    /// Notes the token `id`'s last use (see `crate::token_use` for how often).
    pub(crate) async fn touch_token(&self, id: i64, now: Instant) -> Result<(), StoreError> {
        match &self.0 {
            Backend::Sqlite(db) => db.write(move |conn| sqlite::tokens::touch(conn, id, now)).await,
            Backend::Postgres(pg) => pg.touch_token(id, now).await,
        }
    }
}
