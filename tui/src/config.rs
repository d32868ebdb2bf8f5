//! Where things live and how the app finds its server: the XDG base
//! directories (`XDG_CONFIG_HOME`, `XDG_DATA_HOME`, else under `HOME`), the
//! config file `login` writes, and the precedence of flags, environment and
//! that file.

use crate::file_read::{ReadFileError, read_text_file};
use serde::{Deserialize, Serialize};
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The folder name under the XDG directories.
pub const APP_DIR: &str = "achievements-tui";

/// The files the app uses by default.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Paths {
    /// `$XDG_CONFIG_HOME/achievements-tui/config.json`.
    pub config_file: PathBuf,
    /// `$XDG_DATA_HOME/achievements-tui/cache.sqlite`.
    pub cache_file: PathBuf,
}

/// No home folder to keep files in.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("cannot tell where to keep files: set HOME (or XDG_CONFIG_HOME and XDG_DATA_HOME), or pass --cache FILE")]
pub struct NoHome;

impl Paths {
    /// From environment values (`var("HOME")`…). Per the XDG spec,
    /// relative values are ignored.
    ///
    /// # Errors
    /// [`NoHome`] when neither the XDG variables nor `HOME` give a folder.
    pub fn from_vars(var: impl Fn(&str) -> Option<OsString>) -> Result<Self, NoHome> {
        let absolute = |name: &str| var(name).map(PathBuf::from).filter(|p| p.is_absolute());
        let home = absolute("HOME");
        let base = |xdg: &str, fallback: &[&str]| {
            absolute(xdg).or_else(|| home.as_ref().map(|h| fallback.iter().fold(h.clone(), |p, part| p.join(part))))
        };
        let config = base("XDG_CONFIG_HOME", &[".config"]).ok_or(NoHome)?;
        let data = base("XDG_DATA_HOME", &[".local", "share"]).ok_or(NoHome)?;
        Ok(Paths {
            config_file: config.join(APP_DIR).join("config.json"),
            cache_file: data.join(APP_DIR).join("cache.sqlite"),
        })
    }

    /// From this process's environment.
    ///
    /// # Errors
    /// As [`Paths::from_vars`].
    pub fn from_env() -> Result<Self, NoHome> {
        Self::from_vars(|name| std::env::var_os(name))
    }
}

/// The config file: where the server is and the user's token.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

/// The config file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(transparent)]
    Read(ReadFileError),
    #[error("the config file {path} is not valid ({reason}); fix it or run `achievements-tui login` again")]
    Invalid { path: PathBuf, reason: String },
    #[error("cannot write the config file {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
}

impl Config {
    /// Reads the file; a missing file is an empty config.
    ///
    /// # Errors
    /// An unreadable or invalid file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        match read_text_file(path) {
            Ok(text) => serde_json::from_str(&text)
                .map_err(|e| ConfigError::Invalid { path: path.to_owned(), reason: e.to_string() }),
            Err(ReadFileError::Io { error, .. }) if error.kind() == std::io::ErrorKind::NotFound => {
                Ok(Config::default())
            }
            Err(e) => Err(ConfigError::Read(e)),
        }
    }

    /// Writes the file atomically, readable only by its owner (it holds a
    /// token).
    ///
    /// # Errors
    /// When the folder or file cannot be written.
    pub fn save(&self, path: &Path) -> Result<(), ConfigError> {
        let write = |source| ConfigError::Write { path: path.to_owned(), source };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(write)?;
        }
        let text = serde_json::to_string_pretty(self).map_err(|e| write(std::io::Error::other(e)))?;
        let temporary = path.with_extension("json.tmp");
        {
            use std::io::Write;
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create(true).truncate(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            let mut file = options.open(&temporary).map_err(write)?;
            file.write_all(text.as_bytes()).and_then(|()| file.write_all(b"\n")).map_err(write)?;
            file.sync_all().map_err(write)?;
        }
        std::fs::rename(&temporary, path).map_err(write)
    }
}

