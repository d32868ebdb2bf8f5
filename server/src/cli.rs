//! The command line: argument types and dispatch. Output formats are a
//! contract (scripts read them); they are documented in `docs/server.md`.

use crate::catalog_file::CatalogSource;
use crate::clock::Clock;
use crate::platform::PlatformArgs;
use crate::store::Location;
use crate::{admin, by_hand, ops, rules, serve};
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
    Serve(Box<ServeArgs>),
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
    /// Grant an achievement to a user by hand (cause `granted`, points credited, audited as `cli`).
    Grant(ByHandArgs),
    /// Revoke an earned achievement from a user by hand (points taken back, audited as `cli`).
    Revoke(ByHandArgs),
    /// Import events from a JSON Lines file (one `POST events/` event per line).
    ImportEvents {
        /// The file: one event object per line.
        file: PathBuf,
        #[command(flatten)]
        common: OpsArgs,
    },
    /// Manage webhook endpoints (unlocks POSTed to the platform, signed).
    #[command(subcommand)]
    Webhooks(crate::webhooks::cli::WebhooksCommand),
}

/// `grant` and `revoke`: whose badge, which, and why.
#[derive(Debug, Args)]
pub(crate) struct ByHandArgs {
    #[arg(long, value_name = "NAME")]
    pub user: String,
    #[arg(long, value_name = "KEY")]
    pub achievement: String,
    /// Why (kept in the audit with the actor `cli`).
    #[arg(long, value_name = "TEXT")]
    pub reason: String,
    #[command(flatten)]
    pub common: OpsArgs,
}

/// The database and, optionally, a catalog to load into it first: the
/// commands that write user state.
#[derive(Debug, Args)]
pub(crate) struct OpsArgs {
    /// Catalog file to validate and upsert first, exactly as `load-achievements --catalog FILE`
    /// (same lines printed) [default: none; the catalog stored in the database is used].
    #[arg(long, value_name = "FILE")]
    pub catalog: Option<PathBuf>,
    /// SQLite database file or PostgreSQL URL (postgres://USER:PASSWORD@HOST/DB); it must exist
    /// and hold a catalog, unless --catalog is given (then it is created and migrated if missing).
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
    /// (postgres://USER:PASSWORD@HOST/DB; the tables are created and migrated if missing).
    #[arg(long, value_name = "FILE|URL", default_value = "achievements.db", env = "ACHIEVEMENTS_DB", value_parser = location)]
    pub db: Location,
}

/// The database a command only reads.
#[derive(Debug, Args)]
pub(crate) struct ReadDbArg {
    /// SQLite database file or PostgreSQL URL; it must exist. Opened read-only: never created,
    /// migrated or changed.
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
    #[command(flatten)]
    pub platform: PlatformArgs,
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
    /// Erase a user: every row of theirs, their events and audit included, in one
    /// transaction; the erasure log keeps a salted hash of the name, the time and `cli`.
    Erase {
        name: String,
        /// SQLite database file or PostgreSQL URL; it must exist.
        #[arg(long, value_name = "FILE|URL", default_value = "achievements.db", env = "ACHIEVEMENTS_DB", value_parser = location)]
        db: Location,
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
        /// The token stops working after this long (`30d`, `12h`, `90m`, `1w 2d`) [default: never].
        #[arg(long, value_name = "DURATION", value_parser = duration)]
        expires_in: Option<std::time::Duration>,
        /// The service token may also use the admin API (`/api/v1/admin/`); only with --service.
        #[arg(long, requires = "service", conflicts_with = "user")]
        admin: bool,
        #[command(flatten)]
        db: DbArg,
    },
    /// List tokens, one a line, tab-separated: id, owner, created, last_used, expires, revoked
    /// (`-` for none); never the token itself.
    List {
        /// Only this user's tokens.
        #[arg(long, value_name = "NAME")]
        user: Option<String>,
        #[command(flatten)]
        db: DbArg,
    },
    /// Revoke the token ID (as `tokens list` shows it): refused from then on, by every server.
    Revoke {
        #[arg(value_name = "ID")]
        id: i64,
        #[command(flatten)]
        db: DbArg,
    },
}

