//! What the admin API's users part keeps and hands back, whichever backend
//! holds it: a user's whole record, a change to it, badges granted and
//! revoked by hand, and an erasure (see `docs/server.md`, "Erasure").

use super::StoreError;
use super::model::{Notification, SavedState};
use achievements_core::{EarnedRecord, Unlock};
use sha2::{Digest, Sha256};

/// A user's record, as the admin API shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct UserRecord {
    pub id: i64,
    pub name: String,
    pub timezone: String,
    pub is_admin: bool,
    pub public_profile: bool,
    /// RFC 3339, as stored.
    pub created_at: String,
}

/// A change to a user's record; `None` leaves a field as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct UserPatch {
    /// A canonical zone name (the caller checked it with the core).
    pub timezone: Option<String>,
    pub is_admin: Option<bool>,
    pub public_profile: Option<bool>,
}

/// Who acted by hand and why: the audit's `actor` (`user:NAME`,
/// `service:NAME`, `cli`) and `reason`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ByHand {
    pub actor: String,
    pub reason: String,
}

/// A user's record after a change, and their state if it changed (a new
/// time zone), for the caches.
#[derive(Debug)]
pub(crate) struct Patched {
    pub user: UserRecord,
    pub saved: Option<SavedState>,
}

/// What a grant did: the unlocks (the granted badge first, then what it
/// set off), the notifications queued, the state after it.
#[derive(Debug)]
pub(crate) struct Granted {
    pub unlocks: Vec<Unlock>,
    pub notifications: Vec<Notification>,
    pub saved: SavedState,
}

/// What a revocation did: the record removed and the state after it.
#[derive(Debug)]
pub(crate) struct Revoked {
    pub record: EarnedRecord,
    pub saved: SavedState,
}

/// An erased user's former id, for the caches (the database no longer
/// holds it anywhere).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Erased {
    pub user_id: i64,
}

/// The longest reason a grant or a revocation records, in characters.
pub(crate) const MAX_REASON_CHARS: usize = 1_000;

/// What an erased actor's name becomes in `actors`: the erasure's id.
pub(crate) fn erased_actor(erasure_id: i64) -> String {
    format!("erased:{erasure_id}")
}

/// The actor name a user acting by hand is recorded under ([`crate::auth::Actor`]'s form).
pub(crate) fn user_actor(name: &str) -> String {
    format!("user:{name}")
}

/// The erasure log's salted hash of a name: 16 random bytes of salt, and
/// SHA-256(salt ‖ name), both in hex. With the salt, whoever knows a name
/// can check whether that name was erased; without the name, the row says
/// nothing of it.
///
/// # Errors
/// The operating system's random source failed.
pub(crate) fn salted_name_hash(name: &str) -> Result<(String, String), StoreError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| StoreError::Corrupt(format!("no random salt: {e}")))?;
    Ok((hex(&name_hash(&salt, name)), hex(&salt)))
}

/// SHA-256(salt ‖ name).
pub(crate) fn name_hash(salt: &[u8], name: &str) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(salt);
    hasher.update(name.as_bytes());
    hasher.finalize().into()
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The upper bound of a prefix search: every name starting with `prefix`
/// sorts (bytewise, as both backends compare names) at or after `prefix`
/// and before `prefix` followed by U+10FFFF, which no valid name holds
/// ([`crate::names`]). A range, so `%` and `_` in a query are plain
/// characters and the name index serves it.
pub(crate) fn prefix_end(prefix: &str) -> String {
    format!("{prefix}\u{10FFFF}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_hash_is_salted_and_checkable() {
        let (hash, salt) = salted_name_hash("ann").expect("random");
        let (again, other_salt) = salted_name_hash("ann").expect("random");
        assert_ne!((hash.as_str(), salt.as_str()), (again.as_str(), other_salt.as_str()));
        let salt_bytes: Vec<u8> =
            (0..salt.len()).step_by(2).map(|i| u8::from_str_radix(&salt[i..i + 2], 16).expect("hex")).collect();
        assert_eq!(hex(&name_hash(&salt_bytes, "ann")), hash);
        assert!(!hash.contains("ann") && hash.len() == 64 && salt.len() == 32);
    }
}
