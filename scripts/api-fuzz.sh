#!/usr/bin/env bash
# API fuzzing from the server's own OpenAPI document: schemathesis generates
# requests for every documented route and checks each answer (no 5xx, a
# documented status code, a body matching the documented schema, ...).
#
#   scripts/api-fuzz.sh [EXAMPLES]     (default 100 examples per route)
#
# A real `achievements serve` (debug build) on a free loopback port, over a
# temporary SQLite file with the shipped catalog and the demo user's history,
# is fuzzed once per kind of caller: a user, an admin, a platform service and
# an anonymous client (each sees different routes answer 200, 401 or 403).
# Any schemathesis failure fails the script. schemathesis is installed from
# PyPI into target/apifuzz-venv (git-ignored) when missing.
#
# The notifications stream (`GET notifications/stream/`) is not fuzzed: it is
# server-sent events that never end by design, so every case would be a
# timeout; tests/openapi.rs and tests/notifications.rs cover it.
set -euo pipefail
cd "$(dirname "$0")/.."
examples=${1:-100}

venv=target/apifuzz-venv
if ! "$venv/bin/schemathesis" --version >/dev/null 2>&1; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet 'schemathesis>=4.32,<5'
fi

cargo build --quiet -p achievements-server
bin=target/debug/achievements

work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid"
    wait "$server_pid" || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
export ACHIEVEMENTS_DB="$work/fuzz.db"

# The tokens before the server starts: the commands create and migrate the
# file, and each prints its token alone on the last line.
user=$("$bin" users add fuzz_user --timezone Europe/Paris | tail -n 1)
admin=$("$bin" users add fuzz_admin --admin | tail -n 1)
service=$("$bin" tokens add --service fuzz_platform | tail -n 1)

# --demo gives the database a user with events, badges and notifications, so
# the user routes answer with full bodies, not only empty lists.
RUST_LOG=warn "$bin" serve --demo --bind 127.0.0.1:0 >"$work/serve.log" 2>&1 &
server_pid=$!
addr=""
for _ in $(seq 1 300); do
  addr=$(sed -n 's/^listening on //p' "$work/serve.log")
  [ -n "$addr" ] && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/serve.log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$addr" ] || { echo "server did not start" >&2; cat "$work/serve.log" >&2; exit 1; }
echo "server at $addr (examples per route: $examples)"

failed=0
fuzz() {
  local caller=$1
  shift
  echo
  echo "--- caller: $caller"
  local start=$SECONDS
  if ! "$venv/bin/schemathesis" --config-file scripts/api-fuzz.toml run "$addr/api/v1/openapi.json" "$@" \
    --exclude-path /api/v1/notifications/stream/ \
    --checks all --max-examples "$examples" --seed 1 \
    --request-timeout 10 --no-color; then
    failed=1
  fi
  echo "--- caller: $caller: $((SECONDS - start)) s"
}
fuzz user -H "Authorization: Bearer $user"
# Not `DELETE admin/tokens/{id}/` as the admin: a generated id would revoke
# the fuzzing tokens themselves (tests/tokens.rs covers the route); the other
# callers still call it (401/403).
fuzz admin -H "Authorization: Bearer $admin" --exclude-path '/api/v1/admin/tokens/{id}/'

fuzz service -H "Authorization: Bearer $service"
fuzz anonymous

if grep -E ' (ERROR|panicked)' "$work/serve.log" >&2; then
  echo "the server logged errors (above)" >&2
  failed=1
fi
[ "$failed" = 0 ] && echo "api fuzz: no failures" || echo "api fuzz: FAILED" >&2
exit "$failed"
