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
# (A shell loop, not awk: Debian's mawk reads a pipe in blocks, so the lines
# would wait until the server exits.)
token="" addr="" shown=""
cargo run --release --quiet -p achievements-server -- serve --demo --www www/dist "$@" |
  while IFS= read -r line; do
    printf '%s\n' "$line"
    case $line in
      "demo token: "*) token=${line#demo token: } ;;
      "listening on "*) addr=${line#listening on } ;;
    esac
    if [ -n "$token" ] && [ -n "$addr" ] && [ -z "$shown" ]; then
      printf 'open the web page: %s/#token=%s\n' "$addr" "$token"
      shown=1
    fi
  done
