#!/usr/bin/env bash
# The main job: the achievements server on an embedded SQLite file
# (./achievements.db), with the shipped catalog loaded and a demo user whose
# token it prints. Extra arguments go to `achievements serve` (e.g. --bind).
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo run --release --quiet -p achievements-server -- serve --demo "$@"
