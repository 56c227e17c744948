#!/usr/bin/env bash
# Runs Trestle's whole test suite: unit tests, the storage conformance suite and the HTTP
# integration tests, each on SQLite and on PostgreSQL; then real Procore client libraries,
# Schemathesis over the OpenAPI document, the web UI's journeys in headless Chromium, and
# PostgreSQL fault checks.
#
# PostgreSQL: TRESTLE_TEST_PG_URL (default postgres://postgres@127.0.0.1:5432/test). When that
# server is local and not answering, this script starts the machine's PostgreSQL cluster.
set -euo pipefail
cd "$(dirname "$0")/.."

export TRESTLE_TEST_PG_URL="${TRESTLE_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/test}"

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
if command -v pg_isready >/dev/null && ! pg_up; then
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    echo "starting PostgreSQL…"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
    for _ in $(seq 1 30); do pg_up && break; sleep 1; done
  fi
  pg_up || { echo "PostgreSQL is not answering at 127.0.0.1:5432; the PostgreSQL tests need it" >&2; exit 1; }
fi

# The disk-full fault test injects ENOSPC into a node's writes with strace.
if ! command -v strace >/dev/null; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    echo "installing strace…"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq strace >/dev/null; } || true
  fi
  command -v strace >/dev/null || { echo "strace is required by the fault tests (apt-get install strace)" >&2; exit 1; }
fi

# The README test runs the README's examples as written; they read data/demo.json with jq.
if ! command -v jq >/dev/null; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    echo "installing jq…"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq jq >/dev/null; } || true
  fi
  command -v jq >/dev/null || { echo "jq is required by the README test (apt-get install jq)" >&2; exit 1; }
fi

# The clock-jump test runs a server under libfaketime (it says SKIPPED without it).
if ! ls /usr/lib/*/faketime/libfaketime*.so.1 >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    echo "installing libfaketime…"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq faketime libfaketime >/dev/null; } || true
  fi
  ls /usr/lib/*/faketime/libfaketime*.so.1 >/dev/null 2>&1 \
    || echo "warning: libfaketime is not installed (apt-get install faketime libfaketime); the clock-jump test will be skipped" >&2
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT

# 1. Rust: unit tests, storage conformance suite, HTTP integration tests (SQLite + PostgreSQL).
cargo test --workspace --locked "$@" 2>&1 | tee "$log"
rust_status=${PIPESTATUS[0]}

# 2. Real Procore client libraries (pyprocore, propycore, @procore/js-sdk) against a live server.
clients_status=0
if [ "$rust_status" -eq 0 ] && [ -z "${SKIP_REAL_CLIENTS:-}" ]; then
  TRESTLE_BIN="$PWD/target/debug/trestle" scripts/real-clients.sh 2>&1 | tee -a "$log"
  clients_status=${PIPESTATUS[0]}
fi

# 2b. Schemathesis over the served OpenAPI document (every catalog operation, the OAuth endpoints
#     and the management API): a bounded run, a few examples per operation. Its report goes to a
#     file, shown when it fails; its one summary line joins the log.
st_status=0
if [ "$rust_status" -eq 0 ] && [ -z "${SKIP_SCHEMATHESIS:-}" ]; then
  st_log=$(mktemp)
  TRESTLE_BIN="$PWD/target/debug/trestle" scripts/schemathesis.sh >"$st_log" 2>&1 || st_status=$?
  [ "$st_status" -eq 0 ] || cat "$st_log"
  tail -n 1 "$st_log" | tee -a "$log"
  rm -f "$st_log"
fi

# 3. The web UI's journeys in headless Chromium (screenshots in target/ui-artifacts).
ui_status=0
if [ "$rust_status" -eq 0 ] && [ -z "${SKIP_UI:-}" ]; then
  TRESTLE_BIN="$PWD/target/debug/trestle" scripts/ui-tests.sh 2>&1 | tee -a "$log"
  ui_status=${PIPESTATUS[0]}
fi

# 4. Faults: PostgreSQL stops mid-load (503s, then recovery without a restart). It restarts the
#    local cluster, so it runs last, and only where that cluster is ours to restart.
faults_status=0
if [ "$rust_status" -eq 0 ] && [ -z "${SKIP_FAULTS:-}" ] && command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
  TRESTLE_BIN="$PWD/target/debug/trestle" scripts/faults.sh 2>&1 | tee -a "$log"
  faults_status=${PIPESTATUS[0]}
fi

count() { { grep -Eo "[0-9]+ $1" "$log" || true; } | awk '{s+=$1} END {print s+0}'; }
passed=$(count passed)
failed=$(count failed)
if [ "$rust_status" -ne 0 ] || [ "$clients_status" -ne 0 ] || [ "$st_status" -ne 0 ] || [ "$ui_status" -ne 0 ] || [ "$faults_status" -ne 0 ]; then
  failed=$(( failed > 0 ? failed : 1 ))
fi
echo
echo "all: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
