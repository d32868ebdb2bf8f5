//! Time as the rules need it: instants, civil dates and the offset of a
//! time zone at an instant. Nothing more, and nothing that reads a clock.
//!
//! The core owns these small types instead of exposing a date-time library:
//! the rules need only "what local day is this instant in this zone", and the
//! WebAssembly build must stay small (a general date-time library alone is
//! larger than the web page's whole budget; see BENCHMARKS.md). The IANA
//! time-zone database comes in with the `tzdb` feature (on by default, for
//! the server and the terminal app); without it, a zone is UTC, a fixed
//! offset, or a table of transitions handed over by someone who has the
//! database (the server sends one to the web page).

use crate::streak::DayNumber;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

const SECONDS_PER_DAY: i64 = 86_400;

/// An instant: seconds and nanoseconds since 1970-01-01T00:00:00Z.
/// Written and read as RFC 3339 (`2026-03-01T10:00:00Z`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant {
    seconds: i64,
    nanos: u32,
}

impl Instant {
    pub const UNIX_EPOCH: Instant = Instant { seconds: 0, nanos: 0 };
    /// 0000-01-01T00:00:00Z, the earliest instant RFC 3339 can write.
    const MIN_SECONDS: i64 = -62_167_219_200;
    /// 9999-12-31T23:59:59Z, the latest.
    const MAX_SECONDS: i64 = 253_402_300_799;

    /// The instant `seconds` (and `nanos`) after the Unix epoch, if it lies
    /// within years 0000–9999 and `nanos` is below one second.
    pub fn from_unix(seconds: i64, nanos: u32) -> Option<Instant> {
        ((Self::MIN_SECONDS..=Self::MAX_SECONDS).contains(&seconds) && nanos < 1_000_000_000)
            .then_some(Instant { seconds, nanos })
    }

    /// Whole seconds since the Unix epoch (floor).
    pub fn unix_seconds(self) -> i64 {
        self.seconds
    }

    /// The sub-second part, in nanoseconds.
    pub fn subsec_nanos(self) -> u32 {
        self.nanos
    }

    /// This instant moved by `seconds`, if still within years 0000–9999.
    pub fn checked_add_seconds(self, seconds: i64) -> Option<Instant> {
        Instant::from_unix(self.seconds.checked_add(seconds)?, self.nanos)
    }

    /// Parses RFC 3339: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`. The
    /// fraction may have any number of digits (at least one); digits beyond
    /// nanoseconds are truncated. A leap second (`:60`) reads as `:59`.
    /// Every instant the core reads (events, scenarios, catalogs, the
    /// server's intake and command line, the WebAssembly module) goes
    /// through here.
    ///
    /// # Errors
    /// A message naming the text and the expected form.
    pub fn parse(text: &str) -> Result<Instant, String> {
        parse_rfc3339(text.as_bytes())
            .ok_or_else(|| format!("`{text}` is not an RFC 3339 instant (like 2026-03-01T10:00:00Z)"))
    }

    /// The date of this instant in UTC (always one of years 0000–9999).
    pub fn utc_date(self) -> Date {
        let days = self.seconds.div_euclid(SECONDS_PER_DAY);
        // Instants lie within years 0000–9999 (`from_unix` checks), so their
        // UTC day is a date; the fallback is never taken.
        DayNumber::try_from(days).ok().and_then(Date::from_day_number).unwrap_or(Date { year: 0, month: 1, day: 1 })
    }

    /// The civil date and time of day (seconds) of this instant, shifted by
    /// `offset`; `None` when the shifted date falls outside years 0000–9999
    /// (an offset can move the first and last instants a day out).
    fn civil(self, offset: i32) -> Option<(Date, i64)> {
        let local = self.seconds + i64::from(offset);
        let day = DayNumber::try_from(local.div_euclid(SECONDS_PER_DAY)).ok()?;
        Some((Date::from_day_number(day)?, local.rem_euclid(SECONDS_PER_DAY)))
    }
}

