//! Group commit on PostgreSQL: one task per instance takes every event
//! request waiting (up to [`MAX_GROUP`]) and applies them in one
//! transaction, decided together and written in bulk
//! ([`intake::apply_requests`]), then answers each. One commit, one WAL
//! flush and one NOTIFY for the group, where one each per request would
//! queue behind the user's row lock (a platform's hot user), one flush at a
//! time.
//!
//! PostgreSQL serializes the commits of transactions that `NOTIFY` (a lock
//! held through the commit's WAL flush), which would stop several
//! instances from sharing flushes. So a group that only changed states
//! tells the others after its commit (a hint for their caches, which trust
//! an entry for a second anyway); a group that unlocked something tells
//! them inside its transaction, so that a stream on any instance hears of
//! an unlock if and only if it committed.
//!
//! Nobody is answered before the commit. If the group fails for a reason a
//! retry cannot fix, its requests are tried one by one, each in its own
//! transaction, so one bad request fails alone.

use super::changes::{self, Change};
use super::intake::{self, Request};
use super::{ATTEMPTS, Pg, is_transient};
use crate::store::StoreError;
use crate::store::handle::Intake;
use crate::store::model::{Applied, NewEvent};
use achievements_core::Engine;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::{mpsc, oneshot};

/// The most requests committed together (as SQLite's writer).
pub(crate) const MAX_GROUP: usize = 32;

/// A request waiting for the group commit.
pub(crate) struct Job {
    pub engine: Arc<Engine>,
    pub events: Vec<NewEvent>,
    pub intake: Intake,
    pub reply: oneshot::Sender<Result<Applied, StoreError>>,
}

/// Takes jobs until every sender is gone. `queued` counts the jobs sent
/// and not yet taken (the sender adds, this takes away).
pub(crate) async fn run(pg: Pg, mut queue: mpsc::UnboundedReceiver<Job>, queued: Arc<AtomicUsize>) {
    while let Some(first) = queue.recv().await {
        queued.fetch_sub(1, Ordering::Relaxed);
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            // Only the same engine's requests are decided together (there
            // is one per server; a command may bring another).
            match queue.try_recv() {
                Ok(job) if Arc::ptr_eq(&job.engine, &group[0].engine) => {
                    queued.fetch_sub(1, Ordering::Relaxed);
                    group.push(job);
                }
                Ok(job) => {
                    queued.fetch_sub(1, Ordering::Relaxed);
                    commit(&pg, std::mem::replace(&mut group, vec![job])).await;
                }
                Err(_) => break,
            }
        }
        commit(&pg, group).await;
    }
}

async fn commit(pg: &Pg, group: Vec<Job>) {
    crate::telemetry::commit_batch(group.len());
    match apply(pg, &group).await {
        Ok(applied) => {
            for (job, applied) in group.into_iter().zip(applied) {
                let _ = job.reply.send(Ok(applied));
            }
        }
        Err(e) if group.len() > 1 => {
            tracing::warn!(error = %e, requests = group.len(), "a group commit failed: trying its requests one by one");
            for job in group {
                let alone = apply(pg, std::slice::from_ref(&job)).await.map(|mut applied| applied.remove(0));
                let _ = job.reply.send(alone);
            }
        }
        Err(e) => {
            for job in group {
                let _ = job.reply.send(Err(StoreError::Commit(e.to_string(), e.unavailable())));
            }
        }
    }
}

/// Applies the jobs' requests in one transaction (retried while
/// PostgreSQL says a retry may pass) and tells the other instances.
async fn apply(pg: &Pg, jobs: &[Job]) -> Result<Vec<Applied>, StoreError> {
    let engine = &jobs[0].engine;
    let requests: Vec<Request<'_>> = jobs.iter().map(|j| Request { events: &j.events, intake: &j.intake }).collect();
    let mut attempt = 0;
    loop {
        attempt += 1;
        let result = async {
            let mut client = pg.client().await?;
            let tx = client.transaction().await?;
            let applied = intake::apply_requests(&tx, engine, &requests).await?;
            let states: Vec<_> = applied.iter().flat_map(|a| a.states.iter().cloned()).collect();
            let notifications: Vec<_> = applied.iter().flat_map(|a| a.notifications.iter().cloned()).collect();
            let told = Change::of_write(&states, &notifications);
            if notifications.is_empty() {
                tx.commit().await?;
                // Only states changed: a hint for the caches, which trust
                // an entry for a second anyway. Sent after the commit, it
                // keeps PostgreSQL's lock on NOTIFY out of the commit, so
                // commits from several instances share WAL flushes.
                if let Err(e) = changes::tell(&client, &told).await {
                    tracing::warn!(error = %e, "other instances were not told of a commit (their caches expire within 1 s)");
                }
            } else {
                // Unlocks wake streams on every instance: told inside the
                // transaction, so delivered if and only if it commits.
                changes::tell(&tx, &told).await?;
                tx.commit().await?;
            }
            Ok::<_, StoreError>(applied)
        }
        .await;
        match result {
            Err(e) if attempt < ATTEMPTS && is_transient(&e) => {
                tracing::debug!(error = %e, attempt, "retrying a group commit");
            }
            other => return other,
        }
    }
}