/// Where a setting came from, for messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// A command-line flag or its environment variable (clap merges them).
    Argument,
    ConfigFile,
}

/// The server and token to use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Connection {
    pub server: Option<(String, Source)>,
    pub token: Option<String>,
}

/// Flags and environment (`ACHIEVEMENTS_SERVER`, `ACHIEVEMENTS_TOKEN`) win
/// over the config file. A token is only taken from the file together with
/// the file's server, so a token never goes to a server it was not issued
/// for.
pub fn resolve(server: Option<String>, token: Option<String>, file: &Config) -> Connection {
    match server {
        Some(server) => {
            let normal =
                |s: &str| crate::http::ServerUrl::parse(s).map_or_else(|_| s.trim().to_owned(), |u| u.to_string());
            let same_server = file.server.as_deref().map(normal) == Some(normal(&server));
            let token = token.or_else(|| file.token.clone().filter(|_| same_server));
            Connection { server: Some((server, Source::Argument)), token }
        }
        None => Connection {
            server: file.server.clone().map(|s| (s, Source::ConfigFile)),
            token: token.or_else(|| file.token.clone()),
        },
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::collections::HashMap;

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> {
        let map: HashMap<String, OsString> = pairs.iter().map(|(k, v)| ((*k).to_owned(), OsString::from(v))).collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn xdg_variables_win_over_home() {
        let p = Paths::from_vars(vars(&[("HOME", "/home/ann")])).unwrap();
        assert_eq!(p.config_file, PathBuf::from("/home/ann/.config/achievements-tui/config.json"));
        assert_eq!(p.cache_file, PathBuf::from("/home/ann/.local/share/achievements-tui/cache.sqlite"));
        let p = Paths::from_vars(vars(&[("HOME", "/home/ann"), ("XDG_CONFIG_HOME", "/c"), ("XDG_DATA_HOME", "/d")]))
            .unwrap();
        assert_eq!(p.config_file, PathBuf::from("/c/achievements-tui/config.json"));
        assert_eq!(p.cache_file, PathBuf::from("/d/achievements-tui/cache.sqlite"));
        // Relative XDG values are ignored.
        let p = Paths::from_vars(vars(&[("HOME", "/h"), ("XDG_DATA_HOME", "rel")])).unwrap();
        assert_eq!(p.cache_file, PathBuf::from("/h/.local/share/achievements-tui/cache.sqlite"));
        assert_eq!(Paths::from_vars(vars(&[])), Err(NoHome));
    }

    #[test]
    fn config_round_trips_privately() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("deep/er/config.json");
        assert_eq!(Config::load(&path).unwrap(), Config::default());
        let config = Config { server: Some("http://s".to_owned()), token: Some("t0k".to_owned()) };
        config.save(&path).unwrap();
        assert_eq!(Config::load(&path).unwrap(), config);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        std::fs::write(&path, "{ nope").unwrap();
        assert!(matches!(Config::load(&path), Err(ConfigError::Invalid { .. })));
    }

    #[test]
    fn precedence() {
        let file = Config { server: Some("http://file".to_owned()), token: Some("file-token".to_owned()) };
        let c = resolve(None, None, &file);
        assert_eq!(c.server, Some(("http://file".to_owned(), Source::ConfigFile)));
        assert_eq!(c.token.as_deref(), Some("file-token"));

        let c = resolve(Some("http://flag".to_owned()), None, &file);
        assert_eq!(c.server, Some(("http://flag".to_owned(), Source::Argument)));
        assert_eq!(c.token, None, "the file's token belongs to the file's server");

        let c = resolve(Some("http://file/".to_owned()), None, &file);
        assert_eq!(c.token.as_deref(), Some("file-token"));

        let c = resolve(Some("http://flag".to_owned()), Some("flag-token".to_owned()), &file);
        assert_eq!(c.token.as_deref(), Some("flag-token"));

        let c = resolve(None, Some("env-token".to_owned()), &Config::default());
        assert_eq!((c.server, c.token.as_deref()), (None, Some("env-token")));
    }
}
