//! `achievements/`, `achievements/earned/`, `achievements/{key}/`,
//! `achievements/categories/` and `achievements/check/`.

use super::pages::{Page, PageHead, PageQuery};
use super::{ApiQuery, Viewer, json_bytes, load_subject, load_subject_user, load_viewer};
use crate::api_error::ApiError;
use crate::app::AppState;
use crate::auth::Credentials;
use crate::json::{each, object_with_array};
use crate::store::model::Evaluated;
use crate::views::{EarnedFields, View};
use achievements_core::{Category, EarnedRecord, Rarity};
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use std::cmp::Reverse;

/// `?user=NAME`: an admin acting for another user (the routes about one
/// user's progress and notifications take it).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct UserQuery {
    /// Admins: act for the user NAME (anyone may name themselves; others get 403, an unknown name 404).
    pub user: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ListQuery {
    user: Option<String>,
    category: Option<String>,
    rarity: Option<String>,
    earned: Option<String>,
}

struct Filters {
    category: Option<Category>,
    rarity: Option<Rarity>,
    earned: Option<bool>,
}

impl Filters {
    fn parse(q: &ListQuery) -> Result<Self, ApiError> {
        let category = q
            .category
            .as_deref()
            .map(|c| {
                Category::parse(c).ok_or_else(|| {
                    ApiError::InvalidQuery(format!(
                        "Unknown category `{c}`; expected one of: {}.",
                        Category::expected_list()
                    ))
                })
            })
            .transpose()?;
        let rarity = q
            .rarity
            .as_deref()
            .map(|r| {
                Rarity::parse(r).ok_or_else(|| {
                    ApiError::InvalidQuery(format!(
                        "Unknown rarity `{r}`; expected one of: {}.",
                        Rarity::expected_list()
                    ))
                })
            })
            .transpose()?;
        let earned = match q.earned.as_deref() {
            None => None,
            Some("true") => Some(true),
            Some("false") => Some(false),
            Some(other) => {
                return Err(ApiError::InvalidQuery(format!("`earned` must be true or false, got `{other}`.")));
            }
        };
        Ok(Filters { category, rarity, earned })
    }
}

/// The head of `achievements/`; `results` follows.
#[derive(Debug, Serialize)]
struct ListHead {
    count: usize,
    /// Active secret achievements the user has not earned (in the requested
    /// category, if any): they exist, and that is all anyone is told.
    secret_locked: usize,
}

