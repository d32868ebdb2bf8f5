//! Reading a `postgres://` URL. tokio-postgres parses the URL itself but
//! knows only three `sslmode`s (`disable`, `prefer`, `require`) and no
//! `sslrootcert`; the libpq parameters it lacks are taken out here and
//! become a [`Verify`] for [`super::tls`].
//!
//! `sslmode` as libpq documents it:
//! - `disable`: no TLS.
//! - `allow`, `prefer` (libpq's default): TLS when the server offers it,
//!   without checking its certificate (`allow` tries TLS first too: the
//!   driver cannot try plain text first).
//! - `require`: TLS or nothing, the certificate unchecked, unless
//!   `sslrootcert` is given, which makes it `verify-ca` (as libpq does).
//! - `verify-ca`: the certificate must chain to a trusted root.
//! - `verify-full`: that, and name the host connected to.
//!
//! Trusted roots are the file `sslrootcert` names, or the system's store
//! when it is absent or `system` (libpq would read
//! `~/.postgresql/root.crt`; a server reads no home folder).
//!
//! One departure: a URL with no `sslmode` whose hosts are all loopback
//! (`localhost`, `127.0.0.1`, `::1`, a Unix socket) does not use TLS.
//! Encrypting traffic that never leaves the machine costs CPU on every
//! query and protects nothing.

use super::tls::{Roots, Verify};
use crate::store::StoreError;
use percent_encoding::percent_decode_str;
use std::net::IpAddr;
use std::path::PathBuf;
use tokio_postgres::config::{Host, SslMode};

/// A URL, read.
pub(super) struct Target {
    pub(super) config: tokio_postgres::Config,
    pub(super) verify: Verify,
    /// The URL without its password, for messages.
    pub(super) shown: String,
}

/// The `application_name` the server's sessions carry unless the URL
/// names another (it shows in `pg_stat_activity`).
const APPLICATION_NAME: &str = "achievements";

/// Reads a `postgres://` or `postgresql://` URL.
///
/// # Errors
/// [`StoreError::PostgresUrl`]: the URL does not parse, or names an
/// `sslmode` libpq does not have.
pub(super) fn parse(url: &str) -> Result<Target, StoreError> {
    let (base, query) = url.split_once('?').map_or((url, None), |(base, query)| (base, Some(query)));
    let mut kept = Vec::new();
    let mut sslmode = None;
    let mut rootcert = None;
    for pair in query.into_iter().flat_map(|q| q.split('&')).filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match key {
            "sslmode" => sslmode = Some(decode(value)?),
            "sslrootcert" => rootcert = Some(decode(value)?),
            _ => kept.push(pair),
        }
    }
    let rest = if kept.is_empty() { base.to_owned() } else { format!("{base}?{}", kept.join("&")) };
    let mut config: tokio_postgres::Config = rest.parse().map_err(|e| StoreError::PostgresUrl(super::describe(&e)))?;
    if config.get_application_name().is_none() {
        config.application_name(APPLICATION_NAME);
    }
    let roots = match rootcert.as_deref() {
        None | Some("system") => Roots::System,
        Some(path) => Roots::File(PathBuf::from(path)),
    };
    let (mode, verify) = match sslmode.as_deref() {
        None if only_loopback(&config) => (SslMode::Disable, Verify::Nothing),
        None | Some("allow" | "prefer") => (SslMode::Prefer, Verify::Nothing),
        Some("disable") => (SslMode::Disable, Verify::Nothing),
        Some("require") if rootcert.is_none() => (SslMode::Require, Verify::Nothing),
        Some("require" | "verify-ca") => (SslMode::Require, Verify::Chain(roots)),
        Some("verify-full") => (SslMode::Require, Verify::ChainAndName(roots)),
        Some(other) => {
            return Err(StoreError::PostgresUrl(format!(
                "sslmode={other} is none of disable, allow, prefer, require, verify-ca, verify-full"
            )));
        }
    };
    config.ssl_mode(mode);
    let shown = shown(&config);
    Ok(Target { config, verify, shown })
}

fn decode(value: &str) -> Result<String, StoreError> {
    percent_decode_str(value)
        .decode_utf8()
        .map(|v| v.into_owned())
        .map_err(|_| StoreError::PostgresUrl("a parameter is not UTF-8 once percent-decoded".to_owned()))
}

