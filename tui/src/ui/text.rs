//! Text helpers for drawing: widths, truncation, times and numbers.

use crate::glyphs::Glyphs;
use crate::time::CoreZone;
use jiff::Timestamp;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Display width in columns.
pub fn width(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}

/// `text` cut to `max` columns, ending in `ellipsis` when cut.
pub fn truncate(text: &str, max: usize, ellipsis: &str) -> String {
    if width(text) <= max {
        return text.to_owned();
    }
    let room = max.saturating_sub(width(ellipsis));
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > room {
            break;
        }
        used += w;
        out.push(c);
    }
    if max >= width(ellipsis) {
        out.push_str(ellipsis);
    }
    out
}

/// `text` truncated or padded with spaces to exactly `columns`.
pub fn fit(text: &str, columns: usize, ellipsis: &str) -> String {
    let mut out = truncate(text, columns, ellipsis);
    let w = width(&out);
    out.extend(std::iter::repeat_n(' ', columns.saturating_sub(w)));
    out
}

/// `text` right-aligned in `columns`.
pub fn fit_right(text: &str, columns: usize) -> String {
    let out = truncate(text, columns, "");
    format!("{}{out}", " ".repeat(columns.saturating_sub(width(&out))))
}

/// "just now", "42 s ago", "3 min ago", "5 h ago", "2 days ago".
pub fn ago(now: Timestamp, then: Timestamp) -> String {
    let seconds = now.duration_since(then).as_secs();
    match seconds {
        s if s < 5 => "just now".to_owned(),
        s if s < 60 => format!("{s} s ago"),
        s if s < 3600 => format!("{} min ago", s / 60),
        s if s < 48 * 3600 => format!("{} h ago", s / 3600),
        s => format!("{} days ago", s / 86_400),
    }
}

/// "in 8 s", "in 2 min", "now".
pub fn until(now: Timestamp, then: Timestamp) -> String {
    let seconds = then.duration_since(now).as_secs();
    match seconds {
        s if s <= 0 => "now".to_owned(),
        s if s < 60 => format!("in {s} s"),
        s => format!("in {} min", (s + 59) / 60),
    }
}

/// "2026-03-20" in `tz`, by the core's calendar (see [`crate::time`]).
pub fn date(at: Timestamp, tz: &CoreZone) -> String {
    crate::time::date(at, tz)
}

/// "2026-03-20 12:00 UTC" in `tz`, by the core's calendar.
pub fn date_time(at: Timestamp, tz: &CoreZone) -> String {
    crate::time::date_time(at, tz)
}

/// 1234567 → "1,234,567".
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// Prose for `--ascii`: the typographic characters the app and the core
/// use, spelled in ASCII. Other text is left alone.
pub fn prose(text: &str, glyphs: Glyphs) -> String {
    if !glyphs.is_ascii() {
        return text.to_owned();
    }
    const TABLE: &[(&str, &str)] = &[
        ("≥", ">="),
        ("≤", "<="),
        ("→", "->"),
        ("←", "<-"),
        ("…", "..."),
        ("·", "|"),
        ("—", "-"),
        ("–", "-"),
        ("×", "x"),
        ("✓", "v"),
        ("✗", "x"),
        ("✦", "+"),
        ("’", "'"),
        ("“", "\""),
        ("”", "\""),
    ];
    TABLE.iter().fold(text.to_owned(), |text, (from, to)| text.replace(from, to))
}

/// Key names for `--ascii`: arrows become `< > ^ v`.
pub fn keys(label: &str, glyphs: Glyphs) -> String {
    if !glyphs.is_ascii() {
        return label.to_owned();
    }
    label
        .replace("←→", "</>")
        .replace("↑↓", "^/v")
        .replace('←', "<")
        .replace('→', ">")
        .replace('↑', "^")
        .replace('↓', "v")
}

/// A tracking field as words: `project_count` → "project count".
pub fn field(name: &str) -> String {
    name.replace('_', " ")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn truncation_and_fitting() {
        assert_eq!(truncate("First Launch", 20, "…"), "First Launch");
        assert_eq!(truncate("First Launch", 8, "…"), "First L…");
        assert_eq!(truncate("First Launch", 8, "~"), "First L~");
        assert_eq!(fit("ab", 4, "…"), "ab  ");
        assert_eq!(fit_right("ab", 4), "  ab");
        assert_eq!(width(&fit("★★★★★★", 4, "…")), 4);
        assert_eq!(truncate("abc", 0, "…"), "");
    }

    #[test]
    fn times_and_numbers() {
        let now: Timestamp = "2026-03-20T12:00:00Z".parse().unwrap();
        let at = |s: &str| s.parse::<Timestamp>().unwrap();
        assert_eq!(ago(now, at("2026-03-20T11:59:58Z")), "just now");
        assert_eq!(ago(now, at("2026-03-20T11:59:18Z")), "42 s ago");
        assert_eq!(ago(now, at("2026-03-20T11:57:00Z")), "3 min ago");
        assert_eq!(ago(now, at("2026-03-20T07:00:00Z")), "5 h ago");
        assert_eq!(ago(now, at("2026-03-17T12:00:00Z")), "3 days ago");
        assert_eq!(until(now, at("2026-03-20T12:00:08Z")), "in 8 s");
        assert_eq!(until(now, at("2026-03-20T12:01:30Z")), "in 2 min");
        assert_eq!(until(now, at("2026-03-20T11:00:00Z")), "now");
        let paris = crate::time::zone("Europe/Paris").unwrap();
        assert_eq!(date_time(now, &paris), "2026-03-20 13:00 CET");
        assert_eq!(date(at("2026-03-20T23:30:00Z"), &paris), "2026-03-21");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(-1000), "-1,000");
        assert_eq!(thousands(12), "12");
        assert_eq!(field("project_count"), "project count");
    }

    #[test]
    fn ascii_spellings() {
        assert_eq!(prose("project count ≥ 5 · all → earned…", Glyphs::ASCII), "project count >= 5 | all -> earned...");
        assert_eq!(prose("≥", Glyphs::UNICODE), "≥");
        assert_eq!(keys("←→", Glyphs::ASCII), "</>");
        assert_eq!(keys("↑/k", Glyphs::ASCII), "^/k");
        assert_eq!(keys("→/l/Tab", Glyphs::ASCII), ">/l/Tab");
        assert!(keys("↑↓ 0-9", Glyphs::ASCII).is_ascii());
    }
}