/// `GET achievements/`: the active catalog, with the user's progress.
pub(crate) async fn list(
    State(app): State<AppState>,
    credentials: Credentials,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Response, ApiError> {
    let filters = Filters::parse(&query)?;
    let viewer = load_viewer(&app, credentials, query.user).await?;
    if filters.earned.is_some() && viewer.is_none() {
        return Err(ApiError::NotAuthenticated("Filtering by `earned` needs a user's token."));
    }
    let view = View::new(app.catalog(), viewer.as_ref().map(|v| &*v.state), app.now());
    let in_category = |i: usize| filters.category.is_none_or(|c| view.definition(i).category == c);
    let order = app.catalog().display_order();
    let results: Vec<usize> = order
        .iter()
        .copied()
        .filter(|&i| view.listed(i) && in_category(i))
        .filter(|&i| filters.rarity.is_none_or(|r| view.definition(i).rarity == r))
        .filter(|&i| filters.earned.is_none_or(|e| view.earned(i).is_some() == e))
        .collect();
    let secret_locked = order.iter().filter(|&&i| view.locked_secret(i) && in_category(i)).count();
    let head = ListHead { count: results.len(), secret_locked };
    json_bytes(|out| {
        object_with_array(out, &head, "results", |out| each(out, results, |out, i| view.write_item(out, i)))
    })
}

#[derive(Debug, Serialize)]
struct CountHead {
    count: usize,
}

/// `GET achievements/earned/`: the user's badges, newest first, including
/// ones deactivated since, with `progress_at_unlock` and `cause`; paginated
/// (see [`super::pages`]).
pub(crate) async fn earned(
    State(app): State<AppState>,
    uri: Uri,
    credentials: Credentials,
    ApiQuery(query): ApiQuery<UserQuery>,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> Result<Response, ApiError> {
    let page = Page::from_query(&page)?;
    let Viewer { state, .. } = load_subject(&app, credentials, query.user).await?;
    let view = View::new(app.catalog(), Some(&*state), app.now());
    let mut earned: Vec<(usize, EarnedRecord)> =
        app.catalog().display_order().iter().filter_map(|&i| view.earned(i).map(|r| (i, r))).collect();
    // Stable: equal times keep display order.
    earned.sort_by_key(|(_, record)| Reverse(record.earned_at));
    let results = page.of(&earned)?;
    let head = PageHead::new(&uri, page, u64::try_from(earned.len()).unwrap_or(u64::MAX));
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

/// `GET achievements/{key}/`: one achievement with progress and
/// prerequisites. An unknown key, an unearned secret and an inactive badge
/// the user never earned all get the same 404.
pub(crate) async fn detail(
    State(app): State<AppState>,
    Path(key): Path<String>,
    credentials: Credentials,
    ApiQuery(query): ApiQuery<UserQuery>,
) -> Result<Response, ApiError> {
    let viewer = load_viewer(&app, credentials, query.user).await?;
    let view = View::new(app.catalog(), viewer.as_ref().map(|v| &*v.state), app.now());
    let index = app
        .catalog()
        .index(&key)
        .filter(|&i| view.may_see(i) && (view.definition(i).is_active || view.earned(i).is_some()))
        .ok_or_else(ApiError::no_such_achievement)?;
    json_bytes(|out| view.write_item_with(out, index, &view.detail_fields(index)))
}

/// The head of one category group; `items` follows.
#[derive(Debug, Serialize)]
struct CategoryHead {
    category: &'static str,
    name: &'static str,
    /// Items listed plus locked secrets.
    total: usize,
    /// How many of the listed items the user has earned (0 without a user).
    earned: usize,
    secret_locked: usize,
}

/// `GET achievements/categories/`: the active catalog grouped by category,
/// every category listed (in the catalog's category order).
pub(crate) async fn categories(
    State(app): State<AppState>,
    credentials: Credentials,
    ApiQuery(query): ApiQuery<UserQuery>,
) -> Result<Response, ApiError> {
    let viewer = load_viewer(&app, credentials, query.user).await?;
    let view = View::new(app.catalog(), viewer.as_ref().map(|v| &*v.state), app.now());
    let order = app.catalog().display_order();
    let head = CountHead { count: Category::ALL.len() };
    json_bytes(|out| {
        object_with_array(out, &head, "results", |out| {
            each(out, Category::ALL, |out, &category| {
                let in_category = |i: &&usize| view.definition(**i).category == category;
                let listed: Vec<usize> =
                    order.iter().filter(in_category).copied().filter(|&i| view.listed(i)).collect();
                let secret_locked = order.iter().filter(in_category).filter(|&&i| view.locked_secret(i)).count();
                let head = CategoryHead {
                    category: category.as_str(),
                    name: category.title(),
                    total: listed.len() + secret_locked,
                    earned: listed.iter().filter(|&&i| view.earned(i).is_some()).count(),
                    secret_locked,
                };
                object_with_array(out, &head, "items", |out| each(out, listed, |out, i| view.write_item(out, i)))
            })
        })
    })
}

/// `POST achievements/check/`: re-evaluates the user now (a retroactive
/// award) and returns what unlocked.
pub(crate) async fn check(
    State(app): State<AppState>,
    credentials: Credentials,
    ApiQuery(query): ApiQuery<UserQuery>,
) -> Result<Response, ApiError> {
    let user = load_subject_user(&app, credentials, query.user).await?;
    let now = app.now();
    let publisher = app.clone();
    let Evaluated { saved, unlocked, .. } = app
        .store()
        .evaluate_user(app.catalog().shared_engine(), user, now, move |evaluated| {
            publisher.publish([&evaluated.saved]);
            publisher.push(&evaluated.notifications);
        })
        .await?;
    let view = View::new(app.catalog(), Some(&*saved.state), now);
    let indexes: Vec<usize> = unlocked.iter().filter_map(|u| app.catalog().index(&u.key)).collect();
    let head = CountHead { count: indexes.len() };
    json_bytes(|out| {
        object_with_array(out, &head, "unlocked", |out| each(out, indexes, |out, i| view.write_item(out, i)))
    })
}
