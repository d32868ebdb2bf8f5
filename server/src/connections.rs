//! Accepting and serving HTTP/1.1 connections, with the two time limits a
//! public server needs against slow or idle clients:
//!
//! - **request head**: a connection that has not finished sending a
//!   request's head within [`HEAD_TIMEOUT`] (10 s) of starting it is
//!   closed. The clock starts when the connection opens, and, on a
//!   keep-alive connection, with the first byte of the next request;
//! - **keep-alive idle**: a connection with no request in progress and no
//!   byte of a new one is closed after [`IDLE_TIMEOUT`] (75 s).
//!
//! A request in progress (its body being read, its answer, a notification
//! stream) has no limit here. Each connection is its own task and the
//! accept loop does nothing per connection but spawn it, so held
//! connections cannot delay anyone else.
//!
//! Why not hyper's `header_read_timeout`: its clock also starts when a
//! keep-alive connection goes idle, so it would close idle connections
//! after 10 s rather than 75 s. The phases are tracked here instead:
//! [`Watched`] sees bytes arrive, the service wrapper sees a request start
//! and its answer's body end (when hyper drops it), and one watchdog per
//! connection closes it when its phase's deadline passes.

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tokio::time::Instant;

/// How long a client may take to send a request's head.
pub(crate) const HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a keep-alive connection may stay idle between requests.
pub(crate) const IDLE_TIMEOUT: Duration = Duration::from_secs(75);

/// The time limits of a connection (see the module documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnectionTimeouts {
    /// To finish a request head, from its start.
    pub head: Duration,
    /// Idle between requests.
    pub idle: Duration,
}

impl Default for ConnectionTimeouts {
    /// [`HEAD_TIMEOUT`] and [`IDLE_TIMEOUT`].
    fn default() -> Self {
        ConnectionTimeouts { head: HEAD_TIMEOUT, idle: IDLE_TIMEOUT }
    }
}

/// Serves `app` on every connection `listener` accepts until `shutdown`
/// completes; then stops accepting, lets each connection finish the
/// request it is answering (idle ones close at once), and returns when all
/// are closed.
pub(crate) async fn serve(
    listener: TcpListener,
    app: Router,
    timeouts: ConnectionTimeouts,
    shutdown: impl Future<Output = ()>,
) {
    // Every connection task holds a receiver of each: `closing` tells them
    // to finish; the sender of `open` sees when the last one is gone.
    let (closing_tx, closing_rx) = watch::channel(false);
    let (open_tx, open_rx) = watch::channel(());
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    backoff(&e).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let connection = serve_connection(stream, peer, app.clone(), timeouts, closing_rx.clone(), open_rx.clone());
        tokio::spawn(connection);
    }
    drop(listener);
    let _ = closing_tx.send(true);
    drop(open_rx);
    open_tx.closed().await;
}

/// After a failed accept: a connection the peer already dropped is nothing;
/// anything else (out of file descriptors, most often) is logged and waited
/// out briefly, so the loop does not spin while the server is saturated.
async fn backoff(error: &io::Error) {
    use io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(error.kind(), ConnectionAborted | ConnectionRefused | ConnectionReset) {
        return;
    }
    tracing::error!(error = %error, "cannot accept a connection; retrying in 100 ms");
    tokio::time::sleep(Duration::from_millis(100)).await;
}

/// One connection, until the client closes it, it breaks a time limit, or
/// the server shuts down.
async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    app: Router,
    timeouts: ConnectionTimeouts,
    mut closing: watch::Receiver<bool>,
    _open: watch::Receiver<()>,
) {
    let _ = stream.set_nodelay(true);
    let activity = Arc::new(Activity::new(timeouts));
    let io = TokioIo::new(Watched { inner: stream, activity: Arc::clone(&activity) });
    let service = {
        let activity = Arc::clone(&activity);
        service_fn(move |mut request: hyper::Request<Incoming>| {
            // The client's address, for what keys by it (the rate limit of
            // anonymous callers), as axum's `ConnectInfo`.
            request.extensions_mut().insert(ConnectInfo(peer));
            let guard = RequestInProgress::start(&activity);
            let mut app = app.clone();
            async move {
                // Router's `poll_ready` is always ready; it never fails.
                let response = tower_service::Service::call(&mut app, request).await?;
                // The guard lives as long as the answer's body: hyper drops
                // the body once it has written it all.
                Ok::<_, std::convert::Infallible>(response.map(|body| {
                    Body::new(body.map_err(move |e| {
                        let _in_progress = &guard;
                        e
                    }))
                }))
            }
        })
    };
    // hyper's own head timeout stays off: see the module documentation.
    let connection = http1::Builder::new().header_read_timeout(None).serve_connection(io, service);
    tokio::pin!(connection);
    let mut draining = false;
    loop {
        tokio::select! {
            result = connection.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!(error = %e, "connection ended with an error");
                }
                return;
            }
            () = activity.expired() => {
                tracing::debug!("closing a connection that is slow to send its request or idle");
                return;
            }
            _ = closing.changed(), if !draining => {
                draining = true;
                connection.as_mut().graceful_shutdown();
            }
        }
    }
}

