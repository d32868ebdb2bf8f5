//! The operations of [`crate::store::Store`] on PostgreSQL: each one
//! transaction on a pooled connection, retried when PostgreSQL says a
//! retry may pass (see [`is_transient`]), and each write that changes a
//! user tells the other instances ([`super::changes`]) before it commits.

use super::changes::{self, Change};
use super::committer::Job;
use super::{Pg, catalog, intake, notifications, stats, users};
use crate::stats::Counts;
use crate::store::StoreError;
use crate::store::handle::{Intake, OwnedTokenFor};
use crate::store::model::{Applied, Evaluated, Mark, NewEvent, Notification, Synced, TokenOwner, User, Versioned};
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

/// Whether a failed transaction may pass if tried again: a serialization
/// failure, a deadlock, or a unique event id that a concurrent request
/// (for another user) wrote first, which the retry sees as a duplicate.
pub(super) fn is_transient(error: &StoreError) -> bool {
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
    pub(crate) async fn token_owner(&self, hash: [u8; 32]) -> Result<Option<TokenOwner>, StoreError> {
        users::owner_of_hash(&self.client().await?, &hash).await
    }

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

    pub(crate) async fn add_token(&self, owner: &OwnedTokenFor, now: Instant) -> Result<String, StoreError> {
        in_transaction!(self, |tx| users::add_token(&tx, owner.as_ref(), now).await)
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
        self.committer().send(Job { engine, events, intake, reply }).map_err(|_| StoreError::WriterGone)?;
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

    pub(crate) async fn notifications(&self, user_id: i64) -> Result<Vec<Notification>, StoreError> {
        notifications::list(&self.client().await?, user_id).await
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

    pub(crate) async fn sync_catalog(&self, file: &ValidCatalog, now: Instant) -> Result<Synced, StoreError> {
        in_transaction!(self, |tx| catalog::sync(&tx, file, now).await)
    }

    pub(crate) async fn stats_counts(&self, from: Date, until: Date) -> Result<Counts, StoreError> {
        let mut client = self.client().await?;
        let tx = client
            .build_transaction()
            .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await?;
        let counts = stats::counts(&tx, from, until).await?;
        tx.commit().await?;
        Ok(counts)
    }
}
