//! The wire format of `POST /api/v1/events/`: a JSON body in, events the
//! store can apply (or per-event rejections) out.
//!
//! Only shape and types are checked here — and that `at` is not in the
//! future. Whether the rules accept an event (a known type, a value that
//! suits the field) is the core's decision, taken in the write transaction.

use crate::api_error::ApiError;
use crate::store::intake::{NewEvent, Outcome};
use achievements_core::Instant;
use achievements_core::{EventError, parse_instant};
use serde::Serialize;
use serde_json::{Map, Value};

/// The most events one request may carry.
pub const MAX_EVENTS: usize = 1000;
/// The longest accepted `id`.
pub const MAX_ID_LEN: usize = 200;
/// How far ahead of the server's clock `at` may be, in seconds (clock skew
/// between hosts). Further is refused: a future event would unlock too early.
pub const MAX_CLOCK_SKEW_SECONDS: i64 = 5 * 60;

const FIELDS: &[&str] = &["id", "user", "type", "value", "at"];

/// Why one event was refused. Nothing of a refused event is stored.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("an event must be a JSON object with id, user, type, value and at")]
    NotAnObject,
    #[error("`id` must be a string of 1 to {MAX_ID_LEN} characters")]
    BadId,
    #[error("`user` must be a user's name (a non-empty string)")]
    BadUser,
    #[error("`type` must be an event type name (a non-empty string)")]
    BadType,
    #[error("`value` must be an integer (or absent)")]
    BadValue,
    #[error("`at` must be an RFC 3339 instant such as 2026-03-01T10:00:00Z (or absent for now)")]
    BadAt,
    #[error("`at` ({at}) is more than {} minutes ahead of the server's clock ({now})", MAX_CLOCK_SKEW_SECONDS / 60)]
    FutureAt { at: Instant, now: Instant },
    #[error("unknown field `{0}`: an event has only id, user, type, value and at")]
    UnknownField(String),
    #[error("no user named `{0}`")]
    UnknownUser(String),
    #[error(transparent)]
    Refused(EventError),
}

impl Rejection {
    /// A stable, machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Rejection::NotAnObject => "invalid_event",
            Rejection::BadId => "invalid_id",
            Rejection::BadUser => "invalid_user",
            Rejection::BadType => "invalid_type",
            Rejection::BadValue => "invalid_value",
            Rejection::BadAt => "invalid_at",
            Rejection::FutureAt { .. } => "future_at",
            Rejection::UnknownField(_) => "unknown_field",
            Rejection::UnknownUser(_) => "unknown_user",
            Rejection::Refused(e) => e.code(),
        }
    }
}

/// One event of a request: ready for the store, or already refused
/// (with its id, when it had a usable one).
pub type Checked = Result<NewEvent, (Option<String>, Rejection)>;

/// Parses a request body: one event object, or `{"events": [...]}`.
///
/// # Errors
/// 400 for text that is not JSON, 422 for JSON of the wrong shape, 413 for
/// more than [`MAX_EVENTS`] events. Problems with one event are not errors:
/// they come back as that event's [`Rejection`].
pub fn parse_body(body: &[u8], now: Instant) -> Result<Vec<Checked>, ApiError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| ApiError::Parse(format!("JSON parse error: {e}")))?;
    let Value::Object(mut top) = value else {
        return Err(ApiError::Invalid(
            "Expected one event object or {\"events\": [...]}, got another JSON value.".to_owned(),
        ));
    };
    if !top.contains_key("events") {
        return Ok(vec![check_event(Value::Object(top), now)]);
    }
    if top.len() > 1 {
        return Err(ApiError::Invalid("A batch body has only the `events` field.".to_owned()));
    }
    let Some(Value::Array(events)) = top.remove("events") else {
        return Err(ApiError::Invalid("`events` must be an array of event objects.".to_owned()));
    };
    if events.len() > MAX_EVENTS {
        return Err(ApiError::TooManyEvents { count: events.len(), limit: MAX_EVENTS });
    }
    Ok(events.into_iter().map(|event| check_event(event, now)).collect())
}

fn check_event(value: Value, now: Instant) -> Checked {
    let Value::Object(mut obj) = value else { return Err((None, Rejection::NotAnObject)) };
    let id = match obj.remove("id") {
        Some(Value::String(id)) if !id.is_empty() && id.chars().count() <= MAX_ID_LEN => id,
        _ => return Err((None, Rejection::BadId)),
    };
    match check_fields(obj, now) {
        Ok((user, event_type, value, at)) => Ok(NewEvent { id, user, event_type, value, at }),
        Err(rejection) => Err((Some(id), rejection)),
    }
}

fn check_fields(
    mut obj: Map<String, Value>,
    now: Instant,
) -> Result<(String, String, Option<i64>, Instant), Rejection> {
    if let Some(unknown) = obj.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(Rejection::UnknownField(unknown.clone()));
    }
    let user = match obj.remove("user") {
        Some(Value::String(user)) if !user.is_empty() => user,
        _ => return Err(Rejection::BadUser),
    };
    let event_type = match obj.remove("type") {
        Some(Value::String(t)) if !t.is_empty() => t,
        _ => return Err(Rejection::BadType),
    };
    let value = match obj.remove("value") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => Some(n.as_i64().ok_or(Rejection::BadValue)?),
        Some(_) => return Err(Rejection::BadValue),
    };
    let at = match obj.remove("at") {
        None | Some(Value::Null) => now,
        Some(Value::String(text)) => parse_instant(&text).map_err(|_| Rejection::BadAt)?,
        Some(_) => return Err(Rejection::BadAt),
    };
    if now.checked_add_seconds(MAX_CLOCK_SKEW_SECONDS).is_some_and(|limit| at > limit) {
        return Err(Rejection::FutureAt { at, now });
    }
    Ok((user, event_type, value, at))
}

