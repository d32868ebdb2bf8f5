//! How a 64-bit integer of a wire shape is written: exactly, whatever reads it.
//!
//! JSON text (the server, the terminal app) has no limit, but a JavaScript
//! number is exact only up to 2^53. The wire shapes' `i64` fields are
//! written with [`serialize`]: a safe integer as an ordinary 64-bit integer,
//! a larger one as a 128-bit integer. serde_json writes both as the same
//! digits; serde-wasm-bindgen (the WebAssembly module) turns the first into a
//! `number` and the second into a `bigint`, so a page reads plain numbers for
//! every realistic counter and never a rounded one. (serde-wasm-bindgen's own
//! `serialize_large_number_types_as_bigints` would make *every* `i64` a
//! `bigint`, which the JS API has never promised.)
//!
//! Reading is the mirror: [`deserialize`] takes an integer however the
//! format gives it (serde_json's digits, a safe JS `number`, a JS `bigint`)
//! and refuses a number that may already have been rounded, in words that
//! name the problem (`expected an integer, got a number with a fraction`).

use crate::sorted_map::SortedMap;
use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use std::fmt;

/// `Number.MAX_SAFE_INTEGER`: the largest integer a JS number holds exactly.
pub const MAX_SAFE: i64 = (1 << 53) - 1;

/// One integer, exactly (see the module docs).
#[allow(clippy::trivially_copy_pass_by_ref)] // serde's `serialize_with` passes a reference.
pub fn serialize<S: Serializer>(value: &i64, serializer: S) -> Result<S::Ok, S::Error> {
    if (-MAX_SAFE..=MAX_SAFE).contains(value) {
        serializer.serialize_i64(*value)
    } else {
        serializer.serialize_i128(i128::from(*value))
    }
}

/// A map of integers by name (a state's counters), each written by [`serialize`].
pub fn serialize_map<'a, S, M>(map: M, serializer: S) -> Result<S::Ok, S::Error>
where
    S: Serializer,
    M: IntoIterator<Item = (&'a String, &'a i64)>,
{
    let mut out = serializer.serialize_map(None)?;
    for (name, value) in map {
        out.serialize_entry(name, &Exact(*value))?;
    }
    out.end()
}

/// One 64-bit integer, written and read exactly (see the module docs).
struct Exact(i64);

impl Serialize for Exact {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize(&self.0, serializer)
    }
}

impl<'de> Deserialize<'de> for Exact {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // `any`, not `i64`: a JS number beyond 2^53 must reach `visit_f64`
        // to be refused in our words rather than the format's.
        deserializer.deserialize_any(ExactVisitor).map(Exact)
    }
}

struct ExactVisitor;

impl Visitor<'_> for ExactVisitor {
    type Value = i64;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an integer")
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<i64, E> {
        Ok(value)
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<i64, E> {
        i64::try_from(value).map_err(|_| E::custom(format_args!("{value} does not fit in 64 bits")))
    }

    /// A float is never read as an integer: with a fraction it is not one,
    /// and without, beyond 2^53, it may already be a rounded neighbour.
    #[allow(clippy::cast_precision_loss)]
    fn visit_f64<E: de::Error>(self, value: f64) -> Result<i64, E> {
        if value.fract() != 0.0 || !value.is_finite() {
            Err(E::custom("expected an integer, got a number with a fraction"))
        } else if value.abs() < i64::MAX as f64 {
            Err(E::custom("beyond 2^53 as a number; pass it as a bigint"))
        } else {
            Err(E::custom("does not fit in 64 bits"))
        }
    }
}

/// Reads one integer exactly (see the module docs).
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    Exact::deserialize(deserializer).map(|e| e.0)
}

/// Reads an optional integer exactly: absent or `null` is `None`.
pub fn deserialize_option<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    Option::<Exact>::deserialize(deserializer).map(|e| e.map(|e| e.0))
}

/// Reads a map of integers by name (a state's counters), each exactly.
pub fn deserialize_map<'de, D: Deserializer<'de>>(deserializer: D) -> Result<SortedMap<String, i64>, D::Error> {
    struct Counters;
    impl<'de> Visitor<'de> for Counters {
        type Value = SortedMap<String, i64>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
            let mut map = SortedMap::new();
            while let Some((name, Exact(value))) = access.next_entry()? {
                map.insert(name, value);
            }
            Ok(map)
        }
    }
    deserializer.deserialize_map(Counters)
}

#[cfg(test)]
mod tests {
    use super::MAX_SAFE;

    #[derive(Debug, serde::Serialize, serde::Deserialize)]
    struct Holder(#[serde(serialize_with = "super::serialize", deserialize_with = "super::deserialize")] i64);

    /// serde_json writes the same digits either way: the server's JSON is unchanged.
    #[test]
    fn json_text_holds_every_i64_exactly() {
        for value in [0, -1, MAX_SAFE, MAX_SAFE + 1, -MAX_SAFE - 1, i64::MAX, i64::MIN] {
            assert_eq!(serde_json::to_string(&Holder(value)).ok(), Some(value.to_string()));
        }
    }

    #[test]
    fn json_text_reads_back_every_i64_exactly() {
        for value in [0, -1, MAX_SAFE, MAX_SAFE + 1, -MAX_SAFE - 1, i64::MAX, i64::MIN] {
            let read = serde_json::from_str::<Holder>(&value.to_string()).map(|h| h.0);
            assert_eq!(read.ok(), Some(value));
        }
    }

    #[test]
    fn what_is_not_an_exact_integer_is_refused_in_words() {
        for (text, message) in [
            ("1.5", "expected an integer, got a number with a fraction"),
            ("9223372036854775808", "9223372036854775808 does not fit in 64 bits"),
            ("1e300", "does not fit in 64 bits"),
            ("\"3\"", "invalid type: string \"3\", expected an integer"),
        ] {
            let error = serde_json::from_str::<Holder>(text).map(|h| h.0).err().map(|e| e.to_string());
            assert!(error.as_deref().is_some_and(|e| e.starts_with(message)), "{text}: {error:?}");
        }
    }
}
