//! Characters: a glyph per FontAwesome icon of the catalog, gauges, marks
//! and borders, in Unicode or (with `--ascii`) in plain ASCII.
//!
//! Every glyph is one column wide (tested), so columns line up in any
//! terminal font; emoji are avoided on purpose (two columns, and drawn
//! differently by every terminal).

use ratatui::symbols::border;

/// The character set in use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Glyphs {
    ascii: bool,
}

/// Icon name → (Unicode glyph, ASCII fallback).
const ICONS: &[(&str, &str, &str)] = &[
    ("faArrowTrendUp", "↗", "/"),
    ("faBolt", "↯", "!"),
    ("faBriefcase", "▤", "B"),
    ("faCalendarCheck", "☑", "C"),
    ("faCoins", "¤", "$"),
    ("faCrown", "♛", "W"),
    ("faCubes", "⧉", "#"),
    ("faDoorOpen", "⌂", "D"),
    ("faFire", "♨", "F"),
    ("faGem", "◆", "G"),
    ("faGraduationCap", "✎", "Q"),
    ("faHandFist", "⚒", "X"),
    ("faHandHoldingHeart", "♥", "H"),
    ("faHandshake", "⇄", "&"),
    ("faInfinity", "∞", "8"),
    ("faLayerGroup", "≡", "="),
    ("faMedal", "✪", "M"),
    ("faPaperPlane", "✈", ">"),
    ("faRocket", "➚", "^"),
    ("faShieldHalved", "♜", "S"),
    ("faStar", "★", "*"),
    ("faTrophy", "♚", "T"),
    ("faUsers", "☺", "U"),
    ("faLock", "⚿", "?"),
    ("faCheck", "✓", "v"),
    ("faHeart", "♥", "H"),
    ("faCode", "⌘", "%"),
    ("faFlag", "⚑", "P"),
    ("faBook", "▥", "K"),
];

/// Plain ASCII borders for `--ascii`.
const ASCII_BORDER: border::Set<'static> = border::Set {
    top_left: "+",
    top_right: "+",
    bottom_left: "+",
    bottom_right: "+",
    vertical_left: "|",
    vertical_right: "|",
    horizontal_top: "-",
    horizontal_bottom: "-",
};

impl Glyphs {
    pub const UNICODE: Glyphs = Glyphs { ascii: false };
    pub const ASCII: Glyphs = Glyphs { ascii: true };

    pub fn new(ascii: bool) -> Self {
        Glyphs { ascii }
    }

    pub fn is_ascii(self) -> bool {
        self.ascii
    }

    fn pick(self, unicode: &'static str, ascii: &'static str) -> &'static str {
        if self.ascii { ascii } else { unicode }
    }

    /// The glyph of a FontAwesome icon name (`faRocket`); unknown icons get
    /// a bullet, so a new icon in the catalog never breaks the layout.
    pub fn icon(self, name: &str) -> &'static str {
        ICONS.iter().find(|(n, _, _)| *n == name).map_or(self.pick("•", "o"), |(_, u, a)| self.pick(u, a))
    }

    /// Stands for a secret badge not yet earned.
    pub fn secret(self) -> &'static str {
        "?"
    }

    /// Marks a badge earned since the last sync.
    pub fn new_mark(self) -> &'static str {
        self.pick("✦", "+")
    }

    /// Marks the selected row.
    pub fn pointer(self) -> &'static str {
        self.pick("▶", ">")
    }

    pub fn check(self) -> &'static str {
        self.pick("✓", "v")
    }

    pub fn cross(self) -> &'static str {
        self.pick("✗", "x")
    }

    /// Separates items on one line.
    pub fn dot(self) -> &'static str {
        self.pick("·", "|")
    }

    /// A full gauge cell, an empty one, and the partial cells (eighths) in
    /// between, lowest first. ASCII has no partial cells.
    pub fn gauge(self) -> GaugeChars {
        if self.ascii {
            GaugeChars { full: "#", empty: "-", partial: &[] }
        } else {
            GaugeChars { full: "█", empty: "░", partial: &["▏", "▎", "▍", "▌", "▋", "▊", "▉"] }
        }
    }

    pub fn border(self) -> border::Set<'static> {
        if self.ascii { ASCII_BORDER } else { border::ROUNDED }
    }

    /// Scroll and list arrows.
    pub fn arrows(self) -> (&'static str, &'static str) {
        self.pick2(("↑", "↓"), ("^", "v"))
    }

    fn pick2(
        self,
        unicode: (&'static str, &'static str),
        ascii: (&'static str, &'static str),
    ) -> (&'static str, &'static str) {
        if self.ascii { ascii } else { unicode }
    }
}

impl Default for Glyphs {
    fn default() -> Self {
        Glyphs::UNICODE
    }
}

/// See [`Glyphs::gauge`].
#[derive(Clone, Copy, Debug)]
pub struct GaugeChars {
    pub full: &'static str,
    pub empty: &'static str,
    pub partial: &'static [&'static str],
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::text::Span;

    #[test]
    fn every_glyph_is_one_column_wide() {
        for glyphs in [Glyphs::UNICODE, Glyphs::ASCII] {
            for (name, _, _) in ICONS {
                assert_eq!(Span::raw(glyphs.icon(name)).width(), 1, "{name} in {glyphs:?}");
            }
            let g = glyphs.gauge();
            for s in [g.full, g.empty].iter().chain(g.partial) {
                assert_eq!(Span::raw(*s).width(), 1, "{s}");
            }
            for s in [glyphs.new_mark(), glyphs.pointer(), glyphs.check(), glyphs.cross(), glyphs.dot()] {
                assert_eq!(Span::raw(s).width(), 1, "{s}");
            }
        }
    }

    #[test]
    fn ascii_is_ascii() {
        for (name, _, _) in ICONS {
            assert!(Glyphs::ASCII.icon(name).is_ascii());
        }
        assert!(Glyphs::ASCII.icon("faSomethingNew").is_ascii());
        let b = Glyphs::ASCII.border();
        assert!([b.top_left, b.horizontal_top, b.vertical_left].iter().all(|s| s.is_ascii()));
    }

    #[test]
    fn every_shipped_icon_has_its_own_glyph() {
        let catalog = achievements_core::load_catalog(achievements_core::SHIPPED_CATALOG_JSON)
            .map(|l| l.catalog)
            .unwrap_or_else(|e| panic!("{e}"));
        for def in &catalog.achievements {
            assert!(ICONS.iter().any(|(n, _, _)| *n == def.icon), "no glyph for {}", def.icon);
        }
    }
}
