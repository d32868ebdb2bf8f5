#!/usr/bin/env bash
# Sets up what a fresh machine lacks, then runs every test of the project.
# The Rust test run comes last: its closing line is the verdict CI reads.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "toolchain"
if command -v rustup >/dev/null; then
  rustup target add wasm32-unknown-unknown >/dev/null
fi

step "core builds for wasm32 (proves it does no I/O)"
cargo build --quiet -p achievements-core --target wasm32-unknown-unknown

step "shipped fixtures through the CLI"
cargo run --quiet -p achievements-server -- rules validate fixtures/achievements.json
cargo run --quiet -p achievements-server -- rules validate fixtures/catalogs/winter-event.json
cargo run --quiet -p achievements-server -- rules test fixtures/scenarios

step "Rust tests (unit, scenarios, properties, CLI)"
cargo test --workspace