/// Where a connection is in its request cycle, and since when.
#[derive(Clone, Copy, Debug)]
enum Phase {
    /// Receiving a request head (or waiting for the first one).
    Head { since: Instant },
    /// Requests being answered (their bodies read, their answers written).
    Busy { requests: usize },
    /// Between requests, no byte of the next one yet.
    Idle { since: Instant },
}

/// A connection's phase, shared by its I/O, its service and its watchdog.
#[derive(Debug)]
struct Activity {
    timeouts: ConnectionTimeouts,
    phase: Mutex<Phase>,
    changed: Notify,
}

impl Activity {
    fn new(timeouts: ConnectionTimeouts) -> Self {
        Activity { timeouts, phase: Mutex::new(Phase::Head { since: Instant::now() }), changed: Notify::new() }
    }

    fn update(&self, change: impl FnOnce(Phase) -> Phase) {
        let mut phase = self.phase.lock().unwrap_or_else(PoisonError::into_inner);
        *phase = change(*phase);
        drop(phase);
        self.changed.notify_one();
    }

    /// Bytes arrived: an idle connection has started its next request.
    fn bytes_received(&self) {
        let idle = matches!(*self.phase.lock().unwrap_or_else(PoisonError::into_inner), Phase::Idle { .. });
        if idle {
            self.update(|phase| match phase {
                Phase::Idle { .. } => Phase::Head { since: Instant::now() },
                other => other,
            });
        }
    }

    /// When the current phase's time is up; `None` while a request runs.
    fn deadline(&self) -> Option<Instant> {
        match *self.phase.lock().unwrap_or_else(PoisonError::into_inner) {
            Phase::Head { since } => Some(since + self.timeouts.head),
            Phase::Idle { since } => Some(since + self.timeouts.idle),
            Phase::Busy { .. } => None,
        }
    }

    /// Completes when a deadline passes in the phase the connection is in.
    async fn expired(&self) {
        loop {
            match self.deadline() {
                None => self.changed.notified().await,
                Some(deadline) if deadline <= Instant::now() => return,
                Some(deadline) => {
                    tokio::select! {
                        () = tokio::time::sleep_until(deadline) => {}
                        () = self.changed.notified() => {}
                    }
                }
            }
        }
    }
}

/// A request from its head until its answer's body is dropped.
#[derive(Debug)]
struct RequestInProgress(Arc<Activity>);

impl RequestInProgress {
    fn start(activity: &Arc<Activity>) -> Self {
        activity.update(|phase| match phase {
            Phase::Busy { requests } => Phase::Busy { requests: requests + 1 },
            Phase::Head { .. } | Phase::Idle { .. } => Phase::Busy { requests: 1 },
        });
        RequestInProgress(Arc::clone(activity))
    }
}

impl Drop for RequestInProgress {
    fn drop(&mut self) {
        self.0.update(|phase| match phase {
            Phase::Busy { requests } if requests > 1 => Phase::Busy { requests: requests - 1 },
            _ => Phase::Idle { since: Instant::now() },
        });
    }
}

/// A TCP stream that tells its [`Activity`] when bytes arrive.
#[derive(Debug)]
struct Watched {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Watched {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let result = Pin::new(&mut this.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            this.activity.bytes_received();
        }
        result
    }
}

impl AsyncWrite for Watched {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, data)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_production_limits_are_10_s_for_a_head_and_75_s_idle() {
        assert_eq!(
            ConnectionTimeouts::default(),
            ConnectionTimeouts { head: Duration::from_secs(10), idle: Duration::from_secs(75) }
        );
    }

    #[tokio::test(start_paused = true)]
    async fn each_phase_has_its_deadline() {
        let activity = Arc::new(Activity::new(ConnectionTimeouts::default()));
        let opened = Instant::now();
        assert_eq!(activity.deadline(), Some(opened + HEAD_TIMEOUT), "a new connection must send a head");
        let request = RequestInProgress::start(&activity);
        assert_eq!(activity.deadline(), None, "no limit while a request runs");
        tokio::time::advance(Duration::from_secs(300)).await;
        drop(request);
        let idle_since = Instant::now();
        assert_eq!(activity.deadline(), Some(idle_since + IDLE_TIMEOUT), "then idle");
        tokio::time::advance(Duration::from_secs(30)).await;
        activity.bytes_received();
        assert_eq!(activity.deadline(), Some(Instant::now() + HEAD_TIMEOUT), "the next head started");
    }

    #[tokio::test(start_paused = true)]
    async fn the_watchdog_fires_at_the_idle_deadline_not_the_head_one() {
        let activity = Arc::new(Activity::new(ConnectionTimeouts::default()));
        drop(RequestInProgress::start(&activity));
        let idle_since = Instant::now();
        activity.expired().await;
        assert_eq!(Instant::now() - idle_since, IDLE_TIMEOUT);
    }
}
