//! What the app browses: a catalog and a user's state, loaded either from
//! the sync cache or, in local rules mode, from files. Everything the
//! interface shows is derived from a [`Dataset`] by the core.

use crate::cache::{Cache, CacheError, Stored};
use crate::file_read::{ReadFileError, read_text_file};
use crate::resource::Resource;
use crate::time::CoreZone;
use crate::wire::{self, Item, ItemList, Me, Notification};
use achievements_core::{Engine, StateSnapshot, UserState, load_catalog};
use jiff::Timestamp;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Where the data comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A server, through the cache.
    Server { url: Option<String> },
    /// Local rules mode: files, no server.
    Local { catalog: PathBuf, state: Option<PathBuf> },
}

/// A catalog compiled by the core, and a user's state laid out for it.
#[derive(Clone, Debug)]
pub struct Rules {
    pub engine: Engine,
    pub state: UserState,
}

/// Who the data belongs to.
#[derive(Clone, Debug, PartialEq)]
pub struct User {
    pub name: String,
    /// Dates are shown in the user's time zone: the core's, the one their
    /// streaks are counted in (see [`crate::time`]).
    pub timezone: CoreZone,
    pub points: i64,
}

/// The server's notifications, if synced.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Notifications {
    #[default]
    NotSynced,
    /// The server has no notifications route (404).
    Unsupported,
    List(Vec<Notification>),
}

/// What the last successful sync left.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SyncStamp {
    pub last_sync: Option<Timestamp>,
    pub generation: u64,
    pub reset_generation: u64,
}

/// Everything to browse.
#[derive(Clone, Debug)]
pub struct Dataset {
    pub origin: Origin,
    /// `None` when there is no catalog this core can load: the app then
    /// shows the server's own listing (progress as of the last sync).
    pub rules: Option<Rules>,
    pub user: Option<User>,
    /// The server's `achievements/` listing.
    pub items: Vec<Item>,
    /// The server's `achievements/earned/` listing: it names the secret
    /// badges the user has earned, which the public catalog hides.
    pub earned: Vec<Item>,
    /// Active secrets not yet earned, by the server's count.
    pub secret_locked: Option<usize>,
    pub notifications: Notifications,
    pub stamp: SyncStamp,
    /// Earned key → the sync generation that first listed it.
    pub first_seen: HashMap<String, u64>,
    /// Things that could be read only in part, for the status line.
    pub problems: Vec<String>,
}

impl Dataset {
    /// Nothing at all yet (first start, before the first sync).
    pub fn empty(origin: Origin) -> Self {
        Dataset {
            origin,
            rules: None,
            user: None,
            items: vec![],
            earned: vec![],
            secret_locked: None,
            notifications: Notifications::NotSynced,
            stamp: SyncStamp::default(),
            first_seen: HashMap::new(),
            problems: vec![],
        }
    }

    /// True before anything was synced or loaded.
    pub fn is_empty(&self) -> bool {
        self.rules.is_none() && self.items.is_empty() && self.earned.is_empty()
    }

    /// Reads what the cache holds and compiles the catalog with the core.
    /// Parts the core cannot use are reported in `problems` and left out;
    /// the server's full listing is read only when the catalog cannot be.
    ///
    /// # Errors
    /// [`LoadError`]: the cache failed, or a stored document is unreadable
    /// (the cache is damaged: rebuild it).
    pub fn load(cache: &Cache) -> Result<Self, LoadError> {
        Self::read(cache, true)
    }

    /// Only who, when and what is new — no catalog, no rules: enough, with
    /// the cached badge list ([`Cache::board`]), for a first frame while
    /// [`Dataset::load`] runs in the background.
    ///
    /// # Errors
    /// As [`Dataset::load`].
    pub fn load_header(cache: &Cache) -> Result<Self, LoadError> {
        Self::read(cache, false)
    }

