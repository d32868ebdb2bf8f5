//! The command line: the interface (default), `login`, `logout` and `sync`.
//! This is the binary's edge: it reads the environment and the clock,
//! wires the pieces of the library together and reports errors (anyhow).

use achievements_tui::app::{App, Link, Settings};
use achievements_tui::badges::{Badge, Board};
use achievements_tui::cache::Cache;
use achievements_tui::config::{self, Config, Paths, Source};
use achievements_tui::dataset::{Dataset, Origin};
use achievements_tui::event::InputThread;
use achievements_tui::glyphs::Glyphs;
use achievements_tui::http::{HttpTransport, ServerUrl};
use achievements_tui::palette::ColorMode;
use achievements_tui::resource::Resource;
use achievements_tui::run::run_loop;
use achievements_tui::sync::{self, Transport};
use achievements_tui::terminal::TerminalGuard;
use achievements_tui::wire;
use achievements_tui::worker::{Remote, Schedule, SyncThread, first_frame};
use anyhow::{Context as _, bail};
use clap::{Parser, Subcommand, ValueEnum};
use jiff::Timestamp;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::mpsc;
use std::time::Duration;

const AFTER_HELP: &str = "\
Examples:
  achievements-tui login --server http://127.0.0.1:8000 --token TOKEN
  achievements-tui                      browse (syncs in the background)
  achievements-tui --offline            browse the cache only
  achievements-tui --catalog fixtures/achievements.json --state state.json
                                        local rules mode: no server at all

Press ? in the app for every key.";

#[derive(Debug, Parser)]
#[command(name = "achievements-tui", version, about = "Browse your achievements in a terminal, online or offline.")]
#[command(after_help = AFTER_HELP)]
struct Cli {
    /// The server's base URL (default: the one saved by `login`).
    #[arg(long, env = "ACHIEVEMENTS_SERVER", value_name = "URL")]
    server: Option<String>,
    /// Your API token (default: the one saved by `login`).
    #[arg(long, env = "ACHIEVEMENTS_TOKEN", value_name = "TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// The SQLite cache file [default: $XDG_DATA_HOME/achievements-tui/cache.sqlite].
    #[arg(long, value_name = "FILE")]
    cache: Option<PathBuf>,
    /// Do not contact the server: browse the cache.
    #[arg(long)]
    offline: bool,
    /// Plain ASCII: no Unicode glyphs, gauges or borders.
    #[arg(long)]
    ascii: bool,
    /// Colours: auto (COLORTERM / NO_COLOR decide), truecolor, 256, none.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    color: ColorChoice,
    /// Local rules mode: browse this catalog file, no server or cache.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["offline", "cache", "server"])]
    catalog: Option<PathBuf>,
    /// With --catalog: a user state (a core StateSnapshot JSON file).
    #[arg(long, value_name = "FILE", requires = "catalog")]
    state: Option<PathBuf>,
    /// Test hook: panic right after the first frame (proves the terminal
    /// is restored on panic).
    #[arg(long, hide = true)]
    panic_after_first_frame: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check a server and token, and save them for next time.
    Login {
        /// The server's base URL, e.g. http://127.0.0.1:8000.
        #[arg(long, value_name = "URL")]
        server: String,
        /// The token `achievements users add` (or `serve --demo`) printed.
        #[arg(long, value_name = "TOKEN")]
        token: String,
        /// Save without checking that the server accepts the token.
        #[arg(long)]
        no_verify: bool,
    },
    /// Forget the saved server and token.
    Logout,
    /// Sync once, print a summary and exit (no interface).
    Sync,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum ColorChoice {
    Auto,
    Truecolor,
    #[value(name = "256")]
    Ansi256,
    None,
}

pub(crate) fn main() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Login { ref server, ref token, no_verify }) => login(server, token, no_verify),
        Some(Command::Logout) => logout(),
        Some(Command::Sync) => sync_once(&cli),
        None => interactive(&cli),
    }
}

fn config_path() -> anyhow::Result<PathBuf> {
    Ok(Paths::from_env()?.config_file)
}

