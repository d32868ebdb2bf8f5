#!/usr/bin/env bash
# Builds the WASM module: wasm/ -> wasm/pkg (an npm package: ES module for
# `--target web`, .d.ts, .wasm optimised by wasm-opt from binaryen@132).
#
# Idempotent: installs what is missing at the right versions (the wasm32
# target, wasm-bindgen-cli matching Cargo.lock, wasm-pack 0.15.1, the npm
# tools in www/), then builds unless wasm/pkg is newer than every input
# (`--force` rebuilds anyway). Respects CARGO_TARGET_DIR. Needs only rustup,
# cargo, node and npm; see wasm/README.md.
#
#   scripts/wasm-build.sh [--force]
set -euo pipefail

force=false
case "${1:-}" in
    --force) force=true ;;
    "") ;;
    *) echo "usage: $0 [--force]" >&2; exit 2 ;;
esac

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

WASM_PACK_VERSION=0.15.1
BINARYEN_VERSION=132

log() { printf 'wasm-build: %s\n' "$*" >&2; }

# --- tools -----------------------------------------------------------------

# Where `cargo install` puts binaries, first on PATH (rustup's default is
# ~/.cargo/bin, but CARGO_INSTALL_ROOT or CARGO_HOME may move it).
export PATH="${CARGO_INSTALL_ROOT:-${CARGO_HOME:-$HOME/.cargo}}/bin:$PATH"

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    log "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
fi

# The CLI must equal the crate version pinned in Cargo.lock, or wasm-pack
# tries to download one (which fails here) and then compiles its own copy.
bindgen_version=$(cargo pkgid --offline wasm-bindgen 2>/dev/null | sed 's/.*@//' || true)
if [ -z "$bindgen_version" ]; then
    bindgen_version=$(cargo pkgid wasm-bindgen | sed 's/.*@//')
fi
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$bindgen_version" ]; then
    log "installing wasm-bindgen-cli $bindgen_version (about 2.5 min)"
    # Not --locked: its lock file pins a webpki-roots release the registry lacks.
    cargo install wasm-bindgen-cli --version "$bindgen_version" --force
fi

if [ "$(wasm-pack --version 2>/dev/null | awk '{print $2}')" != "$WASM_PACK_VERSION" ]; then
    log "installing wasm-pack $WASM_PACK_VERSION (about 2 min)"
    cargo install wasm-pack --version "$WASM_PACK_VERSION" --locked --force
fi

# wasm-opt comes from the npm package binaryen (never Debian's binaryen 108,
# whose output fails to load); wasm-pack finds it first on PATH.
if [ "$(www/node_modules/.bin/wasm-opt --version 2>/dev/null | awk '{print $3}')" != "$BINARYEN_VERSION" ] \
    || [ ! -x www/node_modules/.bin/tsc ]; then
    log "installing the npm tools in www/ (npm ci)"
    (cd www && npm ci --no-audit --no-fund)
fi
export PATH="$root/www/node_modules/.bin:$PATH"

# --- build -----------------------------------------------------------------

wasm=wasm/pkg/achievements_wasm_bg.wasm
inputs=(Cargo.toml Cargo.lock core/Cargo.toml core/src fixtures/achievements.json wasm/Cargo.toml wasm/src wasm/js scripts/wasm-build.sh)
if ! $force && [ -f "$wasm" ] && [ -f wasm/pkg/achievements_wasm.d.ts ] \
    && [ -z "$(find "${inputs[@]}" -newer "$wasm" -print -quit)" ]; then
    log "wasm/pkg is up to date ($(gzip -9 -c "$wasm" | wc -c) bytes gzipped); --force rebuilds"
    exit 0
fi

# Size-first settings for this build only (the workspace's release profile
# serves the native binaries): smallest code, whole-program LTO, no unwinding.
export CARGO_PROFILE_RELEASE_OPT_LEVEL=z
export CARGO_PROFILE_RELEASE_LTO=fat
export CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1
export CARGO_PROFILE_RELEASE_PANIC=abort

log "building wasm/pkg (wasm-pack --target web)"
# --mode no-install: use the tools checked above, never download any.
wasm-pack --quiet build wasm --release --target web --out-dir pkg --mode no-install

# wasm-bindgen types the raw exports of the instance (`InitOutput`, the
# `_bg.wasm.d.ts`) with `any` for JS values passed by reference; they are
# opaque there, so say `unknown`. The API's own types are precise already.
sed -i -E '/^ *(readonly|export const) [A-Za-z0-9_]+: \(/ s/\bany\b/unknown/g' \
    wasm/pkg/achievements_wasm.d.ts wasm/pkg/achievements_wasm_bg.wasm.d.ts

log "done: $wasm $(wc -c <"$wasm") bytes, $(gzip -9 -c "$wasm" | wc -c) gzipped"
