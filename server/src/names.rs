//! User and service names: which are valid, and when two look alike.
//!
//! A user's name is public (`GET users/{name}/achievements/`), so one person
//! must not be able to pass for another with a name that reads the same:
//! `ALICE`, a full-width `ａlice`, a Cyrillic `аlice` beside `alice`. Two
//! rules, both from Unicode's own data (UAX #15 normalisation and UTS #39
//! security mechanisms, through the `unicode-normalization` and
//! `unicode-security` crates), never from hand-written tables:
//!
//! - [`check_name`]: a name is 1 to 150 letters, digits and `@ . + - _`
//!   (the platform's rule), written in **one script**: its NFKC form has a
//!   non-empty UTS #39 resolved script set. Digits and `@ . + - _` belong to
//!   every script; Han, Hiragana and Katakana together count as one writing
//!   system (Japanese), as do Han and Hangul (Korean). So `José`, `山田`,
//!   `やまだ太郎` and `Ωμέγα` are names, `Ωmega` and `аlice` are not.
//! - [`look_alike_keys`]: two user names collide when they share a key.
//!   Keys are UTS #39 confusable *skeletons* of the NFKC form, which maps
//!   compatibility forms (`ａ` → `a`, `ﬁ` → `fi`) and then characters that
//!   look alike to one prototype: so a name written wholly in another script
//!   (`сосо` in Cyrillic beside `coco`) and digit-for-letter swaps (`a1ice`)
//!   collide too. Names compare without case, and case and shape interact
//!   (`I` looks like `l`, and is `i` in lower case), so a name has two keys:
//!   the skeleton of its lower case (`ALICE` and `alice` share `alice`) and
//!   the lower case of its skeleton, skeletonised again (`AIice` with a
//!   capital `I` reads as `Alice`: key `alice`). Lower case is Unicode's
//!   `to_lowercase`, not full case folding: `straße` and `strasse` are
//!   different names (they do not look alike).

use unicode_normalization::UnicodeNormalization;
use unicode_security::mixed_script::AugmentedScriptSet;
use unicode_security::{MixedScript, skeleton};

/// Why a name cannot be used for a user or a service.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("`{0}` is not a valid name: use 1 to 150 letters, digits and @ . + - _")]
    Characters(String),
    #[error("`{name}` is not a valid name: it mixes scripts ({scripts}); use the letters of one script")]
    MixedScripts { name: String, scripts: String },
}

/// Checks the platform's character rule and the one-script rule.
///
/// # Errors
/// [`NameError`] saying which rule the name breaks.
pub(crate) fn check_name(name: &str) -> Result<(), NameError> {
    let allowed = |c: char| c.is_alphanumeric() || matches!(c, '@' | '.' | '+' | '-' | '_');
    if !(1..=150).contains(&name.chars().count()) || !name.chars().all(allowed) {
        return Err(NameError::Characters(name.to_owned()));
    }
    let normalized: String = name.nfkc().collect();
    if !normalized.as_str().is_single_script() {
        return Err(NameError::MixedScripts { name: name.to_owned(), scripts: scripts_in(&normalized) });
    }
    Ok(())
}

/// The keys under which user names are unique: two names that share a key
/// look alike. One or two keys, without repeats.
pub(crate) fn look_alike_keys(name: &str) -> Vec<String> {
    let normalized: String = name.nfkc().collect();
    let case_first: String = skeleton(&normalized.to_lowercase()).collect();
    let shape: String = skeleton(&normalized).collect();
    let shape_first: String = skeleton(&shape.to_lowercase()).collect();
    if shape_first == case_first { vec![case_first] } else { vec![case_first, shape_first] }
}

/// The scripts a name's letters belong to, in order of appearance
/// (`Cyrillic, Latin`), for messages.
fn scripts_in(text: &str) -> String {
    let mut seen: Vec<&str> = Vec::new();
    for c in text.chars() {
        let set = AugmentedScriptSet::for_char(c);
        if set.is_all() {
            continue; // digits, punctuation, combining marks: any script
        }
        for script in set.base.iter() {
            if !seen.contains(&script.full_name()) {
                seen.push(script.full_name());
            }
        }
    }
    seen.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `true` when the two names look alike (share a key), as
    /// `create_user` decides it.
    fn look_alike(a: &str, b: &str) -> bool {
        let keys = look_alike_keys(b);
        look_alike_keys(a).iter().any(|key| keys.contains(key))
    }

    #[test]
    fn names_follow_the_platform_rule() {
        for ok in ["alice", "a.b+c@d-e_f", "Zoë", "José", "山田", "やまだ太郎", "Ωμέγα", "user_42", "ａlice"]
        {
            assert_eq!(check_name(ok), Ok(()), "{ok}");
        }
        for bad in ["", "has space", "semi;colon", &"x".repeat(151), "zero\u{200b}width"] {
            assert_eq!(check_name(bad), Err(NameError::Characters(bad.to_owned())), "{bad}");
        }
    }

    #[test]
    fn a_name_in_two_scripts_is_refused_with_the_scripts_named() {
        let check = |name: &str, scripts: &str| {
            assert_eq!(
                check_name(name),
                Err(NameError::MixedScripts { name: name.to_owned(), scripts: scripts.to_owned() }),
                "{name}"
            );
        };
        check("\u{430}lice", "Cyrillic, Latin");
        check("Ωmega", "Greek, Latin");
        check("山田taro", "Han, Latin");
    }

    #[test]
    fn names_that_look_alike_share_a_key() {
        for same in ["ALICE", "Alice", "aLiCe", "ａｌｉｃｅ", "a1ice", "AIice"] {
            assert!(look_alike(same, "alice"), "{same}");
        }
        // Whole-script confusables: Cyrillic `сосо` beside Latin `coco`.
        assert!(look_alike("\u{441}\u{43e}\u{441}\u{43e}", "coco"));
        assert!(look_alike("modern", "rnodern"));
        for different in ["alicia", "bob", "José", "ali", "straße"] {
            assert!(!look_alike(different, "alice"), "{different}");
        }
        assert!(!look_alike("ali", "all"));
        assert!(!look_alike("straße", "strasse"));
        assert_eq!(look_alike_keys("alice"), ["alice"]);
    }
}
