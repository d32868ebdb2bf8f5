//! The server's JSON, as this app reads it: DTOs for `me/`,
//! `achievements/`, `achievements/earned/` and `notifications/`.
//!
//! Read defensively: unknown fields are ignored and missing ones take
//! defaults, so a newer server does not break an older app. The catalog
//! itself (`achievements/catalog/`) is not here: it is the core's catalog
//! format and is read by the core's own loader.

use achievements_core::StateSnapshot;
use jiff::Timestamp;
use serde::Deserialize;
use serde_json::Value;

/// `GET /api/v1/me/`.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Me {
    pub name: String,
    #[serde(default)]
    pub timezone: String,
    #[serde(default)]
    pub points: i64,
    #[serde(default)]
    pub earned_count: usize,
    /// Active secret achievements not yet earned.
    #[serde(default)]
    pub secret_locked: usize,
    /// The core's state snapshot, kept as JSON: see [`Me::snapshot`].
    #[serde(default)]
    pub state: Option<Value>,
}

impl Me {
    /// The core's `StateSnapshot` (earned secrets under their placeholder
    /// ids). `Err` when the server sent a state this core cannot read.
    ///
    /// # Errors
    /// The serde message.
    pub fn snapshot(&self) -> Result<Option<StateSnapshot>, String> {
        match &self.state {
            None | Some(Value::Null) => Ok(None),
            Some(value) => StateSnapshot::deserialize(value).map(Some).map_err(|e| e.to_string()),
        }
    }
}

/// One achievement as the API lists it (the plan's `Achievement` interface
/// in snake_case), with the user's progress when a user asked.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct Item {
    pub key: String,
    pub name: String,
    pub description: String,
    pub icon: String,
    pub color_from: String,
    pub color_to: String,
    pub category: String,
    pub points: i64,
    pub rarity: String,
    pub is_secret: bool,
    pub order: i64,
    pub criteria_type: String,
    pub criteria_value: i64,
    pub tracking_field: String,
    pub requires_achievements: Vec<String>,
    #[serde(default = "yes")]
    pub is_active: bool,
    pub is_earned: bool,
    pub earned_at: Option<Timestamp>,
    /// Percent, 0–100.
    pub progress: Option<u8>,
    pub progress_value: Option<i64>,
    pub target_value: Option<i64>,
    /// Only in `achievements/earned/`.
    pub progress_at_unlock: Option<i64>,
    /// Only in `achievements/earned/`: `event`, `points`, …
    pub cause: Option<String>,
}

fn yes() -> bool {
    true
}

/// `GET /api/v1/achievements/` and `GET /api/v1/achievements/earned/`.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ItemList {
    #[serde(default)]
    pub results: Vec<Item>,
    /// Only in `achievements/`.
    #[serde(default)]
    pub secret_locked: usize,
}

/// One notification, from whatever shape the server sends (the route comes
/// from a later issue): the usual field names are tried in turn.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notification {
    pub id: String,
    pub text: String,
    pub at: Option<Timestamp>,
    pub unread: bool,
}

/// Reads `notifications/`: a list, or `{"results": [...]}`. Items that are
/// not objects are skipped.
///
/// # Errors
/// When the body is not JSON at all.
pub fn notifications(body: &str) -> Result<Vec<Notification>, serde_json::Error> {
    let value: Value = serde_json::from_str(body)?;
    let items = match &value {
        Value::Array(items) => items.as_slice(),
        Value::Object(map) => match map.get("results").or_else(|| map.get("notifications")) {
            Some(Value::Array(items)) => items.as_slice(),
            _ => &[],
        },
        _ => &[],
    };
    Ok(items.iter().enumerate().filter_map(|(i, item)| notification(i, item)).collect())
}

