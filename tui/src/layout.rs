//! Where each part of the screen goes, and how much fits. The renderer
//! draws into these areas, and the app reads the same numbers to page,
//! scroll the list and stop the help at its end; keeping them here, apart
//! from both, means the app never asks the renderer for a size.

use crate::keymap::{self, Context};
use ratatui::layout::{Constraint, Layout, Rect};

/// Below this the app asks for a bigger terminal.
pub const MIN_SIZE: (u16, u16) = (40, 10);
/// From this width the list and the details sit side by side.
pub const SPLIT_WIDTH: u16 = 100;

/// What the layout depends on besides the terminal's size.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Panes {
    /// A banner line shows (the offline state, or a notice).
    pub banner: bool,
    /// The details fill the main area (the detail mode).
    pub detail_only: bool,
}

/// Where each part of the screen goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Areas {
    pub header: Rect,
    pub banner: Option<Rect>,
    pub tabs: Rect,
    /// The list, unless the details fill the main area.
    pub list: Option<Rect>,
    /// The details, when shown.
    pub detail: Option<Rect>,
    pub footer: Rect,
}

/// The layout of `panes` in `area`.
pub fn areas(area: Rect, panes: Panes) -> Areas {
    let banner_rows = u16::from(panes.banner);
    let [header, banner, tabs, main, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(banner_rows),
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(area);
    let (list, detail) = if panes.detail_only {
        (None, Some(main))
    } else if main.width >= SPLIT_WIDTH {
        let [list, detail] = Layout::horizontal([Constraint::Percentage(58), Constraint::Percentage(42)]).areas(main);
        (Some(list), Some(detail))
    } else {
        (Some(main), None)
    };
    Areas { header, banner: panes.banner.then_some(banner), tabs, list, detail, footer }
}

/// How many badges the list shows in a terminal of `size` (columns, rows).
pub fn list_rows(size: (u16, u16), panes: Panes) -> usize {
    let (columns, rows) = size;
    areas(Rect::new(0, 0, columns, rows), panes).list.map_or(0, |r| usize::from(r.height.saturating_sub(2)))
}

/// How many lines the help has: per context a title and a line per key
/// binding that has keys, with a blank line between contexts (the help
/// panel's text; a test in `ui::popups` holds the two together).
pub fn help_lines() -> usize {
    let per_context = |context: Context| 1 + keymap::bindings(context).iter().filter(|b| !b.keys.is_empty()).count();
    Context::ALL.into_iter().map(per_context).sum::<usize>() + Context::ALL.len().saturating_sub(1)
}
