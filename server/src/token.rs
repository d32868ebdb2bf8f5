//! Bearer tokens: generated from the operating system's random source and
//! stored only as their SHA-256.
//!
//! A token is 32 random bytes (256 bits), so a plain, unsalted hash is the
//! right tool: nothing can be guessed or precomputed, and lookup stays one
//! indexed equality. A slow password hash would only slow every request.

use sha2::{Digest, Sha256};

/// Every token starts with this, so a leaked one is easy to recognise.
const PREFIX: &str = "ach_";

/// The operating system could not provide random bytes.
#[derive(Debug, thiserror::Error)]
#[error("the operating system's random number generator failed: {0}")]
pub struct TokenError(String);

/// A new random token: `ach_` and 64 hex digits.
///
/// # Errors
/// [`TokenError`] when the OS random source fails.
pub(crate) fn generate() -> Result<String, TokenError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| TokenError(e.to_string()))?;
    let mut text = String::with_capacity(PREFIX.len() + 64);
    text.push_str(PREFIX);
    for b in bytes {
        text.push(hex_digit(b >> 4));
        text.push(hex_digit(b & 0x0f));
    }
    Ok(text)
}

/// The SHA-256 of a token's text: what the database stores and looks up.
pub(crate) fn hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

fn hex_digit(n: u8) -> char {
    char::from_digit(u32::from(n), 16).unwrap_or('0')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_prefixed_random_hex() {
        let a = generate().expect("random source");
        let b = generate().expect("random source");
        assert_ne!(a, b);
        assert_eq!(a.len(), 68);
        assert!(a.starts_with("ach_") && a[4..].bytes().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(hash(&a), hash(&a));
        assert_ne!(hash(&a), hash(&b));
    }
}
