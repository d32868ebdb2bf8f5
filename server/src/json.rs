//! Assembling JSON responses from parts. Lists of achievements are the
//! server's hot path, and most of each item never changes: its static
//! fields are rendered once at start-up (see [`crate::served_catalog`]) and
//! copied into each response; only the per-user fields are serialized per
//! request. Every part is still produced by `serde_json`, so the text is
//! always valid JSON.

use serde::Serialize;

/// Appends the fields of `value` (which must serialize as a JSON object) to
/// an object being written in `out` whose last byte is not `{`: `{"a":1}`
/// becomes `,"a":1`. An object with no fields appends nothing.
///
/// # Errors
/// `value` failed to serialize (then `out` is unchanged).
pub(crate) fn append_fields(out: &mut Vec<u8>, value: &impl Serialize) -> serde_json::Result<()> {
    let start = out.len();
    if let Err(e) = serde_json::to_writer(&mut *out, value) {
        out.truncate(start);
        return Err(e);
    }
    if out.len() - start <= 2 {
        out.truncate(start);
    } else {
        out[start] = b',';
        out.pop();
    }
    Ok(())
}

/// Writes `{...head's fields..., "key": [items]}`: `head` must serialize as
/// an object; `items` writes the array's elements, comma-separated.
///
/// # Errors
/// `head` failed to serialize, or `items` failed.
pub(crate) fn object_with_array(
    out: &mut Vec<u8>,
    head: &impl Serialize,
    key: &str,
    items: impl FnOnce(&mut Vec<u8>) -> serde_json::Result<()>,
) -> serde_json::Result<()> {
    serde_json::to_writer(&mut *out, head)?;
    // Reopen the object: drop its `}` (and stay at `{` when it had no field).
    out.pop();
    if out.last() != Some(&b'{') {
        out.push(b',');
    }
    serde_json::to_writer(&mut *out, key)?;
    out.extend_from_slice(b":[");
    items(out)?;
    out.extend_from_slice(b"]}");
    Ok(())
}

/// Writes elements separated by commas.
///
/// # Errors
/// The first element that failed.
pub(crate) fn each<T>(
    out: &mut Vec<u8>,
    elements: impl IntoIterator<Item = T>,
    mut write: impl FnMut(&mut Vec<u8>, T) -> serde_json::Result<()>,
) -> serde_json::Result<()> {
    for (n, element) in elements.into_iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        write(out, element)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    #[derive(Serialize)]
    struct Head {
        count: usize,
    }

    #[derive(Serialize)]
    struct Empty {}

    #[test]
    fn assembles_valid_json() {
        let mut out = Vec::new();
        object_with_array(&mut out, &Head { count: 2 }, "results", |out| {
            each(out, [1, 2], |out, n| {
                out.extend_from_slice(b"{\"n\":");
                out.extend_from_slice(n.to_string().as_bytes());
                append_fields(out, &json!({"twice": n * 2}))?;
                append_fields(out, &Empty {})?;
                out.push(b'}');
                Ok(())
            })
        })
        .expect("writes");
        let value: Value = serde_json::from_slice(&out).expect("valid JSON");
        assert_eq!(value, json!({"count": 2, "results": [{"n": 1, "twice": 2}, {"n": 2, "twice": 4}]}));

        let mut out = Vec::new();
        object_with_array(&mut out, &Empty {}, "items", |_| Ok(())).expect("writes");
        assert_eq!(out, b"{\"items\":[]}");
    }
}
