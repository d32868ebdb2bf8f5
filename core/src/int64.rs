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

use serde::Serializer;
use serde::ser::SerializeMap;

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
    struct Exact(i64);
    impl serde::Serialize for Exact {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serialize(&self.0, serializer)
        }
    }
    let mut out = serializer.serialize_map(None)?;
    for (name, value) in map {
        out.serialize_entry(name, &Exact(*value))?;
    }
    out.end()
}

#[cfg(test)]
mod tests {
    use super::MAX_SAFE;

    #[derive(serde::Serialize)]
    struct Holder(#[serde(serialize_with = "super::serialize")] i64);

    /// serde_json writes the same digits either way: the server's JSON is unchanged.
    #[test]
    fn json_text_holds_every_i64_exactly() {
        for value in [0, -1, MAX_SAFE, MAX_SAFE + 1, -MAX_SAFE - 1, i64::MAX, i64::MIN] {
            assert_eq!(serde_json::to_string(&Holder(value)).ok(), Some(value.to_string()));
        }
    }
}
