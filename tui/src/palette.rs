//! Colours: the Tailwind tokens of the catalog (`blue-500`) as RGB, and what
//! the terminal can show of them.
//!
//! The catalog colours each badge with a gradient between two Tailwind
//! tokens, as the web page does. This module is the one place that knows the
//! palette. Truecolor terminals (`COLORTERM=truecolor` or `24bit`) get the
//! exact RGB; others get the nearest entry of the xterm 256-colour palette;
//! `NO_COLOR` (or `--color none`) gets no colour at all.

use ratatui::style::Color;

/// A colour as red, green and blue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    const fn from_hex(hex: u32) -> Self {
        Rgb((hex >> 16) as u8, (hex >> 8) as u8, hex as u8)
    }
}

/// What unknown tokens become: the web page also shows a neutral colour.
pub const NEUTRAL: Rgb = Rgb::from_hex(0x94a3b8);

const SHADES: [u16; 11] = [50, 100, 200, 300, 400, 500, 600, 700, 800, 900, 950];

/// Tailwind CSS's default palette (v3.3+), shades 50 to 950.
const PALETTE: &[(&str, [u32; 11])] = &[
    (
        "slate",
        [0xf8fafc, 0xf1f5f9, 0xe2e8f0, 0xcbd5e1, 0x94a3b8, 0x64748b, 0x475569, 0x334155, 0x1e293b, 0x0f172a, 0x020617],
    ),
    (
        "gray",
        [0xf9fafb, 0xf3f4f6, 0xe5e7eb, 0xd1d5db, 0x9ca3af, 0x6b7280, 0x4b5563, 0x374151, 0x1f2937, 0x111827, 0x030712],
    ),
    (
        "zinc",
        [0xfafafa, 0xf4f4f5, 0xe4e4e7, 0xd4d4d8, 0xa1a1aa, 0x71717a, 0x52525b, 0x3f3f46, 0x27272a, 0x18181b, 0x09090b],
    ),
    (
        "neutral",
        [0xfafafa, 0xf5f5f5, 0xe5e5e5, 0xd4d4d4, 0xa3a3a3, 0x737373, 0x525252, 0x404040, 0x262626, 0x171717, 0x0a0a0a],
    ),
    (
        "stone",
        [0xfafaf9, 0xf5f5f4, 0xe7e5e4, 0xd6d3d1, 0xa8a29e, 0x78716c, 0x57534e, 0x44403c, 0x292524, 0x1c1917, 0x0c0a09],
    ),
    (
        "red",
        [0xfef2f2, 0xfee2e2, 0xfecaca, 0xfca5a5, 0xf87171, 0xef4444, 0xdc2626, 0xb91c1c, 0x991b1b, 0x7f1d1d, 0x450a0a],
    ),
    (
        "orange",
        [0xfff7ed, 0xffedd5, 0xfed7aa, 0xfdba74, 0xfb923c, 0xf97316, 0xea580c, 0xc2410c, 0x9a3412, 0x7c2d12, 0x431407],
    ),
    (
        "amber",
        [0xfffbeb, 0xfef3c7, 0xfde68a, 0xfcd34d, 0xfbbf24, 0xf59e0b, 0xd97706, 0xb45309, 0x92400e, 0x78350f, 0x451a03],
    ),
    (
        "yellow",
        [0xfefce8, 0xfef9c3, 0xfef08a, 0xfde047, 0xfacc15, 0xeab308, 0xca8a04, 0xa16207, 0x854d0e, 0x713f12, 0x422006],
    ),
    (
        "lime",
        [0xf7fee7, 0xecfccb, 0xd9f99d, 0xbef264, 0xa3e635, 0x84cc16, 0x65a30d, 0x4d7c0f, 0x3f6212, 0x365314, 0x1a2e05],
    ),
    (
        "green",
        [0xf0fdf4, 0xdcfce7, 0xbbf7d0, 0x86efac, 0x4ade80, 0x22c55e, 0x16a34a, 0x15803d, 0x166534, 0x14532d, 0x052e16],
    ),
    (
        "emerald",
        [0xecfdf5, 0xd1fae5, 0xa7f3d0, 0x6ee7b7, 0x34d399, 0x10b981, 0x059669, 0x047857, 0x065f46, 0x064e3b, 0x022c22],
    ),
    (
        "teal",
        [0xf0fdfa, 0xccfbf1, 0x99f6e4, 0x5eead4, 0x2dd4bf, 0x14b8a6, 0x0d9488, 0x0f766e, 0x115e59, 0x134e4a, 0x042f2e],
    ),
    (
        "cyan",
        [0xecfeff, 0xcffafe, 0xa5f3fc, 0x67e8f9, 0x22d3ee, 0x06b6d4, 0x0891b2, 0x0e7490, 0x155e75, 0x164e63, 0x083344],
    ),
    (
        "sky",
        [0xf0f9ff, 0xe0f2fe, 0xbae6fd, 0x7dd3fc, 0x38bdf8, 0x0ea5e9, 0x0284c7, 0x0369a1, 0x075985, 0x0c4a6e, 0x082f49],
    ),
    (
        "blue",
        [0xeff6ff, 0xdbeafe, 0xbfdbfe, 0x93c5fd, 0x60a5fa, 0x3b82f6, 0x2563eb, 0x1d4ed8, 0x1e40af, 0x1e3a8a, 0x172554],
    ),
    (
        "indigo",
        [0xeef2ff, 0xe0e7ff, 0xc7d2fe, 0xa5b4fc, 0x818cf8, 0x6366f1, 0x4f46e5, 0x4338ca, 0x3730a3, 0x312e81, 0x1e1b4b],
    ),
    (
        "violet",
        [0xf5f3ff, 0xede9fe, 0xddd6fe, 0xc4b5fd, 0xa78bfa, 0x8b5cf6, 0x7c3aed, 0x6d28d9, 0x5b21b6, 0x4c1d95, 0x2e1065],
    ),
    (
        "purple",
        [0xfaf5ff, 0xf3e8ff, 0xe9d5ff, 0xd8b4fe, 0xc084fc, 0xa855f7, 0x9333ea, 0x7e22ce, 0x6b21a8, 0x581c87, 0x3b0764],
    ),
    (
        "fuchsia",
        [0xfdf4ff, 0xfae8ff, 0xf5d0fe, 0xf0abfc, 0xe879f9, 0xd946ef, 0xc026d3, 0xa21caf, 0x86198f, 0x701a75, 0x4a044e],
    ),
    (
        "pink",
        [0xfdf2f8, 0xfce7f3, 0xfbcfe8, 0xf9a8d4, 0xf472b6, 0xec4899, 0xdb2777, 0xbe185d, 0x9d174d, 0x831843, 0x500724],
    ),
    (
        "rose",
        [0xfff1f2, 0xffe4e6, 0xfecdd3, 0xfda4af, 0xfb7185, 0xf43f5e, 0xe11d48, 0xbe123c, 0x9f1239, 0x881337, 0x4c0519],
    ),
];

