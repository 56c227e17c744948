#!/usr/bin/env bash
# Runs every fuzz target of fuzz/ for a bounded time and prints executions and crashes per target.
#
#   scripts/fuzz.sh [seconds-per-target] [target...]     (default 300 s, every target)
#
# Needs the nightly toolchain (cargo +nightly); installs cargo-fuzz when it is missing. The
# committed corpus (fuzz/corpus/<target>/) is read, never written: new finds go to a scratch
# directory, unless FUZZ_MERGE=1, which merges the ones that add coverage into the corpus.
# Crashes are saved under fuzz/artifacts/<target>/. Exits 1 if any target crashed.
# libFuzzer's own output goes to FUZZ_LOG_DIR/<target>.log (default: the scratch directory).
set -euo pipefail
secs=${1:-300}
shift || true
cd "$(dirname "$0")/../fuzz"

command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked
# Safe Rust: no sanitizer (several times more executions; panics and overflow are what we
# look for), with debug assertions and overflow checks on.
flags=(--sanitizer none --debug-assertions)
cargo +nightly fuzz build "${flags[@]}"

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cargo +nightly fuzz list)
fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
logs=${FUZZ_LOG_DIR:-$scratch}
mkdir -p "$logs"
status=0
summary=()
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "artifacts/$t" "$scratch/$t"
  before=$(find "artifacts/$t" -type f | wc -l)
  start=$(date +%s)
  set +e
  cargo +nightly fuzz run "${flags[@]}" "$t" "$scratch/$t" "corpus/$t" -- \
    -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
    >"$logs/$t.log" 2>&1
  rc=$?
  set -e
  took=$(( $(date +%s) - start ))
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$logs/$t.log" | grep -o '[0-9]*$' | tail -1)
  crashes=$(( $(find "artifacts/$t" -type f | wc -l) - before ))
  if [ "$rc" -ne 0 ] && [ "$crashes" -eq 0 ]; then crashes=1; fi
  if [ "$crashes" -ne 0 ]; then
    status=1
    grep -E 'panicked|ERROR|Test unit written' "$logs/$t.log" | head -5 >&2 || true
  fi
  if [ "${FUZZ_MERGE:-0}" = 1 ]; then
    cargo +nightly fuzz run "${flags[@]}" "$t" "corpus/$t" "$scratch/$t" -- -merge=1 >/dev/null 2>&1 || true
  fi
  line=$(printf '%-14s executions %12s  crashes %d  time %ss' "$t" "${execs:-?}" "$crashes" "$took")
  echo "$line"
  summary+=("$line")
done
echo "---- summary"
printf '%s\n' "${summary[@]}"
exit $status