/// Whether every host the URL names is on this machine.
fn only_loopback(config: &tokio_postgres::Config) -> bool {
    let hosts = config.get_hosts();
    let addrs = config.get_hostaddrs();
    (!hosts.is_empty() || !addrs.is_empty()) && hosts.iter().all(is_loopback) && addrs.iter().all(IpAddr::is_loopback)
}

fn is_loopback(host: &Host) -> bool {
    match host {
        Host::Tcp(name) => {
            name.eq_ignore_ascii_case("localhost") || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
        }
        #[cfg(unix)]
        Host::Unix(_) => true,
    }
}

/// `postgres://user@host:port/dbname`: the URL without its password or
/// parameters.
fn shown(config: &tokio_postgres::Config) -> String {
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .map(|host| match host {
            Host::Tcp(name) if name.contains(':') => format!("[{name}]"),
            Host::Tcp(name) => name.clone(),
            #[cfg(unix)]
            Host::Unix(path) => path.display().to_string(),
        })
        .collect();
    let port = match config.get_ports() {
        [] => String::new(),
        [port, ..] => format!(":{port}"),
    };
    let user = config.get_user().map(|u| format!("{u}@")).unwrap_or_default();
    let dbname = config.get_dbname().or(config.get_user()).unwrap_or_default();
    format!("postgres://{user}{}{port}/{dbname}", hosts.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(url: &str) -> Target {
        parse(url).expect("the URL parses")
    }

    #[test]
    fn loopback_without_sslmode_is_plain_text() {
        for url in ["postgres://u:p@127.0.0.1:5432/db", "postgresql://u@localhost/db", "postgres://u@[::1]/db"] {
            let target = read(url);
            assert_eq!(target.config.get_ssl_mode(), SslMode::Disable, "{url}");
        }
    }

    #[test]
    fn a_remote_host_without_sslmode_prefers_tls() {
        let target = read("postgres://u@db.example.com/db");
        assert_eq!(target.config.get_ssl_mode(), SslMode::Prefer);
        assert!(matches!(target.verify, Verify::Nothing));
    }

    #[test]
    fn sslmodes_follow_libpq() {
        let mode = |m: &str| {
            let target = read(&format!("postgres://u@db.example.com/db?sslmode={m}"));
            (target.config.get_ssl_mode(), target.verify)
        };
        assert!(matches!(mode("disable"), (SslMode::Disable, Verify::Nothing)));
        assert!(matches!(mode("allow"), (SslMode::Prefer, Verify::Nothing)));
        assert!(matches!(mode("prefer"), (SslMode::Prefer, Verify::Nothing)));
        assert!(matches!(mode("require"), (SslMode::Require, Verify::Nothing)));
        assert!(matches!(mode("verify-ca"), (SslMode::Require, Verify::Chain(Roots::System))));
        assert!(matches!(mode("verify-full"), (SslMode::Require, Verify::ChainAndName(Roots::System))));
        assert!(matches!(
            mode("require&sslrootcert=%2Fetc%2Fca.pem"),
            (SslMode::Require, Verify::Chain(Roots::File(_)))
        ));
        assert!(matches!(parse("postgres://u@h/db?sslmode=sometimes"), Err(StoreError::PostgresUrl(_))));
    }

    #[test]
    fn other_parameters_reach_the_driver() {
        let target = read("postgres://u@localhost/db?sslmode=disable&application_name=ops&connect_timeout=3");
        assert_eq!(target.config.get_application_name(), Some("ops"));
        assert_eq!(target.config.get_connect_timeout(), Some(&std::time::Duration::from_secs(3)));
        assert!(matches!(parse("postgres://u@localhost/db?nonsense=1"), Err(StoreError::PostgresUrl(_))));
    }

    #[test]
    fn the_shown_url_has_no_password() {
        let target = read("postgres://alice:s3cret@127.0.0.1:5433/games?sslmode=disable");
        assert_eq!(target.shown, "postgres://alice@127.0.0.1:5433/games");
        assert_eq!(target.config.get_application_name(), Some(APPLICATION_NAME));
    }
}
