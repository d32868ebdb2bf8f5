//! The plan's success metrics, for `GET stats/` and `achievements stats`:
//! how many users earned something, how many each, which badges are most
//! and least earned (the rarity players see), how long a new user takes to
//! earn a first badge, and unlocks per day. Read-only queries over the
//! `users` and `earned` tables.

use crate::store::StoreError;
use achievements_core::{Date, Instant};
use rusqlite::Connection;
use serde::Serialize;
use std::fmt::Write as _;

/// How many achievements `most_earned` and `least_earned` list.
pub(crate) const TOP: usize = 5;
/// The default range of `unlocks_per_day`, in days up to today.
pub(crate) const DEFAULT_DAYS: i32 = 30;
/// The longest range of `unlocks_per_day`, in days.
pub(crate) const MAX_DAYS: i32 = 3660;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct Stats {
    pub users: i64,
    pub users_with_achievements: i64,
    /// `users_with_achievements / users` (0 without users), 0–1.
    pub share_with_achievement: f64,
    /// Earned badges per user (every user counts).
    pub average_per_user: f64,
    pub total_earned: i64,
    /// Active achievements, most earned first (at most [`TOP`]).
    pub most_earned: Vec<Earners>,
    /// Active achievements, least earned first, never-earned ones included.
    pub least_earned: Vec<Earners>,
    /// Median, over users with a badge, of the time from the user's creation
    /// to their first badge's `earned_at` (0 when earned before creation,
    /// as with imported history); `null` when nobody has a badge.
    pub median_seconds_to_first_achievement: Option<i64>,
    pub unlocks_per_day: PerDay,
}

