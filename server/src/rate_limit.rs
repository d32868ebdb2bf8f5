//! `serve --rate-limit N`: how fast each caller may call, with `governor`'s
//! keyed GCRA limiters (no hand-written bucket).
//!
//! - **Who is a caller.** The middleware runs after
//!   [`crate::routes::authenticate`], so it keys by who the credentials
//!   name, never by the header's text: a user by their id (all their
//!   tokens share one budget), a service by its name (its own, higher
//!   limit, `--service-rate-limit`), and an anonymous request by the
//!   client's IP address (an IPv6 client by its /64, the block one client
//!   usually holds). Behind a reverse proxy, anonymous requests share the
//!   proxy's address: no `X-Forwarded-For` is trusted.
//! - **How fast.** N requests a second, in bursts of up to N: a caller idle
//!   for a second may send N at once, then one every 1/N s. A request over
//!   the limit is answered `429` (`throttled`) with `Retry-After`, the
//!   seconds until one would pass, rounded up, and counted in
//!   `achievements_rate_limited_total`. A request refused with `401`
//!   before the limiter (a malformed header or an unknown token) is not
//!   counted against anyone.
//! - **One request, one unit.** The notification stream counts once, when
//!   it opens, however long it stays open.
//! - **Bounded memory.** A key whose bucket is full again (idle for a
//!   little over a second: the burst's second plus one interval of 1/N s)
//!   holds nothing a fresh one would not: every [`SWEEP_EVERY`] such keys
//!   are dropped (`retain_recent`, then `shrink_to_fit`), so the store holds
//!   only the callers of the last [`SWEEP_EVERY`] or so.

use crate::api_error::ApiError;
use crate::auth::Caller;
use crate::platform::http_policy::RateLimits;
use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota};
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Weak};
use std::time::Duration;

/// How often callers idle long enough to have a full bucket are forgotten.
pub(crate) const SWEEP_EVERY: Duration = Duration::from_secs(10);

/// The limiters of one server.
#[derive(Debug)]
pub(crate) struct Limiter {
    /// Users and anonymous addresses: `--rate-limit`.
    callers: DefaultKeyedRateLimiter<Key>,
    /// Service tokens, by service name: `--service-rate-limit`.
    services: DefaultKeyedRateLimiter<String>,
}

/// Whom a request counts against (services apart, in their own limiter).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Key {
    User(i64),
    Address(IpAddr),
}

impl Limiter {
    /// Limiters for `limits`, swept every [`SWEEP_EVERY`] for as long as
    /// the returned limiter lives (call it inside the runtime).
    pub(crate) fn start(limits: RateLimits) -> Arc<Limiter> {
        let quota = |n| Quota::per_second(n).allow_burst(n);
        let limiter = Arc::new(Limiter {
            callers: DefaultKeyedRateLimiter::keyed(quota(limits.per_caller)),
            services: DefaultKeyedRateLimiter::keyed(quota(limits.per_service)),
        });
        tokio::spawn(sweep(Arc::downgrade(&limiter)));
        limiter
    }

    /// `Ok` if the caller may go on, else how long until they may.
    fn check(&self, caller: Option<&Caller>, peer: Option<IpAddr>) -> Result<(), Duration> {
        let verdict = match caller {
            Some(Caller::User(user)) => self.callers.check_key(&Key::User(user.id)),
            Some(Caller::Service(service)) => self.services.check_key(&service.name),
            Some(Caller::Anonymous) | None => match peer {
                Some(address) => self.callers.check_key(&Key::Address(client_block(address))),
                // Not over TCP (an in-process test router): nobody to key.
                None => return Ok(()),
            },
        };
        verdict.map(|_| ()).map_err(|not_until| not_until.wait_time_from(self.callers.clock().now()))
    }

    /// Keys held (for tests of the sweep).
    #[cfg(test)]
    fn len(&self) -> usize {
        self.callers.len() + self.services.len()
    }