    fn read(cache: &Cache, full: bool) -> Result<Self, LoadError> {
        let meta = cache.meta()?;
        let mut data = Dataset::empty(Origin::Server { url: meta.server.clone() });
        data.stamp = SyncStamp {
            last_sync: meta.last_sync,
            generation: meta.generation,
            reset_generation: meta.reset_generation,
        };
        if !full {
            // The header alone: no document to read. Nothing is new at start
            // (the session's baseline is this generation), so the first
            // sightings are not needed either.
            data.secret_locked = meta.profile.as_ref().map(|p| p.secret_locked);
            data.user = meta.user.clone().map(|name| {
                let profile = meta.profile.clone().unwrap_or_default();
                // The full load says so when the zone is unknown.
                let timezone = crate::time::zone(&profile.timezone).unwrap_or_else(|_| crate::time::core_utc());
                User { name, timezone, points: profile.points }
            });
            return Ok(data);
        }
        data.first_seen = cache.first_seen()?;
        let body = |r: Resource| -> Result<Option<String>, LoadError> {
            Ok(match cache.document(r)? {
                Some(Stored::Body { body, .. }) => Some(body),
                _ => None,
            })
        };
        let damaged = |r: &str, e: &dyn std::fmt::Display| LoadError::Damaged(format!("cached {r} is unreadable: {e}"));

        data.notifications = match cache.document(Resource::Notifications)? {
            Some(Stored::Body { body, .. }) => {
                Notifications::List(wire::notifications(&body).map_err(|e| damaged("notifications", &e))?)
            }
            Some(Stored::Unsupported { .. }) => Notifications::Unsupported,
            None => Notifications::NotSynced,
        };
        let me: Option<Me> =
            body(Resource::Me)?.map(|t| serde_json::from_str(&t)).transpose().map_err(|e| damaged("me", &e))?;
        if let Some(me) = &me {
            data.secret_locked = Some(me.secret_locked);
        }
        if let Some(text) = body(Resource::Catalog)? {
            match load_catalog(&text) {
                Ok(loaded) => {
                    let engine = Engine::new(loaded.catalog);
                    let (state, problem) = state_for(&engine, me.as_ref());
                    data.problems.extend(problem);
                    data.rules = Some(Rules { engine, state });
                }
                Err(invalid) => data.problems.push(format!(
                    "this app cannot read the server's catalog ({} problem(s), first: {}); showing the server's \
                     listing as of the last sync, without previews — update achievements-tui",
                    invalid.errors.len(),
                    invalid.errors.first().map(ToString::to_string).unwrap_or_default()
                )),
            }
        }
        // With the rules, only the earned entries the catalog cannot
        // describe are needed; without them, the server's listings are all
        // there is.
        let extra = if data.rules.is_some() { cache.earned_extra()? } else { None };
        let earned = match extra {
            Some(text) => Some(text),
            None => body(Resource::Earned)?,
        };
        if let Some(text) = earned {
            let list: ItemList = serde_json::from_str(&text).map_err(|e| damaged("earned", &e))?;
            data.earned = list.results;
        }
        if data.rules.is_none()
            && let Some(text) = body(Resource::Achievements)?
        {
            let list: ItemList = serde_json::from_str(&text).map_err(|e| damaged("achievements", &e))?;
            data.secret_locked = Some(list.secret_locked);
            data.items = list.results;
        }
        if let Some(me) = me {
            let timezone = crate::time::zone(&me.timezone).unwrap_or_else(|e| {
                data.problems.push(format!("dates are shown in UTC: {e}; update achievements-tui"));
                crate::time::core_utc()
            });
            data.user = Some(User { name: me.name, timezone, points: me.points });
        }
        Ok(data)
    }

