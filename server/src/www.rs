//! `serve --www DIR`: the built web page, served at `/`, and nothing else of
//! the disk.
//!
//! The folder is public: anything served from it can be downloaded by
//! anyone. So:
//! - the server refuses to start when its database (or the folder holding
//!   it, where SQLite keeps the `-wal`, `-shm` and `-journal` files) lies
//!   inside the folder, symlinks resolved ([`check_database_outside`]): a
//!   downloaded database leaks every token hash and event, and a copy taken
//!   while the server runs can break its locks;
//! - a request is resolved one path segment at a time, and a symlink whose
//!   target is outside the folder is a 404, as is any segment starting with
//!   `.` (`.env`, `.git/`, `.well-known/`): hidden files are never served;
//! - any other path that names no file gets `index.html`, for client-side
//!   routing (the page's own router shows its "not found").

use crate::api_error::ApiError;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tower_http::services::ServeFile;

/// Why `serve --www` refuses to start.
#[derive(Debug, thiserror::Error)]
pub enum WwwError {
    #[error(
        "the database {db} is inside the --www folder {www} (symlinks resolved): anyone could download it. \
         Keep the database outside the web page's folder (--db FILE)."
    )]
    DatabaseInside { db: PathBuf, www: PathBuf },
    #[error("cannot read the --www folder {dir}: {source}")]
    Unreadable { dir: PathBuf, source: io::Error },
}

/// The web page's folder, canonical (symlinks resolved), with an `index.html`.
#[derive(Clone, Debug)]
pub(crate) struct WwwRoot {
    root: PathBuf,
}

impl WwwRoot {
    /// The folder `dir`, if it has an `index.html` (otherwise there is no
    /// page to serve: `None`).
    ///
    /// # Errors
    /// A folder that exists but cannot be resolved.
    pub(crate) fn open(dir: &Path) -> Result<Option<Self>, WwwError> {
        if !dir.join("index.html").is_file() {
            return Ok(None);
        }
        let root = dir.canonicalize().map_err(|source| WwwError::Unreadable { dir: dir.to_owned(), source })?;
        Ok(Some(WwwRoot { root }))
    }
}

/// Refuses a database whose file or folder lies inside `www` (or is it),
/// after resolving symlinks. The database file may not exist yet: then its
/// folder decides. A `www` folder that does not exist holds nothing.
///
/// # Errors
/// [`WwwError::DatabaseInside`].
pub(crate) fn check_database_outside(db: &Path, www: &Path) -> Result<(), WwwError> {
    let Ok(www) = www.canonicalize() else { return Ok(()) };
    let folder = match db.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    // The folder as given (where SQLite puts its side files for this path)
    // and, if the file exists, where a symlinked file really is.
    let candidates = [folder.canonicalize().ok(), db.canonicalize().ok()];
    let inside = candidates.iter().flatten().any(|real| real.starts_with(&www));
    if inside { Err(WwwError::DatabaseInside { db: db.to_owned(), www }) } else { Ok(()) }
}

/// What a request path names in the folder.
#[derive(Debug, PartialEq, Eq)]
enum Found {
    File(PathBuf),
    Directory(PathBuf),
    /// Nothing: the page's router decides (index.html).
    Missing,
    /// A hidden name, a symlink leading out of the folder, or a name that
    /// cannot be a file name: 404.
    Refused,
}

/// The fallback service for every path outside `/api/`.
pub(crate) async fn serve(State(www): State<Arc<WwwRoot>>, request: Request) -> Response {
    if request.method() != Method::GET && request.method() != Method::HEAD {
        let mut response = ApiError::MethodNotAllowed(request.method().clone()).into_response();
        response.headers_mut().insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return response;
    }
    let path = request.uri().path().to_owned();
    let Some(segments) = segments(&path) else { return not_found(&path) };
    let root = www.root.clone();
    let names_folder = path.ends_with('/');
    let found = tokio::task::spawn_blocking(move || {
        let found = find(&root, &segments);
        match found {
            // A folder's page is its index.html, found the same careful way.
            Found::Directory(_) if names_folder => {
                let mut index = segments;
                index.push("index.html".to_owned());
                find(&root, &index)
            }
            Found::Missing => match find(&root, &["index.html".to_owned()]) {
                Found::File(index) => Found::File(index),
                _ => Found::Refused,
            },
            other => other,
        }
    })
    .await
    .unwrap_or(Found::Refused);
    match found {
        Found::File(file) => send_file(&file, request).await,
        Found::Directory(_) if !path.ends_with('/') => redirect_to_folder(&request),
        Found::Directory(_) | Found::Missing | Found::Refused => not_found(&path),
    }
}

/// The decoded, non-empty segments of a request path; `None` when one is
/// hidden (starts with `.`, which covers `.` and `..`) or could not be a
/// single file name (a decoded `/` or `\`, a NUL, invalid UTF-8).
fn segments(path: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    for raw in path.split('/').filter(|s| !s.is_empty()) {
        let segment = percent_encoding::percent_decode_str(raw).decode_utf8().ok()?;
        if segment.starts_with('.') || segment.contains(['/', '\\', '\0']) {
            return None;
        }
        out.push(segment.into_owned());
    }
    Some(out)
}

/// Walks `segments` down from `root` one at a time, resolving each symlink
/// on the way and refusing any that leads outside `root`.
fn find(root: &Path, segments: &[String]) -> Found {
    let mut current = root.to_path_buf();
    for segment in segments {
        current.push(segment);
        let Ok(meta) = current.symlink_metadata() else { return Found::Missing };
        if meta.file_type().is_symlink() {
            match current.canonicalize() {
                Ok(real) if real.starts_with(root) => current = real,
                // Out of the folder, or dangling.
                _ => return Found::Refused,
            }
        }
    }
    match current.metadata() {
        Ok(meta) if meta.is_file() => Found::File(current),
        Ok(meta) if meta.is_dir() => Found::Directory(current),
        _ => Found::Missing,
    }
}

async fn send_file(file: &Path, request: Request) -> Response {
    match ServeFile::new(file).try_call(request).await {
        Ok(response) => response.map(Body::new),
        Err(e) => {
            tracing::warn!(file = %file.display(), error = %e, "cannot read a file of the --www folder");
            ApiError::Internal.into_response()
        }
    }
}

/// `/docs` → `/docs/` (query kept), so the folder's page can use relative links.
fn redirect_to_folder(request: &Request) -> Response {
    let uri = request.uri();
    let location = match uri.query() {
        Some(query) => format!("{}/?{query}", uri.path()),
        None => format!("{}/", uri.path()),
    };
    (StatusCode::TEMPORARY_REDIRECT, [(header::LOCATION, location)]).into_response()
}

fn not_found(path: &str) -> Response {
    ApiError::NotFound(format!("Nothing at {path}.")).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_and_impossible_segments_are_refused() {
        assert_eq!(segments("/a/b.js"), Some(vec!["a".to_owned(), "b.js".to_owned()]));
        assert_eq!(segments("//a//"), Some(vec!["a".to_owned()]));
        assert_eq!(segments("/caf%C3%A9.txt"), Some(vec!["café.txt".to_owned()]));
        for refused in ["/.env", "/.git/config", "/a/../b", "/%2e%2e/x", "/.well-known/x", "/a%2Fb", "/a%5Cb", "/%00"] {
            assert_eq!(segments(refused), None, "{refused}");
        }
        assert_eq!(segments("/%FF"), None);
    }
}
