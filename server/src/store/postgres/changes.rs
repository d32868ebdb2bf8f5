//! What one instance tells the others, through PostgreSQL's LISTEN/NOTIFY:
//! "user U's state is now at version V, and their notifications up to N",
//! "user U was erased", or "someone's access changed". A write sends its changes inside its transaction,
//! so they are delivered when (and only if) it commits, to every instance
//! listening, the writer included.
//!
//! What an instance does with them is [`crate::app`]'s business: drop
//! older cached states and wake the user's open streams, which then read
//! what they missed from the database. A change is a hint to look, never
//! the data itself, so a lost one costs freshness, not correctness: the
//! caches' short time-to-live bounds it (see [`crate::cache`]), and a
//! listener that lost its connection reports [`Change::Lost`].

use crate::store::StoreError;
use crate::store::model::{Notification, SavedState};
use deadpool_postgres::GenericClient;
use futures_util::StreamExt;
use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{broadcast, mpsc};
use tokio_postgres::{AsyncMessage, Client, Connection};

/// The channel every instance listens on.
pub(crate) const CHANNEL: &str = "achievements_changes";

/// A change another instance (or this one) committed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Change {
    /// A user's state row reached `version`; `notification` is their
    /// newest notification id among those the write queued (0 for none).
    User { user_id: i64, version: i64, notification: i64 },
    /// A user was erased: forget them (state, tokens) and end their streams.
    Erased { user_id: i64 },
    /// A token was revoked or a user's admin flag changed: open streams
    /// check their credentials again.
    Access,
    /// The listener lost its connection (and got it back): changes may
    /// have been missed, so everything cached is suspect.
    Lost,
}

impl Change {
    /// The changes of a write: one per user it touched.
    pub(crate) fn of_write(states: &[SavedState], notifications: &[Notification]) -> Vec<Change> {
        let mut users: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
        for saved in states {
            users.entry(saved.user_id).or_default().0 = saved.version;
        }
        for n in notifications {
            let entry = users.entry(n.user_id).or_default();
            entry.1 = entry.1.max(n.id);
        }
        users
            .into_iter()
            .map(|(user_id, (version, notification))| Change::User { user_id, version, notification })
            .collect()
    }

    /// The NOTIFY payload (short text: PostgreSQL caps it at 8,000 bytes).
    pub(crate) fn payload(&self) -> String {
        match self {
            Change::User { user_id, version, notification } => format!("u {user_id} {version} {notification}"),
            Change::Erased { user_id } => format!("e {user_id}"),
            Change::Access => "a".to_owned(),
            Change::Lost => "l".to_owned(),
        }
    }

    /// Reads a payload; `None` for one this build does not know (a newer
    /// instance's), which is ignored.
    pub(crate) fn parse(payload: &str) -> Option<Change> {
        let mut parts = payload.split(' ');
        match parts.next()? {
            "u" => {
                let mut number = || parts.next()?.parse::<i64>().ok();
                let (user_id, version, notification) = (number()?, number()?, number()?);
                Some(Change::User { user_id, version, notification })
            }
            "e" => Some(Change::Erased { user_id: parts.next()?.parse().ok()? }),
            "a" => Some(Change::Access),
            _ => None,
        }
    }
}

/// Sends `changes` to every listening instance: when the transaction
/// commits, given a transaction; at once, given a connection outside one.
///
/// # Errors
/// PostgreSQL errors.
pub(crate) async fn tell(client: &impl GenericClient, changes: &[Change]) -> Result<(), StoreError> {
    if changes.is_empty() {
        return Ok(());
    }
    let payloads: Vec<String> = changes.iter().map(Change::payload).collect();
    let stmt = client.prepare_cached("SELECT pg_notify($1::text, p) FROM unnest($2::text[]) AS p").await?;
    client.execute(&stmt, &[&CHANNEL, &payloads]).await?;
    Ok(())
}

/// How long the listener waits before connecting again.
const RECONNECT_AFTER: Duration = Duration::from_millis(500);

/// Listens for changes on a connection of its own and sends them to
/// `changes`, for as long as the process runs: when the connection breaks
/// it connects again, and sends [`Change::Lost`] once listening again
/// (what was committed meanwhile was not heard).
pub(crate) async fn listen<F, Fut, S, T>(connect: F, changes: broadcast::Sender<Change>)
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<(Client, Connection<S, T>), tokio_postgres::Error>>,
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let mut first = true;
    loop {
        match connect().await {
            Ok((client, mut connection)) => {
                let (heard, mut payloads) = mpsc::unbounded_channel();
                // The connection delivers notifications only while polled.
                let driver = tokio::spawn(async move {
                    let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
                    while let Some(Ok(message)) = messages.next().await {
                        if let AsyncMessage::Notification(n) = message
                            && heard.send(n.payload().to_owned()).is_err()
                        {
                            return;
                        }
                    }
                });
                match client.batch_execute(&format!("LISTEN {CHANNEL}")).await {
                    Ok(()) => {
                        if !first {
                            let _ = changes.send(Change::Lost);
                        }
                        first = false;
                        while let Some(payload) = payloads.recv().await {
                            if let Some(change) = Change::parse(&payload) {
                                let _ = changes.send(change);
                            }
                        }
                        tracing::warn!("the PostgreSQL change listener lost its connection; reconnecting");
                    }
                    Err(e) => tracing::warn!(error = %e, "cannot listen for other instances' changes"),
                }
                driver.abort();
            }
            Err(e) => tracing::warn!(error = %e, "cannot connect to listen for other instances' changes"),
        }
        let _ = changes.send(Change::Lost);
        tokio::time::sleep(RECONNECT_AFTER).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_round_trip_and_unknown_ones_are_ignored() {
        for change in
            [Change::User { user_id: 7, version: 12, notification: 40 }, Change::Erased { user_id: 3 }, Change::Access]
        {
            assert_eq!(Change::parse(&change.payload()), Some(change));
        }
        // `t` (tokens changed) came from builds that cached tokens.
        for unknown in ["", "x 1 2 3", "u 1 2", "u a b c", "l", "t"] {
            assert_eq!(Change::parse(unknown), None, "{unknown}");
        }
    }
}
