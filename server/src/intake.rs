//! The wire format of `POST /api/v1/events/`: a JSON body in, events the
//! store can apply (or per-event rejections) out.
//!
//! Only shape and types are checked here — and that `at` is not in the
//! future. Whether the rules accept an event (a known type, a value that
//! suits the field) is the core's decision, taken in the write transaction.

use crate::api_error::ApiError;
use crate::store::model::{NewEvent, Outcome};
use achievements_core::Instant;
use achievements_core::json::{self, Json, Path, Step, repeats_earlier};
use achievements_core::{EventError, parse_instant, time_zone};
use serde::Serialize;
use std::borrow::Cow;

/// The most events one request may carry.
pub(crate) const MAX_EVENTS: usize = 1000;
/// The longest accepted `id`.
pub(crate) const MAX_ID_LEN: usize = 200;
/// How far ahead of the server's clock `at` may be, in seconds (clock skew
/// between hosts). Further is refused: a future event would unlock too early.
pub(crate) const MAX_CLOCK_SKEW_SECONDS: i64 = 5 * 60;

const FIELDS: &[&str] = &["id", "user", "type", "value", "at", "timezone"];

/// Why one event was refused. Nothing of a refused event is stored.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Rejection {
    #[error("an event must be a JSON object with id, user, type, value, at and timezone")]
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
    #[error("unknown field `{0}`: an event has only id, user, type, value, at and timezone")]
    UnknownField(String),
    #[error("`timezone` {0} (or absent)")]
    BadTimezone(String),
    #[error("repeated field `{0}`: an event names each field once")]
    RepeatedField(String),
    #[error("no user named `{0}`")]
    UnknownUser(String),
    /// `serve --create-users`: the unknown user could not be created.
    #[error("{0}")]
    CannotCreateUser(String),
    #[error(transparent)]
    Refused(EventError),
}

impl Rejection {
    /// A stable, machine-readable code.
    pub(crate) fn code(&self) -> &'static str {
        match self {
            Rejection::NotAnObject => "invalid_event",
            Rejection::BadId => "invalid_id",
            Rejection::BadUser => "invalid_user",
            Rejection::BadType => "invalid_type",
            Rejection::BadValue => "invalid_value",
            Rejection::BadAt => "invalid_at",
            Rejection::FutureAt { .. } => "future_at",
            Rejection::BadTimezone(_) => "invalid_timezone",
            Rejection::UnknownField(_) => "unknown_field",
            Rejection::RepeatedField(_) => "repeated_field",
            Rejection::UnknownUser(_) => "unknown_user",
            Rejection::CannotCreateUser(_) => "invalid_user",
            Rejection::Refused(e) => e.code(),
        }
    }
}

/// One event of a request: ready for the store, or already refused
/// (with its id, when it had a usable one).
pub(crate) type Checked = Result<NewEvent, (Option<String>, Rejection)>;

/// Parses a request body: one event object, or `{"events": [...]}`.
///
/// # Errors
/// 400 for text that is not JSON, 422 for JSON of the wrong shape (a
/// repeated field name in the batch object included), 413 for more than
/// [`MAX_EVENTS`] events. Problems with one event are not errors: they come
/// back as that event's [`Rejection`] (a field name repeated in an event
/// included), and the other events still apply.
pub(crate) fn parse_body(body: &[u8], now: Instant) -> Result<Vec<Checked>, ApiError> {
    let top = parse_json(body)?;
    let Json::Object(fields) = &top else {
        return Err(ApiError::Invalid(
            "Expected one event object or {\"events\": [...]}, got another JSON value.".to_owned(),
        ));
    };
    if !fields.iter().any(|(name, _)| name == "events") {
        return Ok(vec![check_event(&top, now)]);
    }
    if let Some(i) = (0..fields.len()).find(|&i| repeats_earlier(fields, i)) {
        let name = fields.get(i).map_or("", |(name, _)| name.as_ref());
        return Err(repeated_in_body(&Path(vec![Step::Field(name)])));
    }
    if fields.len() > 1 {
        return Err(ApiError::Invalid("A batch body has only the `events` field.".to_owned()));
    }
    let Some(Json::Array(events)) = top.get("events") else {
        return Err(ApiError::Invalid("`events` must be an array of event objects.".to_owned()));
    };
    if events.len() > MAX_EVENTS {
        return Err(ApiError::TooManyEvents { count: events.len(), limit: MAX_EVENTS });
    }
    Ok(events.iter().map(|event| check_event(event, now)).collect())
}

