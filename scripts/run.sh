#!/usr/bin/env bash
# The main job: the achievements server with its web page, on an embedded
# SQLite file (./achievements.db), the shipped catalog loaded, and a demo user
# whose one-click sign-in link it prints. Builds what is missing first (the
# WASM module and the page: npm packages, wasm-pack). Extra arguments go to
# `achievements serve` (e.g. --bind 127.0.0.1:9000, --db FILE).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/www-build.sh
cargo build --release --quiet -p achievements-server
# Pass the server's lines through; once both the demo token and the address
# are known, add the link that opens the page signed in as the demo user.
cargo run --release --quiet -p achievements-server -- serve --demo --www www/dist "$@" | awk '
  { print; fflush() }
  /^demo token: / { token = $3 }
  /^listening on / { addr = $3 }
  token && addr && !shown { print "open the web page: " addr "/#token=" token; fflush(); shown = 1 }'