/// The RGB of a Tailwind token: `blue-500`, `black`, `white`. Leading
/// utility prefixes (`from-`, `to-`) are accepted, since catalogs written
/// for a web page sometimes carry them.
pub fn token(token: &str) -> Option<Rgb> {
    let token = token.trim();
    let token = token.strip_prefix("from-").or_else(|| token.strip_prefix("to-")).unwrap_or(token);
    match token {
        "black" => return Some(Rgb(0, 0, 0)),
        "white" => return Some(Rgb(255, 255, 255)),
        _ => {}
    }
    let (name, shade) = token.rsplit_once('-')?;
    let shade: u16 = shade.parse().ok()?;
    let column = SHADES.iter().position(|&s| s == shade)?;
    let (_, shades) = PALETTE.iter().find(|(n, _)| *n == name)?;
    Some(Rgb::from_hex(shades[column]))
}

/// [`token`], or [`NEUTRAL`] for tokens the palette does not know.
pub fn token_or_neutral(name: &str) -> Rgb {
    token(name).unwrap_or(NEUTRAL)
}

/// The colour `t` of the way from `a` to `b` (`t` in 0..=1).
pub fn mix(a: Rgb, b: Rgb, t: f32) -> Rgb {
    let t = t.clamp(0.0, 1.0);
    let channel = |x: u8, y: u8| {
        let v = f32::from(x) + (f32::from(y) - f32::from(x)) * t;
        // Rounded and within 0..=255 by construction.
        v.round().clamp(0.0, 255.0) as u8
    };
    Rgb(channel(a.0, b.0), channel(a.1, b.1), channel(a.2, b.2))
}

/// How many colours to use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ColorMode {
    /// 24-bit RGB.
    #[default]
    TrueColor,
    /// The xterm 256-colour palette.
    Ansi256,
    /// No colour: emphasis by bold, reverse and dim only.
    Mono,
}

impl ColorMode {
    /// Decides from the environment's values: `NO_COLOR` (any non-empty
    /// value) wins, then `COLORTERM` (`truecolor`/`24bit`), else 256 colours.
    pub fn detect(colorterm: Option<&str>, no_color: Option<&str>) -> Self {
        if no_color.is_some_and(|v| !v.is_empty()) {
            return ColorMode::Mono;
        }
        match colorterm.map(str::to_ascii_lowercase).as_deref() {
            Some("truecolor" | "24bit") => ColorMode::TrueColor,
            _ => ColorMode::Ansi256,
        }
    }

    /// [`ColorMode::detect`] over this process's environment.
    pub fn from_env() -> Self {
        let colorterm = std::env::var("COLORTERM").ok();
        let no_color = std::env::var("NO_COLOR").ok();
        Self::detect(colorterm.as_deref(), no_color.as_deref())
    }

