//! `GET me/`: the user — name, time zone, counters by tracking field,
//! streaks as of now, points, earned count — and their core state and time
//! zone table, so the WASM module and the terminal app can compute progress
//! locally.

use super::{ApiQuery, Viewer, json_response, load_subject};
use crate::api_error::ApiError;
use crate::app::AppState;
use crate::auth::Credentials;
use crate::routes::achievements::UserQuery;
use crate::views::View;
use achievements_core::{StateSnapshot, ZoneTable};
use axum::extract::State;
use axum::response::Response;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Serialize)]
struct MeResponse<'a> {
    name: &'a str,
    timezone: &'a str,
    is_admin: bool,
    /// Every tracking field; streak fields read as of now.
    stats: BTreeMap<&'a str, i64>,
    /// Per streak field: the current run as of now and the longest ever.
    streaks: BTreeMap<&'a str, Streak>,
    /// The catalog's points field (0 if it has none).
    points: i64,
    earned_count: usize,
    /// Active secrets not yet earned.
    secret_locked: usize,
    /// The user's time zone as offsets from a year ago to a year ahead, for
    /// clients without the time-zone database (the web page).
    zone_table: ZoneTable,
    /// The core's `StateSnapshot`, with earned secrets under their public
    /// placeholder ids (as in `achievements/catalog/`).
    state: StateSnapshot,
}

/// How far back and ahead of now `zone_table` is exact.
const ZONE_TABLE_SPAN_SECONDS: i64 = 366 * 86_400;

#[derive(Debug, Serialize)]
struct Streak {
    current: i64,
    longest: i64,
}

pub(crate) async fn me(
    State(app): State<AppState>,
    credentials: Credentials,
    ApiQuery(query): ApiQuery<UserQuery>,
) -> Result<Response, ApiError> {
    let Viewer { user, state } = load_subject(&app, credentials, query.user).await?;
    let now = app.now();
    let catalog = app.catalog();
    let engine = catalog.engine();
    let mut snapshot = engine.snapshot(&state);

    let mut stats = BTreeMap::new();
    let mut streaks = BTreeMap::new();
    for field in engine.field_names() {
        match engine.streak_as_of(&state, field, now) {
            Some(current) => {
                stats.insert(field, current);
                let longest = engine.longest_streak(&state, field).unwrap_or(0);
                streaks.insert(field, Streak { current, longest });
            }
            None => {
                stats.insert(field, engine.stat(&state, field));
            }
        }
    }
    let points = engine.catalog().points_field.as_deref().map_or(0, |f| engine.stat(&state, f));
    let view = View::new(catalog, Some(&state), now);
    let secret_locked = (0..catalog.definitions().len()).filter(|&i| view.locked_secret(i)).count();

    // Earned secrets go out under their placeholder ids: the public catalog
    // knows only those, and prerequisites on them must still resolve.
    snapshot.earned = std::mem::take(&mut snapshot.earned)
        .into_iter()
        .map(|(key, record)| (catalog.placeholder_of(&key).map_or(key, str::to_owned), record))
        .collect();

    let zone_table = state.timezone().table(
        now.checked_add_seconds(-ZONE_TABLE_SPAN_SECONDS).unwrap_or(now),
        now.checked_add_seconds(ZONE_TABLE_SPAN_SECONDS).unwrap_or(now),
    );

    json_response(&MeResponse {
        name: &user.name,
        // The state's zone: the one the rules count days in, which an
        // event's `timezone` may have changed since the caller was cached.
        timezone: state.timezone().name(),
        is_admin: user.is_admin,
        stats,
        streaks,
        points,
        earned_count: state.earned_count(),
        secret_locked,
        zone_table,
        state: snapshot,
    })
}
