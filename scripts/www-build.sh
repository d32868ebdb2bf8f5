#!/usr/bin/env bash
# Builds the web page: www/ -> www/dist, served by `achievements serve --www www/dist`.
#   1. npm ci in www/ when node_modules is missing (or older than the lock file);
#   2. scripts/wasm-build.sh (the WASM module -> wasm/pkg; a no-op when up to date);
#   3. tsc --noEmit over www/src, then vite build.
# Needs rustup, cargo, node and npm. Respects CARGO_TARGET_DIR.
#
#   scripts/www-build.sh [--skip-wasm]
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
log() { printf 'www-build: %s\n' "$*" >&2; }

skip_wasm=false
case "${1:-}" in
    --skip-wasm) skip_wasm=true ;;
    "") ;;
    *) echo "usage: $0 [--skip-wasm]" >&2; exit 2 ;;
esac

if [ ! -d www/node_modules ] || [ ! -x www/node_modules/.bin/vite ] \
    || [ www/package-lock.json -nt www/node_modules/.package-lock.json ]; then
    log "installing npm packages (npm ci)"
    (cd www && npm ci --no-audit --no-fund)
fi

if $skip_wasm; then
    [ -f wasm/pkg/achievements_wasm.js ] || { log "wasm/pkg is missing: run without --skip-wasm"; exit 1; }
else
    scripts/wasm-build.sh
fi

cd www
node tools/icons.mjs --check
log "type-checking www/src (tsc --noEmit)"
node_modules/.bin/tsc --noEmit -p .
log "building www/dist (vite build)"
node_modules/.bin/vite build --logLevel warn
log "done: www/dist ($(du -sk dist | cut -f1) KB; serve with: achievements serve --www www/dist)"
