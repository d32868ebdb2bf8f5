//! `achievements webhooks add|list|remove`: the admin API's webhook
//! endpoints on the command line. Output lines are a contract (documented
//! in `docs/server.md`).

use super::endpoint;
use crate::file_read::read_text_file;
use crate::store::{Store, StoreError};
use achievements_core::Instant;
use clap::{ArgGroup, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub(crate) enum WebhooksCommand {
    /// Register an endpoint; prints `added webhook ID: URL (events: unlock)`.
    #[command(group(ArgGroup::new("key").required(true).args(["secret", "secret_file"])))]
    Add {
        /// Where deliveries are POSTed (http:// or https://).
        #[arg(long, value_name = "URL")]
        url: String,
        /// The secret that signs deliveries (prefer --secret-file: a command
        /// line is visible to other users of the machine).
        #[arg(long, value_name = "SECRET")]
        secret: Option<String>,
        /// A file holding the secret (one trailing newline is dropped).
        #[arg(long, value_name = "FILE")]
        secret_file: Option<PathBuf>,
        /// The events to deliver.
        #[arg(long, value_name = "EVENT", default_value = "unlock", value_delimiter = ',')]
        events: Vec<String>,
        #[command(flatten)]
        db: crate::cli::DbArg,
    },
    /// List the endpoints: `ID URL events=EVENTS pending=N failed=N`, one a line.
    List {
        #[command(flatten)]
        db: crate::cli::ReadDbArg,
    },
    /// Remove an endpoint and its deliveries (pending and failed).
    Remove {
        /// The endpoint's id (as `webhooks list` shows it).
        id: i64,
        #[command(flatten)]
        db: crate::cli::DbArg,
    },
}

/// Why a `webhooks` command failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum WebhooksError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Invalid(String),
    #[error("cannot read the secret file: {0}")]
    SecretFile(String),
    #[error("no webhook with id {0} (see `achievements webhooks list`)")]
    Unknown(i64),
}

/// Runs a `webhooks` command.
///
/// # Errors
/// An invalid endpoint, an unknown id, or a database error.
pub(crate) async fn run(command: WebhooksCommand, now: Instant) -> Result<(), WebhooksError> {
    match command {
        WebhooksCommand::Add { url, secret, secret_file, events, db } => {
            let secret = match (secret, secret_file) {
                (Some(secret), _) => secret,
                (None, Some(file)) => {
                    let text = read_text_file(&file).map_err(|e| WebhooksError::SecretFile(e.to_string()))?;
                    let text = text.strip_suffix('\n').unwrap_or(&text);
                    text.strip_suffix('\r').unwrap_or(text).to_owned()
                }
                (None, None) => unreachable!("clap requires --secret or --secret-file"),
            };
            let endpoint = endpoint::check(&url, &secret, &events).map_err(WebhooksError::Invalid)?;
            let store = Store::open(&db.db).await?;
            let added = store.add_webhook(endpoint.url, endpoint.secret, endpoint.events, now).await;
            store.close().await;
            let added = added?;
            println!("added webhook {}: {} (events: {})", added.id, added.url, added.events.join(","));
        }
        WebhooksCommand::List { db } => {
            let store = Store::open_read_only(&db.db).await?;
            let listed = store.webhooks(0, i64::MAX).await;
            store.close().await;
            let (_, webhooks) = listed?;
            if webhooks.is_empty() {
                println!("no webhooks");
            }
            for w in webhooks {
                println!("{} {} events={} pending={} failed={}", w.id, w.url, w.events.join(","), w.pending, w.failed);
            }
        }
        WebhooksCommand::Remove { id, db } => {
            let store = Store::open_existing(&db.db).await?;
            let removed = store.remove_webhook(id).await;
            store.close().await;
            if !removed? {
                return Err(WebhooksError::Unknown(id));
            }
            println!("removed webhook {id}");
        }
    }
    Ok(())
}
