//! Prints time-zone tables as the server sends them (`zone_table` in
//! `GET me/`), read from the IANA database the native core bundles, for the
//! Node tests of the module (which has no database):
//!
//! ```sh
//! cargo run -p achievements-wasm --example zone-tables -- FROM UNTIL NAME...
//! # {"America/New_York": {"name": …, "offset": …, "transitions": […]}, …}
//! ```
//!
//! `FROM` and `UNTIL` are RFC 3339 instants: the tables are exact between them.

use achievements_core::{Instant, ZoneTable, time_zone};
use std::collections::BTreeMap;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [from, until, names @ ..] = args.as_slice() else {
        eprintln!("usage: zone-tables FROM UNTIL NAME...");
        return ExitCode::from(2);
    };
    let (from, until) = match (Instant::parse(from), Instant::parse(until)) {
        (Ok(from), Ok(until)) => (from, until),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("zone-tables: {e}");
            return ExitCode::from(2);
        }
    };
    let mut tables: BTreeMap<&str, ZoneTable> = BTreeMap::new();
    for name in names {
        match time_zone(name) {
            Ok(zone) => {
                tables.insert(name, zone.table(from, until));
            }
            Err(e) => {
                eprintln!("zone-tables: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    match serde_json::to_string(&tables) {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("zone-tables: {e}");
            ExitCode::FAILURE
        }
    }
}
