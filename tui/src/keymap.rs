//! The key map, as data: which keys do what in which context. The footer
//! and the help overlay are generated from it, so they never disagree with
//! what the keys do.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What a key asks for. [`crate::app::App::update`] carries it out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Quit,
    Help,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    NextTab,
    PrevTab,
    /// Jump to tab n (0 = All).
    Tab(u8),
    /// Open the selected badge's details full screen.
    Open,
    /// Close the current panel, or clear the search.
    Back,
    Search,
    CycleFilter,
    CycleSort,
    Preview,
    Notifications,
    Sync,
    /// Text entry: a typed character.
    Input(char),
    Backspace,
    /// Keep what was typed and close the prompt.
    Submit,
    /// Preview: the next or previous event type.
    NextEvent,
    PrevEvent,
    /// Preview: the value up or down by one.
    Increase,
    Decrease,
    /// A key with no meaning here.
    Nothing,
}

/// Where the keyboard is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Context {
    /// The badge list (with the detail pane on wide screens).
    Browse,
    /// One badge, full screen.
    Detail,
    /// Typing a search.
    Search,
    /// The "what would unlock?" panel.
    Preview,
    Help,
    Notifications,
}

impl Context {
    pub const ALL: [Context; 6] =
        [Context::Browse, Context::Detail, Context::Search, Context::Preview, Context::Notifications, Context::Help];

    pub fn title(self) -> &'static str {
        match self {
            Context::Browse => "Badge list",
            Context::Detail => "Badge details",
            Context::Search => "Search (typing)",
            Context::Preview => "What would unlock?",
            Context::Help => "This help",
            Context::Notifications => "Notifications",
        }
    }
}

/// A key: a code and the modifiers that must be held (Shift is ignored for
/// characters, which carry their case).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
}

const fn ch(c: char) -> Key {
    Key { code: KeyCode::Char(c), ctrl: false }
}

const fn ctrl(c: char) -> Key {
    Key { code: KeyCode::Char(c), ctrl: true }
}

const fn code(code: KeyCode) -> Key {
    Key { code, ctrl: false }
}

impl Key {
    fn matches(self, event: &KeyEvent) -> bool {
        event.code == self.code && event.modifiers.contains(KeyModifiers::CONTROL) == self.ctrl
    }
}

/// One line of the key map.
#[derive(Clone, Copy, Debug)]
pub struct Binding {
    pub keys: &'static [Key],
    pub action: Action,
    /// How the keys are written in the footer and help ("↑/k").
    pub label: &'static str,
    pub help: &'static str,
    /// Its word in the footer, if it is one of the essentials shown there
    /// (every binding is in the help).
    pub footer: Option<&'static str>,
}

const fn bind(keys: &'static [Key], action: Action, label: &'static str, help: &'static str) -> Binding {
    Binding { keys, action, label, help, footer: None }
}

impl Binding {
    /// The same binding, shown in the footer as `word`.
    const fn footer(self, word: &'static str) -> Binding {
        Binding { footer: Some(word), ..self }
    }
}

const QUIT: Binding = bind(&[ch('q'), ctrl('c')], Action::Quit, "q", "quit").footer("quit");
const HELP: Binding = bind(&[ch('?'), code(KeyCode::F(1))], Action::Help, "?", "help: every key").footer("help");
const UP: Binding = bind(&[code(KeyCode::Up), ch('k')], Action::Up, "↑/k", "previous badge");
const DOWN: Binding = bind(&[code(KeyCode::Down), ch('j')], Action::Down, "↓/j", "next badge");

