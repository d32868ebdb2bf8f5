//! The operations of [`crate::store::Store`] on PostgreSQL: each one
//! transaction on a pooled connection, retried when PostgreSQL says a
//! retry may pass (see [`is_transient`]), and each write that changes a
//! user tells the other instances ([`super::changes`]) before it commits.

use super::changes::{self, Change};
use super::committer::Job;
use super::{Pg, catalog, inspect, intake, notifications, people, recalculate, stats, users};
use crate::stats::Counts;
use crate::store::StoreError;
use crate::store::handle::{Intake, OwnedTokenFor};
use crate::store::model::{
    Applied, Evaluated, Inspected, Mark, NewEvent, Notification, NotificationPage, Recalculated, Synced, TokenFor,
    User, Versioned,
};
use crate::store::people::{ByHand, Erased, Granted, Patched, Revoked, UserPatch, UserRecord};
use crate::store::replay::Progress;
use achievements_core::{Date, Engine, Instant, ValidCatalog};
use std::sync::Arc;
use tokio::sync::oneshot;
use tokio_postgres::error::SqlState;

/// How many times a transaction is tried before its error is returned.
pub(super) const ATTEMPTS: usize = 5;

/// Runs `$body` (an expression using the transaction `$tx`) in a fresh
/// transaction until it commits, retrying transient failures.
macro_rules! in_transaction {
    ($pg:expr, |$tx:ident| $body:expr) => {{
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut client = $pg.client().await?;
            let $tx = client.transaction().await?;
            let result = async { $body }.await;
            let result = match result {
                Ok(value) => $tx.commit().await.map(|()| value).map_err(StoreError::from),
                Err(e) => Err(e),
            };
            match result {
                Err(e) if attempt < ATTEMPTS && is_transient(&e) => {
                    tracing::debug!(error = %e, attempt, "retrying a transaction");
                    continue;
                }
                other => break other,
            }
        }
    }};
}

/// Runs `$body` (an expression using the transaction `$tx`) in one
/// read-only, repeatable-read transaction: one consistent view of the data.
macro_rules! in_snapshot {
    ($pg:expr, |$tx:ident| $body:expr) => {{
        let mut client = $pg.client().await?;
        let $tx = client
            .build_transaction()
            .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await?;
        let value = async { $body }.await?;
        $tx.commit().await?;
        Ok(value)
    }};
}

/// Whether a failed transaction may pass if tried again: a serialization
/// failure, a deadlock, or a unique event id that a concurrent request
/// (for another user) wrote first, which the retry sees as a duplicate;
/// or a user created by an event that another instance created first.
pub(super) fn is_transient(error: &StoreError) -> bool {
    if matches!(error, StoreError::Raced(_)) {
        return true;
    }
    let StoreError::Postgres(e) = error else { return false };
    matches!(
        e.code(),
        Some(code) if *code == SqlState::T_R_SERIALIZATION_FAILURE
            || *code == SqlState::T_R_DEADLOCK_DETECTED
            || (*code == SqlState::UNIQUE_VIOLATION
                && e.as_db_error().and_then(|d| d.table()) == Some("events"))
    )
}

impl Pg {
    pub(crate) async fn user_by_name(&self, name: &str) -> Result<Option<User>, StoreError> {
        users::user_by_name(&self.client().await?, name).await
    }

    pub(crate) async fn public_user(&self, name: &str) -> Result<Option<User>, StoreError> {
        users::public_user(&self.client().await?, name).await
    }

    pub(crate) async fn create_user(
        &self,
        name: &str,
        timezone: &str,
        is_admin: bool,
        now: Instant,
    ) -> Result<User, StoreError> {
        in_transaction!(self, |tx| users::create_user(&tx, name, timezone, is_admin, now).await)
    }

    /// Nothing caches tokens (see `crate::sign_in`): no other instance
    /// needs telling.
    pub(crate) async fn add_token(&self, owner: &OwnedTokenFor, now: Instant) -> Result<String, StoreError> {
        in_transaction!(self, |tx| users::add_token(&tx, owner.as_ref(), now).await)
    }

    pub(crate) async fn create_user_with_token(
        &self,
        name: &str,
        timezone: &str,
        is_admin: bool,
        now: Instant,
    ) -> Result<(User, String), StoreError> {
        in_transaction!(self, |tx| {
            let user = users::create_user(&tx, name, timezone, is_admin, now).await?;
            let token = users::add_token(&tx, TokenFor::User(&user), now).await?;
            Ok((user, token))
        })
    }

