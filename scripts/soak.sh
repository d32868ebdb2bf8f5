#!/usr/bin/env bash
# Soak test: a live `achievements serve` (release build, a temporary SQLite
# database, the shipped catalog) under a mixed load for MINUTES minutes
# (default 1; SOAK_SECONDS overrides it to the second), driven by the
# load generator testkit/src/bin/soak-load/ from a second process: events
# single and batched for many users (with deliberate re-sends), reads of
# every route, notification streams coming and going, and `achievements
# award-retroactive` run on the same database meanwhile. It samples the
# server's memory, open files and latency every few seconds.
#
# Fails (exit 1) on growth that does not level off, on any answer outside the
# load's design, on any lost or doubled event, on an error logged by the
# server, or on a server that does not exit 0 on SIGTERM afterwards.
#
# Writes the samples to target/soak/samples.csv and a plot to
# target/soak/samples.svg (SOAK_CSV=FILE and SOAK_SVG=FILE write them there
# instead).
# SOAK_USERS (default 40) sets how many users the load spreads over.
set -euo pipefail
cd "$(dirname "$0")/.."

minutes=${1:-1}
seconds=${SOAK_SECONDS:-$((minutes * 60))}
users=${SOAK_USERS:-40}
out=target/soak
svg=${SOAK_SVG:-$out/samples.svg}
csv=${SOAK_CSV:-$out/samples.csv}
mkdir -p "$out"

cargo build --release --quiet -p achievements-server -p achievements-testkit --bins
bin=target/release/achievements
load=target/release/soak-load

tmp=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

db=$tmp/soak.db
export RUST_LOG=warn
admin=$("$bin" users add soak-admin --admin --db "$db" | tail -n 1)
service=$("$bin" tokens add --service soak-platform --db "$db" | tail -n 1)
: >"$tmp/users"
for i in $(seq 1 "$users"); do
  printf 'soak-user-%s %s\n' "$i" "$("$bin" users add "soak-user-$i" --db "$db" | tail -n 1)" >>"$tmp/users"
done

# Made before the server starts: the redirections below happen in the
# child, and the loop may read before the child has made them.
: >"$tmp/serve.out"
"$bin" serve --db "$db" --bind 127.0.0.1:0 >"$tmp/serve.out" 2>"$tmp/serve.err" &
server_pid=$!
addr=""
for _ in $(seq 1 100); do
  addr=$(sed -n 's/^listening on //p' "$tmp/serve.out")
  [ -n "$addr" ] && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$tmp/serve.err"; echo "soak: server did not start"; exit 1; }
  sleep 0.1
done
[ -n "$addr" ] || { echo "soak: server printed no address"; exit 1; }
echo "soak: server $server_pid on $addr, $users users, $seconds s"

status=0
"$load" --base "$addr" --pid "$server_pid" --service-token "$service" --admin-token "$admin" \
  --users "$tmp/users" --seconds "$seconds" --csv "$csv" --svg "$svg" \
  --achievements "$bin" --db "$db" || status=$?

kill -TERM "$server_pid"
server_status=0
wait "$server_pid" || server_status=$?
server_pid=""
if [ "$server_status" -ne 0 ]; then
  echo "soak: FAIL: the server exited $server_status on SIGTERM"
  status=1
fi
if grep -E 'ERROR|panicked' "$tmp/serve.err"; then
  echo "soak: FAIL: the server logged errors (above)"
  status=1
fi
echo "soak: samples in $csv, plot in $svg, database $(du -h "$db" | cut -f1)"
exit "$status"
