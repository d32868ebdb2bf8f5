//! Located, human-readable problems found in a catalog or scenario file.

use std::fmt;

/// One problem, located by a JSON path such as
/// `achievements[3] (5_projects).criteria_value`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(tsify::Tsify))]
pub struct Diagnostic {
    /// Where: a JSON path with 0-based indexes, or `line L, column C` for syntax errors.
    pub path: String,
    /// What is wrong, in words a catalog author can act on.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Errors and warnings gathered while reading a file. Errors make it invalid;
/// warnings are worth printing but do not.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diagnostics {
    pub errors: Vec<Diagnostic>,
    pub warnings: Vec<Diagnostic>,
}

impl Diagnostics {
    pub(crate) fn error(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.errors.push(Diagnostic { path: shown_path(path.into()), message: message.into() });
    }

    pub(crate) fn warning(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.warnings.push(Diagnostic { path: shown_path(path.into()), message: message.into() });
    }
}

/// The document itself has the empty JSON path; say so in words.
fn shown_path(path: String) -> String {
    if path.is_empty() { "(top level)".to_owned() } else { path }
}

/// A file that could not be accepted: every error found (not just the first),
/// plus any warnings.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{} error(s): {}", .errors.len(), first_line(.errors))]
pub struct InvalidFile {
    pub errors: Vec<Diagnostic>,
    pub warnings: Vec<Diagnostic>,
}

fn first_line(errors: &[Diagnostic]) -> String {
    errors.first().map(ToString::to_string).unwrap_or_default()
}

impl InvalidFile {
    /// Every error on its own line, then every warning prefixed `warning: `.
    pub fn report(&self) -> String {
        let mut out = String::new();
        for e in &self.errors {
            out.push_str(&e.to_string());
            out.push('\n');
        }
        for w in &self.warnings {
            out.push_str("warning: ");
            out.push_str(&w.to_string());
            out.push('\n');
        }
        out
    }
}