    /// Local rules mode: a catalog file and, optionally, a state file (a
    /// core `StateSnapshot`); no server, no cache.
    ///
    /// # Errors
    /// [`LocalError`]: unreadable or invalid files.
    pub fn local(catalog: &Path, state: Option<&Path>) -> Result<Self, LocalError> {
        let read = |path: &Path| read_text_file(path).map_err(LocalError::Read);
        let loaded = load_catalog(&read(catalog)?)
            .map_err(|invalid| LocalError::Catalog { path: catalog.to_owned(), report: invalid.report() })?;
        let engine = Engine::new(loaded.catalog);
        let snapshot = match state {
            Some(path) => serde_json::from_str::<StateSnapshot>(&read(path)?)
                .map_err(|e| LocalError::State { path: path.to_owned(), reason: e.to_string() })?,
            None => StateSnapshot::default(),
        };
        let state_value = engine
            .state_from_snapshot(&snapshot)
            .map_err(|e| LocalError::State { path: state.unwrap_or(catalog).to_owned(), reason: e.to_string() })?;
        let points = engine.catalog().points_field.as_deref().map_or(0, |f| engine.stat(&state_value, f));
        let mut data = Dataset::empty(Origin::Local { catalog: catalog.to_owned(), state: state.map(Path::to_owned) });
        // The state's zone, which the core just read from the file.
        let timezone = state_value.timezone().clone();
        data.user = Some(User { name: "local".to_owned(), timezone, points });
        data.problems = loaded.warnings.iter().map(|w| format!("catalog warning: {w}")).collect();
        data.rules = Some(Rules { engine, state: state_value });
        Ok(data)
    }
}

/// The user's state from `me/`, or a fresh one (with why, if it is not
/// what the server sent).
fn state_for(engine: &Engine, me: Option<&Me>) -> (UserState, Option<String>) {
    let fresh = || engine.new_state(crate::time::core_utc());
    let Some(me) = me else { return (fresh(), None) };
    match me.snapshot() {
        Ok(Some(snapshot)) => match engine.state_from_snapshot(&snapshot) {
            Ok(state) => (state, None),
            Err(e) => (fresh(), Some(format!("your progress could not be read: {e}"))),
        },
        Ok(None) => (fresh(), Some("the server sent no progress state".to_owned())),
        Err(e) => (fresh(), Some(format!("this app cannot read the server's progress state: {e}"))),
    }
}

/// Local rules mode could not start.
#[derive(Debug, thiserror::Error)]
pub enum LocalError {
    #[error(transparent)]
    Read(ReadFileError),
    #[error("invalid catalog {path} (`achievements rules validate FILE` explains):\n{report}")]
    Catalog { path: PathBuf, report: String },
    #[error(
        "invalid state file {path}: {reason} (expected a core StateSnapshot: timezone, stats, streak_days, earned)"
    )]
    State { path: PathBuf, reason: String },
}

/// The cache could not be read.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Cache(#[from] CacheError),
    /// A stored document is not what was stored: the cache is damaged.
    #[error("{0}")]
    Damaged(String),
}

impl LoadError {
    /// Rebuilding the cache is the cure.
    pub fn is_damage(&self) -> bool {
        match self {
            LoadError::Cache(e) => e.is_unusable(),
            LoadError::Damaged(_) => true,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::cache::{Commit, Fetched};

    fn with_me(body: &str) -> Cache {
        let mut cache = Cache::open_in_memory().unwrap();
        cache
            .commit(&Commit {
                server: "http://s".to_owned(),
                user: Some("ann".to_owned()),
                at: "2026-03-20T12:00:00Z".parse().unwrap(),
                documents: vec![(Resource::Me, Fetched::Body { body: body.to_owned(), etag: None })],
                earned_keys: vec![],
                earned_extra: None,
                profile: None,
            })
            .unwrap();
        cache
    }

    /// The user's zone is the core's: fixed offsets included; a name this
    /// build does not know is shown in UTC, and said.
    #[test]
    fn the_users_zone_is_read_by_the_core() {
        let data = Dataset::load(&with_me(r#"{"name":"ann","timezone":"+05:30"}"#)).unwrap();
        assert_eq!(data.user.unwrap().timezone.name(), "+05:30");
        assert!(data.problems.is_empty(), "{:?}", data.problems);

        let data = Dataset::load(&with_me(r#"{"name":"ann","timezone":"Mars/Olympus"}"#)).unwrap();
        assert_eq!(data.user.unwrap().timezone.name(), "UTC");
        assert_eq!(
            data.problems,
            ["dates are shown in UTC: unknown time zone `Mars/Olympus` (use an IANA name such as Europe/Paris); \
              update achievements-tui"]
        );
    }
}
