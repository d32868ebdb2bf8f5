//! `notifications/`, `notifications/read/` and `notifications/stream/`:
//! the unlock notifications queued for the caller, and a Server-Sent Events
//! stream of them as they commit.

use super::achievements::UserQuery;
use super::pages::{Page, PageHead, PageQuery};
use super::{ApiQuery, json_body, json_bytes, load_subject_user};
use crate::api_error::ApiError;
use crate::app::{AppState, Pushed};
use crate::auth::Credentials;
use crate::intake::{parse_json, repeated_in_body};
use crate::json::{each, object_with_array};
use crate::store::model::{Mark, Notification};
use crate::telemetry::OpenStream;
use crate::views::NotificationJson;
use achievements_core::json::Json as JsonTree;
use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, watch};

/// How often an idle stream sends a comment, so proxies keep it open.
pub(crate) const KEEP_ALIVE: Duration = Duration::from_secs(15);

#[derive(Debug, Serialize)]
struct ListHead {
    #[serde(flatten)]
    page: PageHead,
    /// Unread notifications in the whole list.
    unread: u64,
}

/// `GET notifications/`: the caller's notifications, unread first, then
/// newest first; paginated in the query (see [`super::pages`]).
pub(crate) async fn list(
    State(app): State<AppState>,
    uri: Uri,
    credentials: Credentials,
    ApiQuery(query): ApiQuery<UserQuery>,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> Result<Response, ApiError> {
    let page = Page::from_query(&page)?;
    let user = load_subject_user(&app, credentials, query.user).await?;
    let found = app.store().notification_page(user.id, page.offset(), page.size).await?;
    page.check(found.count)?;
    let head = ListHead { page: PageHead::new(&uri, page, found.count), unread: found.unread };
    json_bytes(|out| {
        object_with_array(out, &head, "results", |out| {
            each(out, &found.items, |out, n| serde_json::to_writer(out, &NotificationJson::new(app.catalog(), n)))
        })
    })
}

#[derive(Debug, Serialize)]
pub(crate) struct Marked {
    pub marked: usize,
}

/// `POST notifications/read/` with `{"ids": [1, 2]}` or `{"all": true}`:
/// marks the caller's own notifications read (other ids are ignored).
pub(crate) async fn mark_read(
    State(app): State<AppState>,
    credentials: Credentials,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<UserQuery>,
    body: Body,
) -> Result<Json<Marked>, ApiError> {
    let user = load_subject_user(&app, credentials, query.user).await?;
    let body = json_body(&headers, body).await?;
    let which = parse_mark(&body)?;
    let marked = app.store().mark_read(user.id, which).await?;
    Ok(Json(Marked { marked }))
}

fn parse_mark(body: &[u8]) -> Result<Mark, ApiError> {
    let shape = || ApiError::Invalid("Expected {\"ids\": [notification ids]} or {\"all\": true}.".to_owned());
    let value = parse_json(body).map_err(|_| shape())?;
    if let Some(path) = value.first_repeated_field() {
        return Err(repeated_in_body(&path));
    }
    let JsonTree::Object(fields) = &value else { return Err(shape()) };
    if fields.len() != 1 {
        return Err(shape());
    }
    match (value.get("ids"), value.get("all")) {
        (Some(JsonTree::Array(ids)), None) => {
            ids.iter().map(|v| notification_id(v).ok_or_else(shape)).collect::<Result<_, _>>().map(Mark::Ids)
        }
        (None, Some(JsonTree::Bool(true))) => Ok(Mark::All),
        _ => Err(shape()),
    }
}

/// An id in `{"ids": [...]}`: a JSON number with an integer value in
/// i64's range, as the document's `integer`/`int64` allows, so `7.0` and
/// `7e0` are 7 and not a shape error. `None` (a `422`) for a fraction, an
/// integer beyond i64, a fraction or exponent form beyond ±2^53 (where f64
/// cannot tell) or a non-number.
fn notification_id(value: &JsonTree<'_>) -> Option<i64> {
    let JsonTree::Number(number) = value else { return None };
    if number.is_integer() {
        return number.as_i64();
    }
    let float: f64 = number.text().parse().ok()?;
    // Within ±2^53 every f64 with no fraction is the integer written; beyond
    // that a fraction may have been rounded away, so it is refused.
    let in_range = float.abs() <= 9_007_199_254_740_992.0;
    #[allow(clippy::cast_possible_truncation)]
    (in_range && float.fract() == 0.0).then_some(float as i64)
}

/// `notifications/stream/?token=&last_event_id=`: browsers' `EventSource`
/// cannot set headers, so the token and the resume point may come in the
/// query string.
#[derive(Debug, Deserialize)]
pub(crate) struct StreamQuery {
    token: Option<String>,
    last_event_id: Option<String>,
    user: Option<String>,
}

/// `GET notifications/stream/`: Server-Sent Events, one `unlock` event per
/// notification (`id:` its id, `data:` its JSON) as its transaction
/// commits. With `Last-Event-ID` (header, or `?last_event_id=`) the
/// caller's notifications after that id are replayed first. A comment every
/// [`KEEP_ALIVE`]. The stream ends when the server shuts down, and when its
/// credentials lapse (see [`StreamAccess`]).
pub(crate) async fn stream(
    State(app): State<AppState>,
    headers: HeaderMap,
    credentials: Credentials,
    ApiQuery(query): ApiQuery<StreamQuery>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let credentials = match (credentials, query.token) {
        (Credentials::Anonymous, Some(token)) => Credentials::Bearer(token),
        (credentials, _) => credentials,
    };
    // The token the credentials came from (the header's, checked by the
    // middleware, or the query's), to check again while the stream is open.
    let token = match &credentials {
        Credentials::Bearer(token) => Some(token.clone()),
        Credentials::Checked(_) | Credentials::Anonymous => crate::auth::bearer_token(&headers)?,
    };
    let user = load_subject_user(&app, credentials, query.user.clone()).await?;
    let last = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or(query.last_event_id)
        .filter(|t| !t.trim().is_empty());
    let last: Option<i64> = last
        .map(|t| {
            t.trim()
                .parse()
                .map_err(|_| ApiError::InvalidQuery(format!("`Last-Event-ID` must be a notification id, got `{t}`.")))
        })
        .transpose()?;
    // Subscribe before reading: what commits from now on is in the channel.
    let live = app.subscribe();
    let closing = app.closing();
    let user_id = user.id;
    let (replay, sent) = app.store().stream_start(user_id, last).await?;
    let queue = replay.iter().filter_map(|n| render(&app, n)).collect();
    let access = StreamAccess::new(&app, token, query.user);
    let state = StreamState { app, user_id, sent, queue, live, closing, access, _open: OpenStream::new() };
    let events = futures_util::stream::unfold(state, next_event);
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(KEEP_ALIVE)))
}

