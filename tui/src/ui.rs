//! Drawing: [`render`] reads an [`App`] and draws a frame; it changes
//! nothing. Where each part goes is [`crate::layout`]'s, shared with the
//! app (which needs to know how many list rows fit).
//!
//! ```text
//!  header   ★ Achievements  demo · 1,230 pts · 12/23 earned      ● synced 2 min ago
//!  banner   OFFLINE — cannot reach …  (only when there is something to say)
//!  tabs     All 12/23 │ Projects 3/6 │ Battles 2/4 │ …
//!  main     badge list                │ details (side by side from 100 columns)
//!  footer   q quit  ? help  ↑↓ move  …
//! ```
//!
//! - [`list`]: the badge list; [`detail`]: one badge; [`popups`]: the
//!   preview, help and notification panels; [`theme`]: styles per colour
//!   mode; [`text`]: widths, truncation, times; [`reasons`]: why a badge
//!   cannot be earned now, and when its window ends, in words.

pub mod detail;
pub mod list;
pub mod popups;
pub mod reasons;
pub mod text;
pub mod theme;

use crate::app::{App, Link, Mode, TABS};
use crate::keymap;
use crate::layout::{self, MIN_SIZE};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use text::{ago, date_time, fit, thousands, until, width};
use theme::Theme;

/// Draws the whole interface.
pub fn render(app: &App, frame: &mut Frame<'_>) {
    let area = frame.area();
    let theme = Theme::new(app.settings().colors);
    if area.width < MIN_SIZE.0 || area.height < MIN_SIZE.1 {
        let message = format!("Make the terminal at least {}×{} (q quits).", MIN_SIZE.0, MIN_SIZE.1);
        frame.render_widget(Paragraph::new(message).wrap(Wrap { trim: true }), area);
        return;
    }
    let areas = layout::areas(area, app.panes());
    frame.render_widget(header(app, theme, areas.header.width), areas.header);
    if let (Some(rect), Some((text, style))) = (areas.banner, banner(app)) {
        let glyphs = app.settings().glyphs;
        let text = text::prose(&text, glyphs);
        let shown = text::truncate(&text, usize::from(rect.width).saturating_sub(1), ellipsis(glyphs));
        let line = Line::from(format!(" {shown}"));
        frame.render_widget(line.style(theme_style(theme, style)), rect);
    }
    frame.render_widget(tabs(app, theme, areas.tabs.width), areas.tabs);
    if let Some(rect) = areas.list {
        list::render(app, theme, frame, rect);
    }
    if let Some(rect) = areas.detail {
        detail::render(app, theme, frame, rect);
    }
    frame.render_widget(footer(app, theme, areas.footer.width), areas.footer);
    match app.mode() {
        Mode::Preview(preview) => popups::preview(app, preview, theme, frame, area),
        Mode::Help { offset } => popups::help(app, *offset, theme, frame, area),
        Mode::Notifications { offset } => popups::notifications(app, *offset, theme, frame, area),
        Mode::Browse | Mode::Detail | Mode::Search => {}
    }
}

/// The ellipsis in the current character set.
pub fn ellipsis(glyphs: crate::glyphs::Glyphs) -> &'static str {
    if glyphs.is_ascii() { "~" } else { "…" }
}

fn header(app: &App, theme: Theme, columns: u16) -> Line<'static> {
    let glyphs = app.settings().glyphs;
    let dot = glyphs.dot();
    let mut left = vec![Span::styled(format!(" {} Achievements ", glyphs.icon("faTrophy")), theme.title())];
    let (earned, total) = app.board().counts(None);
    if let Some(user) = &app.data().user {
        left.push(Span::styled(user.name.clone(), theme.text().add_modifier(Modifier::BOLD)));
        left.push(Span::styled(format!(" {dot} {} pts", thousands(user.points)), theme.text()));
    }
    if total > 0 {
        let lead = if app.data().user.is_some() { format!(" {dot} ") } else { String::new() };
        left.push(Span::styled(format!("{lead}{earned}/{total} earned"), theme.text()));
    }
    let right = text::prose(&status_text(app), glyphs);
    let used: usize = left.iter().map(|s| s.width()).sum();
    let room = usize::from(columns).saturating_sub(used + 3);
    let right = text::truncate(&right, room, ellipsis(glyphs));
    let gap = usize::from(columns).saturating_sub(used + width(&right) + 1);
    left.push(Span::raw(" ".repeat(gap)));
    let status_style = match &app.status().failure {
        Some(_) => theme.bad(),
        None => theme.dim(),
    };
    left.push(Span::styled(right, status_style));
    left.push(Span::raw(" "));
    Line::from(left).style(theme.header())
}

/// The right side of the header: where the data comes from and how fresh.
fn status_text(app: &App) -> String {
    let status = app.status();
    let stamp = app.data().stamp;
    let now = app.now();
    let glyphs = app.settings().glyphs;
    let (on, off) = if glyphs.is_ascii() { ("*", "o") } else { ("●", "○") };
    let cached = |what: &str| match stamp.last_sync {
        Some(at) => format!("{what} {} cached {}", glyphs.dot(), ago(now, at)),
        None => format!("{what} {} nothing cached", glyphs.dot()),
    };
    match status.link {
        Link::Local => "local rules mode".to_owned(),
        Link::Offline => cached(&format!("{off} offline")),
        Link::NoServer => cached(&format!("{off} no server")),
        Link::Server if status.running => format!("{on} syncing…"),
        Link::Server => match (&status.failure, stamp.last_sync) {
            (Some(_), _) => format!("{off} offline"),
            (None, Some(at)) => format!("{on} synced {}", ago(now, at)),
            (None, None) => format!("{on} connecting…"),
        },
    }
}

