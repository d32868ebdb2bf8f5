//! One badge in full: description, status, progress, the criteria in words
//! (the core's), prerequisites and their state, what still blocks it (the
//! core's explanation and blockers, worded by [`super::reasons`]), when its
//! window ends, and when it was earned. Whether it is earned is the core's
//! answer (`Progress::earned`); nothing here compares a value with a target.

use super::list::gauge;
use super::message;
use super::reasons;
use super::text::{self, date_time};
use super::theme::Theme;
use crate::app::{App, Mode};
use crate::badges::Kind;
use achievements_core::Cause;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

const LABEL: usize = 10;

pub fn render(app: &App, theme: Theme, frame: &mut Frame<'_>, area: Rect) {
    let glyphs = app.settings().glyphs;
    let full_screen = *app.mode() == Mode::Detail;
    let Some(badge) = app.selected_badge() else {
        let block = Block::bordered().border_set(glyphs.border()).border_style(theme.border()).title(" Details ");
        let inner = block.inner(area);
        frame.render_widget(block, area);
        message(vec![Line::styled("No badge selected.", theme.dim())], theme, frame, inner);
        return;
    };
    let hidden = badge.kind == Kind::Hidden;
    let tz = app.data().user.as_ref().map_or_else(crate::time::core_utc, |u| u.timezone.clone());
    let title_style =
        if badge.is_earned() { theme.badge(&badge.color_from).add_modifier(Modifier::BOLD) } else { theme.title() };
    let glyph = if hidden { glyphs.secret() } else { glyphs.icon(&badge.icon) };
    let block = Block::bordered()
        .border_set(glyphs.border())
        .border_style(if full_screen { theme.focus_border() } else { theme.border() })
        .title(Line::styled(format!(" {glyph} {} ", badge.name), title_style));
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let label = |name: &str| Span::styled(format!("{name:<LABEL$}"), theme.label());
    let mut lines: Vec<Line<'static>> =
        vec![Line::styled(text::prose(&badge.description, glyphs), theme.text()), Line::raw("")];

    // Status.
    let status = match &badge.earned {
        Some(earned) => {
            let mut spans = vec![
                label("Status"),
                Span::styled(format!("{} Earned {}", glyphs.check(), date_time(earned.at, &tz)), theme.ok()),
            ];
            if badge.is_new {
                spans.push(Span::styled(format!("  {} new", glyphs.new_mark()), theme.new_badge()));
            }
            Line::from(spans)
        }
        None if hidden => {
            Line::from(vec![label("Status"), Span::styled("Secret: revealed when you earn it", theme.dim())])
        }
        None => Line::from(vec![label("Status"), Span::styled("Locked", theme.text())]),
    };
    lines.push(status);

    // Progress, as the core computes it; a badge that cannot unlock now
    // (the core's blockers other than progress) shows no gauge, but why.
    let blockers = app.blockers(badge);
    let window = app.window(badge);
    let gated = reasons::first_gate(&blockers).is_some();
    if let Some(progress) = &badge.progress {
        let mut spans = vec![label("Progress")];
        if !gated {
            let cells = usize::from(inner.width).saturating_sub(LABEL + 16).clamp(4, 24);
            spans.extend(gauge(theme, glyphs, badge, cells));
            spans.push(Span::raw(" "));
        }
        let (current, target) = (text::thousands(progress.current), text::thousands(progress.target));
        let numbers = if progress.earned {
            format!("{current} (target {target})")
        } else {
            format!("{current}/{target} ({}%)", badge.percent())
        };
        spans.push(Span::styled(numbers, theme.text()));
        lines.push(Line::from(spans));
    }
    for (i, reason) in blockers.iter().filter_map(|b| reasons::sentence(b, window, app.board())).enumerate() {
        lines.push(Line::from(vec![label(if i == 0 { "Blocked" } else { "" }), Span::styled(reason, theme.bad())]));
    }
    if badge.earned.is_none()
        && let Some(ends) = reasons::ends_in(window)
    {
        let last_day = match window {
            Some(achievements_core::LocalWindow::Open { last_day: Some(day), .. }) => {
                format!(" (last day {})", reasons::date(day))
            }
            _ => String::new(),
        };
        lines.push(Line::from(vec![label("Event"), Span::styled(format!("{ends}{last_day}"), theme.text())]));
    }
    if let Some(criteria) = &badge.criteria {
        lines.push(Line::from(vec![label("Criteria"), Span::styled(text::prose(criteria, glyphs), theme.text())]));
    }
    if !hidden {
        let dot = glyphs.dot();
        let rarity = badge.rarity.map_or("", |r| r.as_str());
        lines.push(Line::from(vec![
            label("Category"),
            Span::styled(badge.category.title(), theme.text()),
            Span::styled(format!(" {dot} "), theme.dim()),
            Span::styled(rarity.to_owned(), theme.rarity(badge.rarity)),
            Span::styled(format!(" {dot} {} pts", text::thousands(badge.points)), theme.text()),
        ]));
    } else {
        lines.push(Line::from(vec![label("Category"), Span::styled(badge.category.title(), theme.text())]));
    }

    // Prerequisites and what blocks it: the core's explanation when it has
    // the rule, the synced data otherwise.
    let explanation = app.explain(badge);
    if !badge.requires.is_empty() {
        for (i, id) in badge.requires.iter().enumerate() {
            let met = match &explanation {
                Some(e) => e.prerequisites.iter().any(|p| &p.key == id && p.earned),
                None => app.board().get(id).is_some_and(|b| b.is_earned()),
            };
            let (mark, style) = if met { (glyphs.check(), theme.ok()) } else { (glyphs.cross(), theme.bad()) };
            lines.push(Line::from(vec![
                label(if i == 0 { "Requires" } else { "" }),
                Span::styled(format!("{mark} "), style),
                Span::styled(app.board().display_name(id), theme.text()),
            ]));
        }
    }
    if let Some(explanation) = &explanation
        && badge.earned.is_none()
    {
        if explanation.blockers.is_empty() {
            lines.push(Line::from(vec![
                label("Next"),
                Span::styled("every condition holds: it unlocks at your next event", theme.ok()),
            ]));
        }
        // Reasons other than progress are worded above ("Blocked").
        for (i, blocker) in explanation.blockers.iter().filter(|b| !b.is_gate()).enumerate() {
            lines.push(Line::from(vec![
                label(if i == 0 { "Missing" } else { "" }),
                Span::styled(text::prose(&blocker.to_string(), glyphs), theme.text()),
            ]));
        }
    }
    if let Some(earned) = &badge.earned {
        let mut how = earned.cause.as_deref().map(cause_in_words).unwrap_or_default().to_owned();
        if let Some(value) = earned.value_at_unlock {
            if !how.is_empty() {
                how.push_str(&format!(" {} ", glyphs.dot()));
            }
            how.push_str(&format!("value {} at unlock", text::thousands(value)));
        }
        if !how.is_empty() {
            lines.push(Line::from(vec![label("Unlocked"), Span::styled(how, theme.dim())]));
        }
    }
    match badge.kind {
        Kind::Retired => {
            lines.push(Line::from(vec![label(""), Span::styled("no longer awarded (retired)", theme.dim())]))
        }
        Kind::Secret => lines.push(Line::from(vec![label(""), Span::styled("a secret badge", theme.dim())])),
        Kind::Listed | Kind::Hidden => {}
    }
    if !hidden {
        lines.push(Line::from(vec![label("Key"), Span::styled(badge.id.clone(), theme.dim())]));
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

/// The core's unlock causes, for people. A cause this build does not know
/// (a newer server's) is shown as sent.
fn cause_in_words(cause: &str) -> &str {
    match Cause::parse(cause) {
        Some(Cause::Event) => "by an event",
        Some(Cause::Points) => "by the points of other badges",
        Some(Cause::Prerequisite) => "when its prerequisites were earned",
        Some(Cause::Evaluation) => "by a re-evaluation",
        Some(Cause::Granted) => "granted",
        None => cause,
    }
}
