//! The app's one time system for calendars: the core's. The app keeps its
//! instants as `jiff` timestamps (the clock, durations, the cache's and
//! the server's RFC 3339 text), but every calendar question — which date an
//! instant is in the user's zone, what "today" is, when the day turns — is
//! answered by the core's [`CoreZone`], the very zone the core counts
//! streak days in. So a zone the server accepts (an IANA name, `UTC`, a
//! fixed offset such as `+05:30`) shows exactly as the rules count it.

use jiff::Timestamp;

/// The core's instant.
pub type CoreInstant = achievements_core::Instant;

/// The core's time zone type: the only zone type in the app.
pub type CoreZone = achievements_core::TimeZone;

/// The core's civil date.
pub type CoreDate = achievements_core::Date;

/// UTC, as the core's time zone (for states made from nothing).
pub fn core_utc() -> CoreZone {
    CoreZone::utc()
}

/// An app timestamp as the core's instant (clamped to years 0000–9999,
/// which is all the core can write).
pub fn to_core(at: Timestamp) -> CoreInstant {
    at.into()
}

/// A core instant as an app timestamp.
pub fn from_core(at: CoreInstant) -> Timestamp {
    at.into()
}

/// The user's zone by name, as the core reads it: `UTC` (or ""), a fixed
/// offset such as `+05:30`, or an IANA name.
///
/// # Errors
/// A name this build's core does not know (a newer time-zone database on
/// the server, or a damaged file): the caller says so and shows UTC.
pub fn zone(name: &str) -> Result<CoreZone, achievements_core::StateError> {
    achievements_core::time_zone(name)
}

/// The local date of `at` in `tz`; `None` only when it is not a date of
/// years 0000–9999.
pub fn local_date(at: Timestamp, tz: &CoreZone) -> Option<CoreDate> {
    tz.local_date(to_core(at))
}

/// "2026-03-20" in `tz` (the instant in RFC 3339 when it has no local date).
pub fn date(at: Timestamp, tz: &CoreZone) -> String {
    local_date(at, tz).map_or_else(|| to_core(at).to_string(), |date| date.to_string())
}

/// "2026-03-20 13:00 CET" in `tz`: the zone as people write it (see
/// [`CoreZone::abbreviation_at`]; `+05:30` for a fixed offset).
pub fn date_time(at: Timestamp, tz: &CoreZone) -> String {
    let at = to_core(at);
    match tz.local_date_time(at) {
        Some((date, hour, minute, _)) => format!("{date} {hour:02}:{minute:02} {}", tz.abbreviation_at(at)),
        None => at.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn zones_dates_and_round_trips() {
        assert_eq!(zone("").unwrap().name(), "UTC");
        assert!(zone("Nowhere/Atlantis").is_err());
        assert_eq!(zone("Europe/Paris").unwrap().name(), "Europe/Paris");
        let at = Timestamp::from_second(1_774_000_000).unwrap();
        assert_eq!(from_core(to_core(at)), at);

        // 2026-03-20T23:30Z: still the 20th in UTC, the 21st in Paris and in +05:30.
        let late: Timestamp = "2026-03-20T23:30:00Z".parse().unwrap();
        let india = zone("+05:30").unwrap();
        assert_eq!(date(late, &core_utc()), "2026-03-20");
        assert_eq!(date(late, &zone("Europe/Paris").unwrap()), "2026-03-21");
        assert_eq!(date(late, &india), "2026-03-21");
        assert_eq!(date_time(late, &india), "2026-03-21 05:00 +05:30");
        assert_eq!(date_time(late, &zone("Europe/Paris").unwrap()), "2026-03-21 00:30 CET");
        assert_eq!(date_time(late, &core_utc()), "2026-03-20 23:30 UTC");

        let first: Timestamp = "0000-01-01T01:00:00Z".parse().unwrap();
        let west = zone("-05:00").unwrap();
        assert_eq!(date(first, &west), "0000-01-01T01:00:00Z", "no local date: the instant, not a made-up date");
        assert_eq!(date_time(first, &west), "0000-01-01T01:00:00Z");
    }
}