/// A request body as the core's JSON tree, which keeps every field as
/// written (so repeated names can be found), with serde_json's syntax
/// messages.
///
/// # Errors
/// 400 `parse_error` for a body that is not UTF-8 JSON.
pub(crate) fn parse_json(body: &[u8]) -> Result<Json<'_>, ApiError> {
    let text = std::str::from_utf8(body).map_err(|e| {
        ApiError::Parse(format!("JSON parse error: the body is not UTF-8 (at byte {})", e.valid_up_to()))
    })?;
    json::parse(text).map_err(|e| ApiError::Parse(format!("JSON parse error: {e}")))
}

/// The 422 for a request body with a repeated field name, naming it.
pub(crate) fn repeated_in_body(path: &Path<'_>) -> ApiError {
    ApiError::Invalid(format!("Repeated field `{path}` in the request body: a JSON object must name each field once."))
}

fn check_event(value: &Json<'_>, now: Instant) -> Checked {
    let Json::Object(fields) = value else { return Err((None, Rejection::NotAnObject)) };
    // The event's id, when it has exactly one usable one: a rejection
    // names the event by it.
    let id = match value.get("id") {
        Some(Json::String(id))
            if !id.is_empty()
                && id.chars().count() <= MAX_ID_LEN
                && fields.iter().filter(|(name, _)| name == "id").count() == 1 =>
        {
            Some(id.to_string())
        }
        _ => None,
    };
    if let Some(path) = value.first_repeated_field() {
        return Err((id, Rejection::RepeatedField(path.to_string())));
    }
    let Some(id) = id else { return Err((None, Rejection::BadId)) };
    match check_fields(value, fields, now) {
        Ok((user, event_type, value, at, timezone)) => Ok(NewEvent { id, user, event_type, value, at, timezone }),
        Err(rejection) => Err((Some(id), rejection)),
    }
}

/// An event's user, type, value, time and zone, checked.
type CheckedFields = (String, String, Option<i64>, Instant, Option<String>);

fn check_fields(
    event: &Json<'_>,
    fields: &[(Cow<'_, str>, Json<'_>)],
    now: Instant,
) -> Result<CheckedFields, Rejection> {
    if let Some((unknown, _)) = fields.iter().find(|(k, _)| !FIELDS.contains(&k.as_ref())) {
        return Err(Rejection::UnknownField(unknown.to_string()));
    }
    let user = match event.get("user") {
        Some(Json::String(user)) if !user.is_empty() => user.to_string(),
        _ => return Err(Rejection::BadUser),
    };
    let event_type = match event.get("type") {
        Some(Json::String(t)) if !t.is_empty() => t.to_string(),
        _ => return Err(Rejection::BadType),
    };
    let value = match event.get("value") {
        None | Some(Json::Null) => None,
        Some(Json::Number(n)) => Some(n.as_i64().ok_or(Rejection::BadValue)?),
        Some(_) => return Err(Rejection::BadValue),
    };
    let at = match event.get("at") {
        None | Some(Json::Null) => now,
        Some(Json::String(text)) => parse_instant(text).map_err(|_| Rejection::BadAt)?,
        Some(_) => return Err(Rejection::BadAt),
    };
    if now.checked_add_seconds(MAX_CLOCK_SKEW_SECONDS).is_some_and(|limit| at > limit) {
        return Err(Rejection::FutureAt { at, now });
    }
    // The zone as `users add --timezone` takes it, kept in its canonical
    // name; whether it changes the user's is decided with the event.
    let timezone = match event.get("timezone") {
        None | Some(Json::Null) => None,
        Some(Json::String(text)) => Some(
            time_zone(text)
                .map(|zone| zone.name().to_owned())
                .map_err(|e| Rejection::BadTimezone(format!("must be a time zone: {e}")))?,
        ),
        Some(_) => return Err(Rejection::BadTimezone("must be a string: an IANA name, UTC or a fixed offset".into())),
    };
    Ok((user, event_type, value, at, timezone))
}

/// The answer for one event, in request order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub(crate) enum EventResult {
    Applied { id: String, unlocked: Vec<String> },
    Duplicate { id: String },
    Rejected { id: Option<String>, detail: String, code: &'static str },
}

