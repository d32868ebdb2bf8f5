//! The real `achievements serve` as a child process on port 0.

use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// The `achievements` binary as a [`Command`].
///
/// A macro, not a function: Cargo tells where it built the binary only to
/// the server's own integration tests and benches, at compile time
/// (`CARGO_BIN_EXE_achievements`), so the path must be read in their crate.
/// Anywhere else this fails to compile, saying the variable is not defined.
#[macro_export]
macro_rules! binary {
    () => {
        ::std::process::Command::new(::std::env!("CARGO_BIN_EXE_achievements"))
    };
}

/// `achievements serve --bind 127.0.0.1:0 --db <db>` running as a child
/// process. Dropping it kills the process (SIGKILL) and reaps it.
#[derive(Debug)]
pub struct ServeProcess {
    /// Where it listens, read from its `listening on` line.
    pub addr: SocketAddr,
    /// The lines it printed on standard output before `listening on`
    /// (`--demo` prints its user and token there).
    pub printed: Vec<String>,
    child: Child,
}

impl ServeProcess {
    /// Starts `binary` (see [`binary!`]) as `serve` over `db` (an SQLite
    /// file or a PostgreSQL URL), with `extra`
    /// arguments, and waits until it listens. Its standard error is the
    /// test's; `RUST_LOG=warn`.
    pub fn spawn(mut binary: Command, db: impl AsRef<OsStr>, extra: &[&str]) -> Self {
        let mut child = binary
            .args(["serve", "--bind", "127.0.0.1:0", "--db"])
            .arg(db.as_ref())
            .args(extra)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("`achievements serve` starts");
        let stdout = child.stdout.take().expect("the child's standard output is piped");
        // Owned from here, so the child is killed if the start fails below.
        let mut process = ServeProcess { addr: SocketAddr::from(([127, 0, 0, 1], 0)), printed: Vec::new(), child };
        let mut lines = BufReader::new(stdout).lines();
        loop {
            let line = lines
                .next()
                .expect("`achievements serve` printed `listening on` before exiting")
                .expect("its standard output reads as text");
            if let Some(addr) = line.strip_prefix("listening on http://") {
                process.addr = addr.parse().unwrap_or_else(|e| panic!("`{line}`: {e}"));
                // Keep draining stdout so the child never blocks on a full pipe.
                std::thread::spawn(move || lines.for_each(drop));
                return process;
            }
            process.printed.push(line);
        }
    }

    /// The process id (to send it a signal).
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// The server's URL for `path` (`/api/v1/...`).
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Kills the process with SIGKILL (no chance to clean up) and reaps it.
    pub fn kill(mut self) {
        self.child.kill().expect("SIGKILL reaches the server");
        self.child.wait().expect("the killed server is reaped");
    }

    /// Sends SIGTERM (a graceful stop) and returns the exit status, which
    /// must come within `limit`.
    pub fn terminate(mut self, limit: Duration) -> ExitStatus {
        let sent = Command::new("kill").args(["-TERM", &self.id().to_string()]).status().expect("`kill` runs");
        assert!(sent.success(), "kill -TERM {}: {sent}", self.id());
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("the server's status reads") {
                return status;
            }
            assert!(start.elapsed() < limit, "the server did not stop within {limit:?}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
