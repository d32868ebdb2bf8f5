//! The badge list: a row per badge with its glyph, name, a progress gauge
//! in the badge's gradient (or, for a badge that cannot unlock now, why:
//! "Ended 8 Jun 2026"), percent, rarity, points and the date earned (or,
//! for an open time-limited badge, the days left).

use super::text::{self, fit, fit_right};
use super::theme::Theme;
use super::{cell, ellipsis, message, reasons};
use crate::app::{App, Link, Mode};
use crate::badges::{Badge, Kind};
use crate::glyphs::Glyphs;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Block;

/// Widths of the optional columns (0 = not shown), chosen to fit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Columns {
    name: usize,
    gauge: usize,
    percent: usize,
    rarity: usize,
    points: usize,
    date: usize,
}

/// Pointer, new mark, space, glyph, space.
const LEAD: usize = 5;
const MIN_NAME: usize = 12;

impl Columns {
    fn fit(width: usize) -> Columns {
        let mut c = Columns { name: 0, gauge: 12, percent: 4, rarity: 9, points: 8, date: 10 };
        // Drop the least useful columns first until the name has room.
        let drops: [fn(&mut Columns); 5] =
            [|c| c.date = 0, |c| c.rarity = 0, |c| c.gauge = 8, |c| c.points = 0, |c| c.percent = 0];
        for drop in drops {
            if width.saturating_sub(c.fixed()) >= MIN_NAME + 8 {
                break;
            }
            drop(&mut c);
        }
        c.name = width.saturating_sub(c.fixed()).max(1);
        c
    }

    /// Everything but the name, separators included.
    fn fixed(&self) -> usize {
        let sep = |w: usize| if w > 0 { w + 1 } else { 0 };
        LEAD + sep(self.gauge) + sep(self.percent) + sep(self.rarity) + sep(self.points) + sep(self.date)
    }
}

pub fn render(app: &App, theme: Theme, frame: &mut Frame<'_>, area: Rect) {
    let glyphs = app.settings().glyphs;
    let focused = matches!(app.mode(), Mode::Browse | Mode::Search);
    let mut title = vec![Span::styled(
        format!(" {} ", App::tab_category(app.tab()).map_or("All badges", |c| c.title())),
        theme.title(),
    )];
    let dot = glyphs.dot();
    let mut facts = format!("{dot} filter {} {dot} sort {} ", app.filter().label(), app.sort().label());
    if !app.search().is_empty() {
        facts.push_str(&format!("{dot} /{} ", app.search()));
    }
    title.push(Span::styled(facts, theme.dim()));
    let position = match app.visible_len() {
        0 => String::new(),
        n => format!(" {}/{n} ", app.selected() + 1),
    };
    let block = Block::bordered()
        .border_set(glyphs.border())
        .border_style(if focused { theme.focus_border() } else { theme.border() })
        .title(Line::from(title))
        .title_bottom(Line::styled(position, theme.dim()).right_aligned());
    let inner = block.inner(area);
    frame.render_widget(block, area);

    if app.visible_len() == 0 {
        message(empty_message(app, theme), theme, frame, inner);
        return;
    }
    let columns = Columns::fit(usize::from(inner.width));
    let rows = usize::from(inner.height);
    for (row, (index, badge)) in app.visible().enumerate().skip(app.offset()).take(rows).enumerate() {
        let line = row_line(app, theme, badge, columns, index == app.selected());
        let y = inner.y + u16::try_from(row).unwrap_or(u16::MAX);
        frame.render_widget(line, Rect::new(inner.x, y, inner.width, 1));
    }
}

/// What to say when the list is empty, and why it is.
fn empty_message(app: &App, theme: Theme) -> Vec<Line<'static>> {
    let data = app.data();
    if !data.is_empty() {
        let mut lines = vec![Line::styled("No badge matches.", theme.text())];
        if !app.search().is_empty() {
            lines.push(Line::styled("Esc clears the search.", theme.dim()));
        }
        lines.push(Line::styled(format!("f changes the filter (now: {}).", app.filter().label()), theme.dim()));
        return lines;
    }
    let server = match &data.origin {
        crate::dataset::Origin::Server { url: Some(url) } => url.clone(),
        _ => "the server".to_owned(),
    };
    let text: &[&str] = match app.status().link {
        _ if app.is_loading() => &["Loading the cache…"],
        Link::Server => match &app.status().failure {
            Some(_) => &["Nothing cached yet, and the server cannot be reached.", "The app keeps trying; r tries now."],
            None => &["Nothing cached yet: fetching your badges…"],
        },
        Link::Offline => &["Nothing cached yet.", "Start once without --offline to sync with the server."],
        Link::NoServer => &[
            "No server configured and nothing cached.",
            "Log in once:  achievements-tui login --server URL --token TOKEN",
            "or browse a catalog file:  achievements-tui --catalog FILE",
        ],
        Link::Local => &["The catalog has no badges."],
    };
    let glyphs = app.settings().glyphs;
    let mut lines: Vec<Line<'static>> =
        text.iter().map(|t| Line::styled(super::text::prose(t, glyphs), theme.text())).collect();
    if app.status().link == Link::Server && app.status().failure.is_none() {
        lines.push(Line::styled(server, theme.dim()));
    }
    lines
}

