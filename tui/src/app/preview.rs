//! The "what would unlock?" panel: an event type and a value, and what the
//! core answers for them against the user's state (nothing is applied).

use super::{App, Mode};
use crate::dataset::Rules;
use crate::keymap::Action;
use achievements_core::Event;

/// The "what would unlock?" panel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Preview {
    /// The catalog's event types, sorted.
    pub events: Vec<String>,
    pub event: usize,
    /// The value as typed; empty means "no value" (an `add` counts 1).
    pub value: String,
    pub outcome: PreviewOutcome,
}

/// What the core answered for the previewed event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PreviewOutcome {
    /// It would be accepted: the fields it changes and the badges it
    /// unlocks (ids, cascades included, in unlock order).
    Accepted { changes: Vec<FieldChange>, unlocks: Vec<String> },
    /// The core would refuse it, and why.
    Refused(String),
    /// No catalog the core can run.
    Unavailable,
}

/// A tracking field before and after a previewed event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldChange {
    pub field: String,
    pub before: i64,
    pub after: i64,
}

impl App {
    pub(super) fn previewing(&mut self, mut preview: Preview, action: Action) {
        let count = preview.events.len().max(1);
        match action {
            Action::Back => return,
            Action::NextEvent => preview.event = (preview.event + 1) % count,
            Action::PrevEvent => preview.event = (preview.event + count - 1) % count,
            Action::Increase | Action::Decrease => {
                let value = preview.value.parse::<i64>().unwrap_or(0);
                let value = if action == Action::Increase { value.saturating_add(1) } else { value.saturating_sub(1) };
                preview.value = value.to_string();
            }
            Action::Input(c) if preview.value.len() < 18 => {
                if preview.value == "0" {
                    preview.value.clear();
                }
                preview.value.push(c);
            }
            Action::Backspace => {
                preview.value.pop();
            }
            _ => {}
        }
        preview.outcome = self.preview_outcome(&preview);
        self.mode = Mode::Preview(preview);
    }

    pub(super) fn open_preview(&mut self) {
        if self.loading {
            self.inform("The rules are still loading: try p again in a moment.");
            return;
        }
        let events: Vec<String> =
            self.data.rules.as_ref().map(|r| r.engine.catalog().events.keys().cloned().collect()).unwrap_or_default();
        let mut preview = Preview { events, event: 0, value: "1".to_owned(), outcome: PreviewOutcome::Unavailable };
        preview.outcome = self.preview_outcome(&preview);
        self.mode = Mode::Preview(preview);
    }

    /// Asks the core what the previewed event would do to the user's state.
    fn preview_outcome(&self, preview: &Preview) -> PreviewOutcome {
        let Some(Rules { engine, state }) = &self.data.rules else { return PreviewOutcome::Unavailable };
        let Some(event_type) = preview.events.get(preview.event) else { return PreviewOutcome::Unavailable };
        let value = match preview.value.as_str() {
            "" => None,
            text => match text.parse::<i64>() {
                Ok(v) => Some(v),
                Err(_) => return PreviewOutcome::Refused(format!("`{text}` is not a whole number")),
            },
        };
        let event = Event { event_type, value, at: crate::time::to_core(self.now) };
        let mut after = state.clone();
        match engine.apply(&mut after, &event) {
            Ok(unlocks) => {
                let fields =
                    engine.catalog().events.get(event_type).into_iter().flatten().flat_map(|effect| {
                        std::iter::once(effect.field.as_str()).chain(effect.longest_field.as_deref())
                    });
                let changes = fields
                    .map(|field| FieldChange {
                        field: field.to_owned(),
                        before: engine.stat(state, field),
                        after: engine.stat(&after, field),
                    })
                    .collect();
                PreviewOutcome::Accepted { changes, unlocks: unlocks.into_iter().map(|u| u.key).collect() }
            }
            Err(e) => PreviewOutcome::Refused(e.to_string()),
        }
    }
}
