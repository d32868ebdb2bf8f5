//! Sync with the server, in two steps: [`plan`] decides what to fetch from
//! what the cache holds (pure, no I/O), then [`execute`] fetches it through
//! a [`Transport`] and [`run`] commits the result to the [`Cache`] in one
//! transaction. A sync that fails anywhere changes nothing.
//!
//! The catalog is fetched conditionally (`If-None-Match` with the cached
//! ETag; a 304 keeps the cached copy). `me/` comes first, so a bad token
//! stops the sync before anything else is downloaded. A server without the
//! notifications route (404) is recorded as "not supported", not as an
//! error.

use crate::cache::{Cache, CacheError, Commit, Fetched};
use crate::resource::Resource;
use crate::wire;
use jiff::Timestamp;

/// What [`plan`] looks at.
#[derive(Clone, Copy, Debug)]
pub struct PlanInput<'a> {
    /// The server to sync with.
    pub server: &'a str,
    /// A token is configured: fetch the user's documents too.
    pub authenticated: bool,
    /// The server the cache's data came from.
    pub cached_server: Option<&'a str>,
    /// The ETag of the cached catalog, if its body is cached.
    pub catalog_etag: Option<&'a str>,
}

/// One request of a plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub resource: Resource,
    /// Sent as `If-None-Match`.
    pub if_none_match: Option<String>,
}

/// What a sync will fetch, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    pub requests: Vec<Request>,
}

/// Decides what to fetch. Pure: the same input always gives the same plan.
pub fn plan(input: &PlanInput<'_>) -> Plan {
    let same_server = input.cached_server == Some(input.server);
    let requests = Resource::ALL
        .into_iter()
        .filter(|r| input.authenticated || !r.needs_user())
        .map(|resource| Request {
            resource,
            if_none_match: (resource == Resource::Catalog && same_server)
                .then(|| input.catalog_etag.map(str::to_owned))
                .flatten(),
        })
        .collect();
    Plan { requests }
}

/// An HTTP answer, as much of it as a sync needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub etag: Option<String>,
    pub body: String,
}

/// The server could not be reached (DNS, refused, timeout, TLS…).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Unreachable(pub String);

/// GET requests to one server. [`crate::http::HttpTransport`] is the real
/// one; tests use fakes.
pub trait Transport {
    /// The server's base URL, for messages and the cache.
    fn server(&self) -> &str;

    /// `GET path`, with `If-None-Match` when given.
    ///
    /// # Errors
    /// [`Unreachable`] when there is no HTTP answer at all.
    fn get(&self, path: &str, if_none_match: Option<&str>) -> Result<Response, Unreachable>;
}

