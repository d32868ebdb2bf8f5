//! Events as the engine sees them, and why one can be refused.

use crate::time::Instant as Timestamp;

/// Something a user did: `{type, value, at}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Event<'a> {
    pub event_type: &'a str,
    /// Defaults to 1 for `add` effects; `set` and `max` need it explicitly.
    pub value: Option<i64>,
    /// When it happened (an RFC 3339 instant on the wire).
    pub at: Timestamp,
}

/// An event whose type was looked up once, for callers applying many.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TypedEvent {
    pub event_type: EventTypeId,
    pub value: Option<i64>,
    pub at: Timestamp,
}

/// The engine's number for an event type; valid for the engine that made it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EventTypeId(pub(crate) u32);

/// Why an event was refused. A refused event changes nothing.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    #[error("unknown event type `{0}`")]
    UnknownEventType(String),
    #[error("value must not be negative for `add` field `{field}`, got {value}")]
    NegativeValue { field: String, value: i64 },
    #[error("adding {value} to `{field}` (currently {current}) would overflow a 64-bit integer")]
    Overflow { field: String, current: i64, value: i64 },
    #[error("`{field}` is a `{op}` field, so the event needs an explicit value")]
    MissingValue { field: String, op: crate::Op },
    /// A streak records the event's local day, and in the user's zone that
    /// day falls outside years 0000–9999 (only the very first or last hours
    /// of that span can).
    #[error("{at} falls on a local day outside years 0000–9999 in time zone `{timezone}`")]
    DayOutOfRange { at: Timestamp, timezone: String },
}

impl EventError {
    /// A stable, machine-readable code for adapters (`unknown_event_type`, …).
    pub fn code(&self) -> &'static str {
        match self {
            EventError::UnknownEventType(_) => "unknown_event_type",
            EventError::NegativeValue { .. } => "negative_value",
            EventError::Overflow { .. } => "overflow",
            EventError::MissingValue { .. } => "missing_value",
            EventError::DayOutOfRange { .. } => "day_out_of_range",
        }
    }
}
