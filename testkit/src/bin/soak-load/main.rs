//! `soak-load`: the load generator of `scripts/soak.sh`. It drives a live
//! `achievements serve` (another process, its PID given) for a while with a
//! mixed load, samples the server's memory, open files and latency every few
//! seconds, and ends with a verdict: exit 0 when the run passed, 1 with the
//! reasons when it did not.
//!
//! The load, each part on threads of its own so a slow part never hides
//! another: event writers (single events and batches for many users, plus
//! deliberate re-sends of acknowledged batches, which must all answer
//! `duplicate`), readers of every API route, notification-stream
//! subscribers that come and go, and an operator running `achievements
//! award-retroactive` against the same database meanwhile.
//!
//! It fails on (see `verdict.rs`): growth of memory or open files that does
//! not level off, any answer outside the load's design (a non-2xx status, a
//! transport error, a rejected event, an `applied` on a re-send, a failed
//! operator command), and any lost or doubled event: at the end each user's
//! counters (`GET me/`) must equal the sum of the values the server
//! acknowledged for them.
//!
//! Written with the blocking HTTP client already in the test kit, and std
//! threads: a closed loop per thread, so the load follows the server's pace.

mod load;
mod samples;
mod verdict;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// What the script passes in (`--name value` pairs, all required but the
/// numbers, which have defaults).
#[derive(Debug, Clone)]
pub(crate) struct Options {
    pub base: String,
    pub pid: u32,
    pub service_token: String,
    pub admin_token: String,
    /// `name token` per line, as made by the script with `users add`.
    pub users_file: PathBuf,
    pub seconds: u64,
    pub sample_every: Duration,
    pub csv: PathBuf,
    pub svg: Option<PathBuf>,
    /// The `achievements` binary and the database, for the operator.
    pub achievements: PathBuf,
    pub db: PathBuf,
    pub writers: usize,
    pub readers: usize,
    pub subscribers: usize,
}

fn parse_options() -> Result<Options, String> {
    let mut pairs = std::collections::HashMap::new();
    let mut args = std::env::args().skip(1);
    while let Some(name) = args.next() {
        let key = name.strip_prefix("--").ok_or(format!("unexpected argument `{name}`"))?.to_owned();
        let value = args.next().ok_or(format!("`{name}` needs a value"))?;
        pairs.insert(key, value);
    }
    let get = |key: &str| pairs.get(key).cloned().ok_or(format!("missing --{key}"));
    let number = |key: &str, default: u64| -> Result<u64, String> {
        pairs.get(key).map_or(Ok(default), |v| v.parse().map_err(|_| format!("--{key}: not a number: {v}")))
    };
    Ok(Options {
        base: get("base")?,
        pid: get("pid")?.parse().map_err(|_| "--pid: not a number".to_owned())?,
        service_token: get("service-token")?,
        admin_token: get("admin-token")?,
        users_file: get("users")?.into(),
        seconds: number("seconds", 60)?,
        sample_every: Duration::from_secs(number("sample-every", 2)?),
        csv: get("csv")?.into(),
        svg: pairs.get("svg").map(PathBuf::from),
        achievements: get("achievements")?.into(),
        db: get("db")?.into(),
        writers: number("writers", 4)? as usize,
        readers: number("readers", 3)? as usize,
        subscribers: number("subscribers", 4)? as usize,
    })
}

fn main() -> ExitCode {
    let options = match parse_options() {
        Ok(options) => options,
        Err(why) => {
            eprintln!("soak-load: {why}");
            return ExitCode::from(2);
        }
    };
    let users = match load::read_users(&options.users_file) {
        Ok(users) => users,
        Err(why) => {
            eprintln!("soak-load: {why}");
            return ExitCode::from(2);
        }
    };
    let outcome = load::run(&options, users);
    let failures = verdict::judge(&options, &outcome);
    if let Err(e) = samples::write_csv(&options.csv, &outcome.samples) {
        eprintln!("soak-load: {}: {e}", options.csv.display());
    }
    if let Some(svg) = &options.svg {
        let title = format!(
            "achievements serve under soak-load: {:.0} s, {:.0} requests/s, {:.0} events/s",
            outcome.seconds,
            outcome.requests as f64 / outcome.seconds,
            outcome.events_acked as f64 / outcome.seconds
        );
        if let Err(e) = samples::write_svg(svg, &outcome.samples, &title) {
            eprintln!("soak-load: {}: {e}", svg.display());
        }
    }
    println!("{}", outcome.summary());
    if failures.is_empty() {
        println!("soak: PASSED");
        ExitCode::SUCCESS
    } else {
        for failure in &failures {
            println!("soak: FAIL: {failure}");
        }
        ExitCode::FAILURE
    }
}