/// Why a sync failed. The cache is unchanged in every case.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("cannot reach {server}: {reason}")]
    Unreachable { server: String, reason: String },
    #[error(
        "the server did not accept the token ({detail}); get a new one and run `achievements-tui login --server URL --token TOKEN`"
    )]
    Unauthorized { detail: String },
    #[error("{path} answered HTTP {status}: {detail}")]
    Status { path: &'static str, status: u16, detail: String },
    #[error("{path} answered something this app cannot read: {reason}")]
    BadResponse { path: &'static str, reason: String },
    #[error(transparent)]
    Cache(#[from] CacheError),
}

impl SyncError {
    /// Worth retrying by itself later (the network or the server may come
    /// back); a refused token needs the user.
    pub fn is_transient(&self) -> bool {
        match self {
            SyncError::Unreachable { .. } => true,
            SyncError::Status { status, .. } => *status >= 500 || *status == 429 || *status == 408,
            SyncError::Unauthorized { .. } | SyncError::BadResponse { .. } | SyncError::Cache(_) => false,
        }
    }
}

/// Fetches what `plan` asks for and prepares the cache commit. No cache
/// access: everything it needs is in the plan.
///
/// # Errors
/// The first request that fails; nothing has been written then.
pub fn execute(plan: &Plan, transport: &dyn Transport, at: Timestamp) -> Result<Commit, SyncError> {
    let mut commit = Commit {
        server: transport.server().to_owned(),
        user: None,
        at,
        documents: vec![],
        earned_keys: vec![],
        earned_extra: None,
        profile: None,
    };
    for request in &plan.requests {
        let path = request.resource.path();
        let response = transport
            .get(path, request.if_none_match.as_deref())
            .map_err(|e| SyncError::Unreachable { server: transport.server().to_owned(), reason: e.0 })?;
        let fetched = match response.status {
            200 => {
                check_body(request.resource, &response.body, &mut commit)?;
                Fetched::Body { body: response.body, etag: response.etag }
            }
            304 if request.if_none_match.is_some() => Fetched::NotModified,
            404 if request.resource.optional() => Fetched::Unsupported,
            401 => {
                let detail = wire::error_detail(&response.body).unwrap_or_else(|| "HTTP 401".to_owned());
                return Err(SyncError::Unauthorized { detail });
            }
            status => {
                let detail = wire::error_detail(&response.body).unwrap_or_else(|| snippet(&response.body));
                return Err(SyncError::Status { path, status, detail });
            }
        };
        commit.documents.push((request.resource, fetched));
    }
    Ok(commit)
}

/// Checks that a document is readable before it replaces the cached one,
/// and takes what the commit needs from it (the user, the earned keys).
fn check_body(resource: Resource, body: &str, commit: &mut Commit) -> Result<(), SyncError> {
    let bad = |reason: String| SyncError::BadResponse { path: resource.path(), reason };
    match resource {
        Resource::Me => {
            let me: wire::Me = serde_json::from_str(body).map_err(|e| bad(e.to_string()))?;
            commit.profile = Some(crate::cache::Profile {
                timezone: me.timezone.clone(),
                points: me.points,
                secret_locked: me.secret_locked,
            });
            commit.user = Some(me.name);
        }
        Resource::Earned => {
            // Every key (to see what is new), and the entries the public
            // catalog cannot describe (secrets, retired), kept apart so
            // that loading them does not mean reading the whole list.
            #[derive(serde::Deserialize)]
            struct Raw {
                #[serde(default)]
                results: Vec<serde_json::Value>,
            }
            let list: Raw = serde_json::from_str(body).map_err(|e| bad(e.to_string()))?;
            let mut extra = Vec::new();
            for value in list.results {
                let item = <wire::Item as serde::Deserialize>::deserialize(&value).map_err(|e| bad(e.to_string()))?;
                if item.key.is_empty() {
                    return Err(bad("an earned entry has no key".to_owned()));
                }
                if item.is_secret || !item.is_active {
                    extra.push(value);
                }
                commit.earned_keys.push(item.key);
            }
            commit.earned_extra = Some(serde_json::json!({ "results": extra }).to_string());
        }
        Resource::Achievements => {
            serde_json::from_str::<wire::ItemList>(body).map_err(|e| bad(e.to_string()))?;
        }
        Resource::Catalog => {
            // Whether this core can load it is the loader's business; here
            // only that it is JSON, so a proxy's HTML page is never cached.
            serde_json::from_str::<serde::de::IgnoredAny>(body).map_err(|e| bad(e.to_string()))?;
        }
        Resource::Notifications => {
            wire::notifications(body).map_err(|e| bad(e.to_string()))?;
        }
    }
    Ok(())
}

fn snippet(body: &str) -> String {
    let line = body.lines().next().unwrap_or("").trim();
    if line.is_empty() {
        return "(empty body)".to_owned();
    }
    line.chars().take(120).collect()
}

/// What a successful sync did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    pub generation: u64,
    pub requests: usize,
    /// Bytes of the bodies received.
    pub bytes: usize,
    /// The catalog answered 304.
    pub catalog_unchanged: bool,
}

/// One whole sync: plan from the cache, fetch, commit.
///
/// # Errors
/// [`SyncError`]; the cache is unchanged then.
pub fn run(
    cache: &mut Cache,
    transport: &dyn Transport,
    authenticated: bool,
    at: Timestamp,
) -> Result<Report, SyncError> {
    let meta = cache.meta()?;
    let etag = cache.etag(Resource::Catalog)?;
    let plan = plan(&PlanInput {
        server: transport.server(),
        authenticated,
        cached_server: meta.server.as_deref(),
        catalog_etag: etag.as_deref(),
    });
    let commit = execute(&plan, transport, at)?;
    let bytes = commit
        .documents
        .iter()
        .map(|(_, f)| match f {
            Fetched::Body { body, .. } => body.len(),
            _ => 0,
        })
        .sum();
    let catalog_unchanged = commit.documents.iter().any(|(r, f)| *r == Resource::Catalog && *f == Fetched::NotModified);
    let generation = cache.commit(&commit)?;
    Ok(Report { generation, requests: plan.requests.len(), bytes, catalog_unchanged })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::cell::RefCell;
    use std::collections::HashMap;

    /// Answers from a table; records what was asked.
    struct Fake {
        answers: HashMap<&'static str, Response>,
        asked: RefCell<Vec<(String, Option<String>)>>,
        down: bool,
    }

    impl Fake {
        fn new(answers: &[(Resource, u16, &str, Option<&str>)]) -> Self {
            let answers = answers
                .iter()
                .map(|(r, status, body, etag)| {
                    (r.path(), Response { status: *status, etag: etag.map(str::to_owned), body: (*body).to_owned() })
                })
                .collect();
            Fake { answers, asked: RefCell::default(), down: false }
        }
    }

    impl Transport for Fake {
        fn server(&self) -> &str {
            "http://fake"
        }
        fn get(&self, path: &str, if_none_match: Option<&str>) -> Result<Response, Unreachable> {
            self.asked.borrow_mut().push((path.to_owned(), if_none_match.map(str::to_owned)));
            if self.down {
                return Err(Unreachable("connection refused".to_owned()));
            }
            let answer =
                self.answers.get(path).cloned().unwrap_or(Response { status: 404, etag: None, body: String::new() });
            if answer.etag.is_some() && answer.etag.as_deref() == if_none_match {
                return Ok(Response { status: 304, etag: answer.etag, body: String::new() });
            }
            Ok(answer)
        }
    }

    fn full_server() -> Fake {
        Fake::new(&[
            (Resource::Me, 200, r#"{"name":"ann","state":{}}"#, None),
            (Resource::Catalog, 200, r#"{"version":1}"#, Some("\"v1\"")),
            (Resource::Achievements, 200, r#"{"results":[]}"#, None),
            (Resource::Earned, 200, r#"{"results":[{"key":"first_project"},{"key":"secret_key"}]}"#, None),
        ])
    }

    fn input<'a>(authenticated: bool, cached_server: Option<&'a str>, etag: Option<&'a str>) -> PlanInput<'a> {
        PlanInput { server: "http://fake", authenticated, cached_server, catalog_etag: etag }
    }

    #[test]
    fn plans() {
        let names = |p: &Plan| p.requests.iter().map(|r| r.resource.name()).collect::<Vec<_>>();
        let fresh = plan(&input(true, None, None));
        assert_eq!(names(&fresh), ["me", "catalog", "achievements", "earned", "notifications"]);
        assert!(fresh.requests.iter().all(|r| r.if_none_match.is_none()));

        let cached = plan(&input(true, Some("http://fake"), Some("\"v1\"")));
        assert_eq!(cached.requests[1].if_none_match.as_deref(), Some("\"v1\""));
        assert!(cached.requests.iter().filter(|r| r.resource != Resource::Catalog).all(|r| r.if_none_match.is_none()));

        // Another server's ETag means nothing here.
        let moved = plan(&input(true, Some("http://elsewhere"), Some("\"v1\"")));
        assert_eq!(moved.requests[1].if_none_match, None);

        let anonymous = plan(&input(false, None, None));
        assert_eq!(names(&anonymous), ["catalog", "achievements"]);
    }

    #[test]
    fn a_sync_fills_the_cache_and_the_next_revalidates_the_catalog() {
        let server = full_server();
        let mut cache = Cache::open_in_memory().unwrap();
        let at = "2026-03-20T12:00:00Z".parse().unwrap();
        let first = run(&mut cache, &server, true, at).unwrap();
        assert_eq!(first.generation, 1);
        assert!(!first.catalog_unchanged);
        assert_eq!(cache.meta().unwrap().user.as_deref(), Some("ann"));
        assert_eq!(cache.first_seen().unwrap().len(), 2);
        assert!(matches!(
            cache.document(Resource::Notifications).unwrap(),
            Some(crate::cache::Stored::Unsupported { .. })
        ));

        let second = run(&mut cache, &server, true, at).unwrap();
        assert!(second.catalog_unchanged);
        let asked = server.asked.borrow();
        assert_eq!(asked[6], ("/api/v1/achievements/catalog/".to_owned(), Some("\"v1\"".to_owned())));
    }

    /// Everything the cache holds, through its read paths.
    fn everything(cache: &Cache) -> impl PartialEq + std::fmt::Debug + use<> {
        let documents: Vec<_> = Resource::ALL.iter().map(|&r| cache.document(r).unwrap()).collect();
        let first_seen: std::collections::BTreeMap<_, _> = cache.first_seen().unwrap().into_iter().collect();
        (cache.meta().unwrap(), documents, cache.earned_extra().unwrap(), first_seen, cache.board().unwrap())
    }

    #[test]
    fn failures_leave_the_cache_alone() {
        let at = "2026-03-20T12:00:00Z".parse().unwrap();
        let mut cache = Cache::open_in_memory().unwrap();
        run(&mut cache, &full_server(), true, at).unwrap();
        let before = everything(&cache);

        let mut down = full_server();
        down.down = true;
        let err = run(&mut cache, &down, true, at).unwrap_err();
        assert!(err.is_transient() && err.to_string().contains("cannot reach http://fake"), "{err}");

        let refused =
            Fake::new(&[(Resource::Me, 401, r#"{"detail":"Invalid token.","code":"authentication_failed"}"#, None)]);
        let err = run(&mut cache, &refused, true, at).unwrap_err();
        assert!(!err.is_transient() && err.to_string().contains("Invalid token."), "{err}");

        let mut broken = full_server();
        broken.answers.insert(Resource::Earned.path(), Response { status: 200, etag: None, body: "<html>".to_owned() });
        let err = run(&mut cache, &broken, true, at).unwrap_err();
        assert!(
            matches!(err, SyncError::BadResponse { path: "/api/v1/achievements/earned/?page_size=1000", .. }),
            "{err}"
        );

        let mut failing = full_server();
        failing
            .answers
            .insert(Resource::Achievements.path(), Response { status: 503, etag: None, body: String::new() });
        let err = run(&mut cache, &failing, true, at).unwrap_err();
        assert!(err.is_transient());

        assert_eq!(everything(&cache), before);
    }

    #[test]
    fn an_unexpected_304_is_an_error() {
        let odd = Fake::new(&[(Resource::Catalog, 304, "", None)]);
        let err = execute(&plan(&input(false, None, None)), &odd, Timestamp::UNIX_EPOCH).unwrap_err();
        assert!(matches!(err, SyncError::Status { status: 304, .. }));
    }
}
