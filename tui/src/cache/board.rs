//! The badge list as last shown, stored at each sync so that the first
//! frame draws it while the core compiles the catalog in the background.
//! It belongs to one sync generation: older than the data, it is not read.

use super::{Cache, CacheError, damaged, timestamp};
use crate::badges::{Badge, Earned, Kind};
use achievements_core::{Category, Progress, Rarity};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

impl Cache {
    /// Stores the badge list as shown after sync `generation`, replacing
    /// the previous one, in one transaction.
    ///
    /// # Errors
    /// SQLite errors; the previous list stays then.
    pub fn store_board(&mut self, generation: u64, badges: &[Badge]) -> Result<(), CacheError> {
        let result = write_board(&mut self.conn, generation, badges);
        result.map_err(|e| self.error(e))
    }

    /// The badge list stored for the current sync generation, in display
    /// order; `None` when there is none or it is older than the data.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn board(&self) -> Result<Option<Vec<Badge>>, CacheError> {
        self.read_board().map_err(|e| self.error(e))
    }

    fn read_board(&self) -> Result<Option<Vec<Badge>>, rusqlite::Error> {
        let meta = self.read_meta()?;
        let stored: Option<String> = self
            .conn
            .query_row("SELECT value FROM meta WHERE key = 'board_generation'", [], |r| r.get(0))
            .optional()?;
        if meta.generation == 0 || stored.and_then(|g| g.parse::<u64>().ok()) != Some(meta.generation) {
            return Ok(None);
        }
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, kind, name, description, icon, color_from, color_to, category, points, rarity, criteria,
                    requires, current, target, percent, earned_at, value_at_unlock, cause, rule
             FROM board ORDER BY position",
        )?;
        let rows = stmt.query_map([], |row| {
            let id: String = row.get(0)?;
            let requires: String = row.get(11)?;
            let category: String = row.get(7)?;
            let category =
                Category::parse(&category).ok_or_else(|| damaged(format!("badge `{id}` has category `{category}`")))?;
            let rarity = match row.get::<_, Option<String>>(9)? {
                Some(r) => Some(Rarity::parse(&r).ok_or_else(|| damaged(format!("badge `{id}` has rarity `{r}`")))?),
                None => None,
            };
            let kind = kind_from(row.get(1)?).ok_or_else(|| damaged(format!("badge `{id}` has an unknown kind")))?;
            let progress = match (row.get::<_, Option<i64>>(12)?, row.get::<_, Option<i64>>(13)?) {
                (Some(current), Some(target)) => {
                    let percent = u8::try_from(row.get::<_, Option<i64>>(14)?.unwrap_or(0).clamp(0, 100)).unwrap_or(0);
                    let earned_at: Option<String> = row.get(15)?;
                    Some(Progress { current, target, percent, earned: earned_at.is_some() })
                }
                _ => None,
            };
            let earned = match row.get::<_, Option<String>>(15)? {
                Some(at) => Some(Earned {
                    at: timestamp(&at, &format!("badge `{id}`"))?,
                    value_at_unlock: row.get(16)?,
                    cause: row.get(17)?,
                }),
                None => None,
            };
            Ok(Badge {
                id,
                kind,
                name: row.get(2)?,
                description: row.get(3)?,
                icon: row.get(4)?,
                color_from: row.get(5)?,
                color_to: row.get(6)?,
                category,
                points: row.get(8)?,
                rarity,
                criteria: row.get(10)?,
                requires: requires.lines().map(str::to_owned).collect(),
                progress,
                earned,
                is_new: false,
                rule: row.get::<_, Option<i64>>(18)?.and_then(|r| usize::try_from(r).ok()),
            })
        })?;
        rows.collect::<Result<Vec<_>, _>>().map(Some)
    }
}

fn write_board(conn: &mut Connection, generation: u64, badges: &[Badge]) -> Result<(), rusqlite::Error> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute("DELETE FROM board", [])?;
    {
        let mut insert = tx.prepare_cached(
            "INSERT INTO board (position, id, kind, name, description, icon, color_from, color_to, category, points,
                                rarity, criteria, requires, current, target, percent, earned_at, value_at_unlock,
                                cause, rule)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)",
        )?;
        for (position, b) in badges.iter().enumerate() {
            insert.execute(params![
                i64::try_from(position).unwrap_or(i64::MAX),
                b.id,
                kind_code(b.kind),
                b.name,
                b.description,
                b.icon,
                b.color_from,
                b.color_to,
                b.category.as_str(),
                b.points,
                b.rarity.map(Rarity::as_str),
                b.criteria,
                b.requires.join("\n"),
                b.progress.map(|p| p.current),
                b.progress.map(|p| p.target),
                b.progress.map(|p| i64::from(p.percent)),
                b.earned.as_ref().map(|e| e.at.to_string()),
                b.earned.as_ref().and_then(|e| e.value_at_unlock),
                b.earned.as_ref().and_then(|e| e.cause.clone()),
                b.rule.and_then(|r| i64::try_from(r).ok()),
            ])?;
        }
    }
    tx.execute(
        "INSERT INTO meta (key, value) VALUES ('board_generation', ?1) ON CONFLICT (key) DO UPDATE SET value = ?1",
        [generation.to_string()],
    )?;
    tx.commit()
}