impl fmt::Display for Instant {
    /// RFC 3339 in UTC; a fraction only when there is one, without trailing zeros.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Every instant is within years 0000–9999 in UTC.
        let (date, secs) = self.civil(0).ok_or(fmt::Error)?;
        write!(f, "{date}T{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)?;
        if self.nanos != 0 {
            let digits = format!("{:09}", self.nanos);
            write!(f, ".{}", digits.trim_end_matches('0'))?;
        }
        f.write_str("Z")
    }
}

impl FromStr for Instant {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Instant::parse(text)
    }
}

impl Serialize for Instant {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Instant {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<str>::deserialize(deserializer)?;
        Instant::parse(&text).map_err(serde::de::Error::custom)
    }
}

fn parse_rfc3339(b: &[u8]) -> Option<Instant> {
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let digits = b.get(range)?;
        digits.iter().all(u8::is_ascii_digit).then(|| digits.iter().fold(0, |n, d| n * 10 + i64::from(d - b'0')))
    };
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let date =
        Date::new(i16::try_from(num(0..4)?).ok()?, u8::try_from(num(5..7)?).ok()?, u8::try_from(num(8..10)?).ok()?)?;
    let (hour, minute) = (num(11..13)?, num(14..16)?);
    // RFC 3339 allows a leap second (60); like most systems, read it as 59.
    let second = num(17..19)?.min(59);
    if hour > 23 || minute > 59 {
        return None;
    }
    let mut i = 19;
    let mut nanos = 0u32;
    if b.get(i) == Some(&b'.') {
        let start = i + 1;
        i = start;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        nanos = fraction_nanos(&b[start..i])?;
    }
    let offset = match b.get(i..)? {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let (h, m) = (num(i + 1..i + 3)?, num(i + 4..i + 6)?);
            if h > 23 || m > 59 {
                return None;
            }
            let seconds = h * 3600 + m * 60;
            if *sign == b'-' { -seconds } else { seconds }
        }
        _ => return None,
    };
    let seconds = i64::from(date.day_number()) * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second - offset;
    Instant::from_unix(seconds, nanos)
}

/// The nanoseconds of an RFC 3339 fraction (the digits after the dot).
/// RFC 3339 allows any number of digits; those beyond the ninth are
/// dropped (truncated, not rounded, so an instant never moves into the
/// next second). No digit at all is not a fraction.
fn fraction_nanos(digits: &[u8]) -> Option<u32> {
    if digits.is_empty() {
        return None;
    }
    let kept = &digits[..digits.len().min(9)];
    let value = kept.iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0'));
    Some(value * 10u32.pow(u32::try_from(9 - kept.len()).ok()?))
}

/// A civil (calendar) date, proleptic Gregorian, years 0000–9999.
/// Written and read as `YYYY-MM-DD`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: i16,
    month: u8,
    day: u8,
}

impl Date {
    /// The date, if it exists.
    pub fn new(year: i16, month: u8, day: u8) -> Option<Date> {
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
        let days_in_month = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        ((0..=9999).contains(&year) && (1..=days_in_month).contains(&day)).then_some(Date { year, month, day })
    }

    pub fn year(self) -> i16 {
        self.year
    }

    pub fn month(self) -> u8 {
        self.month
    }

    pub fn day(self) -> u8 {
        self.day
    }

