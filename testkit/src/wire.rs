//! Requests to a [`TestServer`] and their answers, as JSON. Async for tests
//! on a tokio runtime; `_blocking` twins for tests and benches without one.

use crate::TestServer;
use reqwest::StatusCode;
use serde_json::Value;
use std::time::Duration;

impl TestServer {
    /// `GET path`, with a bearer token if given: status and JSON body.
    pub async fn get(&self, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        let mut request = self.client.get(self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        read(request.send().await.unwrap_or_else(|e| panic!("GET {path}: {e}"))).await
    }

    /// `POST path` with a JSON body, with a bearer token if given: status and JSON body.
    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> (StatusCode, Value) {
        let mut request = self.client.post(self.url(path)).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        read(request.send().await.unwrap_or_else(|e| panic!("POST {path}: {e}"))).await
    }

    /// Any method with a JSON body (`Value::Null` sends `null`), with a
    /// bearer token if given: status and JSON body. For the admin API's
    /// `PATCH` and `DELETE`.
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Value,
    ) -> (StatusCode, Value) {
        let mut request = self.client.request(method.clone(), self.url(path)).json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        read(request.send().await.unwrap_or_else(|e| panic!("{method} {path}: {e}"))).await
    }

    /// Posts events (one, or `{"events": [...]}`) with a service token;
    /// asserts 200 and returns the per-event results.
    pub async fn post_events(&self, service: &str, body: &Value) -> Vec<Value> {
        let (status, answer) = self.post("/api/v1/events/", Some(service), body).await;
        results(status, answer)
    }

    /// [`TestServer::get`] without a runtime.
    pub fn get_blocking(&self, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        let mut request = blocking_client().get(self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        read_blocking(request.send().unwrap_or_else(|e| panic!("GET {path}: {e}")))
    }

    /// [`TestServer::post_events`] without a runtime.
    pub fn post_events_blocking(&self, service: &str, body: &Value) -> Vec<Value> {
        let request = blocking_client().post(self.url("/api/v1/events/")).bearer_auth(service).json(body);
        let (status, answer) = read_blocking(request.send().unwrap_or_else(|e| panic!("POST events/: {e}")));
        results(status, answer)
    }
}

/// Status and JSON body (`Null` for an empty body); panics on a body that is not JSON.
pub async fn read(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    let bytes = response.bytes().await.unwrap_or_else(|e| panic!("the body of a {status} answer: {e}"));
    (status, json(&bytes))
}

fn read_blocking(response: reqwest::blocking::Response) -> (StatusCode, Value) {
    let status = response.status();
    let bytes = response.bytes().unwrap_or_else(|e| panic!("the body of a {status} answer: {e}"));
    (status, json(&bytes))
}

fn json(bytes: &[u8]) -> Value {
    if bytes.is_empty() {
        return Value::Null;
    }
    serde_json::from_slice(bytes).unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(bytes)))
}

fn results(status: StatusCode, answer: Value) -> Vec<Value> {
    assert_eq!(status, StatusCode::OK, "POST events/: {answer}");
    answer["results"].as_array().unwrap_or_else(|| panic!("no results in {answer}")).clone()
}

/// A blocking client per request, not one kept in the [`TestServer`]: a
/// blocking client panics when dropped inside an async runtime, where most
/// test servers live; and these tests make few requests.
fn blocking_client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder().no_proxy().build().expect("a blocking HTTP client")
}

/// An event `{"id", "user", "type", "at"}` (value 1 by default).
pub fn event(id: &str, user: &str, event_type: &str, at: &str) -> Value {
    serde_json::json!({"id": id, "user": user, "type": event_type, "at": at})
}

/// The `key` of each item in a JSON list.
pub fn keys(items: &Value) -> Vec<String> {
    let items = items.as_array().unwrap_or_else(|| panic!("not a list: {items}"));
    items.iter().map(|i| i["key"].as_str().unwrap_or_else(|| panic!("no key in {i}")).to_owned()).collect()
}

/// Reads a `notifications/stream/` response, skipping what it sends,
/// until the server ends it; whether that happened within `within`.
pub async fn stream_ends(response: &mut reqwest::Response, within: Duration) -> bool {
    tokio::time::timeout(within, async { while let Ok(Some(_)) = response.chunk().await {} }).await.is_ok()
}

/// Reads Server-Sent Events from a `notifications/stream/` response until
/// `n` `unlock` events have arrived (10 s at most); returns their (id,
/// data JSON).
///
/// # Panics
/// When they do not arrive in time, or the stream ends first.
pub async fn read_unlocks(response: &mut reqwest::Response, n: usize) -> Vec<(i64, Value)> {
    let mut buffer = String::new();
    let mut found = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while found.len() < n {
        let chunk = tokio::time::timeout_at(deadline, response.chunk())
            .await
            .expect("an unlock arrives in time")
            .expect("the stream reads")
            .expect("the stream stays open");
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find("\n\n") {
            let message: String = buffer.drain(..end + 2).collect();
            let mut id = None;
            let mut kind = None;
            let mut data = None;
            for line in message.lines() {
                if let Some(v) = line.strip_prefix("id:") {
                    id = Some(v.trim().parse::<i64>().expect("an integral id"));
                } else if let Some(v) = line.strip_prefix("event:") {
                    kind = Some(v.trim().to_owned());
                } else if let Some(v) = line.strip_prefix("data:") {
                    data = Some(serde_json::from_str::<Value>(v.trim()).expect("JSON data"));
                }
            }
            if kind.as_deref() == Some("unlock") {
                found.push((id.expect("an id"), data.expect("data")));
            }
        }
    }
    found
}
