//! The interface's styles in each colour mode. Badge colours come from the
//! catalog's Tailwind tokens ([`crate::palette`]); the chrome uses a few
//! tokens of the same palette so both look of a piece.

use crate::palette::{self, ColorMode, Rgb};
use achievements_core::Rarity;
use ratatui::style::{Color, Modifier, Style};

/// Styles for one colour mode.
#[derive(Clone, Copy, Debug)]
pub struct Theme {
    mode: ColorMode,
}

impl Theme {
    pub fn new(mode: ColorMode) -> Self {
        Theme { mode }
    }

    fn color(self, token: &str) -> Option<Color> {
        self.mode.color(palette::token_or_neutral(token))
    }

    fn fg(self, token: &str) -> Style {
        self.color(token).map_or_else(Style::default, |c| Style::default().fg(c))
    }

    pub fn is_mono(self) -> bool {
        self.mode == ColorMode::Mono
    }

    /// The colour `t` (0..=1) along a badge's gradient.
    pub fn gradient(self, from: &str, to: &str, t: f32) -> Style {
        let rgb = palette::mix(palette::token_or_neutral(from), palette::token_or_neutral(to), t);
        self.mode.color(rgb).map_or_else(Style::default, |c| Style::default().fg(c))
    }

    /// A badge's own colour (the start of its gradient), brightened a
    /// little so dark tokens stay readable on a dark background.
    pub fn badge(self, from: &str) -> Style {
        let rgb = palette::mix(palette::token_or_neutral(from), Rgb(255, 255, 255), 0.25);
        self.mode.color(rgb).map_or_else(Style::default, |c| Style::default().fg(c))
    }

    pub fn text(self) -> Style {
        Style::default()
    }

    pub fn title(self) -> Style {
        self.fg("sky-300").add_modifier(Modifier::BOLD)
    }

    pub fn accent(self) -> Style {
        self.fg("sky-400")
    }

    pub fn key(self) -> Style {
        self.fg("sky-300").add_modifier(Modifier::BOLD)
    }

    pub fn dim(self) -> Style {
        if self.is_mono() { Style::default().add_modifier(Modifier::DIM) } else { self.fg("slate-500") }
    }

    pub fn label(self) -> Style {
        self.fg("slate-400")
    }

    pub fn ok(self) -> Style {
        self.fg("green-400")
    }

    pub fn bad(self) -> Style {
        self.fg("red-400")
    }

    pub fn new_badge(self) -> Style {
        self.fg("amber-300").add_modifier(Modifier::BOLD)
    }

    pub fn gauge_empty(self) -> Style {
        if self.is_mono() { Style::default().add_modifier(Modifier::DIM) } else { self.fg("slate-700") }
    }

    pub fn border(self) -> Style {
        self.fg("slate-600")
    }

    pub fn focus_border(self) -> Style {
        self.fg("sky-500")
    }

    /// The selected list row.
    pub fn selected(self) -> Style {
        match self.color("slate-700") {
            Some(bg) => Style::default().bg(bg).add_modifier(Modifier::BOLD),
            None => Style::default().add_modifier(Modifier::REVERSED),
        }
    }

    pub fn tab(self) -> Style {
        self.fg("slate-400")
    }

    pub fn tab_selected(self) -> Style {
        match self.color("sky-700") {
            Some(bg) => Style::default().bg(bg).fg(Color::White).add_modifier(Modifier::BOLD),
            None => Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD),
        }
    }

    pub fn header(self) -> Style {
        match self.color("slate-800") {
            Some(bg) => Style::default().bg(bg),
            None => Style::default(),
        }
    }

    /// The offline banner.
    pub fn warning_banner(self) -> Style {
        match (self.color("amber-400"), self.color("slate-900")) {
            (Some(bg), Some(fg)) => Style::default().bg(bg).fg(fg).add_modifier(Modifier::BOLD),
            _ => Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD),
        }
    }

    /// An informational notice.
    pub fn notice(self) -> Style {
        match self.color("sky-900") {
            Some(bg) => Style::default().bg(bg).fg(Color::White),
            None => Style::default().add_modifier(Modifier::BOLD),
        }
    }

    pub fn rarity(self, rarity: Option<Rarity>) -> Style {
        match rarity {
            Some(Rarity::Common) | None => self.fg("slate-400"),
            Some(Rarity::Rare) => self.fg("sky-400"),
            Some(Rarity::Epic) => self.fg("purple-400"),
            Some(Rarity::Legendary) => self.fg("amber-400").add_modifier(Modifier::BOLD),
        }
    }
}