    /// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
    pub fn day_number(self) -> DayNumber {
        let y = i32::from(self.year) - i32::from(self.month <= 2);
        let m = i32::from(self.month);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + i32::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The first and last day numbers of a [`Date`]: 0000-01-01 and 9999-12-31.
    pub const DAY_NUMBERS: std::ops::RangeInclusive<DayNumber> = -719_528..=2_932_896;

    /// The date `day` days after 1970-01-01 (`civil_from_days`); `None`
    /// outside years 0000–9999 (never a made-up date in their place).
    pub fn from_day_number(day: DayNumber) -> Option<Date> {
        if !Self::DAY_NUMBERS.contains(&day) {
            return None;
        }
        let z = day + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        let y = yoe + era * 400 + i32::from(m <= 2);
        Date::new(i16::try_from(y).ok()?, u8::try_from(m).ok()?, u8::try_from(d).ok()?)
    }

    /// Parses `YYYY-MM-DD`.
    ///
    /// # Errors
    /// A message naming the text.
    pub fn parse(text: &str) -> Result<Date, String> {
        let b = text.as_bytes();
        let field = |r: std::ops::Range<usize>| -> Option<u16> {
            let digits = b.get(r)?;
            digits.iter().all(u8::is_ascii_digit).then(|| digits.iter().fold(0, |n, d| n * 10 + u16::from(d - b'0')))
        };
        let parsed = (b.len() == 10 && b[4] == b'-' && b[7] == b'-')
            .then(|| {
                Date::new(
                    i16::try_from(field(0..4)?).ok()?,
                    u8::try_from(field(5..7)?).ok()?,
                    u8::try_from(field(8..10)?).ok()?,
                )
            })
            .flatten();
        parsed.ok_or_else(|| format!("`{text}` is not a date (like 2026-03-01)"))
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<str>::deserialize(deserializer)?;
        Date::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A user's time zone: what decides which local day an instant falls on.
#[derive(Clone, Debug)]
pub struct TimeZone {
    name: String,
    rules: Rules,
}

#[derive(Clone, Debug)]
enum Rules {
    Fixed(i32),
    /// `initial` until the first transition; each transition `(at, offset)`
    /// sets the offset from its instant on. Sorted by instant.
    Table {
        initial: i32,
        transitions: Vec<(i64, i32)>,
    },
    #[cfg(feature = "tzdb")]
    Iana(jiff::tz::TimeZone),
}

/// The portable form of a time zone's offsets over a span of years, for a
/// client without the time-zone database: `{"name": "Europe/Paris",
/// "offset": 3600, "transitions": [[1774746000, 7200], …]}` (seconds).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(tsify::Tsify))]
#[serde(deny_unknown_fields)]
pub struct ZoneTable {
    pub name: String,
    /// The offset (seconds east of UTC) before the first transition.
    pub offset: i32,
    /// `[unix_seconds, offset]` pairs: from that instant on, that offset.
    #[serde(default)]
    #[cfg_attr(feature = "ts", tsify(optional))]
    pub transitions: Vec<(i64, i32)>,
}

impl TimeZone {
    /// Coordinated Universal Time.
    pub fn utc() -> TimeZone {
        TimeZone { name: "UTC".to_owned(), rules: Rules::Fixed(0) }
    }

    /// The zone's name: an IANA name, `UTC`, or a fixed offset like `+05:30`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Seconds east of UTC at `at`.
    pub fn offset_at(&self, at: Instant) -> i32 {
        match &self.rules {
            Rules::Fixed(offset) => *offset,
            Rules::Table { initial, transitions } => {
                let i = transitions.partition_point(|(t, _)| *t <= at.seconds);
                i.checked_sub(1).map_or(*initial, |j| transitions[j].1)
            }
            #[cfg(feature = "tzdb")]
            Rules::Iana(tz) => jiff::Timestamp::new(at.seconds, 0).map_or(0, |ts| tz.to_offset(ts).seconds()),
        }
    }

    /// The number of the local calendar day of `at` in this zone. A day
    /// number, not a [`Date`]: in a zone far from UTC, the first and last
    /// hours of years 0000–9999 fall on a day just outside them, which has a
    /// number but no date ([`Date::from_day_number`] says which).
    pub fn local_day(&self, at: Instant) -> DayNumber {
        let local = at.seconds + i64::from(self.offset_at(at));
        // |seconds| < 2.6e11 and |offset| < 1e5, so the day fits in i32
        // with room to spare; the saturation can never happen.
        let day = local.div_euclid(SECONDS_PER_DAY);
        DayNumber::try_from(day).unwrap_or(if day < 0 { DayNumber::MIN } else { DayNumber::MAX })
    }

    /// The local date of `at` in this zone; `None` outside years 0000–9999.
    pub fn local_date(&self, at: Instant) -> Option<Date> {
        at.civil(self.offset_at(at)).map(|(date, _)| date)
    }

    /// The local date and wall-clock time (`hour`, `minute`, `second`) of
    /// `at` in this zone, for showing it to people; `None` outside years
    /// 0000–9999.
    pub fn local_date_time(&self, at: Instant) -> Option<(Date, u8, u8, u8)> {
        let (date, secs) = at.civil(self.offset_at(at))?;
        let part = |n: i64| u8::try_from(n).ok();
        Some((date, part(secs / 3600)?, part(secs / 60 % 60)?, part(secs % 60)?))
    }

    /// How people write this zone at `at`, for showing times: the
    /// database's abbreviation for an IANA zone (`CET`, `CEST`), `UTC`, a
    /// fixed offset as named (`+05:30`), or a table's offset at `at`.
    pub fn abbreviation_at(&self, at: Instant) -> String {
        match &self.rules {
            Rules::Fixed(_) => self.name.clone(),
            Rules::Table { .. } => {
                let offset = self.offset_at(at);
                let (sign, minutes) = (if offset < 0 { '-' } else { '+' }, offset.unsigned_abs() / 60);
                format!("{sign}{:02}:{:02}", minutes / 60, minutes % 60)
            }
            #[cfg(feature = "tzdb")]
            Rules::Iana(tz) => jiff::Timestamp::new(at.seconds, 0)
                .map_or_else(|_| self.name.clone(), |ts| tz.to_offset_info(ts).abbreviation().to_owned()),
        }
    }

    /// A zone from a table of offsets (see [`ZoneTable`]).
    ///
    /// # Errors
    /// An offset beyond ±24 hours, or transitions out of order.
    pub fn from_table(table: ZoneTable) -> Result<TimeZone, String> {
        let valid = |o: i32| o.abs() < 86_400;
        if !valid(table.offset) || table.transitions.iter().any(|(_, o)| !valid(*o)) {
            return Err(format!("time zone `{}`: offsets must be within ±24 hours", table.name));
        }
        if table.transitions.windows(2).any(|w| w[0].0 >= w[1].0) {
            return Err(format!("time zone `{}`: transitions must be in increasing order", table.name));
        }
        Ok(TimeZone { name: table.name, rules: Rules::Table { initial: table.offset, transitions: table.transitions } })
    }

    /// This zone's offsets from `from` until `until`, for a client that has no
    /// time-zone database. Exact for every instant in that span.
    pub fn table(&self, from: Instant, until: Instant) -> ZoneTable {
        let offset = self.offset_at(from);
        let transitions = match &self.rules {
            Rules::Fixed(_) => Vec::new(),
            Rules::Table { transitions, .. } => {
                transitions.iter().copied().filter(|(t, _)| *t > from.seconds && *t < until.seconds).collect()
            }
            #[cfg(feature = "tzdb")]
            Rules::Iana(tz) => match jiff::Timestamp::new(from.seconds, 0) {
                Ok(start) => tz
                    .following(start)
                    .map(|t| (t.timestamp().as_second(), t.offset().seconds()))
                    .take_while(|(t, _)| *t < until.seconds)
                    .collect(),
                Err(_) => Vec::new(),
            },
        };
        ZoneTable { name: self.name.clone(), offset, transitions }
    }
}

impl PartialEq for TimeZone {
    /// Zones are equal when they have the same name.
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

/// Looks up a time zone by name: `UTC` (or empty), a fixed offset such as
/// `+05:30`, or (with the `tzdb` feature) an IANA name such as `Europe/Paris`.
///
/// # Errors
/// [`crate::StateError::UnknownTimeZone`] for a name this build does not know.
pub fn time_zone(name: &str) -> Result<TimeZone, crate::StateError> {
    if name.is_empty() || name == "UTC" {
        return Ok(TimeZone::utc());
    }
    if let Some(offset) = parse_fixed_offset(name) {
        return Ok(TimeZone { name: name.to_owned(), rules: Rules::Fixed(offset) });
    }
    iana(name).ok_or_else(|| crate::StateError::UnknownTimeZone(name.to_owned()))
}

#[cfg(feature = "tzdb")]
fn iana(name: &str) -> Option<TimeZone> {
    let tz = jiff::tz::TimeZone::get(name).ok()?;
    Some(TimeZone { name: tz.iana_name().unwrap_or(name).to_owned(), rules: Rules::Iana(tz) })
}

#[cfg(not(feature = "tzdb"))]
fn iana(_name: &str) -> Option<TimeZone> {
    None
}

/// `+HH:MM` / `-HH:MM`.
fn parse_fixed_offset(name: &str) -> Option<i32> {
    let b = name.as_bytes();
    if b.len() != 6 || b[3] != b':' || !b[1..3].iter().chain(&b[4..6]).all(u8::is_ascii_digit) {
        return None;
    }
    let h = i32::from(b[1] - b'0') * 10 + i32::from(b[2] - b'0');
    let m = i32::from(b[4] - b'0') * 10 + i32::from(b[5] - b'0');
    let seconds = (h <= 23 && m <= 59).then_some(h * 3600 + m * 60)?;
    match b[0] {
        b'+' => Some(seconds),
        b'-' => Some(-seconds),
        _ => None,
    }
}

#[cfg(feature = "tzdb")]
impl From<jiff::Timestamp> for Instant {
    /// Adapters that keep time with jiff (the server's clock) hand it in as is.
    fn from(ts: jiff::Timestamp) -> Instant {
        let nanos = u32::try_from(ts.subsec_nanosecond()).unwrap_or(0);
        // jiff's range (years -9999–9999) is wider than RFC 3339's; clamp.
        Instant::from_unix(ts.as_second(), nanos).unwrap_or(if ts.as_second() < 0 {
            Instant { seconds: Instant::MIN_SECONDS, nanos: 0 }
        } else {
            Instant { seconds: Instant::MAX_SECONDS, nanos: 0 }
        })
    }
}

#[cfg(feature = "tzdb")]
impl From<Instant> for jiff::Timestamp {
    fn from(at: Instant) -> jiff::Timestamp {
        // Every Instant (years 0000–9999) is within jiff's range.
        jiff::Timestamp::new(at.seconds, i32::try_from(at.nanos).unwrap_or(0)).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_round_trips() {
        for (text, shown) in [
            ("2026-03-01T10:00:00Z", "2026-03-01T10:00:00Z"),
            ("2026-03-01t10:00:00z", "2026-03-01T10:00:00Z"),
            ("2026-03-01T10:00:00.500Z", "2026-03-01T10:00:00.5Z"),
            ("2026-03-01T10:00:00.123456789Z", "2026-03-01T10:00:00.123456789Z"),
            ("2026-03-01T05:00:00-05:00", "2026-03-01T10:00:00Z"),
            ("2026-03-01T00:30:00+01:00", "2026-02-28T23:30:00Z"),
            ("1969-12-31T23:59:59Z", "1969-12-31T23:59:59Z"),
            ("2024-02-29T00:00:00Z", "2024-02-29T00:00:00Z"),
            ("2016-12-31T23:59:60Z", "2016-12-31T23:59:59Z"),
            ("9999-12-31T23:59:59Z", "9999-12-31T23:59:59Z"),
        ] {
            assert_eq!(Instant::parse(text).unwrap().to_string(), shown, "{text}");
        }
        assert_eq!(Instant::parse("1970-01-01T00:00:01Z").unwrap().unix_seconds(), 1);
    }

    #[test]
    fn rfc3339_rejects_what_it_is_not() {
        for text in [
            "",
            "yesterday",
            "2026-03-01",
            "2026-03-01T10:00Z",
            "2026-03-01T10:00:00",
            "2026-02-30T10:00:00Z",
            "2026-13-01T10:00:00Z",
            "2026-03-01T24:00:00Z",
            "2026-03-01T10:00:00+5:00",
            "2026-03-01T10:00:00.Z",
            "2026-03-01T10:00:00.+01:00",
            "2026-03-01T10:00:00.5.5Z",
            "2026-03-01T10:00:00,5Z",
            "2026-03-01T10:00:00.5",
            "2026-03-01T10:00:00Z trailing",
            "+2026-03-01T10:00:00Z",
        ] {
            assert!(Instant::parse(text).is_err(), "{text} should be refused");
        }
    }

    #[test]
    fn dates_and_day_numbers() {
        for (text, n) in [("1970-01-01", 0), ("2000-03-01", 11_017), ("1969-12-31", -1), ("2026-03-08", 20_520)] {
            let date = Date::parse(text).unwrap();
            assert_eq!(date.day_number(), n, "{text}");
            assert_eq!(Date::from_day_number(n), Some(date));
            assert_eq!(date.to_string(), text);
        }
        assert!(Date::parse("2026-02-29").is_err());
        assert!(Date::parse("2026-3-1").is_err());
    }

    /// RFC 3339 allows any number of fractional digits: 1 to 20 digits all
    /// read, truncated (never rounded) to nanoseconds.
    #[test]
    fn fractions_of_any_length_truncate_to_nanoseconds() {
        for (digits, nanos) in [
            ("1", 100_000_000),
            ("12", 120_000_000),
            ("123", 123_000_000),
            ("1234", 123_400_000),
            ("12345", 123_450_000),
            ("123456", 123_456_000),
            ("1234567", 123_456_700),
            ("12345678", 123_456_780),
            ("123456789", 123_456_789),
            ("1234567891", 123_456_789),
            ("12345678999", 123_456_789),
            ("999999999999", 999_999_999),
            ("0000000001", 0),
            ("0000000009", 0),
            ("0000000019", 1),
            ("12345678912345", 123_456_789),
            ("123456789123456789", 123_456_789),
            ("1234567891234567899", 123_456_789),
            ("99999999999999999999", 999_999_999),
            ("00000000000000000000", 0),
        ] {
            let text = format!("2026-03-01T10:00:00.{digits}Z");
            let at = Instant::parse(&text).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!((at.unix_seconds(), at.subsec_nanos()), (1_772_359_200, nanos), "{text}");
        }
        // With an offset, with a leap second, in lower case: the same rule.
        for (text, shown) in [
            ("2026-03-01T10:00:00.0000000001Z", "2026-03-01T10:00:00Z"),
            ("2026-03-01T11:00:00.12345678912+01:00", "2026-03-01T10:00:00.123456789Z"),
            ("2016-12-31T23:59:60.99999999999Z", "2016-12-31T23:59:59.999999999Z"),
            ("2026-03-01t10:00:00.5000000000000z", "2026-03-01T10:00:00.5Z"),
        ] {
            assert_eq!(Instant::parse(text).unwrap().to_string(), shown, "{text}");
        }
    }

    #[test]
    fn day_numbers_outside_years_0000_to_9999_are_not_dates() {
        let (first, last) = (*Date::DAY_NUMBERS.start(), *Date::DAY_NUMBERS.end());
        for (n, date) in [(first, Some("0000-01-01")), (last, Some("9999-12-31")), (first - 1, None), (last + 1, None)]
        {
            assert_eq!(Date::from_day_number(n).map(|d| d.to_string()).as_deref(), date, "day {n}");
        }
        for n in [i32::MIN, -1_000_000, 3_000_000, i32::MAX] {
            assert_eq!(Date::from_day_number(n), None, "day {n}");
        }
        // The first and last instants, in zones that push them a day out.
        let first_instant = Instant::parse("0000-01-01T00:00:00Z").unwrap();
        let last_instant = Instant::parse("9999-12-31T23:59:59Z").unwrap();
        let west = time_zone("-05:00").unwrap();
        let east = time_zone("+05:30").unwrap();
        assert_eq!(west.local_date(first_instant), None);
        assert_eq!(west.local_day(first_instant), first - 1, "a day number all the same");
        assert_eq!(east.local_date(last_instant), None);
        assert_eq!(east.local_date_time(last_instant), None);
        assert_eq!(east.local_date(first_instant).map(|d| d.to_string()).as_deref(), Some("0000-01-01"));
        assert_eq!(first_instant.utc_date().to_string(), "0000-01-01");
        assert_eq!(last_instant.utc_date().to_string(), "9999-12-31");
    }

    #[test]
    fn local_date_times() {
        let at = Instant::parse("2026-03-01T18:29:59Z").unwrap();
        let india = time_zone("+05:30").unwrap();
        let show = |tz: &TimeZone, at: Instant| {
            let (date, h, m, s) = tz.local_date_time(at).unwrap();
            format!("{date} {h:02}:{m:02}:{s:02}")
        };
        assert_eq!(show(&india, at), "2026-03-01 23:59:59");
        assert_eq!(show(&india, at.checked_add_seconds(1).unwrap()), "2026-03-02 00:00:00");
        assert_eq!(show(&TimeZone::utc(), at), "2026-03-01 18:29:59");
        assert_eq!(show(&time_zone("-08:00").unwrap(), at), "2026-03-01 10:29:59");
        assert_eq!(india.abbreviation_at(at), "+05:30");
        assert_eq!(TimeZone::utc().abbreviation_at(at), "UTC");
        let table = ZoneTable { name: "Test/Zone".into(), offset: -9000, transitions: vec![] };
        assert_eq!(TimeZone::from_table(table).unwrap().abbreviation_at(at), "-02:30");
    }

    #[cfg(feature = "tzdb")]
    #[test]
    fn abbreviations_from_the_database() {
        let paris = time_zone("Europe/Paris").unwrap();
        assert_eq!(paris.abbreviation_at(Instant::parse("2026-03-01T10:00:00Z").unwrap()), "CET");
        assert_eq!(paris.abbreviation_at(Instant::parse("2026-07-01T10:00:00Z").unwrap()), "CEST");
    }

    #[test]
    fn fixed_offsets_and_tables() {
        let at = Instant::parse("2026-03-01T23:30:00Z").unwrap();
        assert_eq!(time_zone("+01:00").unwrap().local_date(at).unwrap().to_string(), "2026-03-02");
        assert_eq!(time_zone("-08:00").unwrap().local_date(at).unwrap().to_string(), "2026-03-01");
        assert!(time_zone("+25:00").is_err());
        let table = ZoneTable { name: "Test/Zone".into(), offset: 0, transitions: vec![(at.unix_seconds(), 3600)] };
        let tz = TimeZone::from_table(table).unwrap();
        assert_eq!(tz.offset_at(at.checked_add_seconds(-1).unwrap()), 0);
        assert_eq!(tz.offset_at(at), 3600);
        assert_eq!(tz.name(), "Test/Zone");
    }

    #[cfg(feature = "tzdb")]
    #[test]
    fn jiff_timestamps_convert_both_ways() {
        let ts: jiff::Timestamp = "2026-03-01T10:00:00.25Z".parse().unwrap();
        let at = Instant::from(ts);
        assert_eq!(at.to_string(), "2026-03-01T10:00:00.25Z");
        assert_eq!(jiff::Timestamp::from(at), ts);
    }

    #[cfg(feature = "tzdb")]
    #[test]
    fn tables_from_the_database_agree_with_it() {
        let ny = time_zone("America/New_York").unwrap();
        let from = Instant::parse("2020-01-01T00:00:00Z").unwrap();
        let until = Instant::parse("2030-01-01T00:00:00Z").unwrap();
        let table = TimeZone::from_table(ny.table(from, until)).unwrap();
        let mut at = from;
        while at < until {
            assert_eq!(table.offset_at(at), ny.offset_at(at), "{at}");
            at = at.checked_add_seconds(3 * 3600 + 17).unwrap();
        }
        // 2026-03-08T07:00Z is 03:00 EDT, just after the spring change.
        assert_eq!(ny.offset_at(Instant::parse("2026-03-08T06:59:59Z").unwrap()), -5 * 3600);
        assert_eq!(ny.offset_at(Instant::parse("2026-03-08T07:00:00Z").unwrap()), -4 * 3600);
    }
}
