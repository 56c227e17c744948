#!/usr/bin/env bash
# Runs real third-party Procore client libraries against a live Trestle server and checks what they
# get back against the demo data (see clients/README.md).
#
#   scripts/real-clients.sh [CLIENT...]     CLIENT: pyprocore, propycore, js-sdk (default: all)
#
# Steps: Python venv in clients/python/.venv (pip install --ignore-requires-python), `npm ci` in
# clients/js, `cargo build -p trestle`, `trestle up --port 0` on a scratch data dir, wait for
# /health/ready, run each client script, stop the server.
#
# Environment:
#   PYTHON           interpreter for the venv (default python3; needs >= 3.11)
#   TRESTLE_BIN      use this trestle binary instead of building one
#   CLIENT_TIMEOUT   seconds one client script may run (default 300)
#   KEEP_WORK=1      keep the scratch dir (server log, data dir) even when everything passed
#
# The last line printed is `real-clients: N passed, M failed` (N, M = clients); the exit status is 0
# only when no client failed.
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

ALL_CLIENTS=(pyprocore propycore js-sdk)
CLIENT_TIMEOUT="${CLIENT_TIMEOUT:-300}"
PYTHON="${PYTHON:-python3}"
PY_DIR="$ROOT/clients/python"
JS_DIR="$ROOT/clients/js"
VENV="$PY_DIR/.venv"

log() { printf '==> %s\n' "$*"; }
warn() { printf 'real-clients: %s\n' "$*" >&2; }

if [ "$#" -gt 0 ]; then
  CLIENTS=("$@")
  for c in "${CLIENTS[@]}"; do
    case " ${ALL_CLIENTS[*]} " in
      *" $c "*) ;;
      *) warn "unknown client '$c' (known: ${ALL_CLIENTS[*]})"; exit 2 ;;
    esac
  done
else
  CLIENTS=("${ALL_CLIENTS[@]}")
fi