    /// The terminal colour for `rgb`, or `None` in [`ColorMode::Mono`].
    pub fn color(self, rgb: Rgb) -> Option<Color> {
        match self {
            ColorMode::TrueColor => Some(Color::Rgb(rgb.0, rgb.1, rgb.2)),
            ColorMode::Ansi256 => Some(Color::Indexed(ansi256(rgb))),
            ColorMode::Mono => None,
        }
    }
}

/// The nearest xterm 256-colour index: the 6×6×6 cube (16–231) or the grey
/// ramp (232–255), whichever is closer.
pub fn ansi256(rgb: Rgb) -> u8 {
    const LEVELS: [u8; 6] = [0, 95, 135, 175, 215, 255];
    let nearest_level = |v: u8| -> usize {
        (0..LEVELS.len()).min_by_key(|&i| (i32::from(LEVELS[i]) - i32::from(v)).abs()).unwrap_or(0)
    };
    let (r, g, b) = (nearest_level(rgb.0), nearest_level(rgb.1), nearest_level(rgb.2));
    let cube = Rgb(LEVELS[r], LEVELS[g], LEVELS[b]);
    let cube_index = 16 + 36 * r + 6 * g + b;

    let average = (u32::from(rgb.0) + u32::from(rgb.1) + u32::from(rgb.2)) / 3;
    // Greys 232..=255 are 8, 18, …, 238.
    let step = (average.saturating_sub(3) / 10).min(23);
    let grey_value = (8 + 10 * step) as u8;
    let grey = Rgb(grey_value, grey_value, grey_value);
    let grey_index = 232 + step as usize;

    let index = if distance(rgb, grey) < distance(rgb, cube) { grey_index } else { cube_index };
    u8::try_from(index).unwrap_or(255)
}

fn distance(a: Rgb, b: Rgb) -> u32 {
    let d = |x: u8, y: u8| (i32::from(x) - i32::from(y)).unsigned_abs().pow(2);
    d(a.0, b.0) + d(a.1, b.1) + d(a.2, b.2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_resolve_to_tailwind_rgb() {
        assert_eq!(token("blue-500"), Some(Rgb(0x3b, 0x82, 0xf6)));
        assert_eq!(token("amber-800"), Some(Rgb(0x92, 0x40, 0x0e)));
        assert_eq!(token("slate-950"), Some(Rgb(0x02, 0x06, 0x17)));
        assert_eq!(token("from-red-600"), Some(Rgb(0xdc, 0x26, 0x26)));
        assert_eq!(token("white"), Some(Rgb(255, 255, 255)));
        for unknown in ["blue-550", "mauve-500", "blue", "", "-500"] {
            assert_eq!(token(unknown), None, "{unknown}");
        }
        assert_eq!(token_or_neutral("nope-1"), NEUTRAL);
    }

    #[test]
    fn every_shipped_token_is_known() {
        let catalog = achievements_core::load_catalog(achievements_core::SHIPPED_CATALOG_JSON)
            .map(|l| l.catalog)
            .unwrap_or_else(|e| panic!("{e}"));
        for def in &catalog.achievements {
            for t in [&def.color_from, &def.color_to] {
                assert!(token(t).is_some(), "{}: {t}", def.key);
            }
        }
    }

    #[test]
    fn mixing_goes_from_one_end_to_the_other() {
        let (a, b) = (Rgb(0, 100, 200), Rgb(200, 100, 0));
        assert_eq!(mix(a, b, 0.0), a);
        assert_eq!(mix(a, b, 1.0), b);
        assert_eq!(mix(a, b, 0.5), Rgb(100, 100, 100));
        assert_eq!(mix(a, b, 7.0), b);
    }

    #[test]
    fn detects_the_colour_mode() {
        assert_eq!(ColorMode::detect(Some("truecolor"), None), ColorMode::TrueColor);
        assert_eq!(ColorMode::detect(Some("24bit"), None), ColorMode::TrueColor);
        assert_eq!(ColorMode::detect(None, None), ColorMode::Ansi256);
        assert_eq!(ColorMode::detect(Some("yes"), None), ColorMode::Ansi256);
        assert_eq!(ColorMode::detect(Some("truecolor"), Some("1")), ColorMode::Mono);
        assert_eq!(ColorMode::detect(Some("truecolor"), Some("")), ColorMode::TrueColor);
    }

    #[test]
    fn ansi256_picks_cube_and_grey_entries() {
        assert_eq!(ansi256(Rgb(0, 0, 0)), 16);
        assert_eq!(ansi256(Rgb(255, 255, 255)), 231);
        assert_eq!(ansi256(Rgb(255, 0, 0)), 196);
        assert_eq!(ansi256(Rgb(128, 128, 128)), 244);
        // blue-500 #3b82f6 → the cube's (95, 135, 255)
        assert_eq!(ansi256(Rgb(0x3b, 0x82, 0xf6)), 69);
        assert_eq!(ColorMode::Mono.color(Rgb(1, 2, 3)), None);
        assert_eq!(ColorMode::Ansi256.color(Rgb(255, 0, 0)), Some(Color::Indexed(196)));
    }
}
