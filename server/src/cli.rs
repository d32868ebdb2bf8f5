//! The command line: argument types and dispatch. Output formats are a
//! contract (scripts read them); they are documented in `docs/server.md`.

use crate::catalog_file::CatalogSource;
use crate::clock::Clock;
use crate::store::Location;
use crate::{admin, ops, rules, serve};
use clap::{ArgGroup, Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(name = "achievements", version, about = "Achievement and badge system for the creative platform")]
pub struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Work with catalogs and rule scenarios offline.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Run the HTTP API (and the web page, with --www).
    Serve(ServeArgs),
    /// Manage users.
    #[command(subcommand)]
    Users(UsersCommand),
    /// Manage bearer tokens.
    #[command(subcommand)]
    Tokens(TokensCommand),
    /// Validate a catalog and upsert it into the database, without serving.
    LoadAchievements(LoadArgs),
    /// Evaluate every user (or one) against the catalog and award what is due (backfill).
    AwardRetroactive {
        /// Only this user.
        #[arg(long, value_name = "NAME")]
        user: Option<String>,
        #[command(flatten)]
        common: OpsArgs,
    },
    /// Rebuild a user's counters and streaks from the event log, then evaluate.
    Recalculate {
        #[arg(long, value_name = "NAME")]
        user: String,
        #[command(flatten)]
        common: OpsArgs,
    },
    /// A table of every achievement for a user: earned or locked, progress, blockers (reads only).
    Check {
        #[arg(long, value_name = "NAME")]
        user: String,
        #[command(flatten)]
        db: ReadDbArg,
    },
    /// Why a user has or has not an achievement: the core's explanation and the audit record (reads only).
    Debug {
        #[arg(long, value_name = "NAME")]
        user: String,
        #[arg(long, value_name = "KEY")]
        achievement: String,
        #[command(flatten)]
        db: ReadDbArg,
    },
    /// The success metrics: share of users with a badge, averages, most and least earned, unlocks per day (reads only).
    Stats {
        /// First day of the unlocks-per-day range (YYYY-MM-DD, UTC) [default: 29 days before --until].
        #[arg(long, value_name = "DATE")]
        from: Option<String>,
        /// Last day of the range [default: today].
        #[arg(long, value_name = "DATE")]
        until: Option<String>,
        #[command(flatten)]
        db: ReadDbArg,
    },
    /// Import events from a JSON Lines file (one `POST events/` event per line).
    ImportEvents {
        /// The file: one event object per line.
        file: PathBuf,
        #[command(flatten)]
        common: OpsArgs,
    },
}

/// The database and, optionally, a catalog to load into it first: the
/// commands that write user state.
#[derive(Debug, Args)]
pub(crate) struct OpsArgs {
    /// Catalog file to validate and upsert first, exactly as `load-achievements --catalog FILE`
    /// (same lines printed) [default: none; the catalog stored in the database is used].
    #[arg(long, value_name = "FILE")]
    pub catalog: Option<PathBuf>,
    /// SQLite database file; it must exist and hold a catalog, unless --catalog is given
    /// (then it is created and migrated if missing).
    #[arg(long, value_name = "FILE|URL", default_value = "achievements.db", env = "ACHIEVEMENTS_DB", value_parser = location)]
    pub db: Location,
}

