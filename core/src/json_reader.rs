//! A small reader over the [`crate::json`] tree that records every problem
//! with its JSON path instead of stopping at the first, as serde's derive
//! would.
//!
//! Catalog and scenario authors fix files faster when they see all the
//! problems at once, each with where it is.

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::json::{self, Json};

/// Parses JSON text, mapping a syntax error to `line L, column C: …`.
pub(crate) fn parse(text: &str) -> Result<Json<'_>, Diagnostic> {
    json::parse(text).map_err(|e| Diagnostic {
        path: format!("line {}, column {}", e.line, e.column),
        message: format!("invalid JSON: {}", e.message),
    })
}

/// Whether field `i` repeats the name of an earlier one (the readers here
/// say so rather than keep one silently).
pub(crate) use crate::json::repeats_earlier;

/// A JSON object being read at `path`. Reading a field marks it known;
/// [`Object::new`] reports fields outside the allowed list up front.
pub(crate) struct Object<'v> {
    pub(crate) path: String,
    value: &'v Json<'v>,
}

impl<'v> Object<'v> {
    /// Reads `value` as an object allowing only `allowed` fields, each once.
    /// Returns `None` (after recording the error) when it is not an object.
    pub(crate) fn new(
        value: &'v Json<'v>,
        path: impl Into<String>,
        allowed: &[&str],
        diags: &mut Diagnostics,
    ) -> Option<Self> {
        let path = path.into();
        let Json::Object(fields) = value else {
            diags.error(path, format!("expected an object, got {}", value.type_name()));
            return None;
        };
        for (i, (name, _)) in fields.iter().enumerate() {
            if !allowed.contains(&name.as_ref()) {
                diags.error(join(&path, name), unknown_field_message(name, allowed));
            } else if repeats_earlier(fields, i) {
                diags.error(join(&path, name), format!("duplicate field `{name}`"));
            }
        }
        Some(Object { path, value })
    }

    /// The path of a field of this object.
    pub(crate) fn at(&self, field: &str) -> String {
        join(&self.path, field)
    }

    pub(crate) fn has(&self, field: &str) -> bool {
        self.raw(field).is_some()
    }

    /// A field as written (the last one of that name; duplicates are
    /// reported by [`Object::new`]).
    pub(crate) fn raw(&self, field: &str) -> Option<&'v Json<'v>> {
        self.value.get(field)
    }

    /// A required field; records "missing required field" when absent.
    pub(crate) fn required(&self, field: &str, diags: &mut Diagnostics) -> Option<&'v Json<'v>> {
        let value = self.raw(field);
        if value.is_none() {
            diags.error(self.at(field), "missing required field");
        }
        value
    }

