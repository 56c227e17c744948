#!/usr/bin/env bash
# End-to-end journeys through the web UI in headless Chromium (Debian's `chromium`, driven by
# playwright-core from ui-tests/). Starts `trestle up` on a scratch data dir, runs
# ui-tests/journeys.test.mjs, saves a screenshot of every screen to $UI_ARTIFACTS
# (default target/ui-artifacts), stops the server.
#
# Debian's chromium is installed with apt-get when it is missing (as root).
#
# Environment:
#   TRESTLE_BIN   use this trestle binary instead of building one
#   CHROMIUM      browser binary (default /usr/bin/chromium)
#   UI_ARTIFACTS  where screenshots go
#
# The last line printed is `ui: N passed, M failed`.
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
DIR="$ROOT/ui-tests"
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
export UI_ARTIFACTS="${UI_ARTIFACTS:-$ROOT/target/ui-artifacts}"

warn() { printf 'ui-tests: %s\n' "$*" >&2; }
SERVER_PID=""
WORK="$(mktemp -d "${TMPDIR:-/tmp}/trestle-ui.XXXXXX")"
cleanup() {
  local status=$?
  if [ -n "$SERVER_PID" ]; then kill -TERM "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; fi
  if [ "$status" -eq 0 ]; then rm -rf "$WORK"; else warn "scratch dir kept: $WORK (server log: $WORK/server.log)"; fi
}
trap cleanup EXIT
fail() { warn "$*"; echo "ui: 0 passed, 1 failed"; exit 1; }

if [ ! -x "$CHROMIUM" ] && [ "$CHROMIUM" = /usr/bin/chromium ] && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "installing Debian's chromium for the browser tests…"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || true
fi
[ -x "$CHROMIUM" ] || fail "no browser at $CHROMIUM (apt-get install -y chromium)"
command -v node >/dev/null || fail "node is required"
if [ ! -f "$DIR/node_modules/.package-lock.json" ] || [ "$DIR/package-lock.json" -nt "$DIR/node_modules/.package-lock.json" ]; then
  (cd "$DIR" && npm ci --no-audit --no-fund --loglevel=error) || fail "npm ci failed in ui-tests"
fi

bin="${TRESTLE_BIN:-}"
if [ -z "$bin" ]; then
  cargo build -p trestle || fail "cargo build failed"
  bin="${CARGO_TARGET_DIR:-$ROOT/target}/debug/trestle"
fi
env -u TRESTLE_DATABASE_URL -u TRESTLE_SECRET_KEY -u TRESTLE_SECRET_KEY_FILE -u TRESTLE_PUBLIC_URL \
    -u TRESTLE_STRICT_COMPANY_HEADER -u TRESTLE_BIND -u TRESTLE_PORT -u TRESTLE_DATA_DIR \
    TRESTLE_LOG="${TRESTLE_LOG:-warn}" "$bin" up --port 0 --data-dir "$WORK/data" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
base=""
for _ in $(seq 1 600); do
  kill -0 "$SERVER_PID" 2>/dev/null || { sed 's/^/    /' "$WORK/server.log" >&2; fail "trestle exited during start-up"; }
  base="$(sed -n 's/^Trestle is running at \(http:\/\/127\.0\.0\.1:[0-9]*\).*$/\1/p' "$WORK/server.log" | head -n1)"
  [ -n "$base" ] && [ -s "$WORK/data/demo.json" ] && break
  sleep 0.1
done
[ -n "$base" ] || fail "trestle printed no 'Trestle is running at http://127.0.0.1:…' line"

rm -rf "$UI_ARTIFACTS"
out="$WORK/node.out"
(cd "$DIR" && TRESTLE_URL="$base" TRESTLE_DEMO_JSON="$WORK/data/demo.json" \
  timeout --kill-after=10 300 node --test --test-concurrency=1 --test-reporter=spec journeys.test.mjs) 2>&1 | tee "$out"
status=${PIPESTATUS[0]}
pass=$(sed -n 's/^ℹ pass \([0-9]*\)$/\1/p' "$out" | tail -n1)
failed=$(sed -n 's/^ℹ fail \([0-9]*\)$/\1/p' "$out" | tail -n1)
pass=${pass:-0}; failed=${failed:-0}
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "screenshots: $UI_ARTIFACTS"
echo "ui: $pass passed, $failed failed"
[ "$failed" -eq 0 ]