fn login(server: &str, token: &str, no_verify: bool) -> anyhow::Result<ExitCode> {
    let url = ServerUrl::parse(server)?;
    let token = token.trim();
    if token.is_empty() {
        bail!("the token is empty");
    }
    let path = config_path()?;
    let mut user = None;
    if !no_verify {
        let transport = HttpTransport::new(url.clone(), Some(token.to_owned()))?;
        let response = transport
            .get(Resource::Me.path(), None)
            .map_err(|e| anyhow::anyhow!("cannot reach {url}: {e} (use --no-verify to save anyway)"))?;
        match response.status {
            200 => {
                let me: wire::Me = serde_json::from_str(&response.body)
                    .with_context(|| format!("{url} does not look like an achievements server"))?;
                user = Some(me.name);
            }
            401 | 403 => bail!(
                "{url} refused the token: {}",
                wire::error_detail(&response.body).unwrap_or_else(|| format!("HTTP {}", response.status))
            ),
            status => bail!("{url}{} answered HTTP {status}; is it an achievements server?", Resource::Me.path()),
        }
    }
    Config { server: Some(url.to_string()), token: Some(token.to_owned()) }.save(&path)?;
    match user {
        Some(name) => println!("Logged in to {url} as {name}."),
        None => println!("Saved {url} without checking it."),
    }
    println!("Saved to {} (readable only by you). Run `achievements-tui` to browse.", path.display());
    Ok(ExitCode::SUCCESS)
}

fn logout() -> anyhow::Result<ExitCode> {
    let path = config_path()?;
    match std::fs::remove_file(&path) {
        Ok(()) => println!("Forgot the server and token ({} removed).", path.display()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => println!("Not logged in."),
        Err(e) => return Err(e).with_context(|| format!("cannot remove {}", path.display())),
    }
    Ok(ExitCode::SUCCESS)
}

/// The server, token and cache file to use.
struct Target {
    server: Option<ServerUrl>,
    token: Option<String>,
    cache: PathBuf,
}

fn target(cli: &Cli) -> anyhow::Result<Target> {
    let paths = Paths::from_env();
    let file = match &paths {
        Ok(paths) => Config::load(&paths.config_file)?,
        Err(_) => Config::default(),
    };
    let connection = config::resolve(cli.server.clone(), cli.token.clone(), &file);
    let server = connection
        .server
        .map(|(text, source)| {
            ServerUrl::parse(&text).with_context(|| match source {
                Source::Argument => "check --server or ACHIEVEMENTS_SERVER".to_owned(),
                Source::ConfigFile => "check the config file, or run `achievements-tui login` again".to_owned(),
            })
        })
        .transpose()?;
    let cache = match (&cli.cache, paths) {
        (Some(file), _) => file.clone(),
        (None, Ok(paths)) => paths.cache_file,
        (None, Err(e)) => return Err(e.into()),
    };
    Ok(Target { server, token: connection.token.filter(|t| !t.trim().is_empty()), cache })
}

fn sync_once(cli: &Cli) -> anyhow::Result<ExitCode> {
    if cli.catalog.is_some() || cli.offline {
        bail!("`sync` needs a server: it does not combine with --catalog or --offline");
    }
    let target = target(cli)?;
    let Some(server) = target.server else {
        bail!("no server: pass --server URL (or ACHIEVEMENTS_SERVER), or run `achievements-tui login` first");
    };
    let (mut cache, rebuilt) = Cache::open(&target.cache)?;
    if let Some(rebuilt) = rebuilt {
        eprintln!("{rebuilt}");
    }
    let transport = HttpTransport::new(server.clone(), target.token.clone())?;
    let now = Timestamp::now();
    let report = sync::run(&mut cache, &transport, target.token.is_some(), now)?;
    let data = achievements_tui::worker::ready(&mut cache, report.generation, now)?;
    let board = Board::build(&data, now, report.generation.saturating_sub(1));
    let (earned, total) = board.counts(None);
    let who = data.user.as_ref().map_or_else(|| "anonymously".to_owned(), |u| format!("as {}", u.name));
    println!(
        "Synced with {server} {who}: {earned}/{total} badges earned; {} requests, {} bytes{}.",
        report.requests,
        report.bytes,
        if report.catalog_unchanged { ", catalog unchanged" } else { "" }
    );
    for badge in board.badges.iter().filter(|b| b.is_new) {
        println!("  new: {}", badge.name);
    }
    for problem in &data.problems {
        eprintln!("warning: {problem}");
    }
    println!("Cache: {}", target.cache.display());
    Ok(ExitCode::SUCCESS)
}

fn settings(cli: &Cli) -> Settings {
    let colors = match cli.color {
        ColorChoice::Auto => ColorMode::from_env(),
        ColorChoice::Truecolor => ColorMode::TrueColor,
        ColorChoice::Ansi256 => ColorMode::Ansi256,
        ColorChoice::None => ColorMode::Mono,
    };
    Settings { glyphs: Glyphs::new(cli.ascii), colors }
}

fn interactive(cli: &Cli) -> anyhow::Result<ExitCode> {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        bail!("the interface needs a terminal; in scripts, use `achievements-tui sync`");
    }
    let settings = settings(cli);
    let (events, inbox) = mpsc::channel();

    // Everything that can fail before the terminal is taken over.
    let start = match &cli.catalog {
        Some(catalog) => Start::Local(Box::new(Dataset::local(catalog, cli.state.as_deref())?)),
        None => {
            let target = target(cli)?;
            let mut notices = Vec::new();
            let (cache, header, board) = open_cache(&target, &mut notices);
            let link = match (&target.server, cli.offline) {
                (_, true) => Link::Offline,
                (None, false) => Link::NoServer,
                (Some(_), false) => Link::Server,
            };
            let remote = match (&target.server, link) {
                (Some(server), Link::Server) => {
                    if let Origin::Server { url: Some(cached) } = &header.origin
                        && cached != server.as_str()
                    {
                        notices.push((
                            format!("The cache holds {cached}'s data; syncing with {server} replaces it."),
                            false,
                        ));
                    }
                    Some(Remote {
                        transport: Box::new(HttpTransport::new(server.clone(), target.token.clone())?),
                        authenticated: target.token.is_some(),
                        schedule: Schedule::default(),
                    })
                }
                _ => None,
            };
            Start::Cached(Box::new(Cached { cache, header, board, link, remote, notices }))
        }
    };

    let mut guard = TerminalGuard::enter().context("cannot set up the terminal")?;
    let size = guard.terminal.size()?;
    let size = (size.width, size.height);
    let (mut app, cache_thread) = match start {
        Start::Local(data) => (App::new(*data, settings, Link::Local, Timestamp::now(), size), None),
        Start::Cached(cached) => {
            let Cached { cache, header, board, link, remote, notices } = *cached;
            let mut app = App::loading(header, Board::from_sorted(board), settings, link, Timestamp::now(), size);
            for (text, warning) in notices {
                if warning { app.warn(text) } else { app.inform(text) }
            }
            (app, Some(SyncThread::spawn(cache, remote, events.clone(), Timestamp::now)?))
        }
    };
    if cli.panic_after_first_frame {
        guard.terminal.draw(|frame| achievements_tui::ui::render(&app, frame))?;
        panic!("--panic-after-first-frame: a test panic after the first frame");
    }
    let input = InputThread::spawn(events, Duration::from_secs(1));
    let result = run_loop(&mut guard.terminal, &mut app, &inbox, || {
        if let Some(thread) = &cache_thread {
            thread.sync_now();
        }
    });
    input.stop();
    if let Some(thread) = cache_thread {
        thread.stop(Duration::from_millis(500));
    }
    drop(guard);
    result?;
    Ok(ExitCode::SUCCESS)
}

