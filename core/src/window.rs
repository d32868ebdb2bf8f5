//! A time-limited achievement's window as a person reads it: in calendar
//! days of their own time zone, as of `now` (an argument: the core reads no
//! clock).
//!
//! `available_until` is exclusive, so a window written
//! `2026-06-01T00:00:00Z … 2026-06-09T00:00:00Z` reads "1–8 June": its *last
//! day* is the local day of the last instant inside it, and "ends in N days"
//! counts the days from today to that last day (0 on the last day itself).
//! The web page and the terminal app both word these numbers; they take them
//! from here so they never disagree about which day an event ends.

use crate::engine::Engine;
use crate::state::UserState;
use crate::time::{Date, Instant, TimeZone};
use serde::Serialize;

/// Where `now` stands in a window, in the user's local days.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum LocalWindow {
    /// Not open yet: it opens on `starts_on`.
    Upcoming { starts_on: Date },
    /// Open now; `last_day` and `days_left` are `None` when it never closes.
    Open { last_day: Option<Date>, days_left: Option<i64> },
    /// Closed: `last_day` was its last day.
    Ended { last_day: Date },
}

/// The window `from`–`until` (either open-ended) at `now` in `zone`;
/// `None` when there is no window at all (or, at the edges of the calendar,
/// when a day it would name lies outside years 0000–9999: no date is made up).
pub fn local_window(
    from: Option<Instant>,
    until: Option<Instant>,
    zone: &TimeZone,
    now: Instant,
) -> Option<LocalWindow> {
    if from.is_none() && until.is_none() {
        return None;
    }
    if let Some(from) = from
        && now < from
    {
        return Some(LocalWindow::Upcoming { starts_on: zone.local_date(from)? });
    }
    let Some(until) = until else { return Some(LocalWindow::Open { last_day: None, days_left: None }) };
    let last_instant = last_instant_before(until);
    if now >= until {
        return Some(LocalWindow::Ended { last_day: zone.local_date(last_instant)? });
    }
    let days_left = i64::from(zone.local_day(last_instant)) - i64::from(zone.local_day(now));
    Some(LocalWindow::Open { last_day: zone.local_date(last_instant), days_left: Some(days_left.max(0)) })
}

/// The last instant (to the second) before the exclusive end `until`.
fn last_instant_before(until: Instant) -> Instant {
    if until.subsec_nanos() > 0 {
        return Instant::from_unix(until.unix_seconds(), 0).unwrap_or(until);
    }
    until.checked_add_seconds(-1).unwrap_or(until)
}

impl Engine {
    /// The window of the definition at `index` (catalog order) for `state`'s
    /// time zone at `now`; `None` when it has none.
    ///
    /// # Panics
    /// If `index` is out of range.
    pub fn local_window_at(&self, state: &UserState, index: usize, now: Instant) -> Option<LocalWindow> {
        let def = &self.catalog().achievements[index];
        local_window(def.available_from, def.available_until, state.timezone(), now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Instant {
        text.parse().unwrap_or(Instant::UNIX_EPOCH)
    }

    fn date(text: &str) -> Date {
        Date::parse(text).unwrap_or_else(|e| panic!("{e}"))
    }

    /// June 1st to 8th, as the event: `until` is the 9th at midnight.
    fn june(now: &str, zone: &TimeZone) -> Option<LocalWindow> {
        local_window(Some(at("2026-06-01T00:00:00Z")), Some(at("2026-06-09T00:00:00Z")), zone, at(now))
    }

    #[test]
    fn a_closed_window_names_its_last_day_not_the_exclusive_end() {
        let utc = TimeZone::utc();
        assert_eq!(june("2026-12-02T12:00:00Z", &utc), Some(LocalWindow::Ended { last_day: date("2026-06-08") }));
        assert_eq!(june("2026-06-09T00:00:00Z", &utc), Some(LocalWindow::Ended { last_day: date("2026-06-08") }));
    }

    #[test]
    fn an_upcoming_window_names_its_first_day() {
        let utc = TimeZone::utc();
        assert_eq!(june("2026-05-20T08:00:00Z", &utc), Some(LocalWindow::Upcoming { starts_on: date("2026-06-01") }));
    }

    #[test]
    fn an_open_window_counts_days_to_its_last_day() {
        let utc = TimeZone::utc();
        let open = |days: i64| LocalWindow::Open { last_day: Some(date("2026-06-08")), days_left: Some(days) };
        assert_eq!(june("2026-06-05T23:59:00Z", &utc), Some(open(3)));
        assert_eq!(june("2026-06-01T00:00:00Z", &utc), Some(open(7)));
        assert_eq!(june("2026-06-08T23:59:59Z", &utc), Some(open(0)), "the last day itself");
    }

    #[test]
    fn days_are_the_users_local_days() {
        // 22:30 UTC on the 5th is already the 6th in Tokyo (+09:00), and the
        // window's last instant (the 8th, 23:59:59 UTC) is the 9th there.
        let tokyo = TimeZone::from_table(crate::time::ZoneTable {
            name: "Asia/Tokyo".to_owned(),
            offset: 9 * 3600,
            transitions: Vec::new(),
        })
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            june("2026-06-05T22:30:00Z", &tokyo),
            Some(LocalWindow::Open { last_day: Some(date("2026-06-09")), days_left: Some(3) })
        );
    }

    #[test]
    fn open_ended_windows() {
        let utc = TimeZone::utc();
        assert_eq!(local_window(None, None, &utc, at("2026-06-05T00:00:00Z")), None);
        assert_eq!(
            local_window(Some(at("2026-06-01T00:00:00Z")), None, &utc, at("2026-06-05T00:00:00Z")),
            Some(LocalWindow::Open { last_day: None, days_left: None })
        );
    }
}