    fn forget_idle(&self) {
        self.callers.retain_recent();
        self.callers.shrink_to_fit();
        self.services.retain_recent();
        self.services.shrink_to_fit();
    }
}

/// Forgets idle callers until the limiter is dropped.
async fn sweep(limiter: Weak<Limiter>) {
    let mut every = tokio::time::interval(SWEEP_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    every.tick().await;
    loop {
        every.tick().await;
        let Some(limiter) = limiter.upgrade() else { return };
        limiter.forget_idle();
    }
}

/// An IPv6 client by its /64 (an IPv4-mapped one by its IPv4 address).
fn client_block(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(_) => address,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(Ipv6Addr::from(v6.to_bits() & !u128::from(u64::MAX))),
        },
    }
}

/// The middleware (after [`crate::routes::authenticate`]): a request over
/// its caller's limit is answered `429` and goes no further.
pub(crate) async fn limit(State(limiter): State<Arc<Limiter>>, request: Request, next: Next) -> Response {
    let caller = request.extensions().get::<Caller>();
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(peer)| peer.ip());
    match limiter.check(caller, peer) {
        Ok(()) => next.run(request).await,
        Err(wait) => {
            metrics::counter!("achievements_rate_limited_total").increment(1);
            ApiError::Throttled { seconds: whole_seconds(wait) }.into_response()
        }
    }
}

/// `Retry-After` for a wait: whole seconds, rounded up, at least 1.
fn whole_seconds(wait: Duration) -> u64 {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    seconds.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::User;
    use std::num::NonZeroU32;

    fn n(v: u32) -> NonZeroU32 {
        NonZeroU32::new(v).expect("not zero")
    }

    fn user(id: i64) -> Caller {
        Caller::User(User { id, name: format!("u{id}"), timezone: "UTC".into(), is_admin: false })
    }

    #[test]
    fn waits_round_up_to_whole_seconds() {
        assert_eq!(whole_seconds(Duration::ZERO), 1);
        assert_eq!(whole_seconds(Duration::from_millis(200)), 1);
        assert_eq!(whole_seconds(Duration::from_secs(1)), 1);
        assert_eq!(whole_seconds(Duration::from_millis(1_001)), 2);
    }

    #[test]
    fn an_ipv6_client_is_its_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().expect("an address");
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().expect("an address");
        let other: IpAddr = "2001:db8:1:3::1".parse().expect("an address");
        assert_eq!(client_block(a), client_block(b));
        assert_ne!(client_block(a), client_block(other));
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().expect("an address");
        assert_eq!(client_block(mapped), "192.0.2.7".parse::<IpAddr>().expect("an address"));
    }

    #[tokio::test]
    async fn each_caller_has_a_burst_of_n_and_idle_ones_are_forgotten() {
        let limiter = Limiter::start(RateLimits { per_caller: n(3), per_service: n(5) });
        let ann = user(1);
        for _ in 0..3 {
            assert_eq!(limiter.check(Some(&ann), None), Ok(()));
        }
        let wait = limiter.check(Some(&ann), None).expect_err("over the burst");
        assert!(wait <= Duration::from_millis(334), "{wait:?}");
        assert_eq!(limiter.check(Some(&user(2)), None), Ok(()));
        let service = Caller::Service(crate::auth::Service { name: "platform".into(), is_admin: false });
        assert_eq!((0..6).filter(|_| limiter.check(Some(&service), None).is_ok()).count(), 5);
        let here: IpAddr = "192.0.2.1".parse().expect("an address");
        assert_eq!((0..4).filter(|_| limiter.check(Some(&Caller::Anonymous), Some(here)).is_ok()).count(), 3);
        assert_eq!(limiter.check(None, None), Ok(()), "no address: not limited");
        assert_eq!(limiter.len(), 4);
        // Full again a second after the burst, forgotten one emission (1/N s) later.
        std::thread::sleep(Duration::from_millis(1_500));
        limiter.forget_idle();
        assert_eq!(limiter.len(), 0);
    }
}
