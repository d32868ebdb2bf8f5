#!/usr/bin/env bash
# Runs every test of the WASM module:
#   1. builds wasm/pkg if needed (scripts/wasm-build.sh, which installs tools),
#      and checks the .wasm against its size budget (100 KB gzipped);
#   2. the wasm-bindgen tests in Node (`wasm-pack test --node wasm`: error paths);
#   3. the generated .d.ts: no `any` in it, and `tsc --noEmit` over real use
#      (wasm/tests/ts/usage.ts);
#   4. the Node tests (`node --test wasm/tests/node/`): the JS API, and every
#      scenario of fixtures/scenarios through the module, compared with the
#      native runner (`achievements rules test`, built here); time zones come
#      as tables from the native `zone-tables` example (also built here).
# Respects CARGO_TARGET_DIR. Exits non-zero on the first failing stage.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
log() { printf 'wasm-test: %s\n' "$*" >&2; }

scripts/wasm-build.sh
# The tools wasm-build.sh may have installed: cargo's install dir, npm's bin.
export PATH="$root/www/node_modules/.bin:${CARGO_INSTALL_ROOT:-${CARGO_HOME:-$HOME/.cargo}}/bin:$PATH"

# The size budget is a number of bytes, not a timing: checked here, exactly,
# so a change that grows the module past it fails the tests.
budget=$((100 * 1024))
size=$(gzip -9 -c wasm/pkg/achievements_wasm_bg.wasm | wc -c)
if [ "$size" -gt "$budget" ]; then
    log "the .wasm is $size bytes gzipped, over its budget of $budget (100 KB): see ARCHITECTURE.md, \"Keeping the WebAssembly module small\""
    exit 1
fi
log "size: $size bytes gzipped (budget $budget)"

log "wasm-bindgen tests (Node)"
wasm-pack test --mode no-install --node wasm

log "TypeScript: no \`any\` in the generated types, and tsc --noEmit over real use"
if grep -nE '(:|<|\||=>)\s*any\b|\bany\s*(\[\]|\||;|,|\)|>)' wasm/pkg/*.d.ts; then
    log "the generated .d.ts uses \`any\` (above)"
    exit 1
fi
tsc -p wasm/tests/ts/tsconfig.json

log "building the native runner and zone tables for the parity check"
cargo build --quiet -p achievements-server --bin achievements
cargo build --quiet -p achievements-wasm --example zone-tables
target_dir=$(cargo metadata --format-version 1 --no-deps | node -e \
    'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')

log "Node tests (JS API; parity with the native runner over every scenario)"
ACHIEVEMENTS_BIN="$target_dir/debug/achievements" ZONE_TABLES_BIN="$target_dir/debug/examples/zone-tables" \
    node --test wasm/tests/node/
