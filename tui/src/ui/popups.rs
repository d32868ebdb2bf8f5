//! Panels drawn over the interface: "what would unlock?", the help
//! (generated from the key map) and the notifications.

use super::text::{self, date_time, field};
use super::theme::Theme;
use super::{centered, ellipsis};
use crate::app::{App, Preview, PreviewOutcome};
use crate::dataset::Notifications;
use crate::keymap::{self, Context};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

fn panel(app: &App, theme: Theme, frame: &mut Frame<'_>, rect: Rect, title: &str, hint: &str) -> Rect {
    let hint = text::keys(hint, app.settings().glyphs);
    let block = Block::bordered()
        .border_set(app.settings().glyphs.border())
        .border_style(theme.focus_border())
        .title(Line::styled(format!(" {title} "), theme.title()))
        .title_bottom(Line::styled(format!(" {hint} "), theme.dim()).right_aligned());
    let inner = block.inner(rect);
    frame.render_widget(Clear, rect);
    frame.render_widget(block, rect);
    inner
}

/// "What would unlock?": pick an event and a value; the core previews it on
/// the user's state.
pub fn preview(app: &App, preview: &Preview, theme: Theme, frame: &mut Frame<'_>, area: Rect) {
    let glyphs = app.settings().glyphs;
    let rect = centered(area, 72.min(area.width.saturating_sub(2)).max(40), 18.min(area.height));
    let inner = panel(app, theme, frame, rect, "What would unlock?", "←→ event  ↑↓/0-9 value  Esc close");
    let label = |name: &str| Span::styled(format!("{name:<9}"), theme.label());
    let tz = app.data().user.as_ref().map_or_else(crate::time::core_utc, |u| u.timezone.clone());
    let (left, right) = if glyphs.is_ascii() { ("<", ">") } else { ("◀", "▶") };
    let mut lines = Vec::new();
    match preview.events.get(preview.event) {
        Some(event) => lines.push(Line::from(vec![
            label("Event"),
            Span::styled(format!("{left} "), theme.accent()),
            Span::styled(event.clone(), theme.text().add_modifier(Modifier::BOLD)),
            Span::styled(format!(" {right}"), theme.accent()),
            Span::styled(format!("  ({} of {})", preview.event + 1, preview.events.len()), theme.dim()),
        ])),
        None => lines.push(Line::from(vec![label("Event"), Span::styled("(the catalog has no events)", theme.dim())])),
    }
    let value = if preview.value.is_empty() { "(none: an add counts 1)".to_owned() } else { preview.value.clone() };
    lines.push(Line::from(vec![label("Value"), Span::styled(value, theme.text())]));
    lines.push(Line::from(vec![label("At"), Span::styled(format!("now, {}", date_time(app.now(), &tz)), theme.dim())]));
    lines.push(Line::raw(""));
    match &preview.outcome {
        PreviewOutcome::Unavailable => {
            lines.push(Line::styled("No rule catalog is loaded, so nothing can be previewed.", theme.dim()));
        }
        PreviewOutcome::Refused(why) => {
            lines.push(Line::from(vec![label("Refused"), Span::styled(text::prose(why, glyphs), theme.bad())]));
        }
        PreviewOutcome::Accepted { changes, unlocks } => {
            for (i, change) in changes.iter().enumerate() {
                let arrow = if glyphs.is_ascii() { "->" } else { "→" };
                lines.push(Line::from(vec![
                    label(if i == 0 { "Changes" } else { "" }),
                    Span::styled(
                        format!(
                            "{} {} {arrow} {}",
                            field(&change.field),
                            text::thousands(change.before),
                            text::thousands(change.after)
                        ),
                        theme.text(),
                    ),
                ]));
            }
            if unlocks.is_empty() {
                lines.push(Line::from(vec![label("Unlocks"), Span::styled("nothing yet", theme.dim())]));
            }
            for (i, id) in unlocks.iter().enumerate() {
                let board = app.board();
                let badge = board.get(id).filter(|b| b.kind != crate::badges::Kind::Hidden);
                let glyph = badge.map_or(glyphs.secret(), |b| glyphs.icon(&b.icon));
                let style = badge.map_or(theme.dim(), |b| theme.badge(&b.color_from).add_modifier(Modifier::BOLD));
                let mut spans = vec![
                    label(if i == 0 { "Unlocks" } else { "" }),
                    Span::styled(format!("{glyph} "), style),
                    Span::styled(board.display_name(id), style),
                ];
                if let Some(b) = badge {
                    spans.push(Span::styled(format!("  +{} pts", text::thousands(b.points)), theme.dim()));
                }
                lines.push(Line::from(spans));
            }
        }
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

/// Every key, by context, from the key map.
pub fn help_text(theme: Theme, glyphs: crate::glyphs::Glyphs) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    for context in Context::ALL {
        if !lines.is_empty() {
            lines.push(Line::raw(""));
        }
        lines.push(Line::styled(context.title().to_owned(), theme.title()));
        for binding in keymap::bindings(context).iter().filter(|b| !b.keys.is_empty()) {
            lines.push(Line::from(vec![
                Span::styled(format!("  {:<11}", text::keys(binding.label, glyphs)), theme.key()),
                Span::styled(text::prose(binding.help, glyphs), theme.text()),
            ]));
        }
    }
    lines
}

pub fn help(app: &App, offset: usize, theme: Theme, frame: &mut Frame<'_>, area: Rect) {
    let lines = help_text(theme, app.settings().glyphs);
    let rect = centered(area, 70, area.height.saturating_sub(2));
    let (up, down) = app.settings().glyphs.arrows();
    let inner_rows = usize::from(rect.height.saturating_sub(2));
    let offset = offset.min(lines.len().saturating_sub(inner_rows));
    let more = match (offset > 0, offset + inner_rows < lines.len()) {
        (true, true) => format!("{up}{down} more  "),
        (false, true) => format!("{down} more  "),
        (true, false) => format!("{up} more  "),
        (false, false) => String::new(),
    };
    let inner = panel(app, theme, frame, rect, "Keys", &format!("{more}Esc close"));
    let shown: Vec<Line<'static>> = lines.into_iter().skip(offset).take(inner_rows).collect();
    frame.render_widget(Paragraph::new(shown), inner);
}

pub fn notifications(app: &App, offset: usize, theme: Theme, frame: &mut Frame<'_>, area: Rect) {
    let glyphs = app.settings().glyphs;
    let count = match &app.data().notifications {
        Notifications::List(list) => list.len().max(1),
        _ => 1,
    };
    let rows = u16::try_from(count + 2).unwrap_or(u16::MAX).clamp(5, area.height.saturating_sub(4).max(5));
    let rect = centered(area, 76, rows);
    let inner = panel(app, theme, frame, rect, "Notifications", "Esc close");
    let tz = app.data().user.as_ref().map_or_else(crate::time::core_utc, |u| u.timezone.clone());
    let lines: Vec<Line<'static>> = match &app.data().notifications {
        Notifications::NotSynced => vec![Line::styled("Not synced yet.", theme.dim())],
        Notifications::Unsupported => {
            vec![Line::styled("This server does not offer notifications (yet).", theme.dim())]
        }
        Notifications::List(list) if list.is_empty() => vec![Line::styled("No notifications.", theme.dim())],
        Notifications::List(list) => list
            .iter()
            .skip(offset)
            .map(|n| {
                let when = n.at.map(|at| date_time(at, &tz)).unwrap_or_default();
                let mark = if n.unread { glyphs.new_mark() } else { " " };
                let width = usize::from(inner.width).saturating_sub(when.len() + 4);
                Line::from(vec![
                    Span::styled(format!("{mark} "), theme.new_badge()),
                    Span::styled(
                        text::fit(&text::prose(&n.text, glyphs), width, ellipsis(glyphs)),
                        if n.unread { theme.text().add_modifier(Modifier::BOLD) } else { theme.text() },
                    ),
                    Span::styled(format!(" {when}"), theme.dim()),
                ])
            })
            .collect(),
    };
    frame.render_widget(Paragraph::new(lines), inner);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::glyphs::Glyphs;
    use crate::palette::ColorMode;

    /// The app scrolls the help by [`crate::layout::help_lines`]; it must be
    /// the length of the text drawn.
    #[test]
    fn the_layout_counts_the_help_lines_drawn() {
        for glyphs in [Glyphs::UNICODE, Glyphs::ASCII] {
            assert_eq!(help_text(Theme::new(ColorMode::default()), glyphs).len(), crate::layout::help_lines());
        }
    }
}
