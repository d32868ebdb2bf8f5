//! [`Location`]: where the data lives, as `--db` (or `ACHIEVEMENTS_DB`)
//! says: a file path for SQLite, or a `postgres://` / `postgresql://` URL.

use super::postgres::is_postgres_url;
use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;

/// A database, as named on the command line.
#[derive(Clone, PartialEq, Eq)]
pub enum Location {
    /// An SQLite file (created when missing by the commands that may create).
    File(PathBuf),
    /// A PostgreSQL connection URL, password and all.
    Postgres(String),
}

impl Location {
    /// Reads `--db`: a URL that starts `postgres://` or `postgresql://` is
    /// PostgreSQL; anything else is a file path, so a file named
    /// `postgres` or `pg.db` stays a file.
    pub fn parse(arg: impl Into<OsString>) -> Self {
        let arg = arg.into();
        match arg.to_str() {
            Some(text) if is_postgres_url(text) => Location::Postgres(text.to_owned()),
            _ => Location::File(PathBuf::from(arg)),
        }
    }

    /// The SQLite file, if this is one.
    pub fn file(&self) -> Option<&std::path::Path> {
        match self {
            Location::File(path) => Some(path),
            Location::Postgres(_) => None,
        }
    }
}

/// Never shows a URL's password: logs and error messages print this.
impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::File(path) => write!(f, "{}", path.display()),
            Location::Postgres(url) => f.write_str(&redact(url)),
        }
    }
}

impl fmt::Debug for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Location({self})")
    }
}

/// `url` with the password of its user-info part replaced by `***`.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((user_info, host)) => {
            let user = user_info.split_once(':').map_or(user_info, |(user, _)| user);
            let hidden = if user_info.contains(':') { ":***" } else { "" };
            format!("{scheme}://{user}{hidden}@{host}{tail}")
        }
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_postgres_and_everything_else_a_file() {
        assert_eq!(Location::parse("postgres://u@h/db"), Location::Postgres("postgres://u@h/db".into()));
        assert_eq!(Location::parse("postgresql://h/db"), Location::Postgres("postgresql://h/db".into()));
        for file in ["achievements.db", "postgres", "./postgres://x", "pg.db", "mysql://h/db"] {
            assert_eq!(Location::parse(file), Location::File(file.into()), "{file}");
        }
    }

    #[test]
    fn the_password_is_never_displayed() {
        let shown = Location::parse("postgres://app:s3cret@db.example:5432/ach?sslmode=require").to_string();
        assert_eq!(shown, "postgres://app:***@db.example:5432/ach?sslmode=require");
        assert_eq!(Location::parse("postgres://db/ach").to_string(), "postgres://db/ach");
        assert!(!format!("{:?}", Location::parse("postgres://a:b@c/d")).contains(":b@"));
    }
}
