#!/usr/bin/env bash
# End-to-end tests of the web page in real headless Chromium against a real
# server with a temporary database:
#   1. installs Debian's chromium if missing (apt-get, as root);
#   2. builds the page (scripts/www-build.sh: npm ci, WASM, tsc --noEmit, vite);
#   3. builds and starts `achievements serve --bind 127.0.0.1:0 --www www/dist`
#      on a temp database, with a user (Europe/Paris) and a service token;
#   4. runs `node --test www/tests/` (playwright-core driving /usr/bin/chromium).
# The server is killed on exit, failure included. Everything is time-bounded.
#
#   scripts/www-test.sh            # full run
#   WWW_SKIP_BUILD=1 scripts/www-test.sh    # reuse www/dist
#   ACHIEVEMENTS_BIN=path scripts/www-test.sh   # use this server binary instead of building one
# Screenshots: www/screenshots/ (gitignored). Browser figures: $WWW_BENCH_OUT
# (default www/test-results/bench.json).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
log() { printf 'www-test: %s\n' "$*" >&2; }

# --- chromium ----------------------------------------------------------------
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
    log "installing chromium (apt-get)"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    timeout 600 $sudo apt-get update
    DEBIAN_FRONTEND=noninteractive timeout 600 $sudo apt-get install -y --no-install-recommends chromium
fi
export CHROMIUM

# --- build -------------------------------------------------------------------
if [ "${WWW_SKIP_BUILD:-}" != 1 ] || [ ! -f www/dist/index.html ]; then
    timeout 1800 scripts/www-build.sh
fi
[ -x www/node_modules/.bin/tsc ] || (cd www && npm ci --no-audit --no-fund)
log "tsc --noEmit over www/src"
(cd www && node_modules/.bin/tsc --noEmit -p .)

if [ -n "${ACHIEVEMENTS_BIN:-}" ]; then
    bin=$ACHIEVEMENTS_BIN
else
    log "building the server (cargo build -p achievements-server)"
    timeout 1200 cargo build -q -p achievements-server
    bin="${CARGO_TARGET_DIR:-$root/target}/debug/achievements"
fi

# --- server ------------------------------------------------------------------
tmp=$(mktemp -d)
server_pid=""
cleanup() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

db="$tmp/achievements.db"
user_token=$("$bin" users add alice --timezone Europe/Paris --db "$db" | tail -n 1)
service_token=$("$bin" tokens add --service e2e --db "$db" | tail -n 1)

"$bin" serve --bind 127.0.0.1:0 --db "$db" --www www/dist >"$tmp/server.out" 2>"$tmp/server.err" &
server_pid=$!
addr=""
for _ in $(seq 300); do
    addr=$(sed -n 's/.*listening on http:\/\/\([^ ]*\).*/\1/p' "$tmp/server.out" | head -n 1)
    [ -n "$addr" ] && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$tmp/server.err" >&2; log "the server exited"; exit 1; }
    sleep 0.1
done
[ -n "$addr" ] || { cat "$tmp/server.err" >&2; log "the server did not start within 30 s"; exit 1; }
log "server on http://$addr (pid $server_pid)"

# --- tests -------------------------------------------------------------------
mkdir -p www/test-results
export WWW_BASE_URL="http://$addr" WWW_USER=alice WWW_USER_TOKEN="$user_token" WWW_SERVICE_TOKEN="$service_token"
export WWW_BENCH_OUT="${WWW_BENCH_OUT:-$root/www/test-results/bench.json}"
export WWW_SCREENSHOTS="${WWW_SCREENSHOTS:-$root/www/screenshots}"
status=0
timeout 600 node --test --test-concurrency=1 --test-timeout=120000 www/tests/ || status=$?
if [ "$status" -ne 0 ]; then
    log "FAILED (server log follows)"
    tail -n 40 "$tmp/server.err" >&2 || true
fi
exit "$status"