/// Which banner style.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BannerStyle {
    Warning,
    Notice,
}

fn theme_style(theme: Theme, style: BannerStyle) -> Style {
    match style {
        BannerStyle::Warning => theme.warning_banner(),
        BannerStyle::Notice => theme.notice(),
    }
}

/// The banner line, if there is something to say: the offline state first,
/// then the latest notice (exactly when [`App::panes`] has a banner).
fn banner(app: &App) -> Option<(String, BannerStyle)> {
    let now = app.now();
    let dot = app.settings().glyphs.dot();
    if let Some(failure) = &app.status().failure {
        let tz = app.data().user.as_ref().map_or_else(crate::time::core_utc, |u| u.timezone.clone());
        // The most useful first: narrow terminals cut the end.
        let mut text = (if failure.unreachable { "OFFLINE" } else { "SYNC FAILED" }).to_owned();
        if app.status().running {
            text.push_str(&format!(" {dot} retrying now"));
        } else if let Some(retry) = failure.retry_at {
            text.push_str(&format!(" {dot} retrying {}", until(now, retry)));
        }
        match app.data().stamp.last_sync {
            Some(at) => text.push_str(&format!(" {dot} cache of {}", date_time(at, &tz))),
            None => text.push_str(&format!(" {dot} nothing cached yet")),
        }
        text.push_str(&format!(" {dot} {}", failure.message));
        return Some((text, BannerStyle::Warning));
    }
    app.notice().map(|n| (n.text.clone(), if n.warning { BannerStyle::Warning } else { BannerStyle::Notice }))
}

fn tabs(app: &App, theme: Theme, columns: u16) -> Line<'static> {
    let sep = if app.settings().glyphs.is_ascii() { "|" } else { "│" };
    let label = |tab: usize, short: bool, counts: bool| {
        let name = match App::tab_category(tab) {
            None => "All",
            Some(c) if short => &c.title()[..4.min(c.title().len())],
            Some(c) => c.title(),
        };
        let (earned, total) = app.board().counts(App::tab_category(tab));
        if counts { format!(" {name} {earned}/{total} ") } else { format!(" {name} ") }
    };
    // The longest form that fits: full names, short names, counts on the
    // selected tab only.
    let forms: [(bool, bool); 3] = [(false, true), (true, true), (true, false)];
    let mut chosen = forms[2];
    for (short, counts) in forms {
        let total: usize =
            (0..TABS).map(|t| width(&label(t, short, counts || t == app.tab()))).sum::<usize>() + TABS - 1;
        if total <= usize::from(columns) {
            chosen = (short, counts);
            break;
        }
    }
    let mut spans = Vec::with_capacity(TABS * 2);
    for tab in 0..TABS {
        if tab > 0 {
            spans.push(Span::styled(sep, theme.dim()));
        }
        let style = if tab == app.tab() { theme.tab_selected() } else { theme.tab() };
        spans.push(Span::styled(label(tab, chosen.0, chosen.1 || tab == app.tab()), style));
    }
    Line::from(spans)
}

fn footer(app: &App, theme: Theme, columns: u16) -> Line<'static> {
    let mut spans = Vec::new();
    if *app.mode() == Mode::Search {
        spans.push(Span::styled(" Search: ", theme.key()));
        spans.push(Span::styled(app.search().to_owned(), theme.text()));
        spans.push(Span::styled(if app.settings().glyphs.is_ascii() { "_" } else { "▏" }, theme.accent()));
        spans.push(Span::raw("  "));
    }
    let mut used: usize = spans.iter().map(Span::width).sum::<usize>() + 1;
    spans.push(Span::raw(" "));
    for (i, (label, word)) in keymap::footer(app.context()).enumerate() {
        let item = width(label) + 1 + width(word);
        let gap = if i > 0 { 2 } else { 0 };
        if used + gap + item > usize::from(columns) {
            break;
        }
        if gap > 0 {
            spans.push(Span::raw("  "));
        }
        used += gap + item;
        spans.push(Span::styled(text::keys(label, app.settings().glyphs), theme.key()));
        spans.push(Span::styled(format!(" {word}"), theme.dim()));
    }
    Line::from(spans)
}

/// A centred rectangle of at most `columns`×`rows` inside `area`.
pub fn centered(area: Rect, columns: u16, rows: u16) -> Rect {
    let w = columns.min(area.width);
    let h = rows.min(area.height);
    Rect::new(area.x + (area.width - w) / 2, area.y + (area.height - h) / 2, w, h)
}

/// A message in the middle of an area.
pub fn message(lines: Vec<Line<'static>>, theme: Theme, frame: &mut Frame<'_>, area: Rect) {
    let height = u16::try_from(lines.len()).unwrap_or(u16::MAX).min(area.height);
    let rect =
        Rect::new(area.x + 1, area.y + area.height.saturating_sub(height) / 2, area.width.saturating_sub(2), height);
    frame.render_widget(Paragraph::new(lines).style(theme.text()).centered().wrap(Wrap { trim: true }), rect);
}

/// `text` fitted to `columns`, as a span.
pub fn cell(text: &str, columns: usize, style: Style, glyphs: crate::glyphs::Glyphs) -> Span<'static> {
    Span::styled(fit(text, columns, ellipsis(glyphs)), style)
}