struct StreamState {
    app: AppState,
    user_id: i64,
    /// The highest notification id sent (or skipped as past).
    sent: i64,
    queue: VecDeque<Event>,
    live: broadcast::Receiver<Arc<Pushed>>,
    closing: watch::Receiver<bool>,
    access: StreamAccess,
    /// Counts the stream as open until it is dropped.
    _open: OpenStream,
}

/// What an open stream was granted on, checked again every
/// `--stream-recheck` (15 s) and whenever a token is revoked or an admin
/// flag changes ([`Pushed::Recheck`]): a request is refused at once when
/// its token is revoked or expired, and a stream, which is one long
/// request, must not outlive its credentials either. It ends when they no
/// longer name the same user: a token revoked, expired or deleted with its
/// user, a JWT past its `exp`, an admin who lost the flag while watching
/// another user's stream. The client's reconnection then gets the `401` or
/// `403` that says why.
struct StreamAccess {
    token: Option<String>,
    as_user: Option<String>,
    every: tokio::time::Interval,
}

impl StreamAccess {
    fn new(app: &AppState, token: Option<String>, as_user: Option<String>) -> Self {
        let period = app.platform().identity.stream_recheck;
        let mut every = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        StreamAccess { token, as_user, every }
    }

    /// Whether the credentials still name the stream's user. A storage
    /// error keeps the stream (the next check tries again): an outage
    /// must not drop every stream at once.
    async fn still_grants(&self, app: &AppState, user_id: i64) -> bool {
        let credentials = self.token.clone().map_or(Credentials::Anonymous, Credentials::Bearer);
        match load_subject_user(app, credentials, self.as_user.clone()).await {
            Ok(user) => user.id == user_id,
            Err(refused) if refused.status().is_client_error() => false,
            Err(e) => {
                tracing::warn!(error = %e, "a notification stream could not check its credentials");
                true
            }
        }
    }
}

fn render(app: &AppState, n: &Notification) -> Option<Event> {
    match serde_json::to_string(&NotificationJson::new(app.catalog(), n)) {
        Ok(json) => Some(unlock_event(n.id, json)),
        Err(e) => {
            tracing::error!(error = %e, "a notification did not serialize");
            None
        }
    }
}

fn unlock_event(id: i64, json: String) -> Event {
    Event::default().id(id.to_string()).event("unlock").data(json)
}

async fn next_event(mut st: StreamState) -> Option<(Result<Event, Infallible>, StreamState)> {
    loop {
        if let Some(event) = st.queue.pop_front() {
            return Some((Ok(event), st));
        }
        // (The check runs after `select!`: the closing watch's borrow must
        // not be held across it.)
        let received = tokio::select! {
            _ = st.closing.wait_for(|closing| *closing) => return None,
            _ = st.access.every.tick() => None,
            received = st.live.recv() => Some(received),
        };
        let Some(received) = received else {
            if st.access.still_grants(&st.app, st.user_id).await {
                continue;
            }
            return None;
        };
        let catch_up = match received {
            Ok(pushed) => match &*pushed {
                Pushed::Rendered { user_id, id, json } if *user_id == st.user_id && *id > st.sent => {
                    st.sent = *id;
                    return Some((Ok(unlock_event(*id, json.clone())), st));
                }
                Pushed::Rendered { .. } => false,
                // Another instance committed: read what it added.
                Pushed::Wake { user_id, id } => user_id.is_none_or(|u| u == st.user_id && *id > st.sent),
                Pushed::Erased { user_id } if *user_id == st.user_id => return None,
                Pushed::Erased { .. } => false,
                Pushed::Recheck if st.access.still_grants(&st.app, st.user_id).await => false,
                Pushed::Recheck => return None,
            },
            // Fell behind the channel: read what was missed.
            Err(broadcast::error::RecvError::Lagged(_)) => true,
            Err(broadcast::error::RecvError::Closed) => return None,
        };
        if !catch_up {
            continue;
        }
        let (user_id, sent) = (st.user_id, st.sent);
        match st.app.store().notifications_after(user_id, sent).await {
            Ok(missed) => {
                st.sent = missed.last().map_or(st.sent, |n| n.id);
                let events: Vec<Event> = missed.iter().filter_map(|n| render(&st.app, n)).collect();
                st.queue.extend(events);
            }
            Err(e) => {
                tracing::error!(error = %e, "a notification stream could not catch up");
                return None;
            }
        }
    }
}