/// What the interface starts from.
enum Start {
    Local(Box<Dataset>),
    Cached(Box<Cached>),
}

/// Browsing the cache, with or without a server.
struct Cached {
    cache: Cache,
    header: Dataset,
    board: Vec<Badge>,
    link: Link,
    remote: Option<Remote>,
    notices: Vec<(String, bool)>,
}

/// Opens the cache and reads what the first frame needs (who, when, the
/// cached list), rebuilding the cache (with a message) when it cannot be
/// used, and falling back to memory when no file works.
fn open_cache(target: &Target, notices: &mut Vec<(String, bool)>) -> (Cache, Dataset, Vec<Badge>) {
    let origin = Origin::Server { url: target.server.as_ref().map(ToString::to_string) };
    let cache = match Cache::open(&target.cache) {
        Ok((cache, rebuilt)) => {
            if let Some(rebuilt) = rebuilt {
                notices.push((rebuilt.to_string(), true));
            }
            Some(cache)
        }
        Err(e) => {
            notices.push((format!("{e}; running without an offline cache"), true));
            None
        }
    };
    let Some(cache) = cache.or_else(|| Cache::open_in_memory().ok()) else {
        return (in_memory_or_exit(), Dataset::empty(origin), vec![]);
    };
    match first_frame(cache, origin) {
        Ok(frame) => {
            notices.extend(frame.notice.map(|notice| (notice, true)));
            (frame.cache, frame.header, frame.board)
        }
        Err(e) => {
            eprintln!("achievements-tui: the cache is unusable and SQLite cannot work in memory: {e}");
            std::process::exit(1);
        }
    }
}

fn in_memory_or_exit() -> Cache {
    match Cache::open_in_memory() {
        Ok(cache) => cache,
        Err(e) => {
            eprintln!("achievements-tui: SQLite is unusable: {e}");
            std::process::exit(1);
        }
    }
}