#[derive(Debug, Subcommand)]
pub(crate) enum RulesCommand {
    /// Validate a catalog file; lists every problem as `PATH: message`.
    Validate {
        /// The catalog JSON file.
        catalog: PathBuf,
    },
    /// Run scenario files, or folders of them (non-recursive, in name order).
    Test {
        /// Scenario files or folders.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
}

/// The database every stateful command works on.
#[derive(Debug, Args)]
pub(crate) struct DbArg {
    /// SQLite database file (created and migrated if missing), or a PostgreSQL URL
    /// (postgres://USER:PASSWORD@HOST/DB; `serve` only, so far).
    #[arg(long, value_name = "FILE|URL", default_value = "achievements.db", env = "ACHIEVEMENTS_DB", value_parser = location)]
    pub db: Location,
}

/// The database a command only reads.
#[derive(Debug, Args)]
pub(crate) struct ReadDbArg {
    /// SQLite database file; it must exist. Opened read-only: never created, migrated or changed.
    #[arg(long, value_name = "FILE|URL", default_value = "achievements.db", env = "ACHIEVEMENTS_DB", value_parser = location)]
    pub db: Location,
}

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    #[command(flatten)]
    pub db: DbArg,
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8000", env = "ACHIEVEMENTS_BIND")]
    pub bind: SocketAddr,
    /// Catalog file, validated and upserted on start [default: the shipped catalog].
    #[arg(long, value_name = "FILE")]
    pub catalog: Option<PathBuf>,
    /// Serve the built web page in DIR at `/` (index.html for unknown paths).
    #[arg(long, value_name = "DIR")]
    pub www: Option<PathBuf>,
    /// Create a `demo` user with some activity and print its token.
    #[arg(long)]
    pub demo: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum UsersCommand {
    /// Create a user and print a token for them (alone on the last line).
    Add {
        /// User name: letters, digits and @ . + - _ (at most 150).
        name: String,
        /// Time zone deciding what a day is for streaks: an IANA name
        /// (Europe/Paris), UTC, or a fixed offset (+05:30, -03:00).
        #[arg(long, value_name = "ZONE", default_value = "UTC", allow_hyphen_values = true)]
        timezone: String,
        /// May read and act for other users (`?user=NAME`).
        #[arg(long)]
        admin: bool,
        #[command(flatten)]
        db: DbArg,
    },
    /// Change a user's settings.
    Set {
        name: String,
        /// Whether `GET users/NAME/achievements/` shows their badges to anyone.
        #[arg(long, value_name = "BOOL", required = true)]
        public_profile: Option<bool>,
        #[command(flatten)]
        db: DbArg,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum TokensCommand {
    /// Issue a token (printed alone on the last line; stored only hashed).
    #[command(group(ArgGroup::new("owner").required(true).args(["service", "user"])))]
    Add {
        /// A service token, allowed to post events, for the service NAME.
        #[arg(long, value_name = "NAME")]
        service: Option<String>,
        /// Another token for the existing user NAME.
        #[arg(long, value_name = "NAME")]
        user: Option<String>,
        #[command(flatten)]
        db: DbArg,
    },
}

#[derive(Debug, Args)]
pub(crate) struct LoadArgs {
    /// Catalog file [default: the shipped catalog].
    #[arg(long, value_name = "FILE")]
    pub catalog: Option<PathBuf>,
    #[command(flatten)]
    pub db: DbArg,
}

/// Runs a parsed command line.
///
/// # Errors
/// Whatever the command failed with, for `main` to print.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let ok = |ok: bool| if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE };
    match cli.command {
        Command::Rules(RulesCommand::Validate { catalog }) => Ok(ok(rules::validate(&catalog))),
        Command::Rules(RulesCommand::Test { paths }) => Ok(ok(rules::test(&paths))),
        Command::Users(UsersCommand::Add { name, timezone, admin, db }) => {
            admin::add_user(db.db.sqlite_file("users add")?, &name, &timezone, admin, Clock::system().now())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Users(UsersCommand::Set { name, public_profile, db }) => {
            if let Some(public) = public_profile {
                admin::set_public_profile(db.db.sqlite_file("users set")?, &name, public)?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Tokens(TokensCommand::Add { service, user, db }) => {
            let now = Clock::system().now();
            match (service, user) {
                (Some(service), _) => admin::add_service_token(db.db.sqlite_file("tokens add")?, &service, now)?,
                (None, Some(user)) => admin::add_user_token(db.db.sqlite_file("tokens add")?, &user, now)?,
                (None, None) => unreachable!("clap requires --service or --user"),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::LoadAchievements(args) => {
            admin::load_achievements(
                args.db.db.sqlite_file("load-achievements")?,
                &CatalogSource::from_arg(args.catalog),
                Clock::system().now(),
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Command::AwardRetroactive { user, common } => {
            let catalog = common.catalog.as_deref();
            ops::award_retroactive(
                common.db.sqlite_file("award-retroactive")?,
                catalog,
                user.as_deref(),
                Clock::system().now(),
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Recalculate { user, common } => {
            ops::recalculate(
                common.db.sqlite_file("recalculate")?,
                common.catalog.as_deref(),
                &user,
                Clock::system().now(),
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Check { user, db } => {
            ops::check(db.db.sqlite_file("check")?, &user, Clock::system().now())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Debug { user, achievement, db } => {
            ops::debug(db.db.sqlite_file("debug")?, &user, &achievement, Clock::system().now())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Stats { from, until, db } => {
            let (from, until) = crate::stats::range(from.as_deref(), until.as_deref(), Clock::system().now())
                .map_err(anyhow::Error::msg)?;
            let mut conn = crate::store::sqlite::open_read_only(db.db.sqlite_file("stats")?)?;
            let tx = conn.transaction()?;
            let stats = crate::stats::assemble(crate::store::sqlite::stats::counts(&tx, from, until)?, from, until)?;
            ops::print_all(&crate::stats::render(&stats));
            Ok(ExitCode::SUCCESS)
        }
        Command::ImportEvents { file, common } => {
            ops::import_events(
                common.db.sqlite_file("import-events")?,
                common.catalog.as_deref(),
                &file,
                Clock::system().now(),
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve(args) => {
            serve::init_tracing();
            let options = serve::ServeOptions {
                db: args.db.db,
                bind: args.bind,
                catalog: CatalogSource::from_arg(args.catalog),
                www: args.www,
                demo: args.demo,
                clock: Clock::system(),
            };
            let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
            runtime.block_on(serve::serve_until_signal(options))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `--db`: a file path or a PostgreSQL URL (see [`Location::parse`]).
fn location(arg: &str) -> Result<Location, std::convert::Infallible> {
    Ok(Location::parse(arg))
}