/// One achievement and how many users earned it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct Earners {
    pub key: String,
    pub name: String,
    pub count: i64,
    /// `count / users`, 0–1.
    pub share: f64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct PerDay {
    /// First and last day (UTC), inclusive.
    pub from: String,
    pub until: String,
    /// Every day of the range, zeros included.
    pub days: Vec<Day>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct Day {
    pub date: String,
    pub count: i64,
}

/// The range of `unlocks_per_day`: `from`/`until` (`YYYY-MM-DD`, UTC days),
/// by default the [`DEFAULT_DAYS`] days up to `now`'s day.
///
/// # Errors
/// A message for a malformed date, a reversed or too long range.
pub(crate) fn range(from: Option<&str>, until: Option<&str>, now: Instant) -> Result<(Date, Date), String> {
    let parse = |name: &str, text: &str| {
        Date::parse(text).map_err(|_| format!("`{name}` must be a date such as 2026-03-01, got `{text}`."))
    };
    let until = match until {
        Some(text) => parse("until", text)?,
        None => now.utc_date(),
    };
    let from = match from {
        Some(text) => parse("from", text)?,
        None => Date::from_day_number(until.day_number() - (DEFAULT_DAYS - 1)).ok_or_else(|| {
            format!("The {DEFAULT_DAYS} days up to `until` ({until}) start before year 0000; give `from`.")
        })?,
    };
    if from > until {
        return Err(format!("`from` ({from}) is after `until` ({until})."));
    }
    if until.day_number() - from.day_number() >= MAX_DAYS {
        return Err(format!("The range is longer than {MAX_DAYS} days."));
    }
    Ok((from, until))
}

/// Computes the metrics (inside one read transaction, for a consistent view).
///
/// # Errors
/// SQLite errors; [`StoreError::Corrupt`] for an unreadable timestamp.
pub(crate) fn compute(conn: &Connection, from: Date, until: Date) -> Result<Stats, StoreError> {
    let users: i64 = conn.query_row("SELECT count(*) FROM users", [], |r| r.get(0))?;
    let users_with: i64 = conn.query_row("SELECT count(DISTINCT user_id) FROM earned", [], |r| r.get(0))?;
    let total: i64 = conn.query_row("SELECT count(*) FROM earned", [], |r| r.get(0))?;
    let ratio = |n: i64| if users == 0 { 0.0 } else { n as f64 / users as f64 };

    let mut stmt = conn.prepare(
        "SELECT a.key, coalesce(json_extract(a.definition, '$.name'), a.key), count(e.user_id)
         FROM achievements a LEFT JOIN earned e ON e.achievement_key = a.key
         WHERE a.is_active = 1 GROUP BY a.key ORDER BY a.position",
    )?;
    let mut earners: Vec<Earners> = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?)))?
        .map(|row| row.map(|(key, name, count)| Earners { key, name, count, share: ratio(count) }))
        .collect::<Result<_, _>>()?;
    // Stable sorts: ties stay in catalog order.
    earners.sort_by_key(|e| std::cmp::Reverse(e.count));
    let most_earned = earners.iter().take(TOP).cloned().collect();
    earners.sort_by_key(|e| e.count);
    let least_earned = earners.into_iter().take(TOP).collect();

    let mut stmt = conn.prepare(
        "SELECT u.created_at, min(e.earned_at) FROM users u JOIN earned e ON e.user_id = u.id GROUP BY u.id",
    )?;
    let parse = |t: &str| t.parse::<Instant>().map_err(|e| StoreError::Corrupt(format!("timestamp `{t}`: {e}")));
    let mut waits = Vec::new();
    for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))? {
        let (created, first) = row?;
        waits.push((parse(&first)?.unix_seconds() - parse(&created)?.unix_seconds()).max(0));
    }
    waits.sort_unstable();
    let median = match waits.len() {
        0 => None,
        n if n % 2 == 1 => Some(waits[n / 2]),
        n => Some((waits[n / 2 - 1] + waits[n / 2]) / 2),
    };

    let mut stmt = conn.prepare(
        "SELECT substr(earned_at, 1, 10) AS day, count(*) FROM earned
         WHERE day BETWEEN ?1 AND ?2 GROUP BY day",
    )?;
    let counts: std::collections::HashMap<String, i64> = stmt
        .query_map([from.to_string(), until.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    // Every day between two dates is a date.
    let days = (from.day_number()..=until.day_number())
        .filter_map(Date::from_day_number)
        .map(|date| {
            let date = date.to_string();
            let count = counts.get(&date).copied().unwrap_or(0);
            Day { date, count }
        })
        .collect();

    Ok(Stats {
        users,
        users_with_achievements: users_with,
        share_with_achievement: ratio(users_with),
        average_per_user: ratio(total),
        total_earned: total,
        most_earned,
        least_earned,
        median_seconds_to_first_achievement: median,
        unlocks_per_day: PerDay { from: from.to_string(), until: until.to_string(), days },
    })
}

/// `1 d 2 h 3 min`, `45 s`.
pub(crate) fn human_duration(seconds: i64) -> String {
    let (d, h, m, s) = (seconds / 86_400, seconds % 86_400 / 3600, seconds % 3600 / 60, seconds % 60);
    let mut text = String::new();
    for (n, unit) in [(d, "d"), (h, "h"), (m, "min")] {
        if n > 0 {
            let _ = write!(text, "{n} {unit} ");
        }
    }
    if text.is_empty() {
        let _ = write!(text, "{s} s");
    }
    text.trim_end().to_owned()
}

/// The metrics as `achievements stats` prints them.
pub(crate) fn render(stats: &Stats) -> String {
    let pct = |x: f64| format!("{:.1}%", x * 100.0);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "users: {}, with at least one achievement: {} ({})",
        stats.users,
        stats.users_with_achievements,
        pct(stats.share_with_achievement)
    );
    let _ = writeln!(out, "achievements earned: {} ({:.2} per user)", stats.total_earned, stats.average_per_user);
    let median = stats.median_seconds_to_first_achievement.map_or_else(|| "n/a".to_owned(), human_duration);
    let _ = writeln!(out, "median time to first achievement: {median}");
    for (title, list) in [("most earned", &stats.most_earned), ("least earned", &stats.least_earned)] {
        let _ = writeln!(out, "{title}:");
        let width = list.iter().map(|e| e.key.chars().count()).max().unwrap_or(0);
        for e in list {
            let _ = writeln!(out, "  {:width$}  {:>6}  {:>6}  {}", e.key, e.count, pct(e.share), e.name);
        }
    }
    let per_day = &stats.unlocks_per_day;
    let total: i64 = per_day.days.iter().map(|d| d.count).sum();
    let _ = writeln!(out, "unlocks per day, {} to {} ({total} in all):", per_day.from, per_day.until);
    let peak = per_day.days.iter().map(|d| d.count).max().unwrap_or(0).max(1);
    for day in &per_day.days {
        let bar = "#".repeat(usize::try_from(day.count * 40 / peak).unwrap_or(0));
        let _ = writeln!(out, "  {}  {:>5}  {bar}", day.date, day.count);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The default range counts back from `until`; before year 0000 there
    /// is no date to start from, which is said, not replaced by another day.
    #[test]
    fn a_default_range_before_year_0000_is_refused() {
        let now: Instant = "2026-03-20T12:00:00Z".parse().expect("instant");
        let (from, until) = range(None, None, now).expect("default range");
        assert_eq!((from.to_string(), until.to_string()), ("2026-02-19".to_owned(), "2026-03-20".to_owned()));
        let message = range(None, Some("0000-01-10"), now).expect_err("no date 29 days before");
        assert_eq!(message, "The 30 days up to `until` (0000-01-10) start before year 0000; give `from`.");
        assert!(range(Some("0000-01-01"), Some("0000-01-10"), now).is_ok());
    }
}