    pub(crate) fn string(&self, field: &str, diags: &mut Diagnostics) -> Option<&'v str> {
        self.required(field, diags).and_then(|v| self.as_string(field, v, diags))
    }

    pub(crate) fn opt_string(&self, field: &str, diags: &mut Diagnostics) -> Option<&'v str> {
        self.present(field).and_then(|v| self.as_string(field, v, diags))
    }

    pub(crate) fn int(&self, field: &str, diags: &mut Diagnostics) -> Option<i64> {
        self.required(field, diags).and_then(|v| as_int(&self.at(field), v, diags))
    }

    pub(crate) fn opt_int(&self, field: &str, diags: &mut Diagnostics) -> Option<i64> {
        self.present(field).and_then(|v| as_int(&self.at(field), v, diags))
    }

    pub(crate) fn opt_bool(&self, field: &str, diags: &mut Diagnostics) -> Option<bool> {
        let v = self.present(field)?;
        match v {
            Json::Bool(b) => Some(*b),
            other => {
                diags.error(self.at(field), format!("expected true or false, got {}", other.type_name()));
                None
            }
        }
    }

    /// An optional array of strings; `None` when absent or wrongly typed.
    pub(crate) fn opt_string_list(&self, field: &str, diags: &mut Diagnostics) -> Option<Vec<&'v str>> {
        let v = self.present(field)?;
        let Json::Array(items) = v else {
            diags.error(self.at(field), format!("expected an array of strings, got {}", v.type_name()));
            return None;
        };
        let mut out = Vec::with_capacity(items.len());
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            match item {
                Json::String(s) => out.push(s.as_ref()),
                other => {
                    ok = false;
                    diags.error(
                        format!("{}[{i}]", self.at(field)),
                        format!("expected a string, got {}", other.type_name()),
                    );
                }
            }
        }
        ok.then_some(out)
    }

    /// An optional object of string → integer (`{"project_count": 3}`).
    pub(crate) fn opt_int_map(&self, field: &str, diags: &mut Diagnostics) -> Option<Vec<(&'v str, i64)>> {
        let v = self.present(field)?;
        let Json::Object(fields) = v else {
            diags.error(self.at(field), format!("expected an object, got {}", v.type_name()));
            return None;
        };
        let mut out: Vec<(&str, i64)> = Vec::with_capacity(fields.len());
        for (i, (name, value)) in fields.iter().enumerate() {
            let path = join(&self.at(field), name);
            if repeats_earlier(fields, i) {
                diags.error(path, format!("duplicate field `{name}`"));
            } else if let Some(n) = as_int(&path, value, diags) {
                out.push((name, n));
            }
        }
        Some(out)
    }

    /// A present, non-null field. `null` reads as absent for optional fields,
    /// so exported catalogs with `"available_from": null` load.
    fn present(&self, field: &str) -> Option<&'v Json<'v>> {
        self.raw(field).filter(|v| !v.is_null())
    }

    fn as_string(&self, field: &str, v: &'v Json<'v>, diags: &mut Diagnostics) -> Option<&'v str> {
        match v {
            Json::String(s) => Some(s),
            other => {
                diags.error(self.at(field), format!("expected a string, got {}", other.type_name()));
                None
            }
        }
    }
}

/// Reads an integer that fits in i64.
pub(crate) fn as_int(path: &str, v: &Json<'_>, diags: &mut Diagnostics) -> Option<i64> {
    match v.as_i64() {
        Some(n) => Some(n),
        None => {
            let message = match v {
                Json::Number(n) if n.is_integer() && n.text().starts_with('-') => {
                    format!("{} is too small (the minimum is {})", n.text(), i64::MIN)
                }
                Json::Number(n) if n.is_integer() => format!("{} is too large (the maximum is {})", n.text(), i64::MAX),
                other => format!("expected an integer, got {}", other.type_name()),
            };
            diags.error(path, message);
            None
        }
    }
}

/// `parent.field`, or just `field` at the top level.
pub(crate) fn join(parent: &str, field: &str) -> String {
    if parent.is_empty() { field.to_owned() } else { format!("{parent}.{field}") }
}

fn unknown_field_message(name: &str, allowed: &[&str]) -> String {
    match name {
        "created_at" | "updated_at" | "id" => {
            format!("unknown field `{name}` (storage metadata is not part of a catalog; remove it)")
        }
        _ => match closest(name, allowed) {
            Some(suggestion) => format!("unknown field `{name}` (did you mean `{suggestion}`?)"),
            None => format!("unknown field `{name}` (expected one of: {})", allowed.join(", ")),
        },
    }
}

/// The allowed name within edit distance 2 of `name`, to catch typos.
fn closest<'a>(name: &str, allowed: &[&'a str]) -> Option<&'a str> {
    allowed
        .iter()
        .map(|candidate| (edit_distance(name, candidate), *candidate))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn syntax_errors_carry_line_and_column() {
        let err = parse("{\n  \"a\": ,\n}").unwrap_err();
        assert_eq!(err.path, "line 2, column 8");
        assert!(err.message.starts_with("invalid JSON: expected value"), "{}", err.message);
    }

    #[test]
    fn typos_get_a_suggestion() {
        assert_eq!(
            unknown_field_message("pionts", &["points", "key"]),
            "unknown field `pionts` (did you mean `points`?)"
        );
        assert_eq!(
            unknown_field_message("zzzzzz", &["points", "key"]),
            "unknown field `zzzzzz` (expected one of: points, key)"
        );
    }
}