impl EventResult {
    pub(crate) fn rejected(id: Option<String>, rejection: &Rejection) -> Self {
        EventResult::Rejected { id, detail: rejection.to_string(), code: rejection.code() }
    }

    /// The answer for an event the store handled.
    pub(crate) fn from_outcome(event: NewEvent, outcome: Outcome) -> Self {
        match outcome {
            Outcome::Applied(unlocks) => {
                EventResult::Applied { id: event.id, unlocked: unlocks.into_iter().map(|u| u.key).collect() }
            }
            Outcome::Duplicate => EventResult::Duplicate { id: event.id },
            Outcome::UnknownUser => EventResult::rejected(Some(event.id), &Rejection::UnknownUser(event.user)),
            Outcome::CannotCreateUser(why) => EventResult::rejected(Some(event.id), &Rejection::CannotCreateUser(why)),
            Outcome::Refused(e) => EventResult::rejected(Some(event.id), &Rejection::Refused(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

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

    /// The rejections of a raw body's events, as (id, code, detail).
    fn rejections(body: &str) -> Vec<(Option<String>, &'static str, String)> {
        let all = parse_body(body.as_bytes(), now()).expect("a body");
        all.into_iter().filter_map(Result::err).map(|(id, r)| (id, r.code(), r.to_string())).collect()
    }

    #[test]
    fn a_repeated_field_rejects_the_event_and_names_the_field() {
        let repeated = |id: Option<&str>, field: &str| {
            (
                id.map(str::to_owned),
                "repeated_field",
                format!("repeated field `{field}`: an event names each field once"),
            )
        };
        assert_eq!(rejections(r#"{"id": "a", "user": "u", "type": "t", "id": "b"}"#), [repeated(None, "id")]);
        assert_eq!(rejections(r#"{"id": "a", "user": "u", "type": "t", "user": "v"}"#), [repeated(Some("a"), "user")]);
        assert_eq!(
            rejections(r#"{"id": "a", "user": "u", "type": "t", "value": {"n": 1, "n": 2}}"#),
            [repeated(Some("a"), "value.n")]
        );
        // In a batch only the event with the repeat is rejected.
        let batch = r#"{"events": [{"id": "a", "user": "u", "type": "t"},
                                   {"id": "b", "user": "u", "type": "t", "type": "x"},
                                   {"id": "c", "user": "u", "type": "t"}]}"#;
        assert_eq!(rejections(batch), [repeated(Some("b"), "type")]);
        assert_eq!(parse_body(batch.as_bytes(), now()).expect("a body").iter().filter(|e| e.is_ok()).count(), 2);
    }

    #[test]
    fn a_repeated_field_of_the_batch_object_is_a_422_naming_it() {
        let detail = |body: &str| {
            let e = parse_body(body.as_bytes(), now()).expect_err("an error");
            (e.status().as_u16(), e.to_string())
        };
        let (status, message) = detail(r#"{"events": [], "events": [{"id": "a", "user": "u", "type": "t"}]}"#);
        assert_eq!(status, 422);
        assert_eq!(message, "Repeated field `events` in the request body: a JSON object must name each field once.");
        assert!(detail(r#"{"events": [], "x": 1, "x": 2}"#).1.contains("`x`"));
        let not_utf8 = parse_body(b"{\"id\": \"\xff\"}", now()).expect_err("not UTF-8");
        assert_eq!(
            (not_utf8.status().as_u16(), not_utf8.to_string()),
            (400, "JSON parse error: the body is not UTF-8 (at byte 8)".to_owned())
        );
    }

    #[test]
    fn a_timezone_is_checked_and_kept_in_its_canonical_name() {
        let event = one(json!({"id": "e", "user": "a", "type": "t", "timezone": "europe/paris"})).expect("valid");
        assert_eq!(event.timezone.as_deref(), Some("Europe/Paris"));
        assert_eq!(one(json!({"id": "e", "user": "a", "type": "t", "timezone": null})).expect("valid").timezone, None);
        for bad in [json!("Mars/Olympus"), json!(3), json!("+25:00")] {
            let (id, r) = one(json!({"id": "e", "user": "a", "type": "t", "timezone": bad})).expect_err("rejected");
            assert_eq!((id.as_deref(), r.code()), (Some("e"), "invalid_timezone"), "{bad}");
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