/// `--expires-in`: a humantime duration of at least one second.
fn duration(text: &str) -> Result<std::time::Duration, String> {
    let parsed = humantime::parse_duration(text).map_err(|e| format!("{e} (examples: 30d, 12h, 90m)"))?;
    if parsed.as_secs() == 0 {
        return Err("must be at least one second".to_owned());
    }
    Ok(parsed)
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
        Command::Serve(args) => {
            serve::init_tracing();
            let options = serve::ServeOptions {
                db: args.db.db,
                bind: args.bind,
                catalog: CatalogSource::from_arg(args.catalog),
                www: args.www,
                demo: args.demo,
                clock: Clock::system(),
                platform: args.platform.into_options()?,
            };
            let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
            runtime.block_on(serve::serve_until_signal(options))?;
            Ok(ExitCode::SUCCESS)
        }
        command => {
            // One command, one transaction at a time: one thread is enough
            // (SQLite's work runs on its own threads, PostgreSQL's waits).
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            runtime.block_on(run_on_database(command))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Runs a command that works on the database, on either backend.
async fn run_on_database(command: Command) -> anyhow::Result<()> {
    let now = Clock::system().now();
    match command {
        Command::Users(UsersCommand::Add { name, timezone, admin, db }) => {
            admin::add_user(&db.db, &name, &timezone, admin, now).await?;
        }
        Command::Users(UsersCommand::Set { name, public_profile, db }) => {
            if let Some(public) = public_profile {
                admin::set_public_profile(&db.db, &name, public).await?;
            }
        }
        Command::Users(UsersCommand::Erase { name, db }) => by_hand::erase(&db, &name, now).await?,
        Command::Grant(args) => {
            let ByHandArgs { user, achievement, reason, common } = args;
            by_hand::grant(&common.db, common.catalog.as_deref(), &user, &achievement, &reason, now).await?;
        }
        Command::Revoke(args) => {
            let ByHandArgs { user, achievement, reason, common } = args;
            by_hand::revoke(&common.db, common.catalog.as_deref(), &user, &achievement, &reason, now).await?;
        }
        Command::Tokens(TokensCommand::Add { service, user, expires_in, admin, db }) => {
            let expires_at = admin::expiry(expires_in, now)?;
            match (service, user) {
                (Some(service), _) => admin::add_service_token(&db.db, &service, admin, expires_at, now).await?,
                (None, Some(user)) => admin::add_user_token(&db.db, &user, expires_at, now).await?,
                (None, None) => unreachable!("clap requires --service or --user"),
            }
        }
        Command::Tokens(TokensCommand::List { user, db }) => admin::list_tokens(&db.db, user).await?,
        Command::Tokens(TokensCommand::Revoke { id, db }) => admin::revoke_token(&db.db, id, now).await?,
        Command::LoadAchievements(args) => {
            admin::load_achievements(&args.db.db, &CatalogSource::from_arg(args.catalog), now).await?;
        }
        Command::AwardRetroactive { user, common } => {
            ops::award_retroactive(&common.db, common.catalog.as_deref(), user.as_deref(), now).await?;
        }
        Command::Recalculate { user, common } => {
            ops::recalculate(&common.db, common.catalog.as_deref(), &user, now).await?;
        }
        Command::Check { user, db } => ops::check(&db.db, &user, now).await?,
        Command::Debug { user, achievement, db } => ops::debug(&db.db, &user, &achievement, now).await?,
        Command::Stats { from, until, db } => {
            let (from, until) =
                crate::stats::range(from.as_deref(), until.as_deref(), now).map_err(anyhow::Error::msg)?;
            ops::stats(&db.db, from, until).await?;
        }
        Command::ImportEvents { file, common } => {
            ops::import_events(&common.db, common.catalog.as_deref(), &file, now).await?;
        }
        Command::Webhooks(command) => crate::webhooks::cli::run(command, now).await?,
        Command::Rules(_) | Command::Serve(_) => unreachable!("run handles them"),
    }
    Ok(())
}

/// `--db`: a file path or a PostgreSQL URL (see [`Location::parse`]).
fn location(arg: &str) -> Result<Location, std::convert::Infallible> {
    Ok(Location::parse(arg))
}