const BROWSE: &[Binding] = &[
    QUIT,
    HELP,
    UP,
    DOWN,
    bind(&[code(KeyCode::PageUp), ctrl('u')], Action::PageUp, "PgUp/^u", "page up"),
    bind(&[code(KeyCode::PageDown), ctrl('d')], Action::PageDown, "PgDn/^d", "page down"),
    bind(&[code(KeyCode::Home), ch('g')], Action::Top, "Home/g", "first badge"),
    bind(&[code(KeyCode::End), ch('G')], Action::Bottom, "End/G", "last badge"),
    bind(&[code(KeyCode::Right), ch('l'), code(KeyCode::Tab)], Action::NextTab, "→/l/Tab", "next category"),
    bind(&[code(KeyCode::Left), ch('h'), code(KeyCode::BackTab)], Action::PrevTab, "←/h/S-Tab", "previous category"),
    bind(&[], Action::Nothing, "←→", "categories").footer("tabs"),
    bind(&DIGITS, Action::Tab(0), "0-6", "jump to a category (0 = all)"),
    bind(&[code(KeyCode::Enter)], Action::Open, "Enter", "badge details, full screen").footer("details"),
    bind(&[ch('/')], Action::Search, "/", "search names, descriptions, criteria").footer("search"),
    bind(&[ch('f')], Action::CycleFilter, "f", "filter: all → earned → locked").footer("filter"),
    bind(&[ch('s')], Action::CycleSort, "s", "sort: catalog → progress → rarity → name → recent").footer("sort"),
    bind(&[ch('p')], Action::Preview, "p", "what would unlock? (preview an event)").footer("preview"),
    bind(&[ch('n')], Action::Notifications, "n", "notifications").footer("notifications"),
    bind(&[ch('r')], Action::Sync, "r", "sync now").footer("sync"),
    bind(&[code(KeyCode::Esc)], Action::Back, "Esc", "clear the search"),
];

const DIGITS: [Key; 7] = [ch('0'), ch('1'), ch('2'), ch('3'), ch('4'), ch('5'), ch('6')];

const DETAIL: &[Binding] = &[
    QUIT,
    HELP,
    bind(
        &[code(KeyCode::Esc), code(KeyCode::Enter), code(KeyCode::Backspace)],
        Action::Back,
        "Esc",
        "back to the list",
    )
    .footer("back"),
    UP,
    DOWN,
    bind(&[], Action::Nothing, "↑↓", "previous/next badge").footer("move"),
    bind(&[ch('p')], Action::Preview, "p", "what would unlock?").footer("preview"),
];

const SEARCH: &[Binding] = &[
    bind(&[code(KeyCode::Enter)], Action::Submit, "Enter", "keep this search").footer("keep"),
    bind(&[code(KeyCode::Esc)], Action::Back, "Esc", "clear the search").footer("clear"),
    bind(&[code(KeyCode::Backspace)], Action::Backspace, "Bksp", "delete a character"),
    bind(&[code(KeyCode::Up)], Action::Up, "↑", "previous badge"),
    bind(&[code(KeyCode::Down)], Action::Down, "↓", "next badge"),
    bind(&[ctrl('c')], Action::Quit, "^c", "quit"),
];

const PREVIEW: &[Binding] = &[
    bind(&[code(KeyCode::Esc), ch('p')], Action::Back, "Esc", "close").footer("close"),
    bind(&[code(KeyCode::Right), ch('l'), code(KeyCode::Tab)], Action::NextEvent, "→/l", "next event type"),
    bind(&[code(KeyCode::Left), ch('h'), code(KeyCode::BackTab)], Action::PrevEvent, "←/h", "previous event type"),
    bind(&[], Action::Nothing, "←→", "event type").footer("event"),
    bind(&[code(KeyCode::Up), ch('k'), ch('+')], Action::Increase, "↑/k/+", "value + 1"),
    bind(&[code(KeyCode::Down), ch('j'), ch('-')], Action::Decrease, "↓/j/-", "value - 1"),
    bind(&[], Action::Nothing, "0-9", "type a value").footer("value"),
    bind(&[code(KeyCode::Backspace)], Action::Backspace, "Bksp", "delete a digit (empty = no value)"),
    QUIT,
];

const HELP_KEYS: &[Binding] = &[
    bind(&[code(KeyCode::Esc), ch('?'), code(KeyCode::Enter)], Action::Back, "Esc/?", "close").footer("close"),
    bind(&[code(KeyCode::Up), ch('k')], Action::Up, "↑/k", "scroll up"),
    bind(&[code(KeyCode::Down), ch('j')], Action::Down, "↓/j", "scroll down"),
    bind(&[], Action::Nothing, "↑↓", "scroll").footer("scroll"),
    QUIT,
];

const NOTIFICATIONS: &[Binding] = &[
    bind(&[code(KeyCode::Esc), ch('n')], Action::Back, "Esc", "close").footer("close"),
    bind(&[code(KeyCode::Up), ch('k')], Action::Up, "↑/k", "scroll up"),
    bind(&[code(KeyCode::Down), ch('j')], Action::Down, "↓/j", "scroll down"),
    QUIT,
];