fn notification(index: usize, item: &Value) -> Option<Notification> {
    let map = item.as_object()?;
    let text_of = |key: &str| map.get(key).and_then(Value::as_str).filter(|s| !s.is_empty());
    let id = match map.get("id") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => format!("#{index}"),
    };
    // The server's shape (docs/api.md): an unlocked achievement, with its
    // `key`, `name`, `points`…; other shapes: a message of some kind.
    let mut text = match (text_of("key"), text_of("name")) {
        (Some(_), Some(name)) => {
            let points = map.get("points").and_then(Value::as_i64).map(|p| format!(" (+{p} pts)")).unwrap_or_default();
            format!("Unlocked {name}{points}")
        }
        _ => ["message", "text", "title", "verb", "body", "description"]
            .iter()
            .find_map(|k| text_of(k))
            .map(str::to_owned)
            .unwrap_or_default(),
    };
    if text.is_empty() {
        let name = map
            .get("achievement")
            .and_then(|a| a.get("name").and_then(Value::as_str).or_else(|| a.as_str()))
            .or_else(|| text_of("achievement_name"))
            .or_else(|| text_of("achievement_key"));
        text = name.map_or_else(|| "(notification)".to_owned(), |n| format!("Achievement unlocked: {n}"));
    }
    let at = ["earned_at", "created_at", "at", "timestamp", "sent_at"]
        .iter()
        .find_map(|k| text_of(k))
        .and_then(|s| s.parse::<Timestamp>().ok());
    let unread = match (map.get("unread"), map.get("is_read"), map.get("read"), map.get("read_at")) {
        (Some(Value::Bool(unread)), _, _, _) => *unread,
        (_, Some(Value::Bool(read)), _, _) | (_, _, Some(Value::Bool(read)), _) => !read,
        (_, _, _, Some(read_at)) => read_at.is_null(),
        _ => true,
    };
    Some(Notification { id, text, at, unread })
}

/// The `detail` of an API error body (`{"detail": "...", "code": "..."}`),
/// if it has one.
pub fn error_detail(body: &str) -> Option<String> {
    let value: Value = serde_json::from_str(body).ok()?;
    value.get("detail").and_then(Value::as_str).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn me_reads_the_state_snapshot_and_tolerates_extra_fields() {
        let me: Me = serde_json::from_str(
            r#"{"name":"demo","timezone":"UTC","points":30,"earned_count":2,"secret_locked":1,"extra":[1],
                "state":{"timezone":"UTC","stats":{"project_count":3},"streak_days":{},"earned":{}}}"#,
        )
        .unwrap();
        assert_eq!(me.name, "demo");
        assert_eq!(me.snapshot().unwrap().unwrap().stats["project_count"], 3);
        let odd: Me = serde_json::from_str(r#"{"name":"x","state":{"surprise":1}}"#).unwrap();
        assert!(odd.snapshot().is_err());
        let bare: Me = serde_json::from_str(r#"{"name":"x"}"#).unwrap();
        assert_eq!(bare.snapshot().unwrap(), None);
    }

    #[test]
    fn items_take_defaults() {
        let list: ItemList =
            serde_json::from_str(r#"{"count":1,"results":[{"key":"a","name":"A","new_field":true}]}"#).unwrap();
        assert_eq!(list.results[0].key, "a");
        assert!(list.results[0].is_active);
        assert_eq!(list.results[0].earned_at, None);
    }

    #[test]
    fn notifications_as_the_server_sends_them() {
        // The example of docs/api.md.
        let list = notifications(
            r#"{"count": 1, "unread": 1, "results": [
                {"id": 7, "key": "first_project", "name": "First Launch", "description": "Create your first project",
                 "icon": "faRocket", "color_from": "blue-500", "color_to": "blue-600", "category": "projects",
                 "rarity": "common", "points": 10, "earned_at": "2026-03-20T10:00:00Z", "cause": "event",
                 "backfill": false, "read": false, "created_at": "2026-03-20T10:00:01Z"}]}"#,
        )
        .unwrap();
        assert_eq!(
            list,
            [Notification {
                id: "7".to_owned(),
                text: "Unlocked First Launch (+10 pts)".to_owned(),
                at: Some("2026-03-20T10:00:00Z".parse().unwrap()),
                unread: true,
            }]
        );
    }

    #[test]
    fn notifications_in_several_shapes() {
        let list = notifications(
            r#"{"count":3,"results":[
                {"id":7,"message":"You earned First Launch","created_at":"2026-03-01T10:00:00Z","is_read":false},
                {"id":"b","achievement":{"name":"Hat Trick"},"read":true},
                {"title":"Welcome","read_at":null},
                "junk"]}"#,
        )
        .unwrap();
        assert_eq!(list.len(), 3);
        assert_eq!(list[0].id, "7");
        assert!(list[0].unread && list[0].at.is_some());
        assert_eq!(list[1].text, "Achievement unlocked: Hat Trick");
        assert!(!list[1].unread);
        assert!(list[2].unread);
        assert_eq!(notifications("[]").unwrap(), vec![]);
        assert!(notifications("<html>").is_err());
    }

    #[test]
    fn error_details() {
        assert_eq!(error_detail(r#"{"detail":"Invalid token.","code":"x"}"#).as_deref(), Some("Invalid token."));
        assert_eq!(error_detail("oops"), None);
    }
}