fn row_line(app: &App, theme: Theme, badge: &Badge, c: Columns, selected: bool) -> Line<'static> {
    let glyphs = app.settings().glyphs;
    let hidden = badge.kind == Kind::Hidden;
    let earned = badge.is_earned();
    let mut spans = Vec::with_capacity(24);
    spans.push(Span::styled(if selected { glyphs.pointer() } else { " " }, theme.accent()));
    spans.push(if badge.is_new { Span::styled(glyphs.new_mark(), theme.new_badge()) } else { Span::raw(" ") });
    spans.push(Span::raw(" "));
    let glyph = if hidden { glyphs.secret() } else { glyphs.icon(&badge.icon) };
    let glyph_style = if earned { theme.badge(&badge.color_from) } else { theme.dim() };
    spans.push(Span::styled(glyph, glyph_style));
    spans.push(Span::raw(" "));
    let name_style = match (hidden, earned, badge.is_new) {
        (true, _, _) => theme.dim(),
        (_, true, true) => theme.new_badge(),
        (_, true, false) => theme.badge(&badge.color_from).add_modifier(ratatui::style::Modifier::BOLD),
        (_, false, _) => theme.text(),
    };
    spans.push(cell(&badge.name, c.name, name_style, glyphs));
    // A badge that cannot unlock now says why where its gauge and percent
    // would be (the core's first blocker other than progress).
    let window = if hidden || earned { None } else { app.window(badge) };
    let gate = if hidden || earned {
        None
    } else {
        reasons::first_gate(&app.blockers(badge)).and_then(|b| reasons::short(b, window, app.board()))
    };
    if let Some(reason) = &gate
        && c.gauge > 0
    {
        let columns = c.gauge + if c.percent > 0 { c.percent + 1 } else { 0 };
        spans.push(Span::raw(" "));
        spans.push(cell(reason, columns, theme.bad(), glyphs));
    }
    if c.gauge > 0 && gate.is_none() {
        spans.push(Span::raw(" "));
        if hidden {
            spans.push(cell("secret", c.gauge, theme.dim(), glyphs));
        } else {
            spans.extend(gauge(theme, glyphs, badge, c.gauge));
        }
    }
    if c.percent > 0 && (gate.is_none() || c.gauge == 0) {
        spans.push(Span::raw(" "));
        let percent = match (&badge.progress, earned) {
            (_, true) => "100%".to_owned(),
            (Some(p), false) => format!("{}%", p.percent),
            (None, false) => String::new(),
        };
        spans.push(Span::styled(fit_right(&percent, c.percent), if earned { theme.ok() } else { theme.text() }));
    }
    if c.rarity > 0 {
        spans.push(Span::raw(" "));
        let rarity = badge.rarity.map_or("", |r| r.as_str());
        spans.push(cell(rarity, c.rarity, theme.rarity(badge.rarity), glyphs));
    }
    if c.points > 0 {
        spans.push(Span::raw(" "));
        let points = if hidden { String::new() } else { format!("{} pts", text::thousands(badge.points)) };
        spans.push(Span::styled(fit_right(&points, c.points), theme.label()));
    }
    if c.date > 0 {
        spans.push(Span::raw(" "));
        let date = match (&badge.earned, &app.data().user) {
            (Some(e), Some(user)) => text::date(e.at, &user.timezone),
            (Some(e), None) => text::date(e.at, &crate::time::core_utc()),
            (None, _) => reasons::ends_in_short(window).unwrap_or_default(),
        };
        let style = if badge.is_new { theme.new_badge() } else { theme.dim() };
        spans.push(Span::styled(fit(&date, c.date, ellipsis(glyphs)), style));
    }
    let line = Line::from(spans);
    if selected { line.style(theme.selected()) } else { line }
}

/// A progress gauge of `cells` columns: filled cells in the badge's
/// gradient, eighths at the edge where the font has them.
pub fn gauge(theme: Theme, glyphs: Glyphs, badge: &Badge, cells: usize) -> Vec<Span<'static>> {
    let chars = glyphs.gauge();
    let percent = usize::from(badge.percent());
    let eighths = percent * cells * 8 / 100;
    let (full, part) = if chars.partial.is_empty() { (percent * cells / 100, 0) } else { (eighths / 8, eighths % 8) };
    let span_at = |i: usize, symbol: &'static str| {
        let t = if cells > 1 { i as f32 / (cells - 1) as f32 } else { 0.0 };
        Span::styled(symbol, theme.gradient(&badge.color_from, &badge.color_to, t))
    };
    let mut spans = Vec::with_capacity(cells);
    for i in 0..cells {
        spans.push(if i < full {
            span_at(i, chars.full)
        } else if i == full && part > 0 {
            span_at(i, chars.partial[part - 1])
        } else {
            Span::styled(chars.empty, empty_style(theme))
        });
    }
    spans
}

fn empty_style(theme: Theme) -> Style {
    theme.gauge_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_shrink_to_fit() {
        let wide = Columns::fit(116);
        assert!(wide.date > 0 && wide.rarity > 0 && wide.name >= 40, "{wide:?}");
        assert_eq!(wide.fixed() + wide.name, 116);
        let eighty = Columns::fit(78);
        assert!(eighty.date > 0 && eighty.name >= MIN_NAME, "{eighty:?}");
        let split = Columns::fit(56);
        assert_eq!(split.date, 0);
        assert!(split.name >= MIN_NAME, "{split:?}");
        let tiny = Columns::fit(30);
        assert!(tiny.name >= 1 && tiny.fixed() + tiny.name <= 30, "{tiny:?}");
    }
}
