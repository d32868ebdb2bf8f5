//! The plan's success metrics, for `GET stats/` and `achievements stats`:
//! how many users earned something, how many each, which badges are most
//! and least earned (the rarity players see), how long a new user takes to
//! earn a first badge, and unlocks per day. Read-only queries over the
//! `users` and `earned` tables.

use crate::store::StoreError;
use achievements_core::{Date, Instant};
use serde::Serialize;
use std::collections::HashMap;
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

/// What the metrics are computed from, as a backend reads it (inside one
/// read transaction, for a consistent view).
#[derive(Debug, Default)]
pub(crate) struct Counts {
    pub users: i64,
    pub users_with_achievements: i64,
    pub total_earned: i64,
    /// Every active achievement in catalog order: key, name, users who earned it.
    pub earners: Vec<(String, String, i64)>,
    /// For each user with a badge: when they were created, and their first
    /// badge's `earned_at` (both RFC 3339, as stored).
    pub first_badges: Vec<(String, String)>,
    /// Unlocks per UTC day (`YYYY-MM-DD`) in the range; days without any are absent.
    pub per_day: HashMap<String, i64>,
}

/// The metrics from what a backend counted.
///
/// # Errors
/// [`StoreError::Corrupt`] for an unreadable timestamp.
pub(crate) fn assemble(counts: Counts, from: Date, until: Date) -> Result<Stats, StoreError> {
    let Counts { users, users_with_achievements: users_with, total_earned: total, earners, first_badges, per_day } =
        counts;
    let ratio = |n: i64| if users == 0 { 0.0 } else { n as f64 / users as f64 };
    let mut earners: Vec<Earners> =
        earners.into_iter().map(|(key, name, count)| Earners { key, name, count, share: ratio(count) }).collect();
    // Stable sorts: ties stay in catalog order.
    earners.sort_by_key(|e| std::cmp::Reverse(e.count));
    let most_earned = earners.iter().take(TOP).cloned().collect();
    earners.sort_by_key(|e| e.count);
    let least_earned = earners.into_iter().take(TOP).collect();

    let parse = |t: &str| t.parse::<Instant>().map_err(|e| StoreError::Corrupt(format!("timestamp `{t}`: {e}")));
    let mut waits = Vec::with_capacity(first_badges.len());
    for (created, first) in &first_badges {
        waits.push((parse(first)?.unix_seconds() - parse(created)?.unix_seconds()).max(0));
    }
    waits.sort_unstable();
    let median = match waits.len() {
        0 => None,
        n if n % 2 == 1 => Some(waits[n / 2]),
        n => Some((waits[n / 2 - 1] + waits[n / 2]) / 2),
    };

    // Every day between two dates is a date.
    let days = (from.day_number()..=until.day_number())
        .filter_map(Date::from_day_number)
        .map(|date| {
            let date = date.to_string();
            let count = per_day.get(&date).copied().unwrap_or(0);
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
