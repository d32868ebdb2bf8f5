//! `serve --demo`: a user named `demo` with a few days of realistic activity,
//! posted through the same intake path as `POST events/`, so a newcomer sees
//! badges at once. Event ids are fixed, so starting again adds nothing (the
//! events are duplicates); each start issues a fresh token.

use crate::app::AppState;
use crate::store::StoreError;
use crate::store::handle::{Intake, OwnedTokenFor};
use crate::store::model::{NewEvent, Outcome};
use achievements_core::Instant;

/// The demo user's name.
pub(crate) const DEMO_USER: &str = "demo";

/// What `--demo` set up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DemoReport {
    pub token: String,
    /// Events applied now (0 when the demo user already had them).
    pub applied: usize,
    /// Keys unlocked now.
    pub unlocked: Vec<String>,
}

/// Creates (or reuses) the demo user, posts its activity and issues a token.
///
/// # Errors
/// Storage errors.
pub(crate) async fn ensure_demo_user(app: &AppState) -> Result<DemoReport, StoreError> {
    // Whole seconds read better in the demo's JSON.
    let now = app.now();
    let now = Instant::from_unix(now.unix_seconds(), 0).unwrap_or(now);
    let store = app.store();
    let user = match store.user_by_name(DEMO_USER.to_owned()).await? {
        Some(user) => user,
        None => store.create_user(DEMO_USER.to_owned(), "UTC".to_owned(), false, now).await?,
    };
    let intake = Intake { source: "demo".to_owned(), received_at: now, backfill: true, create_users: false };
    let publisher = app.clone();
    let (_, applied) = store
        .apply_events(app.catalog().shared_engine(), activity(now), intake, move |applied| {
            publisher.publish(&applied.states);
        })
        .await?;
    let mut report =
        DemoReport { token: store.add_token(OwnedTokenFor::User(user), now).await?, applied: 0, unlocked: vec![] };
    for outcome in applied.outcomes {
        if let Outcome::Applied(unlocks) = outcome {
            report.applied += 1;
            report.unlocked.extend(unlocks.into_iter().map(|u| u.key));
        }
    }
    Ok(report)
}

/// Ten days of a keen newcomer, ending a minute ago.
fn activity(now: Instant) -> Vec<NewEvent> {
    let at = |days_ago: i64, minutes: i64| now.checked_add_seconds(-(days_ago * 86_400 + minutes * 60)).unwrap_or(now);
    let mut events = Vec::new();
    let mut push = |name: &str, n: usize, event_type: &str, value: Option<i64>, at: Instant| {
        events.push(NewEvent {
            id: format!("demo-{name}-{n}"),
            user: DEMO_USER.to_owned(),
            event_type: event_type.to_owned(),
            value,
            at,
            timezone: None,
        });
    };
    for (n, days_ago) in (0..10).rev().enumerate() {
        push("login", n, "login", None, at(days_ago, 1));
    }
    for (n, days_ago) in [9, 8, 6, 4, 2, 1].into_iter().enumerate() {
        push("project", n, "project_created", None, at(days_ago, 30));
    }
    for (n, days_ago) in [6, 1].into_iter().enumerate() {
        push("publish", n, "project_published", None, at(days_ago, 20));
    }
    for (n, days_ago) in [5, 3, 1].into_iter().enumerate() {
        push("battle", n, "battle_participated", None, at(days_ago, 15));
    }
    push("win", 0, "battle_won", None, at(3, 14));
    for (n, days_ago) in [8, 7, 5, 3, 2, 0].into_iter().enumerate() {
        push("help", n, "community_help", None, at(days_ago, 10));
    }
    for (n, days_ago) in [7, 4, 2, 0].into_iter().enumerate() {
        push("quiz", n, "quiz_completed", None, at(days_ago, 5));
    }
    push("stars", 0, "stars_received", Some(42), at(0, 3));
    push("points", 0, "points_earned", Some(40), at(0, 2));
    events
}
