//! The load: writer, reader, subscriber and operator threads, and the
//! sampling loop on the calling thread. Every thread runs until the shared
//! stop flag, finishing the request it is in, so every answer the server
//! gave is counted before the final check.

use crate::Options;
use crate::samples::{Sample, Window, read_fds, read_rss_kib};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// The counter events the writers send, and the field each adds to. Only
/// `add` events of fields no badge credits, so a user's counter is exactly
/// the sum of the values acknowledged for them (points are not among them:
/// badges add to the points field too).
const EVENT_TYPES: [(&str, &str); 4] = [
    ("project_created", "project_count"),
    ("quiz_completed", "quiz_count"),
    ("community_help", "helpful_actions"),
    ("battle_participated", "battle_count"),
];

/// How many errors are kept word for word (all are counted).
const KEPT_ERRORS: usize = 20;

#[derive(Debug, Clone)]
pub(crate) struct User {
    pub name: String,
    pub token: String,
}

/// Reads the `name token` lines the script wrote.
pub(crate) fn read_users(path: &Path) -> Result<Vec<User>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let users: Vec<User> = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let (name, token) = line.split_once(' ').ok_or(format!("bad user line `{line}`"))?;
            Ok(User { name: name.to_owned(), token: token.trim().to_owned() })
        })
        .collect::<Result<_, String>>()?;
    if users.is_empty() {
        return Err(format!("{}: no users", path.display()));
    }
    Ok(users)
}

/// What every thread writes to.
#[derive(Debug, Default)]
struct Shared {
    stop: AtomicBool,
    /// Latencies since the last sample, in microseconds: all requests, and
    /// event posts alone.
    window: Mutex<Window>,
    errors: Mutex<(u64, Vec<String>)>,
    /// (user index, field) → sum of the values the server acknowledged.
    credited: Mutex<HashMap<(usize, &'static str), i64>>,
    events_acked: AtomicU64,
    resends: AtomicU64,
    streams_opened: AtomicU64,
    stream_unlocks: AtomicU64,
    operator_runs: AtomicU64,
}

impl Shared {
    fn error(&self, what: String) {
        let mut errors = self.errors.lock().expect("errors lock");
        errors.0 += 1;
        if errors.1.len() < KEPT_ERRORS {
            errors.1.push(what);
        }
    }
    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }
}

/// Everything the verdict and the report need.
#[derive(Debug)]
pub(crate) struct Outcome {
    pub samples: Vec<Sample>,
    pub error_count: u64,
    pub errors: Vec<String>,
    /// `user field: server N, acknowledged M` for each difference.
    pub mismatches: Vec<String>,
    pub users: usize,
    pub events_acked: u64,
    pub requests: u64,
    pub resends: u64,
    pub streams_opened: u64,
    pub stream_unlocks: u64,
    pub operator_runs: u64,
    pub seconds: f64,
}

impl Outcome {
    pub(crate) fn summary(&self) -> String {
        format!(
            "soak: {:.0} s, {} users: {} requests ({:.0}/s), {} events acknowledged ({:.0}/s), \
             {} deliberate re-sends, {} streams opened ({} unlocks pushed), {} award-retroactive runs, \
             {} error(s), {} counter mismatch(es)",
            self.seconds,
            self.users,
            self.requests,
            self.requests as f64 / self.seconds,
            self.events_acked,
            self.events_acked as f64 / self.seconds,
            self.resends,
            self.streams_opened,
            self.stream_unlocks,
            self.operator_runs,
            self.error_count,
            self.mismatches.len()
        )
    }
}

/// A small xorshift generator: the load needs variety, not quality, and
/// no new dependency.
#[derive(Debug)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder().timeout(Duration::from_secs(30)).build().expect("HTTP client")
}

