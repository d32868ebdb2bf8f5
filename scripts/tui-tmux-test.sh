#!/usr/bin/env bash
# The terminal app in a real terminal: tmux runs it, sends keys, reads the
# screen back and checks it; then q, and the terminal must be restored
# (raw mode off, alternate screen left, same stty settings as before).
#
#   1. local rules mode (shipped catalog + a state file): browse, tabs,
#      search, filter, sort, details, help, "what would unlock?";
#   2. the same with --ascii;
#   3. a panic (hidden test flag): the terminal is restored all the same;
#   4. against a real `achievements serve --demo`: sync, then the server is
#      stopped and the app says it is offline and keeps the data.
#
# Installs tmux with apt-get when it is missing. Respects CARGO_TARGET_DIR.
# Exits non-zero, with the screen it saw, on the first failed check.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

log() { printf 'tui-tmux-test: %s\n' "$*" >&2; }

if ! command -v tmux >/dev/null; then
    log "installing tmux"
    sudo=""
    if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends tmux >/dev/null
fi

log "building"
cargo build --quiet -p achievements-tui -p achievements-server
target_dir="${CARGO_TARGET_DIR:-$root/target}"
tui="$target_dir/debug/achievements-tui"
server_bin="$target_dir/debug/achievements"

work=$(mktemp -d)
socket="tui-test-$$-0"
runs=0
server_pid=""
cleanup() {
    tmux -L "$socket" kill-server 2>/dev/null || true
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

t() { tmux -L "$socket" "$@"; }
screen() { t capture-pane -p -t app; }

fail() {
    log "FAILED: $*"
    log "the screen was:"
    screen >&2 || true
    exit 1
}

# Waits until the screen shows $1 (a fixed string), up to 15 s.
expect() {
    local deadline=$((SECONDS + 15))
    while ! screen | grep -qF -- "$1"; do
        if [ $SECONDS -ge $deadline ]; then fail "expected to see: $1"; fi
        sleep 0.1
    done
}

# Fails if the screen shows $1 now.
refute() {
    if screen | grep -qF -- "$1"; then fail "did not expect to see: $1"; fi
}

keys() { t send-keys -t app "$@"; }
# Escape on its own: followed at once by a key, the terminal would read
# the pair as Alt+key.
esc() { keys Escape; sleep 0.3; }

# Starts the app in a fresh tmux session; the shell around it records the
# tty settings before and after, and the exit status.
start() {
    # A fresh tmux server per run: reusing one right after kill-server races
    # with its shutdown ("server exited unexpectedly").
    t kill-server 2>/dev/null || true
    runs=$((runs + 1))
    socket="tui-test-$$-$runs"
    cat >"$work/run.sh" <<EOF
stty -g >"$work/stty.before"
"$tui" $*
echo "EXIT=\$?"
stty -g >"$work/stty.after"
if cmp -s "$work/stty.before" "$work/stty.after"; then echo TTY-RESTORED; else echo TTY-CHANGED; fi
sleep 600
EOF
    t new-session -d -s app -x 100 -y 30 \
        "env COLORTERM=truecolor XDG_CONFIG_HOME=$work/config XDG_DATA_HOME=$work/data bash $work/run.sh"
}

# After the app exits: the status, the tty settings, and the alternate
# screen must be back to normal.
check_restored() {
    local status=$1
    expect "EXIT=$status"
    expect "TTY-RESTORED"
    [ "$(t display -p -t app '#{alternate_on}')" = 0 ] || fail "still on the alternate screen"
    [ "$(t display -p -t app '#{cursor_flag}')" = 1 ] || fail "the cursor is still hidden"
}

cat >"$work/state.json" <<'EOF'
{"timezone":"UTC",
 "stats":{"project_count":7,"battle_count":4,"battle_wins":1,"helpful_actions":3,"login_count":5,"total_points":45},
 "earned":{"first_project":{"earned_at":"2026-03-01T10:00:00Z","progress_at_unlock":1,"cause":"event"},
           "5_projects":{"earned_at":"2026-03-10T10:00:00Z","progress_at_unlock":5,"cause":"event"},
           "first_battle":{"earned_at":"2026-03-11T10:00:00Z","progress_at_unlock":1,"cause":"event"}}}
EOF

# --- 1. local rules mode --------------------------------------------------
log "local rules mode"
start --catalog fixtures/achievements.json --state "$work/state.json"
expect "Achievements"
expect "local rules mode"
expect "First Launch"
expect "3/23 earned"
expect "? ???"                      # the secret badge, not yet earned
keys l
expect "Projects · filter all"
expect "Power User"
refute "Battle Ready"
keys 0 / b a t t l e
expect "Search: battle"
keys Enter
expect "Battle Legend"
refute "First Launch"
esc
expect "First Launch"
keys f
expect "filter earned"
refute "Power User"
keys f f s
expect "sort progress"
keys s s s s g Enter
expect "Criteria"
esc
keys '?'
expect "Keys"
expect "what would unlock?"
esc
keys p
expect "What would unlock?"
expect "Changes"
esc
refute "What would unlock?"
keys q
check_restored 0
screen | grep -qF "First Launch" && fail "the app's screen is still shown after q"

# --- 2. ASCII ---------------------------------------------------------------
log "--ascii"
start --catalog fixtures/achievements.json --state "$work/state.json" --ascii --color none
expect "T Achievements local | "
expect "############"
refute "█"
keys q
check_restored 0

# --- 3. a panic ----------------------------------------------------------------
log "panic"
start --catalog fixtures/achievements.json --panic-after-first-frame
expect "EXIT=101"
expect "a test panic after the first frame"
check_restored 101

# --- 4. against a real server --------------------------------------------------
log "against achievements serve --demo"
"$server_bin" serve --demo --bind 127.0.0.1:0 --db "$work/server.db" >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
for _ in $(seq 1 300); do
    grep -q "^listening on " "$work/server.out" 2>/dev/null && break
    sleep 0.1
done
grep -q "^listening on " "$work/server.out" || { cat "$work/server.err" >&2; fail "the server did not start"; }
url=$(sed -n 's/^listening on //p' "$work/server.out")
token=$(sed -n 's/^demo token: //p' "$work/server.out")
[ -n "$token" ] || fail "no demo token in the server's output"
start --server "$url" --token "$token"
expect "demo"
expect "synced"
expect "First Launch"
kill "$server_pid"
wait "$server_pid" 2>/dev/null || true
server_pid=""
keys r
expect "OFFLINE"
expect "First Launch"
keys q
check_restored 0

# The cache written above now works with no server at all.
start --offline
expect "offline · cached"
expect "First Launch"
keys q
check_restored 0

log "all checks passed"
