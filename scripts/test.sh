#!/usr/bin/env bash
# Sets up what a fresh machine lacks, then runs every test of the project.
# Each stage installs its own tools when missing (the wasm32 target,
# wasm-pack and wasm-bindgen-cli, npm packages, Chromium, tmux, schemathesis in a venv,
# PostgreSQL). The Rust test run comes last, once on SQLite and once more for
# the server's suite on PostgreSQL: its closing line is the verdict CI reads.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "toolchain"
if command -v rustup >/dev/null; then
  rustup target add wasm32-unknown-unknown >/dev/null
fi

step "core builds for wasm32, with and without the time-zone database (proves it does no I/O)"
cargo build --quiet -p achievements-core --target wasm32-unknown-unknown
cargo build --quiet -p achievements-core --target wasm32-unknown-unknown --no-default-features

step "shipped fixtures through the CLI"
cargo run --quiet -p achievements-server -- rules validate fixtures/achievements.json
cargo run --quiet -p achievements-server -- rules validate fixtures/catalogs/winter-event.json
cargo run --quiet -p achievements-server -- rules test fixtures/scenarios

step "WASM module: wasm-bindgen tests, TypeScript types, Node parity with the native runner"
scripts/wasm-test.sh

step "web page: end to end in headless Chromium against a real server"
scripts/www-test.sh

step "terminal app in a real terminal (tmux)"
scripts/tui-tmux-test.sh

step "coverage-guided fuzzing: every fuzz target for 10 s, fails on any crash"
# cargo-fuzz on the nightly toolchain of the machine image (or stable with
# RUSTC_BOOTSTRAP=1); longer runs: scripts/fuzz.sh SECONDS.
scripts/fuzz.sh "${FUZZ_SECONDS:-10}"

step "soak: a live release server under mixed load for 1 minute (memory, open files, lost or doubled events)"
scripts/soak.sh 1

step "API fuzzing: schemathesis against openapi.json, as a user, an admin, a service and anonymous (10 examples per route)"
scripts/api-fuzz.sh 10

step "PostgreSQL for the tests (started, or installed, here; each test makes and drops a database of its own)"
ACHIEVEMENTS_TEST_POSTGRES=$(scripts/postgres.sh)
export ACHIEVEMENTS_TEST_POSTGRES

step "Rust tests (unit, scenarios, properties, CLI, server over HTTP, terminal app, cross-crate), then the server's suite on PostgreSQL"
# Three runs, each ending in cargo's summaries; the script ends with one
# total line, since the last of cargo's own is a doc-test binary with nothing
# in it, which reads as if no test ran.
#
# The server's suite runs twice (SQLite, then PostgreSQL) with one and the
# same package selection, so the second run reuses the first one's
# executables: Cargo unifies features over the packages it is asked for, and
# `--workspace` (which brings the WebAssembly crate's features into the core)
# would compile every server test executable a second time.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
server_suite=(-p achievements-server -p achievements-tests)
cargo test "${server_suite[@]}" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
printf '\n==> the server over HTTP, and the cross-crate tests, on PostgreSQL (ACHIEVEMENTS_TEST_BACKEND=postgres)\n'
ACHIEVEMENTS_TEST_BACKEND=postgres cargo test "${server_suite[@]}" --tests 2>&1 | tee -a "$log"
pg_status=${PIPESTATUS[0]}
[ "$status" -ne 0 ] || status=$pg_status
printf '\n==> the rest of the workspace: the core, the terminal app, the test kit, the WebAssembly adapter (native)\n'
cargo test --workspace --exclude achievements-server --exclude achievements-tests 2>&1 | tee -a "$log"
rest_status=${PIPESTATUS[0]}
[ "$status" -ne 0 ] || status=$rest_status
set -e
passed=$(grep -Eo 'test result: [A-Za-z]+\. [0-9]+ passed' "$log" | awk '{n += $4} END {print n + 0}')
failed=$(grep -Eo 'test result: [A-Za-z]+\. [0-9]+ passed; [0-9]+ failed' "$log" | awk '{n += $6} END {print n + 0}')
echo
echo "rust: $passed passed, $failed failed"
exit "$status"