/// One timed request; a transport error or a non-2xx status is an error of
/// the run. Returns the JSON answer when there was one.
fn call(shared: &Shared, request: reqwest::blocking::RequestBuilder, what: &str, is_event: bool) -> Option<Value> {
    let started = Instant::now();
    let answer = request.send().and_then(|response| {
        let status = response.status();
        response.text().map(|body| (status, body))
    });
    let micros = started.elapsed().as_micros().min(u32::MAX as u128) as u32;
    shared.window.lock().expect("window lock").record(micros, is_event);
    match answer {
        Ok((status, body)) if status.is_success() => Some(serde_json::from_str(&body).unwrap_or(Value::Null)),
        Ok((status, body)) => {
            shared.error(format!("{what}: {status}: {}", body.chars().take(200).collect::<String>()));
            None
        }
        Err(e) => {
            shared.error(format!("{what}: {e}"));
            None
        }
    }
}

/// An event the writers send: user index, index in [`EVENT_TYPES`], id, value.
type Event = (usize, usize, String, i64);

/// Events in the `POST events/` shape.
fn events_json(events: &[Event], users: &[User]) -> Vec<Value> {
    events
        .iter()
        .map(|(user, kind, id, value)| {
            json!({"id": id, "user": users[*user].name, "type": EVENT_TYPES[*kind].0, "value": value})
        })
        .collect()
}

/// Posts events until the server answers; credits each applied event once.
/// A retry (after an error) may find events the failed attempt stored:
/// their `duplicate` then counts as the acknowledgement.
fn post_events(
    shared: &Shared,
    http: &reqwest::blocking::Client,
    options: &Options,
    events: &[Event],
    users: &[User],
) -> Value {
    let body = events_json(events, users);
    let body = if body.len() == 1 { body[0].clone() } else { json!({"events": body}) };
    for attempt in 0..5 {
        let request =
            http.post(format!("{}/api/v1/events/", options.base)).bearer_auth(&options.service_token).json(&body);
        let Some(answer) = call(shared, request, "POST events/", true) else {
            thread::sleep(Duration::from_millis(200));
            continue;
        };
        let results = answer["results"].as_array().cloned().unwrap_or_default();
        if results.len() != events.len() {
            shared.error(format!("POST events/: {} results for {} events", results.len(), events.len()));
            return Value::Array(results);
        }
        let mut credited = shared.credited.lock().expect("credited lock");
        for ((user, kind, id, value), result) in events.iter().zip(&results) {
            match result["status"].as_str() {
                Some("applied") => {}
                Some("duplicate") if attempt > 0 => {}
                _ => {
                    shared.error(format!("event {id}: unexpected first answer {result}"));
                    continue;
                }
            }
            *credited.entry((*user, EVENT_TYPES[*kind].1)).or_default() += value;
            shared.events_acked.fetch_add(1, Ordering::Relaxed);
        }
        return answer;
    }
    shared.error(format!("POST events/: gave up after 5 attempts ({} events unacknowledged)", events.len()));
    Value::Null
}

fn writer(shared: &Shared, options: &Options, users: &[User], number: usize) {
    let http = client();
    let mut rng = Rng::new(number as u64 + 1);
    let mut sequence = 0u64;
    let run = std::process::id();
    while !shared.stopped() {
        // Half single events, half batches of 2–40 events for random users.
        let count = if rng.below(2) == 0 { 1 } else { 2 + rng.below(39) };
        let events: Vec<Event> = (0..count)
            .map(|_| {
                sequence += 1;
                let id = format!("soak-{run}-w{number}-{sequence}");
                (rng.below(users.len()), rng.below(EVENT_TYPES.len()), id, 1 + rng.below(3) as i64)
            })
            .collect();
        post_events(shared, &http, options, &events, users);
        // One request in ten is sent again as is: a client's retry after a
        // lost answer. Every event must come back `duplicate`.
        if rng.below(10) == 0 {
            let body = events_json(&events, users);
            let request = http
                .post(format!("{}/api/v1/events/", options.base))
                .bearer_auth(&options.service_token)
                .json(&json!({"events": body}));
            if let Some(answer) = call(shared, request, "POST events/ (re-send)", true) {
                shared.resends.fetch_add(1, Ordering::Relaxed);
                if answer["duplicate"].as_u64() != Some(count as u64) {
                    shared.error(format!("re-send of {count} acknowledged events: not all duplicate: {answer}"));
                }
            }
        }
    }
}