/// The answer for one event, in request order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum EventResult {
    Applied { id: String, unlocked: Vec<String> },
    Duplicate { id: String },
    Rejected { id: Option<String>, detail: String, code: &'static str },
}

impl EventResult {
    pub fn rejected(id: Option<String>, rejection: &Rejection) -> Self {
        EventResult::Rejected { id, detail: rejection.to_string(), code: rejection.code() }
    }

    /// The answer for an event the store handled.
    pub fn from_outcome(event: NewEvent, outcome: Outcome) -> Self {
        match outcome {
            Outcome::Applied(unlocks) => {
                EventResult::Applied { id: event.id, unlocked: unlocks.into_iter().map(|u| u.key).collect() }
            }
            Outcome::Duplicate => EventResult::Duplicate { id: event.id },
            Outcome::UnknownUser => EventResult::rejected(Some(event.id), &Rejection::UnknownUser(event.user)),
            Outcome::Refused(e) => EventResult::rejected(Some(event.id), &Rejection::Refused(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn now() -> Instant {
        "2026-03-01T12:00:00Z".parse().expect("timestamp")
    }

    fn one(event: Value) -> Checked {
        let mut all = parse_body(event.to_string().as_bytes(), now()).expect("a valid body");
        assert_eq!(all.len(), 1);
        all.remove(0)
    }

    fn rejection(event: Value) -> (Option<String>, &'static str) {
        let (id, r) = one(event).expect_err("rejected");
        (id, r.code())
    }

    #[test]
    fn accepts_a_complete_event_and_defaults() {
        let full =
            one(json!({"id": "e1", "user": "ann", "type": "login", "value": 3, "at": "2026-03-01T10:00:00+01:00"}))
                .expect("valid");
        assert_eq!(full.value, Some(3));
        assert_eq!(full.at, "2026-03-01T09:00:00Z".parse::<Instant>().expect("timestamp"));
        let bare = one(json!({"id": "e2", "user": "ann", "type": "login"})).expect("valid");
        assert_eq!((bare.value, bare.at), (None, now()));
    }

    #[test]
    fn rejects_bad_fields_one_by_one() {
        let cases = [
            (json!([1]), (None, "invalid_event")),
            (json!({"user": "a", "type": "t"}), (None, "invalid_id")),
            (json!({"id": 7, "user": "a", "type": "t"}), (None, "invalid_id")),
            (json!({"id": "", "user": "a", "type": "t"}), (None, "invalid_id")),
            (json!({"id": "x".repeat(201), "user": "a", "type": "t"}), (None, "invalid_id")),
            (json!({"id": "e", "type": "t"}), (Some("e".into()), "invalid_user")),
            (json!({"id": "e", "user": 5, "type": "t"}), (Some("e".into()), "invalid_user")),
            (json!({"id": "e", "user": "a"}), (Some("e".into()), "invalid_type")),
            (json!({"id": "e", "user": "a", "type": "t", "value": "3"}), (Some("e".into()), "invalid_value")),
            (json!({"id": "e", "user": "a", "type": "t", "value": 1.5}), (Some("e".into()), "invalid_value")),
            (json!({"id": "e", "user": "a", "type": "t", "at": "yesterday"}), (Some("e".into()), "invalid_at")),
            (json!({"id": "e", "user": "a", "type": "t", "at": 1_700_000_000}), (Some("e".into()), "invalid_at")),
            (
                json!({"id": "e", "user": "a", "type": "t", "at": "2026-03-01T12:06:00Z"}),
                (Some("e".into()), "future_at"),
            ),
            (json!({"id": "e", "user": "a", "type": "t", "valeu": 1}), (Some("e".into()), "unknown_field")),
        ];
        for (event, expected) in cases {
            if event.is_array() {
                let all = parse_body(json!({"events": [event]}).to_string().as_bytes(), now()).expect("body");
                assert_eq!(all[0].clone().expect_err("rejected").1.code(), expected.1);
                continue;
            }
            assert_eq!(rejection(event.clone()), expected, "{event}");
        }
    }

    #[test]
    fn a_small_clock_skew_is_tolerated() {
        assert!(one(json!({"id": "e", "user": "a", "type": "t", "at": "2026-03-01T12:04:59Z"})).is_ok());
    }

    #[test]
    fn body_level_problems_are_errors() {
        let status = |body: &str| parse_body(body.as_bytes(), now()).expect_err("an error").status().as_u16();
        assert_eq!(status("{not json"), 400);
        assert_eq!(status("[]"), 422);
        assert_eq!(status(r#"{"events": {}}"#), 422);
        assert_eq!(status(r#"{"events": [], "id": "x"}"#), 422);
        let big = json!({"events": vec![json!({}); MAX_EVENTS + 1]}).to_string();
        assert_eq!(status(&big), 413);
    }
}
