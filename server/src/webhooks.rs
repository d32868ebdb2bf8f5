//! Webhooks: the platform learns about unlocks without polling. Unlocks
//! are written to an outbox in their own transaction and delivered after
//! commit, signed, retried, at least once.