/// Reads every route of the API in turn, as a random user (admin routes as
/// the admin, the public ones with no token).
fn reader(shared: &Shared, options: &Options, users: &[User], number: usize) {
    let http = client();
    let mut rng = Rng::new(1000 + number as u64);
    let base = format!("{}/api/v1", options.base);
    while !shared.stopped() {
        let user = &users[rng.below(users.len())];
        let token = user.token.as_str();
        let routes: [(&str, String, Option<&str>); 15] = [
            ("GET", "/achievements/".into(), Some(token)),
            ("GET", "/achievements/?category=projects&earned=false".into(), Some(token)),
            ("GET", "/achievements/earned/".into(), Some(token)),
            ("GET", "/achievements/categories/".into(), Some(token)),
            ("GET", "/achievements/catalog/".into(), Some(token)),
            ("GET", "/achievements/first_project/".into(), Some(token)),
            ("GET", "/me/".into(), Some(token)),
            ("GET", "/me/achievements/my-progress/".into(), Some(token)),
            ("GET", format!("/users/{}/achievements/", user.name), None),
            ("GET", "/notifications/".into(), Some(token)),
            ("POST", "/notifications/read/".into(), Some(token)),
            ("POST", "/achievements/check/".into(), Some(token)),
            ("GET", "/stats/".into(), Some(options.admin_token.as_str())),
            ("GET", format!("/me/?user={}", user.name), Some(options.admin_token.as_str())),
            ("GET", "/openapi.json".into(), None),
        ];
        for (method, path, token) in routes {
            if shared.stopped() {
                break;
            }
            let url = format!("{base}{path}");
            let mut request =
                if method == "GET" { http.get(&url) } else { http.post(&url).json(&json!({"all": true})) };
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            call(shared, request, &format!("{method} {path}"), false);
        }
    }
}

/// Opens a notification stream as a random user over a plain socket, reads
/// it for 1–6 s, and hangs up: subscribers come and go all run long.
fn subscriber(shared: &Shared, options: &Options, users: &[User], number: usize) {
    let mut rng = Rng::new(2000 + number as u64);
    let address = options.base.trim_start_matches("http://").to_owned();
    while !shared.stopped() {
        let user = &users[rng.below(users.len())];
        let stay = Duration::from_millis(1000 + rng.below(5000) as u64);
        match stream_once(&address, &user.token, stay, shared) {
            Ok(unlocks) => {
                shared.streams_opened.fetch_add(1, Ordering::Relaxed);
                shared.stream_unlocks.fetch_add(unlocks, Ordering::Relaxed);
            }
            Err(why) => shared.error(format!("notifications/stream/: {why}")),
        }
    }
}

fn stream_once(address: &str, token: &str, stay: Duration, shared: &Shared) -> Result<u64, String> {
    let mut socket = TcpStream::connect(address).map_err(|e| e.to_string())?;
    socket.set_read_timeout(Some(Duration::from_millis(250))).map_err(|e| e.to_string())?;
    write!(
        socket,
        "GET /api/v1/notifications/stream/ HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\nAccept: text/event-stream\r\n\r\n"
    )
    .map_err(|e| e.to_string())?;
    let started = Instant::now();
    let mut seen = Vec::new();
    let mut buffer = [0u8; 8192];
    while started.elapsed() < stay && !shared.stopped() {
        match socket.read(&mut buffer) {
            Ok(0) => return Err("closed by the server while open".into()),
            Ok(n) => seen.extend_from_slice(&buffer[..n]),
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
            Err(e) => return Err(e.to_string()),
        }
    }
    let text = String::from_utf8_lossy(&seen);
    if !text.starts_with("HTTP/1.1 200") {
        return Err(format!("answer: {}", text.lines().next().unwrap_or("(nothing)")));
    }
    if !text.to_ascii_lowercase().contains("content-type: text/event-stream") {
        return Err("not text/event-stream".into());
    }
    Ok(text.matches("event: unlock").count() as u64)
}

