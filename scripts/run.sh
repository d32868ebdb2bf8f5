#!/usr/bin/env bash
# The main job: validate the shipped catalog and run its rule scenarios.
# (Becomes "serve the API and web page with a demo user" once the server lands.)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run --release --quiet -p achievements-server -- rules validate fixtures/achievements.json
cargo run --release --quiet -p achievements-server -- rules test fixtures/scenarios
