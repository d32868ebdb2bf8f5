//! The list: which badges it shows (the tab, the filter, the search), in
//! which order (the sort), and which one is selected and scrolled into
//! view. Sizes come from [`crate::layout`], as the renderer's do.

use super::App;
use crate::badges::{Badge, Kind};
use crate::keymap::Action;
use achievements_core::{Category, Rarity};
use std::cmp::Reverse;

/// The number of tabs: "All" and one per category.
pub const TABS: usize = Category::ALL.len() + 1;

/// Which badges the list shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Filter {
    #[default]
    All,
    Earned,
    Locked,
}

impl Filter {
    pub(super) fn next(self) -> Self {
        match self {
            Filter::All => Filter::Earned,
            Filter::Earned => Filter::Locked,
            Filter::Locked => Filter::All,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Filter::All => "all",
            Filter::Earned => "earned",
            Filter::Locked => "locked",
        }
    }

    fn accepts(self, badge: &Badge) -> bool {
        match self {
            Filter::All => true,
            Filter::Earned => badge.is_earned(),
            Filter::Locked => !badge.is_earned(),
        }
    }
}

/// The list's order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Sort {
    /// The catalog's: category, then each badge's `order`.
    #[default]
    Catalog,
    /// Closest to unlocking first, earned ones after.
    Progress,
    /// Rarest first.
    Rarity,
    Name,
    /// Most recently earned first.
    Recent,
}

impl Sort {
    pub(super) fn next(self) -> Self {
        match self {
            Sort::Catalog => Sort::Progress,
            Sort::Progress => Sort::Rarity,
            Sort::Rarity => Sort::Name,
            Sort::Name => Sort::Recent,
            Sort::Recent => Sort::Catalog,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Sort::Catalog => "catalog",
            Sort::Progress => "progress",
            Sort::Rarity => "rarity",
            Sort::Name => "name",
            Sort::Recent => "recent",
        }
    }
}

impl App {
    /// The category of a tab (`None` for "All").
    pub fn tab_category(tab: usize) -> Option<Category> {
        tab.checked_sub(1).and_then(|i| Category::ALL.get(i).copied())
    }

    /// List movement shared by the modes that show the list. True if the
    /// action was one.
    pub(super) fn navigate(&mut self, action: Action) -> bool {
        let last = self.visible.len().saturating_sub(1);
        let page = self.list_rows().max(1);
        self.selected = match action {
            Action::Up => self.selected.saturating_sub(1),
            Action::Down => (self.selected + 1).min(last),
            Action::PageUp => self.selected.saturating_sub(page),
            Action::PageDown => (self.selected + page).min(last),
            Action::Top => 0,
            Action::Bottom => last,
            _ => return false,
        };
        self.scroll_to_selection();
        true
    }

    pub(super) fn set_tab(&mut self, tab: usize) {
        if tab != self.tab {
            self.tab = tab;
            self.selected = 0;
            self.offset = 0;
            self.refresh();
        }
    }

    /// Recomputes the listed badges (tab, filter, search, sort), keeping the
    /// selected badge selected when it is still listed.
    pub(super) fn refresh(&mut self) {
        let keep = self.selected_badge().map(|b| b.id.clone());
        let category = Self::tab_category(self.tab);
        let query = self.search.to_lowercase();
        let badges = &self.board.badges;
        let mut visible: Vec<usize> = (0..badges.len())
            .filter(|&i| {
                let b = &badges[i];
                category.is_none_or(|c| b.category == c) && self.filter.accepts(b) && matches(b, &query)
            })
            .collect();
        sort(&mut visible, badges, self.sort);
        self.visible = visible;
        let last = self.visible.len().saturating_sub(1);
        self.selected = keep
            .and_then(|id| self.visible.iter().position(|&i| badges[i].id == id))
            .unwrap_or(self.selected.min(last));
        self.scroll_to_selection();
    }

    pub(super) fn scroll_to_selection(&mut self) {
        let rows = self.list_rows().max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + rows {
            self.offset = self.selected + 1 - rows;
        }
        self.offset = self.offset.min(self.visible.len().saturating_sub(rows));
    }
}

/// Case-insensitive search in what may be shown of a badge.
fn matches(badge: &Badge, query: &str) -> bool {
    if query.is_empty() {
        return true;
    }
    if badge.kind == Kind::Hidden {
        return "???".contains(query) || "secret".contains(query);
    }
    let hit = |text: &str| text.to_lowercase().contains(query);
    hit(&badge.name) || hit(&badge.description) || badge.criteria.as_deref().is_some_and(hit) || hit(&badge.id)
}

fn sort(visible: &mut [usize], badges: &[Badge], sort: Sort) {
    let hidden = |b: &Badge| b.kind == Kind::Hidden;
    match sort {
        Sort::Catalog => {}
        Sort::Progress => visible.sort_by_key(|&i| {
            let b = &badges[i];
            (hidden(b), b.is_earned(), Reverse(b.percent()))
        }),
        Sort::Rarity => visible.sort_by_key(|&i| {
            let b = &badges[i];
            (hidden(b), Reverse(b.rarity.map_or(0, rarity_rank)))
        }),
        Sort::Name => visible.sort_by_cached_key(|&i| {
            let b = &badges[i];
            (hidden(b), b.name.to_lowercase())
        }),
        Sort::Recent => visible.sort_by_key(|&i| {
            let b = &badges[i];
            (hidden(b), b.earned.is_none(), Reverse(b.earned.as_ref().map(|e| e.at)))
        }),
    }
}

fn rarity_rank(rarity: Rarity) -> usize {
    Rarity::ALL.iter().position(|r| *r == rarity).map_or(0, |p| p + 1)
}
