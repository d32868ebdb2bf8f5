//! Why a badge cannot be earned now, and when its window ends, in words.
//!
//! The core decides both: its blockers (a window not open yet or closed, a
//! prerequisite missing, a retired definition) and the window in the user's
//! local days (the last day, the days left). This module only words them,
//! the same way in the list and in the detail view. A badge with such a
//! reason shows it instead of a progress gauge: a full gauge on a badge
//! that cannot unlock would say the opposite of the truth.

use crate::badges::Board;
use achievements_core::{Blocker, Date, LocalWindow};

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// `8 Jun 2026`.
pub fn date(d: Date) -> String {
    let month = MONTHS.get(usize::from(d.month().saturating_sub(1))).copied().unwrap_or("?");
    format!("{} {month} {}", d.day(), d.year())
}

/// The first reason other than progress, if any (the one a row shows).
pub fn first_gate(blockers: &[Blocker]) -> Option<&Blocker> {
    blockers.iter().find(|b| b.is_gate())
}

/// A reason other than progress as a sentence for the detail view:
/// "Event ended on 8 Jun 2026", "Starts on 1 Jun 2026", "Requires First
/// Launch first", "No longer awarded". `None` for the progress blocker
/// (the gauge shows it).
pub fn sentence(blocker: &Blocker, window: Option<LocalWindow>, board: &Board) -> Option<String> {
    Some(match blocker {
        Blocker::Inactive => "No longer awarded".to_owned(),
        Blocker::NotYetAvailable { .. } => format!("Starts on {}", starts_on(window)?),
        Blocker::WindowClosed { .. } => format!("Event ended on {}", ended_on(window)?),
        Blocker::Requires { key, name } => format!("Requires {} first", required_name(key, name.as_deref(), board)),
        Blocker::BelowTarget { .. } => return None,
    })
}

/// The same reason, short enough for a list row's gauge column:
/// "Ended 8 Jun 2026", "Starts 1 Jun 2026", "Needs First Launch".
pub fn short(blocker: &Blocker, window: Option<LocalWindow>, board: &Board) -> Option<String> {
    Some(match blocker {
        Blocker::Inactive => "Retired".to_owned(),
        Blocker::NotYetAvailable { .. } => format!("Starts {}", starts_on(window)?),
        Blocker::WindowClosed { .. } => format!("Ended {}", ended_on(window)?),
        Blocker::Requires { key, name } => format!("Needs {}", required_name(key, name.as_deref(), board)),
        Blocker::BelowTarget { .. } => return None,
    })
}

/// "ends in 3 days", "ends tomorrow", "ends today": an open window with an
/// end, for the detail view.
pub fn ends_in(window: Option<LocalWindow>) -> Option<String> {
    let Some(LocalWindow::Open { days_left: Some(days), .. }) = window else { return None };
    Some(match days {
        0 => "ends today".to_owned(),
        1 => "ends tomorrow".to_owned(),
        n => format!("ends in {n} days"),
    })
}

/// The same, for a list row's 10-column date cell: "3d left", "last day".
pub fn ends_in_short(window: Option<LocalWindow>) -> Option<String> {
    let Some(LocalWindow::Open { days_left: Some(days), .. }) = window else { return None };
    Some(if days == 0 { "last day".to_owned() } else { format!("{days}d left") })
}

fn starts_on(window: Option<LocalWindow>) -> Option<String> {
    match window? {
        LocalWindow::Upcoming { starts_on } => Some(date(starts_on)),
        _ => None,
    }
}

fn ended_on(window: Option<LocalWindow>) -> Option<String> {
    match window? {
        LocalWindow::Ended { last_day } => Some(date(last_day)),
        _ => None,
    }
}

/// A required badge's name; a secret the catalog only knows as a
/// placeholder stays unnamed.
fn required_name(key: &str, name: Option<&str>, board: &Board) -> String {
    match name {
        Some(name) => name.to_owned(),
        None if key.starts_with("secret-") && board.get(key).is_none_or(|b| !b.is_earned()) => {
            "a secret badge".to_owned()
        }
        None => board.display_name(key),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> Date {
        Date::parse(text).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn the_issues_sentences() {
        let board = Board::default();
        let until = "2026-06-09T00:00:00Z".parse().unwrap_or(achievements_core::Instant::UNIX_EPOCH);
        let ended = Some(LocalWindow::Ended { last_day: day("2026-06-08") });
        let closed = Blocker::WindowClosed { until };
        assert_eq!(sentence(&closed, ended, &board).as_deref(), Some("Event ended on 8 Jun 2026"));
        let upcoming = Some(LocalWindow::Upcoming { starts_on: day("2026-06-01") });
        let early = Blocker::NotYetAvailable { from: until };
        assert_eq!(sentence(&early, upcoming, &board).as_deref(), Some("Starts on 1 Jun 2026"));
        let requires = Blocker::Requires { key: "first_publish".into(), name: Some("First Publish".into()) };
        assert_eq!(sentence(&requires, None, &board).as_deref(), Some("Requires First Publish first"));
        let secret = Blocker::Requires { key: "secret-1".into(), name: None };
        assert_eq!(sentence(&secret, None, &board).as_deref(), Some("Requires a secret badge first"));
        let open = |days| Some(LocalWindow::Open { last_day: Some(day("2026-06-08")), days_left: Some(days) });
        assert_eq!(ends_in(open(3)).as_deref(), Some("ends in 3 days"));
        assert_eq!(ends_in(open(1)).as_deref(), Some("ends tomorrow"));
        assert_eq!(ends_in(open(0)).as_deref(), Some("ends today"));
        assert_eq!(ends_in(Some(LocalWindow::Open { last_day: None, days_left: None })), None);
    }
}