    pub(crate) async fn set_public_profile(&self, name: &str, public: bool) -> Result<bool, StoreError> {
        in_transaction!(self, |tx| users::set_public_profile(&tx, name, public).await)
    }

    pub(crate) async fn all_users(&self) -> Result<Vec<User>, StoreError> {
        users::all_users(&self.client().await?).await
    }

    pub(crate) async fn stored_catalog(&self) -> Result<Option<ValidCatalog>, StoreError> {
        let mut client = self.client().await?;
        let tx = client
            .build_transaction()
            .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await?;
        let catalog = catalog::stored(&tx).await?;
        tx.commit().await?;
        Ok(catalog)
    }

    /// Each user's row is locked for the transaction, so an instance's
    /// request for them waits, then sees what this stored.
    pub(crate) async fn evaluate_users(
        &self,
        engine: &Engine,
        users: &[User],
        now: Instant,
    ) -> Result<Vec<(User, Evaluated)>, StoreError> {
        in_transaction!(self, |tx| {
            let evaluated = intake::evaluate_users(&tx, engine, users, now).await?;
            let (states, notifications): (Vec<_>, Vec<_>) = evaluated
                .iter()
                .filter(|(_, e)| !e.unlocked.is_empty())
                .map(|(_, e)| (e.saved.clone(), e.notifications.clone()))
                .unzip();
            let told = Change::of_write(&states, &notifications.concat());
            changes::tell(&tx, &told).await?;
            Ok(evaluated)
        })
    }

    pub(crate) async fn recalculate_user(
        &self,
        engine: &Engine,
        name: &str,
        now: Instant,
        progress: &Progress,
    ) -> Result<Recalculated, StoreError> {
        in_transaction!(self, |tx| {
            let done = recalculate::recalculate_user(&tx, engine, name, now, progress).await?;
            if !done.differences.is_empty() || !done.evaluated.unlocked.is_empty() {
                let told = Change::of_write(std::slice::from_ref(&done.evaluated.saved), &done.evaluated.notifications);
                changes::tell(&tx, &told).await?;
            }
            Ok(done)
        })
    }

    pub(crate) async fn inspect(&self, name: &str, audit_key: Option<&str>) -> Result<Inspected, StoreError> {
        in_snapshot!(self, |tx| inspect::inspect(&tx, name, audit_key).await)
    }

    pub(crate) async fn load_state(&self, engine: &Engine, user: &User) -> Result<Versioned, StoreError> {
        super::state::load(&self.client().await?, engine, user).await
    }

    /// Applies a request's events through the group commit
    /// ([`super::committer`]).
    pub(crate) async fn apply_events(
        &self,
        engine: Arc<Engine>,
        events: Vec<NewEvent>,
        intake: Intake,
    ) -> Result<Applied, StoreError> {
        let (reply, answer) = oneshot::channel();
        let committer = self.committer();
        // Counted before it is sent, so the group commit never takes it first.
        self.queued.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if committer.send(Job { engine, events, intake, reply }).is_err() {
            self.queued.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
            return Err(StoreError::WriterGone);
        }
        answer.await.map_err(|_| StoreError::WriterGone)?
    }

    pub(crate) async fn evaluate_user(
        &self,
        engine: &Engine,
        user: &User,
        now: Instant,
    ) -> Result<Evaluated, StoreError> {
        in_transaction!(self, |tx| {
            let evaluated = intake::evaluate_user(&tx, engine, user, now).await?;
            if !evaluated.unlocked.is_empty() {
                let told = Change::of_write(std::slice::from_ref(&evaluated.saved), &evaluated.notifications);
                changes::tell(&tx, &told).await?;
            }
            Ok(evaluated)
        })
    }

    pub(crate) async fn notification_page(
        &self,
        user_id: i64,
        offset: u64,
        limit: u64,
    ) -> Result<NotificationPage, StoreError> {
        in_snapshot!(self, |tx| notifications::page(&tx, user_id, offset, limit).await)
    }

    pub(crate) async fn notifications_after(&self, user_id: i64, after: i64) -> Result<Vec<Notification>, StoreError> {
        notifications::after(&self.client().await?, user_id, after).await
    }