/// The operator: `achievements award-retroactive` on the same database
/// every 5 s, while the server writes. It must succeed each time.
fn operator(shared: &Shared, options: &Options) {
    while !shared.stopped() {
        for _ in 0..50 {
            if shared.stopped() {
                return;
            }
            thread::sleep(Duration::from_millis(100));
        }
        let output = std::process::Command::new(&options.achievements)
            .arg("award-retroactive")
            .arg("--db")
            .arg(&options.db)
            .env("RUST_LOG", "warn")
            .output();
        match output {
            Ok(output) if output.status.success() => {
                shared.operator_runs.fetch_add(1, Ordering::Relaxed);
            }
            Ok(output) => shared.error(format!(
                "award-retroactive: {}: {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            )),
            Err(e) => shared.error(format!("award-retroactive: cannot run: {e}")),
        }
    }
}

/// A load thread's body: its share, the options, the users, its number.
type Work = fn(&Shared, &Options, &[User], usize);

/// Runs the load for `options.seconds`, sampling on this thread, then
/// compares every user's counters with what was acknowledged.
pub(crate) fn run(options: &Options, users: Vec<User>) -> Outcome {
    let shared = Arc::new(Shared::default());
    let users = Arc::new(users);
    let mut threads = Vec::new();
    let kinds: [(usize, Work); 3] =
        [(options.writers, writer), (options.readers, reader), (options.subscribers, subscriber)];
    for (count, work) in kinds {
        for number in 0..count {
            let (shared, users, options) = (shared.clone(), users.clone(), options.clone());
            threads.push(thread::spawn(move || work(&shared, &options, &users, number)));
        }
    }
    {
        let (shared, options) = (shared.clone(), options.clone());
        threads.push(thread::spawn(move || operator(&shared, &options)));
    }

    let started = Instant::now();
    let mut samples = Vec::new();
    let mut requests = 0;
    let mut next = options.sample_every;
    while started.elapsed() < Duration::from_secs(options.seconds) {
        thread::sleep(next.saturating_sub(started.elapsed()));
        next += options.sample_every;
        let window = std::mem::take(&mut *shared.window.lock().expect("window lock"));
        let at = started.elapsed().as_secs_f64();
        let sample = Sample::new(at, read_rss_kib(options.pid), read_fds(options.pid), &window);
        requests += sample.requests;
        if sample.rss_kib.is_none() {
            shared.error(format!("server process {} gone at {at:.0} s", options.pid));
        }
        println!("{}", sample.line());
        samples.push(sample);
    }
    shared.stop.store(true, Ordering::Relaxed);
    for thread in threads {
        if thread.join().is_err() {
            shared.error("a load thread panicked".into());
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    requests += shared.window.lock().expect("window lock").count();

    let mismatches = compare_counters(&shared, options, &users);
    let (error_count, errors) = std::mem::take(&mut *shared.errors.lock().expect("errors lock"));
    Outcome {
        samples,
        error_count,
        errors,
        mismatches,
        users: users.len(),
        events_acked: shared.events_acked.load(Ordering::Relaxed),
        requests: requests as u64,
        resends: shared.resends.load(Ordering::Relaxed),
        streams_opened: shared.streams_opened.load(Ordering::Relaxed),
        stream_unlocks: shared.stream_unlocks.load(Ordering::Relaxed),
        operator_runs: shared.operator_runs.load(Ordering::Relaxed),
        seconds,
    }
}

/// Each user's counters through `GET me/`, against the acknowledged sums:
/// a lower counter is a lost event, a higher one a doubled (or unasked) one.
fn compare_counters(shared: &Shared, options: &Options, users: &[User]) -> Vec<String> {
    let http = client();
    let credited = shared.credited.lock().expect("credited lock");
    let mut mismatches = Vec::new();
    for (index, user) in users.iter().enumerate() {
        let request = http.get(format!("{}/api/v1/me/", options.base)).bearer_auth(&user.token);
        let Some(me) = call(shared, request, "GET me/ (final check)", false) else {
            mismatches.push(format!("{}: counters unreadable", user.name));
            continue;
        };
        for (_, field) in EVENT_TYPES {
            let sent = credited.get(&(index, field)).copied().unwrap_or(0);
            let stored = me["stats"][field].as_i64();
            if stored != Some(sent) {
                mismatches.push(format!("{} {field}: server {stored:?}, acknowledged {sent}", user.name));
            }
        }
    }
    mismatches
}