fn kind_code(kind: Kind) -> i64 {
    match kind {
        Kind::Listed => 0,
        Kind::Secret => 1,
        Kind::Hidden => 2,
        Kind::Retired => 3,
    }
}

fn kind_from(code: i64) -> Option<Kind> {
    match code {
        0 => Some(Kind::Listed),
        1 => Some(Kind::Secret),
        2 => Some(Kind::Hidden),
        3 => Some(Kind::Retired),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::cache::tests::{at, commit};

    #[test]
    fn the_cached_list_round_trips_and_goes_stale() {
        let mut cache = Cache::open_in_memory().unwrap();
        let generation = cache.commit(&commit("http://s", "ann", &["first"])).unwrap();
        let earned = Badge {
            id: "first".to_owned(),
            kind: Kind::Secret,
            name: "First".to_owned(),
            description: "d".to_owned(),
            icon: "faStar".to_owned(),
            color_from: "blue-500".to_owned(),
            color_to: "blue-600".to_owned(),
            category: Category::Streaks,
            points: 10,
            rarity: Some(Rarity::Epic),
            criteria: Some("x ≥ 1".to_owned()),
            requires: vec!["a".to_owned(), "secret-1".to_owned()],
            progress: Some(Progress { current: 3, target: 1, percent: 100, earned: true }),
            earned: Some(Earned {
                at: at("2026-03-01T10:00:00Z"),
                value_at_unlock: Some(1),
                cause: Some("event".to_owned()),
            }),
            is_new: false,
            rule: Some(7),
        };
        let hidden = Badge {
            id: "secret-2".to_owned(),
            kind: Kind::Hidden,
            rarity: None,
            criteria: None,
            requires: vec![],
            progress: None,
            earned: None,
            rule: None,
            ..earned.clone()
        };
        cache.store_board(generation, &[earned.clone(), hidden.clone()]).unwrap();
        assert_eq!(cache.board().unwrap(), Some(vec![earned, hidden]));
        cache.commit(&commit("http://s", "ann", &["first"])).unwrap();
        assert_eq!(cache.board().unwrap(), None, "older than the data");
    }

    /// A value this app never writes is damage, reported as such (so the
    /// cache is rebuilt), never read as a plausible default.
    #[test]
    fn damaged_values_are_unusable_not_defaults() {
        let badge = Badge {
            id: "first".to_owned(),
            kind: Kind::Listed,
            name: "First".to_owned(),
            description: "d".to_owned(),
            icon: "faStar".to_owned(),
            color_from: "blue-500".to_owned(),
            color_to: "blue-600".to_owned(),
            category: Category::Projects,
            points: 10,
            rarity: Some(Rarity::Common),
            criteria: None,
            requires: vec![],
            progress: None,
            earned: Some(Earned { at: at("2026-03-01T10:00:00Z"), value_at_unlock: Some(1), cause: None }),
            is_new: false,
            rule: None,
        };
        for (damage, expected) in [
            ("UPDATE board SET category = 'duels'", "badge `first` has category `duels`"),
            ("UPDATE board SET earned_at = 'yesterday'", "badge `first` has the time `yesterday`"),
            ("UPDATE board SET rarity = 'mythic'", "badge `first` has rarity `mythic`"),
            ("UPDATE board SET kind = 9", "badge `first` has an unknown kind"),
            ("UPDATE board SET points = 'ten'", "Invalid column type"),
        ] {
            let mut cache = Cache::open_in_memory().unwrap();
            let generation = cache.commit(&commit("http://s", "ann", &["first"])).unwrap();
            cache.store_board(generation, std::slice::from_ref(&badge)).unwrap();
            assert_eq!(cache.board().unwrap().unwrap()[0], badge, "the undamaged list reads back");
            cache.conn.execute_batch(damage).unwrap();
            let error = cache.board().unwrap_err();
            assert!(error.is_unusable(), "{damage}: {error}");
            assert!(error.to_string().contains(expected), "{damage}: {error}");
        }
    }
}