    pub(crate) async fn stream_start(
        &self,
        user_id: i64,
        last: Option<i64>,
    ) -> Result<(Vec<Notification>, i64), StoreError> {
        let client = self.client().await?;
        match last {
            Some(after) => {
                let replay = notifications::after(&client, user_id, after).await?;
                let sent = replay.last().map_or(after, |n| n.id);
                Ok((replay, sent))
            }
            None => Ok((Vec::new(), notifications::last_id(&client, user_id).await?)),
        }
    }

    pub(crate) async fn mark_read(&self, user_id: i64, which: &Mark) -> Result<usize, StoreError> {
        in_transaction!(self, |tx| notifications::mark_read(&tx, user_id, which).await)
    }

    pub(crate) async fn prune_read_notifications(&self, cutoff: &str, limit: usize) -> Result<usize, StoreError> {
        in_transaction!(self, |tx| notifications::prune_read(&tx, cutoff, limit).await)
    }

    pub(crate) async fn sync_catalog(&self, file: &ValidCatalog, now: Instant) -> Result<Synced, StoreError> {
        in_transaction!(self, |tx| catalog::sync(&tx, file, now).await)
    }

    pub(crate) async fn stats_counts(&self, from: Date, until: Date) -> Result<Counts, StoreError> {
        in_snapshot!(self, |tx| stats::counts(&tx, from, until).await)
    }
}

/// The admin API's users (see [`super::people`]).
impl Pg {
    pub(crate) async fn list_users(
        &self,
        prefix: Option<&str>,
        offset: u64,
        limit: u64,
    ) -> Result<(u64, Vec<UserRecord>), StoreError> {
        in_snapshot!(self, |tx| people::list(&tx, prefix, offset, limit).await)
    }

    pub(crate) async fn user_record(&self, name: &str) -> Result<Option<UserRecord>, StoreError> {
        people::find(&self.client().await?, name).await
    }

    pub(crate) async fn create_user_record(
        &self,
        name: &str,
        timezone: &str,
        is_admin: bool,
        public_profile: bool,
        now: Instant,
    ) -> Result<UserRecord, StoreError> {
        in_transaction!(self, |tx| people::create(&tx, name, timezone, is_admin, public_profile, now).await)
    }

    /// Every instance forgets the user's older state. Callers, admin flag
    /// included, are read on every request; a changed admin flag also makes
    /// open streams check their credentials again ([`Change::Access`]).
    pub(crate) async fn patch_user(
        &self,
        engine: &Engine,
        name: &str,
        patch: &UserPatch,
        now: Instant,
    ) -> Result<Patched, StoreError> {
        in_transaction!(self, |tx| {
            let patched = people::patch(&tx, engine, name, patch, now).await?;
            let mut told = Change::of_write(patched.saved.as_slice(), &[]);
            if patch.is_admin.is_some() {
                told.push(Change::Access);
            }
            changes::tell(&tx, &told).await?;
            Ok(patched)
        })
    }

    pub(crate) async fn grant(
        &self,
        engine: &Engine,
        name: &str,
        key: &str,
        by: &ByHand,
        now: Instant,
    ) -> Result<Granted, StoreError> {
        in_transaction!(self, |tx| {
            let granted = people::grant(&tx, engine, name, key, by, now).await?;
            changes::tell(&tx, &Change::of_write(std::slice::from_ref(&granted.saved), &granted.notifications)).await?;
            Ok(granted)
        })
    }

    pub(crate) async fn revoke(
        &self,
        engine: &Engine,
        name: &str,
        key: &str,
        by: &ByHand,
        now: Instant,
    ) -> Result<Revoked, StoreError> {
        in_transaction!(self, |tx| {
            let revoked = people::revoke(&tx, engine, name, key, by, now).await?;
            changes::tell(&tx, &Change::of_write(std::slice::from_ref(&revoked.saved), &[])).await?;
            Ok(revoked)
        })
    }

    /// Every instance forgets the erased user (cached state and tokens)
    /// and ends their streams, when it commits.
    pub(crate) async fn erase_user(&self, name: &str, actor: &str, now: Instant) -> Result<Erased, StoreError> {
        in_transaction!(self, |tx| {
            let erased = people::erase(&tx, name, actor, now).await?;
            let told = [Change::Erased { user_id: erased.user_id }];
            changes::tell(&tx, &told).await?;
            Ok(erased)
        })
    }
}
