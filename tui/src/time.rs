//! Where the app's times meet the core's. The app keeps `jiff` timestamps
//! (to show dates in the user's time zone); the core takes its own instant
//! type. Every crossing goes through here, so the two can differ.

use jiff::Timestamp;
use jiff::tz::TimeZone;

/// The core's instant.
pub type CoreInstant = achievements_core::Instant;

/// The core's time zone type.
pub type CoreZone = achievements_core::TimeZone;

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

/// A time zone for display by IANA name; "" and unknown names are UTC (the
/// name came from the server or a state file, which the core validated).
pub fn zone(name: &str) -> TimeZone {
    if name.is_empty() {
        return TimeZone::UTC;
    }
    TimeZone::get(name).unwrap_or(TimeZone::UTC)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_and_round_trips() {
        assert_eq!(zone("").iana_name(), Some("UTC"));
        assert_eq!(zone("Nowhere/Atlantis").iana_name(), Some("UTC"));
        assert_eq!(zone("Europe/Paris").iana_name(), Some("Europe/Paris"));
        let at = Timestamp::from_second(1_774_000_000).unwrap_or(Timestamp::UNIX_EPOCH);
        assert_eq!(from_core(to_core(at)), at);
    }
}
