#!/usr/bin/env bash
# Coverage-guided fuzzing (cargo-fuzz, libFuzzer) of the core: every target
# in fuzz/fuzz_targets for SECONDS each (default 60), seeded from fixtures/.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# Exits non-zero on the first crash; libFuzzer then prints the input and
# cargo-fuzz the command that replays it (the file is under
# fuzz/artifacts/TARGET/). Each run ends with a line
# `fuzz: TARGET runs=N cov=C ft=F corpus=K` (libFuzzer's final stats).
#
# Toolchain: cargo-fuzz passes `-Zsanitizer=address` and other unstable
# flags, so it needs a nightly compiler. The project's machine image has one
# (`rustup toolchain list`), and it is used when present. Without it, the
# stable compiler is told to accept unstable flags (`RUSTC_BOOTSTRAP=1`)
# rather than downloading a nightly: the same compiler as the rest of the
# build, nothing fetched; the sanitizer flags work on stable x86_64 Linux
# that way.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(json_parser catalog_loader scenario_reader wire_formats engine)
fi

if ! command -v cargo-fuzz >/dev/null; then
  cargo install cargo-fuzz --locked
fi

toolchain=()
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  toolchain=(+nightly)
else
  export RUSTC_BOOTSTRAP=1
fi

# Seed corpora, copied at each run (the corpora themselves are not kept in
# git: fuzz/corpus is ignored and grows as libFuzzer finds new coverage).
seed() {
  local target=$1
  shift
  mkdir -p "fuzz/corpus/$target"
  for f in "$@"; do
    cp -f "$f" "fuzz/corpus/$target/seed-$(basename "$(dirname "$f")")-$(basename "$f")"
  done
}
seed json_parser fixtures/*.json fixtures/catalogs/*.json fixtures/invalid/*.json fixtures/scenarios/*.json \
  fixtures/scenarios/catalogs/*.json
seed catalog_loader fixtures/achievements.json fixtures/catalogs/*.json fixtures/invalid/*.json \
  fixtures/scenarios/catalogs/*.json
seed scenario_reader fixtures/scenarios/*.json
seed wire_formats fuzz/seeds/wire_formats/*.json
mkdir -p fuzz/corpus/engine

cd fuzz
# `cargo fuzz build` builds one target or all of them.
if [ $# -eq 0 ]; then
  cargo "${toolchain[@]}" fuzz build
fi
for target in "${targets[@]}"; do
  echo "==> fuzz $target for ${seconds}s"
  log=$(mktemp)
  set +e
  cargo "${toolchain[@]}" fuzz run "$target" "corpus/$target" -- \
    -max_total_time="$seconds" -timeout=10 -print_final_stats=1 2>&1 | tee "$log" | grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)|ERROR|panicked|SUMMARY|artifact|Test unit'
  status=${PIPESTATUS[0]}
  set -e
  if [ "$status" -ne 0 ]; then
    tail -60 "$log"
    rm -f "$log"
    echo "fuzz: $target FAILED (exit $status)"
    exit "$status"
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1 || true)
  done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$done_line")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$done_line")
  corpus=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$done_line")
  rm -f "$log"
  echo "fuzz: $target runs=${runs:-?} cov=${cov:-?} ft=${ft:-?} corpus=${corpus:-?}"
done