/// The bindings of a context, in the order the help lists them.
pub fn bindings(context: Context) -> &'static [Binding] {
    match context {
        Context::Browse => BROWSE,
        Context::Detail => DETAIL,
        Context::Search => SEARCH,
        Context::Preview => PREVIEW,
        Context::Help => HELP_KEYS,
        Context::Notifications => NOTIFICATIONS,
    }
}

/// What `key` means in `context`. Text-entry contexts turn unbound
/// printable characters into [`Action::Input`].
pub fn action(context: Context, key: &KeyEvent) -> Action {
    for binding in bindings(context) {
        if let Some(hit) = binding.keys.iter().find(|k| k.matches(key)) {
            return match (binding.action, hit.code) {
                // The digit keys of the tab binding carry their number.
                (Action::Tab(_), KeyCode::Char(c)) => {
                    Action::Tab(c.to_digit(10).and_then(|d| u8::try_from(d).ok()).unwrap_or(0))
                }
                (action, _) => action,
            };
        }
    }
    let plain = !key.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
    match (context, key.code) {
        (Context::Search, KeyCode::Char(c)) if plain => Action::Input(c),
        (Context::Preview, KeyCode::Char(c)) if plain && c.is_ascii_digit() => Action::Input(c),
        _ => Action::Nothing,
    }
}

/// The footer's hints for a context, `(keys, word)`, most important first.
pub fn footer(context: Context) -> impl Iterator<Item = (&'static str, &'static str)> {
    bindings(context).iter().filter_map(|b| b.footer.map(|word| (b.label, word)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn arrows_and_vim_keys_agree() {
        for (a, b) in [(KeyCode::Up, 'k'), (KeyCode::Down, 'j'), (KeyCode::Left, 'h'), (KeyCode::Right, 'l')] {
            assert_eq!(action(Context::Browse, &press(a)), action(Context::Browse, &press(KeyCode::Char(b))));
        }
        assert_eq!(action(Context::Browse, &press(KeyCode::Char('G'))), Action::Bottom);
        assert_eq!(action(Context::Browse, &KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT)), Action::Bottom);
        assert_eq!(
            action(Context::Browse, &KeyEvent::new(KeyCode::Char('d'), KeyModifiers::CONTROL)),
            Action::PageDown
        );
        assert_eq!(action(Context::Browse, &press(KeyCode::Char('4'))), Action::Tab(4));
    }

    #[test]
    fn text_entry_takes_letters_that_are_keys_elsewhere() {
        assert_eq!(action(Context::Search, &press(KeyCode::Char('q'))), Action::Input('q'));
        assert_eq!(action(Context::Search, &press(KeyCode::Char('j'))), Action::Input('j'));
        assert_eq!(action(Context::Search, &KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)), Action::Quit);
        assert_eq!(action(Context::Preview, &press(KeyCode::Char('7'))), Action::Input('7'));
        assert_eq!(action(Context::Preview, &press(KeyCode::Char('x'))), Action::Nothing);
        assert_eq!(action(Context::Browse, &press(KeyCode::Char('x'))), Action::Nothing);
    }

    #[test]
    fn no_key_means_two_things_in_one_context() {
        for context in Context::ALL {
            let keys: Vec<Key> = bindings(context).iter().flat_map(|b| b.keys.iter().copied()).collect();
            for (i, k) in keys.iter().enumerate() {
                assert!(!keys[i + 1..].contains(k), "{k:?} bound twice in {context:?}");
            }
        }
    }

    #[test]
    fn the_readme_lists_every_key_of_the_list() {
        let readme = include_str!("../README.md");
        for binding in bindings(Context::Browse).iter().filter(|b| !b.keys.is_empty()) {
            assert!(readme.contains(&format!("`{}`", binding.label)), "README.md lacks `{}`", binding.label);
        }
    }

    #[test]
    fn footers_are_short() {
        let browse: Vec<_> = footer(Context::Browse).collect();
        assert!(browse.contains(&("q", "quit")));
        assert!(browse.contains(&("s", "sort")));
        assert!(browse.contains(&("p", "preview")));
        for context in Context::ALL {
            assert!(footer(context).count() > 0, "{context:?}");
        }
    }
}
