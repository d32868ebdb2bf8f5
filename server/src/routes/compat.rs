//! Routes in the shape of the platform's current frontend, so it can switch
//! to this server without changes: `me/achievements/my-progress/` and
//! `users/{username}/achievements/`. Same secrecy rule as every route: an
//! unearned secret is never present.

use super::pages::{Page, PageHead, PageQuery};
use super::{ApiQuery, Viewer, json_bytes, load_state, load_subject};
use crate::api_error::ApiError;
use crate::app::AppState;
use crate::auth::Credentials;
use crate::json::{append_fields, each, object_with_array};
use crate::routes::achievements::UserQuery;
use crate::views::{EarnedFields, View};
use achievements_core::{Category, EarnedRecord, Instant};
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::Response;
use serde::Serialize;
use std::cmp::Reverse;

/// The per-user fields of a `my-progress` item.
#[derive(Debug, Serialize)]
struct ProgressFields {
    is_earned: bool,
    earned_at: Option<Instant>,
    current_value: i64,
    target_value: i64,
    /// 0–100.
    progress_percentage: u8,
}

/// `GET me/achievements/my-progress/`: `{"projects": [item, …], …}`, every
/// category (in catalog order) with its listed achievements, each a flat
/// item: the display fields plus `is_earned`, `earned_at`, `current_value`,
/// `target_value`, `progress_percentage`.
pub(crate) async fn my_progress(
    State(app): State<AppState>,
    credentials: Credentials,
    ApiQuery(query): ApiQuery<UserQuery>,
) -> Result<Response, ApiError> {
    let Viewer { state, .. } = load_subject(&app, credentials, query.user).await?;
    let view = View::new(app.catalog(), Some(&*state), app.now());
    let catalog = app.catalog();
    json_bytes(|out| {
        out.push(b'{');
        for (n, category) in Category::ALL.iter().enumerate() {
            if n > 0 {
                out.push(b',');
            }
            serde_json::to_writer(&mut *out, category.as_str())?;
            out.extend_from_slice(b":[");
            let items = catalog
                .display_order()
                .iter()
                .copied()
                .filter(|&i| view.definition(i).category == *category && view.listed(i));
            each(out, items, |out, i| {
                out.extend_from_slice(catalog.static_json(i).as_bytes());
                let progress = view.progress(i).unwrap_or_else(|| unreachable!("the view has a user"));
                append_fields(
                    out,
                    &ProgressFields {
                        is_earned: progress.is_earned,
                        earned_at: progress.earned_at,
                        current_value: progress.progress_value,
                        target_value: progress.target_value,
                        progress_percentage: progress.progress,
                    },
                )?;
                out.push(b'}');
                Ok(())
            })?;
            out.push(b']');
        }
        out.push(b'}');
        Ok(())
    })
}

#[derive(Debug, Serialize)]
struct ProfileHead<'a> {
    username: &'a str,
    #[serde(flatten)]
    page: PageHead,
}

/// `GET users/{username}/achievements/`: a user's earned achievements,
/// newest first, for anyone — when their profile is public; paginated (see
/// [`super::pages`]). A private profile and an unknown user get the same 404.
pub(crate) async fn user_achievements(
    State(app): State<AppState>,
    uri: Uri,
    Path(username): Path<String>,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> Result<Response, ApiError> {
    let page = Page::from_query(&page)?;
    let user = app
        .store()
        .public_user(username)
        .await?
        .ok_or_else(|| ApiError::NotFound("No public profile with this name.".to_owned()))?;
    let state = load_state(&app, &user).await?;
    let view = View::new(app.catalog(), Some(&*state), app.now());
    let mut earned: Vec<(usize, EarnedRecord)> =
        app.catalog().display_order().iter().filter_map(|&i| view.earned(i).map(|r| (i, r))).collect();
    earned.sort_by_key(|(_, record)| Reverse(record.earned_at));
    let results = page.of(&earned)?;
    let head = ProfileHead {
        username: &user.name,
        page: PageHead::new(&uri, page, u64::try_from(earned.len()).unwrap_or(u64::MAX)),
    };
    json_bytes(|out| {
        object_with_array(out, &head, "results", |out| {
            each(out, results, |out, &(i, record)| {
                let extra =
                    EarnedFields { progress_at_unlock: record.progress_at_unlock, cause: record.cause.as_str() };
                view.write_item_with(out, i, &extra)
            })
        })
    })
}