wants() { case " ${CLIENTS[*]} " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

declare -A RESULT=()   # client -> pass | fail
SERVER_PID=""
WORK=""

finish() {
  local passed=0 failed=0 c
  for c in "${CLIENTS[@]}"; do
    if [ "${RESULT[$c]:-fail}" = pass ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
    printf '  %-10s %s\n' "$c" "${RESULT[$c]:-fail}"
  done
  echo "real-clients: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}

stop_server() {
  [ -n "$SERVER_PID" ] || return 0
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$SERVER_PID" 2>/dev/null && kill -KILL "$SERVER_PID" 2>/dev/null
  fi
  wait "$SERVER_PID" 2>/dev/null
  SERVER_PID=""
}

cleanup() {
  local status=$?
  stop_server
  if [ -n "$WORK" ] && [ -d "$WORK" ]; then
    if [ "$status" -eq 0 ] && [ "${KEEP_WORK:-0}" != 1 ]; then
      rm -rf "$WORK"
    else
      warn "scratch dir kept: $WORK (server log: $WORK/server.log)"
    fi
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Marks every wanted client among "$@" as failed (a setup step they need did not work).
fail_clients() { local c; for c in "$@"; do wants "$c" && RESULT[$c]=fail; done; return 0; }

# ---------------------------------------------------------------- Python clients: venv + pip
PY_OK=0
if wants pyprocore || wants propycore; then
  log "Python venv: $VENV"
  if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    warn "$PYTHON is missing or older than 3.11 (pyprocore needs enum.StrEnum)"
  else
    if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import sys' 2>/dev/null; then
      rm -rf "$VENV"
      "$PYTHON" -m venv "$VENV" || warn "could not create $VENV"
    fi
    stamp="$VENV/.requirements.sha256"
    want_sum="$(sha256sum "$PY_DIR/requirements.txt" | cut -d' ' -f1)"
    if [ -x "$VENV/bin/python" ]; then
      if [ "$(cat "$stamp" 2>/dev/null)" = "$want_sum" ]; then
        PY_OK=1
      elif "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
          --ignore-requires-python -r "$PY_DIR/requirements.txt"; then
        echo "$want_sum" >"$stamp"
        PY_OK=1
      else
        warn "pip install failed"
      fi
    fi
  fi
  [ "$PY_OK" = 1 ] || fail_clients pyprocore propycore
fi

# ---------------------------------------------------------------- JavaScript client: npm ci
JS_OK=0
if wants js-sdk; then
  log "npm ci in clients/js"
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    warn "node and npm are required for js-sdk"
  elif [ -f "$JS_DIR/node_modules/.package-lock.json" ] \
      && [ ! "$JS_DIR/package-lock.json" -nt "$JS_DIR/node_modules/.package-lock.json" ]; then
    JS_OK=1   # node_modules is already what the lock file says
  elif (cd "$JS_DIR" && npm ci --no-audit --no-fund --loglevel=error); then
    JS_OK=1
  else
    warn "npm ci failed"
  fi
  [ "$JS_OK" = 1 ] || fail_clients js-sdk
fi

# ---------------------------------------------------------------- Trestle: build and start
start_server() {
  local bin="${TRESTLE_BIN:-}"
  if [ -z "$bin" ]; then
    log "cargo build -p trestle"
    cargo build -p trestle || { warn "cargo build failed"; return 1; }
    bin="${CARGO_TARGET_DIR:-$ROOT/target}/debug/trestle"
  fi
  [ -x "$bin" ] || { warn "no trestle binary at $bin"; return 1; }

  WORK="$(mktemp -d "${TMPDIR:-/tmp}/trestle-real-clients.XXXXXX")" || return 1
  log "trestle up --port 0 --data-dir $WORK/data"
  # A fresh embedded-SQLite server with default behaviour: settings that `up` would otherwise pick
  # up from the caller's environment (database, key, public URL, strict header mode) are cleared.
  env -u TRESTLE_DATABASE_URL -u TRESTLE_SECRET_KEY -u TRESTLE_SECRET_KEY_FILE \
      -u TRESTLE_PUBLIC_URL -u TRESTLE_STRICT_COMPANY_HEADER -u TRESTLE_BIND \
      -u TRESTLE_PORT -u TRESTLE_DATA_DIR -u TRESTLE_MAX_CONNECTIONS \
      TRESTLE_LOG="${TRESTLE_LOG:-warn}" \
      "$bin" up --port 0 --data-dir "$WORK/data" >"$WORK/server.log" 2>&1 &
  SERVER_PID=$!

  local base="" i
  for i in $(seq 1 600); do   # up to ~60 s for the "running at" line
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      warn "trestle exited during start-up; its log:"; sed 's/^/    /' "$WORK/server.log" >&2
      SERVER_PID=""; return 1
    fi
    base="$(sed -n 's/^Trestle is running at \(http:\/\/[^ ]*\).*$/\1/p' "$WORK/server.log" | head -n1)"
    [ -n "$base" ] && break
    sleep 0.1
  done
  [ -n "$base" ] || { warn "trestle printed no 'Trestle is running at' line within 60 s"; return 1; }
  case "$base" in
    http://127.0.0.1:*) ;;
    *) warn "unexpected base URL '$base' (only 127.0.0.1 is allowed)"; return 1 ;;
  esac

  for i in $(seq 1 100); do   # up to ~20-40 s for readiness
    curl -fsS --max-time 2 -o /dev/null "$base/health/ready" 2>/dev/null && break
    [ "$i" -eq 100 ] && { warn "$base/health/ready did not answer 200"; return 1; }
    sleep 0.2
  done
  [ -s "$WORK/data/demo.json" ] || { warn "no $WORK/data/demo.json"; return 1; }

  export TRESTLE_URL="$base" TRESTLE_DEMO_JSON="$WORK/data/demo.json"
  log "Trestle is ready at $base"
}

SERVER_OK=0
if [ "$PY_OK" = 1 ] || [ "$JS_OK" = 1 ]; then
  if start_server; then SERVER_OK=1; else fail_clients "${CLIENTS[@]}"; fi
fi

# ---------------------------------------------------------------- run the clients
run_client() {
  local name="$1" dir="$2"; shift 2
  log "client: $name"
  # TMPDIR: scratch files of the clients land in $WORK; no __pycache__ in the repo
  if (cd "$dir" && TMPDIR="$WORK" PYTHONDONTWRITEBYTECODE=1 \
        timeout --kill-after=10 "$CLIENT_TIMEOUT" "$@"); then
    RESULT[$name]=pass
  else
    local rc=$?
    [ "$rc" -eq 124 ] && warn "$name timed out after ${CLIENT_TIMEOUT}s"
    RESULT[$name]=fail
  fi
}

if [ "$SERVER_OK" = 1 ]; then
  if [ "$PY_OK" = 1 ]; then
    wants pyprocore && run_client pyprocore "$PY_DIR" "$VENV/bin/python" test_pyprocore.py
    wants propycore && run_client propycore "$PY_DIR" "$VENV/bin/python" test_propycore.py
  fi
  if [ "$JS_OK" = 1 ]; then
    wants js-sdk && run_client js-sdk "$JS_DIR" node --test --test-reporter=spec test_js_sdk.js
  fi
fi

stop_server
echo
finish
