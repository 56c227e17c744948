#!/usr/bin/env bash
# Trestle benchmark harness: one command.
#
#   bench/run.sh                       # 3 runs of 5 s per scenario, the median kept
#   BENCH_DURATION=3s bench/run.sh     # shorter runs
#   BENCH_QUICK=1 bench/run.sh         # one 3 s run, 1 s warm-up (all scenarios still run)
#   BENCH_ONLY=records bench/run.sh    # only some groups of scenarios (see bench/README.md)
#
# Builds Trestle and the HTTP ceiling in release mode, then for each server (ceiling, Trestle with
# demo data, node oidc-provider peer): starts it pinned to one core, waits for readiness, runs wrk
# pinned to the other core, stops it. Prints a Markdown table and ratios; saves raw wrk outputs and
# the table under bench/results/<timestamp>/ (and bench/results/latest.md).
# Exit status: 0 if every scenario was valid (all responses 2xx), 1 otherwise.
# Env knobs: see bench/README.md.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH_DIR")

if [[ "${BENCH_QUICK:-0}" == "1" ]]; then
  DURATION=${BENCH_DURATION:-3s}
  WARMUP=${BENCH_WARMUP:-1s}
  ROUNDS=${BENCH_ROUNDS:-1}
else
  DURATION=${BENCH_DURATION:-5s}
  WARMUP=${BENCH_WARMUP:-2s}
  ROUNDS=${BENCH_ROUNDS:-3}
fi
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || { echo "BENCH_ROUNDS must be a positive integer" >&2; exit 2; }
THREADS=${BENCH_THREADS:-2}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
SERVER_CPU=${BENCH_SERVER_CPU:-0}
WRK_CPU=${BENCH_WRK_CPU:-1}
READY_TRIES=${BENCH_READY_TRIES:-50} # × 0.2 s
QUIET_WAIT=${BENCH_QUIET_WAIT:-60}   # seconds to wait for other load to go away, per scenario

# BENCH_ONLY: the groups of scenarios to run (comma- or space-separated); all when unset
BENCH_ONLY=${BENCH_ONLY:-}
ONLY=" ${BENCH_ONLY//,/ } "
for group in $ONLY; do
  case "$group" in ceiling | trestle | scale | pg | oidc | records | webhooks) ;;
    *) echo "BENCH_ONLY: unknown group '$group' (ceiling, trestle, scale, pg, oidc, records, webhooks)" >&2; exit 2 ;;
  esac
done
want() { [[ -z "${BENCH_ONLY:-}" || "$ONLY" == *" $1 "* ]]; }

log() { printf '\033[1m[bench]\033[0m %s\n' "$*" >&2; }
die() { log "error: $*"; exit 2; }

# ---------------------------------------------------------------- cleanup
PIDS=()
DATA_DIR=""
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    fi
  done
  if [[ -n "$DATA_DIR" && -d "$DATA_DIR" ]]; then rm -rf "$DATA_DIR"; fi
  if [[ -n "${PG_DIR:-}" && -d "$PG_DIR" ]]; then rm -rf "$PG_DIR"; fi
  if [[ -n "${R_DIR:-}" && -d "$R_DIR" ]]; then rm -rf "$R_DIR"; fi
  if [[ -n "${PG_SCHEMA:-}" ]]; then psql "$PG_URL" -qc "DROP SCHEMA IF EXISTS $PG_SCHEMA CASCADE" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- prerequisites
if ! command -v wrk >/dev/null; then
  log "wrk not found: installing it with apt-get"
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || die "wrk is missing and we are not root; install wrk"
    SUDO=sudo
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq wrk >/dev/null
fi
for tool in taskset curl python3 cargo; do
  command -v "$tool" >/dev/null || die "$tool is required"
done
if want oidc; then
  for tool in node npm; do command -v "$tool" >/dev/null || die "$tool is required"; done
fi
[[ $(nproc) -ge 2 ]] || log "warning: fewer than 2 CPUs; server and wrk will share a core"

if want oidc && [[ ! -d "$BENCH_DIR/peer/node_modules/oidc-provider" ]]; then
  log "installing the oidc-provider peer's node dependencies"
  if [[ -f "$BENCH_DIR/peer/package-lock.json" ]]; then
    (cd "$BENCH_DIR/peer" && npm ci --no-audit --no-fund --loglevel=error)
  else
    (cd "$BENCH_DIR/peer" && npm install --no-audit --no-fund --loglevel=error)
  fi
fi

if [[ "${BENCH_SKIP_BUILD:-0}" == "1" ]]; then
  log "BENCH_SKIP_BUILD=1: using the release binaries already built"
else
  log "building release binaries (trestle, trestle-bench-ceiling)"
  (cd "$ROOT" && cargo build --release -p trestle -p trestle-bench-ceiling --bins)
fi
TARGET_DIR=$(cd "$ROOT" && cargo metadata --format-version 1 --no-deps \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
TRESTLE_BIN="$TARGET_DIR/release/trestle"
CEILING_BIN="$TARGET_DIR/release/trestle-bench-ceiling"
WEBHOOKS_BIN="$TARGET_DIR/release/trestle-bench-webhooks"
[[ -x "$TRESTLE_BIN" && -x "$CEILING_BIN" ]] || die "release binaries not found in $TARGET_DIR/release"

RESULTS="$BENCH_DIR/results/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$RESULTS"
: >"$RESULTS/scenarios.tsv"
{
  echo "date: $(date -Iseconds)"
  echo "host: $(uname -srm), $(nproc) CPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "git: $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo '?') $(cd "$ROOT" && git status --porcelain 2>/dev/null | grep -q . && echo '(dirty tree)')"
  echo "wrk: $(wrk --version 2>&1 | head -1)"
  want oidc && echo "node: $(node --version), oidc-provider $(node -p "require('$BENCH_DIR/peer/node_modules/oidc-provider/package.json').version" 2>/dev/null || echo '?')"
  echo "scenario groups: ${BENCH_ONLY:-all}"
  echo "load: taskset -c $WRK_CPU wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency, $ROUNDS run(s) per scenario, the median kept (warm-up $WARMUP); servers: taskset -c $SERVER_CPU"
} >"$RESULTS/env.txt"
log "results go to $RESULTS"

# ---------------------------------------------------------------- helpers
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

SERVER_PID=""
# start_server NAME CMD... — starts CMD pinned to SERVER_CPU, output to $RESULTS/NAME.server.log
start_server() {
  local name=$1; shift
  taskset -c "$SERVER_CPU" "$@" >"$RESULTS/$name.server.log" 2>&1 &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  log "started $name (pid $SERVER_PID)"
}

# wait_ready NAME URL [FILE] — bounded wait until URL answers 200 (and FILE exists, if given)
wait_ready() {
  local name=$1 url=$2 file=${3:-} i
  for ((i = 0; i < READY_TRIES; i++)); do
    kill -0 "$SERVER_PID" 2>/dev/null || {
      tail -n 30 "$RESULTS/$name.server.log" >&2
      die "$name exited before becoming ready (log: $RESULTS/$name.server.log)"
    }
    if [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$url" || true)" == "200" ]] \
      && [[ -z "$file" || -s "$file" ]]; then
      return 0
    fi
    sleep 0.2
  done
  tail -n 30 "$RESULTS/$name.server.log" >&2
  die "$name not ready after $READY_TRIES tries × 0.2 s ($url)"
}

stop_server() {
  local pid=$SERVER_PID
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  SERVER_PID=""
}

# utime+stime of a process in clock ticks
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# process (user+nice+system) clock ticks of one core, from /proc/stat; interrupts and softirqs,
# which the server's own network traffic causes, are left out
core_ticks() { awk -v c="cpu$1" '$1 == c {print $2 + $3 + $4}' /proc/stat; }

# wait_quiet — bounded wait (BENCH_QUIET_WAIT seconds) until the machine is idle: other work on the
# cores (builds, tests) would compete with the server or wrk and skew the figures
wait_quiet() {
  local deadline=$((SECONDS + QUIET_WAIT)) b0 b1 busy
  while :; do
    b0=$(awk '$1 == "cpu" {print $2 + $3 + $4}' /proc/stat); sleep 1
    b1=$(awk '$1 == "cpu" {print $2 + $3 + $4}' /proc/stat)
    busy=$(( 100 * (b1 - b0) / $(getconf CLK_TCK) ))
    (( busy < 15 )) && return 0
    if (( SECONDS >= deadline )); then
      log "WARNING: machine still busy ($busy% of one core used by other processes); measuring anyway"
      return 0
    fi
    log "machine busy ($busy% of one core used by other processes); waiting"
  done
}

# probe NAME CURL_ARGS... — one request as wrk will send it; records the HTTP status in PROBE
PROBE=""
probe() {
  local name=$1; shift
  PROBE=$(curl -s -o "$RESULTS/$name.probe.body" -w '%{http_code}' --max-time "${PROBE_TIMEOUT:-5}" "$@" || echo "000")
  if [[ "$PROBE" != "200" && "$PROBE" != "201" ]]; then
    log "WARNING: $name probe returned HTTP $PROBE: $(head -c 300 "$RESULTS/$name.probe.body" 2>/dev/null)"
  fi
}

# bench NAME LABEL URL SCRIPT — runs wrk (after PROBE was set by probe), records the server's CPU;
# WRK_TIMEOUT (wrk's --timeout, default its own 2s) for scenarios whose answers may take longer;
# WRK_CONNECTIONS / WRK_THREADS override -c / -t for one scenario
bench() {
  local name=$1 label=$2 url=$3 script=$4 c0 c1 k0 k1 w0 w1 t0 t1 cpu other wrkcore timeout=${WRK_TIMEOUT:-2s}
  local CONNECTIONS=${WRK_CONNECTIONS:-$CONNECTIONS} THREADS=${WRK_THREADS:-$THREADS}
  wait_quiet
  if [[ "$WARMUP" != "0" && "$WARMUP" != "0s" ]]; then
    taskset -c "$WRK_CPU" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" --timeout "$timeout" \
      -s "$BENCH_DIR/wrk/$script" "$url" >"$RESULTS/$name.warmup.txt" 2>&1 || true
  fi
  log "wrk $name ($ROUNDS × $DURATION): $url"
  c0=$(cpu_ticks "$SERVER_PID"); k0=$(core_ticks "$SERVER_CPU"); w0=$(core_ticks "$WRK_CPU")
  t0=$(date +%s.%N)
  local round
  for round in $(seq "$ROUNDS"); do
    taskset -c "$WRK_CPU" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --timeout "$timeout" --latency \
      -s "$BENCH_DIR/wrk/$script" "$url" >"$RESULTS/$name.round$round.txt" 2>&1 || log "wrk failed for $name"
  done
  # The run with the median req/s stands for the scenario (a burst of other load on this machine
  # moves one run, not the median); every run is kept as <name>.roundN.txt.
  python3 - "$RESULTS" "$name" "$ROUNDS" <<'PYEOF'
import shutil, sys
sys.path.insert(0, __import__("os").environ["BENCH_DIR"])
from report import parse_wrk
res, name, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
runs = []
for k in range(1, rounds + 1):
    path = f"{res}/{name}.round{k}.txt"
    runs.append((parse_wrk(open(path).read())["rps"] or 0.0, path))
ordered = sorted(runs)
shutil.copyfile(ordered[len(ordered) // 2][1], f"{res}/{name}.txt")
failed = sum(parse_wrk(open(path).read())["non2xx"] for _, path in runs)
with open(f"{res}/{name}.txt", "a") as out:
    out.write("rounds (req/s): " + ", ".join(f"{r:.0f}" for r, _ in runs) + "; the median run is shown\n")
    if failed:
        # an error response in any run makes the scenario INVALID, not only in the median one
        out.write(f"Non-2xx or 3xx responses: {failed}\n")
PYEOF
  t1=$(date +%s.%N)
  k1=$(core_ticks "$SERVER_CPU"); w1=$(core_ticks "$WRK_CPU")
  wrkcore=$(python3 -c "print('%.0f' % (100 * ($w1 - $w0) / $(getconf CLK_TCK) / ($t1 - $t0)))")
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    c1=$(cpu_ticks "$SERVER_PID")
    cpu=$(python3 -c "print('%.0f' % (100 * ($c1 - $c0) / $(getconf CLK_TCK) / ($t1 - $t0)))")
    # whatever else ran on the server's core during the run (other processes, interrupts)
    other=$(python3 -c "print('%.0f' % max(0, 100 * (($k1 - $k0) - ($c1 - $c0)) / $(getconf CLK_TCK) / ($t1 - $t0)))")
  else
    log "ERROR: $name: the server died during the run (log: $RESULTS/${name%%_*}.server.log)"
    cpu=""; other=""; PROBE="died"
  fi
  {
    echo "server CPU: ${cpu:-?}% of one core; other load on core $SERVER_CPU: ${other:-?}%; core $WRK_CPU (wrk) busy: $wrkcore%"
    echo "command: taskset -c $WRK_CPU wrk -t$THREADS -c$CONNECTIONS -d$DURATION --timeout $timeout --latency -s wrk/$script $url"
  } >>"$RESULTS/$name.txt"
  grep -E 'Requests/sec|Non-2xx|Socket errors' "$RESULTS/$name.txt" | sed 's/^/    /' >&2 || true
  printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$label" "$PROBE" "$cpu" "$other" >>"$RESULTS/scenarios.tsv"
}

export WRK_DIR="$BENCH_DIR/wrk" BENCH_DIR

# demo_vars DEMO_JSON — sets T_CLIENT_ID, T_CLIENT_SECRET, T_COMPANY_ID and T_API from demo.json
demo_vars() {
  eval "$(python3 - "$1" <<'EOF'
import json, shlex, sys
d = json.load(open(sys.argv[1]))
print("T_CLIENT_ID=" + shlex.quote(d["client_id"]))
print("T_CLIENT_SECRET=" + shlex.quote(d["client_secret"]))
print("T_COMPANY_ID=" + shlex.quote(str(d["companies"][0]["id"])))
EOF
)"
  T_API="/rest/v1.0/projects?company_id=$T_COMPANY_ID"
}

# fetch_token BASE — a client_credentials access token of the demo app (empty on failure)
fetch_token() {
  curl -s --max-time 5 --data-urlencode grant_type=client_credentials \
    --data-urlencode "client_id=$T_CLIENT_ID" --data-urlencode "client_secret=$T_CLIENT_SECRET" "$1/oauth/token" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin).get("access_token",""))' || true
}

# token_probe NAME BASE — the probe of a client_secret_post token request
token_probe() {
  probe "$1" --data-urlencode grant_type=client_credentials \
    --data-urlencode "client_id=$T_CLIENT_ID" --data-urlencode "client_secret=$T_CLIENT_SECRET" "$2/oauth/token"
}

# ---------------------------------------------------------------- 1. HTTP ceiling
if want ceiling; then
PORT=$(free_port)
BASE="http://127.0.0.1:$PORT"
PORT=$PORT start_server ceiling "$CEILING_BIN"
wait_ready ceiling "$BASE/rest/v1.0/projects"
probe ceiling_post -X POST -d 'grant_type=client_credentials' "$BASE/oauth/token"
bench ceiling_post "axum fixed JSON, POST /oauth/token" "$BASE" ceiling_post.lua
probe ceiling_get "$BASE/rest/v1.0/projects?company_id=1"
bench ceiling_get "axum fixed JSON, GET /rest/v1.0/projects" "$BASE" ceiling_get.lua
stop_server
fi

# ---------------------------------------------------------------- 2. Trestle (demo data)
if want trestle || want scale; then
PORT=$(free_port)
BASE="http://127.0.0.1:$PORT"
DATA_DIR=$(mktemp -d -t trestle-bench.XXXXXX)
# Trestle's Procore-style rate limit (default 3600 requests per caller per hour) would turn almost
# every benchmark request into a 429: off by default (0). BENCH_TRESTLE_RATE_LIMIT=4000000000 keeps
# the limiter on, so its cost is measured, with a budget no run can exhaust.
TRESTLE_LOG=${TRESTLE_LOG:-warn} start_server trestle "$TRESTLE_BIN" up --port "$PORT" --data-dir "$DATA_DIR" \
  --rate-limit-hourly "${BENCH_TRESTLE_RATE_LIMIT:-0}" --rate-limit-spike 0
wait_ready trestle "$BASE/health/ready" "$DATA_DIR/demo.json"
cp "$DATA_DIR/demo.json" "$RESULTS/trestle.demo.json"
demo_vars "$DATA_DIR/demo.json"

if want trestle; then
token_probe trestle_token_post "$BASE"
CLIENT_ID=$T_CLIENT_ID CLIENT_SECRET=$T_CLIENT_SECRET \
  bench trestle_token_post "POST /oauth/token client_secret_post" "$BASE" token_post.lua
probe trestle_token_basic -u "$T_CLIENT_ID:$T_CLIENT_SECRET" -d grant_type=client_credentials "$BASE/oauth/token"
CLIENT_ID=$T_CLIENT_ID CLIENT_SECRET=$T_CLIENT_SECRET \
  bench trestle_token_basic "POST /oauth/token client_secret_basic" "$BASE" token_basic.lua
# a fresh token for the API run, taken after the token runs
T_TOKEN=$(fetch_token "$BASE")
[[ -n "$T_TOKEN" ]] || log "WARNING: could not get a Trestle access token"
probe trestle_api_get -H "Authorization: Bearer $T_TOKEN" "$BASE$T_API"
TOKEN=$T_TOKEN PATH_QUERY=$T_API \
  bench trestle_api_get "GET $T_API Bearer" "$BASE" bearer_get.lua
# Trestle's own answers with their headers, for the same-bytes ceiling below
curl -s --max-time 5 -D "$RESULTS/same_token.body.headers" -o "$RESULTS/same_token.body" \
  --data-urlencode grant_type=client_credentials --data-urlencode "client_id=$T_CLIENT_ID" \
  --data-urlencode "client_secret=$T_CLIENT_SECRET" "$BASE/oauth/token" || true
curl -s --max-time 5 -D "$RESULTS/same_api.body.headers" -o "$RESULTS/same_api.body" \
  -H "Authorization: Bearer $T_TOKEN" "$BASE$T_API" || true
else
  T_TOKEN=$(fetch_token "$BASE")
fi
stop_server

# ---------------------------------------------------------------- 2b. Trestle with 100,000 installs
# The same app installed in 100,000 more companies: token and API cost must not depend on it.
if [[ "${BENCH_SKIP_SCALE:-}" != 1 ]] && want scale; then
  log "adding 100,000 companies that install the demo app"
  python3 "$BENCH_DIR/seed_installs.py" "$DATA_DIR/trestle.db" "$DATA_DIR/demo.json" 100000
  TRESTLE_LOG=${TRESTLE_LOG:-warn} start_server trestle "$TRESTLE_BIN" up --port "$PORT" --data-dir "$DATA_DIR" \
    --rate-limit-hourly "${BENCH_TRESTLE_RATE_LIMIT:-0}" --rate-limit-spike 0
  wait_ready trestle "$BASE/health/ready" "$DATA_DIR/demo.json"
  CLIENT_ID=$T_CLIENT_ID CLIENT_SECRET=$T_CLIENT_SECRET \
    bench trestle_token_post_100k "POST /oauth/token, app installed in 100,002 companies" "$BASE" token_post.lua
  probe trestle_api_get_100k -H "Authorization: Bearer $T_TOKEN" "$BASE$T_API"
  TOKEN=$T_TOKEN PATH_QUERY=$T_API \
    bench trestle_api_get_100k "GET $T_API Bearer, app installed in 100,002 companies" "$BASE" bearer_get.lua
  stop_server
fi
fi

# ---------------------------------------------------------------- 2c. Two nodes on PostgreSQL
# One node on PostgreSQL, then a second node on the same database (both pinned to the server
# core, so the figures compare like with like on a 2-core machine): a load split over two nodes
# must cost no more than one node's. Skipped when PostgreSQL does not answer (BENCH_PG_URL).
# ---------------------------------------------------------------- 2b. same-bytes ceiling
# The ceiling answering with Trestle's own token and project-list bytes and headers (captured
# above): what a server doing nothing but sending these answers delivers. Trestle's list answer
# is larger (691 bytes and Total, Per-Page and Link headers against the fixed 206 bytes).
if want trestle && [[ -s "$RESULTS/same_token.body" && -s "$RESULTS/same_api.body" ]]; then
  PORT=$(free_port)
  BASE="http://127.0.0.1:$PORT"
  PORT=$PORT CEILING_TOKEN="$RESULTS/same_token.body" CEILING_API_GET="$RESULTS/same_api.body" \
    start_server ceiling_same "$CEILING_BIN"
  wait_ready ceiling_same "$BASE/rest/v1.0/projects"
  probe ceiling_post_same -X POST -d 'grant_type=client_credentials' "$BASE/oauth/token"
  bench ceiling_post_same "axum, Trestle's token answer from memory, POST /oauth/token" "$BASE" ceiling_post.lua
  probe ceiling_get_same "$BASE/rest/v1.0/projects?company_id=1"
  bench ceiling_get_same "axum, Trestle's project list from memory, GET /rest/v1.0/projects" "$BASE" ceiling_get.lua
  stop_server
fi

# ---------------------------------------------------------------- 2c. a baseline build
# BENCH_BASELINE_BIN=/path/to/an/older/release/trestle: the token and API scenarios again on that
# binary, in this run, against this run's ceiling (e.g. the code before a restructuring).
if want trestle && [[ -n "${BENCH_BASELINE_BIN:-}" ]]; then
  [[ -x "$BENCH_BASELINE_BIN" ]] || die "BENCH_BASELINE_BIN=$BENCH_BASELINE_BIN is not an executable"
  PORT=$(free_port)
  BASE="http://127.0.0.1:$PORT"
  B_DIR=$(mktemp -d -t trestle-bench-base.XXXXXX)
  TRESTLE_LOG=${TRESTLE_LOG:-warn} start_server baseline "$BENCH_BASELINE_BIN" up --port "$PORT" --data-dir "$B_DIR" \
    --rate-limit-hourly "${BENCH_TRESTLE_RATE_LIMIT:-0}" --rate-limit-spike 0
  wait_ready baseline "$BASE/health/ready" "$B_DIR/demo.json"
  demo_vars "$B_DIR/demo.json"
  token_probe baseline_token_post "$BASE"
  CLIENT_ID=$T_CLIENT_ID CLIENT_SECRET=$T_CLIENT_SECRET \
    bench baseline_token_post "baseline build: POST /oauth/token client_secret_post" "$BASE" token_post.lua
  B_TOKEN=$(fetch_token "$BASE")
  probe baseline_api_get -H "Authorization: Bearer $B_TOKEN" "$BASE$T_API"
  TOKEN=$B_TOKEN PATH_QUERY=$T_API \
    bench baseline_api_get "baseline build: GET $T_API Bearer" "$BASE" bearer_get.lua
  stop_server
  rm -rf "$B_DIR"
fi

PG_URL=${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432/test}
PG_SCHEMA=""
if ! want pg; then
  :
elif [[ "${BENCH_SKIP_PG:-}" != 1 ]] && command -v psql >/dev/null && psql "$PG_URL" -qAtc 'SELECT 1' >/dev/null 2>&1; then
  PG_SCHEMA="bench_$(date +%s)_$$"
  psql "$PG_URL" -qc "CREATE SCHEMA $PG_SCHEMA" >/dev/null
  case "$PG_URL" in *\?*) SEP='&' ;; *) SEP='?' ;; esac
  NODE_DB="$PG_URL${SEP}options=-c%20search_path%3D$PG_SCHEMA"
  PG_DIR=$(mktemp -d -t trestle-bench-pg.XXXXXX)
  PORT_A=$(free_port); BASE_A="http://127.0.0.1:$PORT_A"
  TRESTLE_LOG=${TRESTLE_LOG:-warn} start_server node_a "$TRESTLE_BIN" up --port "$PORT_A" --data-dir "$PG_DIR" \
    --database-url "$NODE_DB" --rate-limit-hourly "${BENCH_TRESTLE_RATE_LIMIT:-0}" --rate-limit-spike 0
  NODE_A=$SERVER_PID
  wait_ready node_a "$BASE_A/health/ready" "$PG_DIR/demo.json"
  demo_vars "$PG_DIR/demo.json"
  token_probe trestle_pg_token_post "$BASE_A"
  CLIENT_ID=$T_CLIENT_ID CLIENT_SECRET=$T_CLIENT_SECRET \
    bench trestle_pg_token_post "POST /oauth/token, 1 node on PostgreSQL" "$BASE_A" token_post.lua
  P_TOKEN=$(fetch_token "$BASE_A")
  probe trestle_pg_api_get -H "Authorization: Bearer $P_TOKEN" "$BASE_A$T_API"
  TOKEN=$P_TOKEN PATH_QUERY=$T_API \
    bench trestle_pg_api_get "GET $T_API Bearer, 1 node on PostgreSQL" "$BASE_A" bearer_get.lua

  PORT_B=$(free_port); BASE_B="http://127.0.0.1:$PORT_B"
  TRESTLE_LOG=${TRESTLE_LOG:-warn} start_server node_b "$TRESTLE_BIN" serve --port "$PORT_B" --data-dir "$PG_DIR" \
    --database-url "$NODE_DB" --rate-limit-hourly "${BENCH_TRESTLE_RATE_LIMIT:-0}" --rate-limit-spike 0
  NODE_B=$SERVER_PID
  wait_ready node_b "$BASE_B/health/ready"

  # bench_pair NAME LABEL SCRIPT — half the connections to each node at once; one combined result
  bench_pair() {
    local name=$1 label=$2 script=$3 half=$((CONNECTIONS / 2)) c0 c1 t0 t1 cpu other
    wait_quiet
    taskset -c "$WRK_CPU" wrk -t1 -c"$half" -d"$WARMUP" -s "$BENCH_DIR/wrk/$script" "$BASE_A" >/dev/null 2>&1 &
    other=$!
    taskset -c "$WRK_CPU" wrk -t1 -c"$half" -d"$WARMUP" -s "$BENCH_DIR/wrk/$script" "$BASE_B" >/dev/null 2>&1 || true
    wait "$other" || true
    log "wrk $name ($DURATION): $BASE_A + $BASE_B"
    c0=$(( $(cpu_ticks "$NODE_A") + $(cpu_ticks "$NODE_B") )); t0=$(date +%s.%N)
    taskset -c "$WRK_CPU" wrk -t1 -c"$half" -d"$DURATION" --latency -s "$BENCH_DIR/wrk/$script" "$BASE_A" >"$RESULTS/$name.a.txt" 2>&1 &
    other=$!
    taskset -c "$WRK_CPU" wrk -t1 -c"$half" -d"$DURATION" --latency -s "$BENCH_DIR/wrk/$script" "$BASE_B" >"$RESULTS/$name.b.txt" 2>&1 || true
    wait "$other" || true
    t1=$(date +%s.%N); c1=$(( $(cpu_ticks "$NODE_A") + $(cpu_ticks "$NODE_B") ))
    cpu=$(python3 -c "print('%.0f' % (100 * ($c1 - $c0) / $(getconf CLK_TCK) / ($t1 - $t0)))")
    python3 - "$RESULTS/$name.a.txt" "$RESULTS/$name.b.txt" >"$RESULTS/$name.txt" <<'PYEOF'
import re, sys
sys.path.insert(0, __import__("os").environ["BENCH_DIR"])
from report import parse_wrk
a, b = (parse_wrk(open(f).read()) for f in sys.argv[1:3])
# the sum of both loads; the worse latency of the two
print(f"  {a['requests'] + b['requests']} requests in (two wrk processes, one per node)")
print("  Latency Distribution")
print(f"     50%    {max(a['p50'], b['p50']):.3f}ms")
print(f"     99%    {max(a['p99'], b['p99']):.3f}ms")
if a["non2xx"] + b["non2xx"]:
    print(f"  Non-2xx or 3xx responses: {a['non2xx'] + b['non2xx']}")
print(f"Requests/sec: {a['rps'] + b['rps']:.2f}")
PYEOF
    echo "servers' CPU (both nodes): $cpu% of one core" >>"$RESULTS/$name.txt"
    grep -E 'Requests/sec|Non-2xx' "$RESULTS/$name.txt" | sed 's/^/    /' >&2 || true
    printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$label" "$PROBE" "$cpu" "" >>"$RESULTS/scenarios.tsv"
  }
  export BENCH_DIR
  token_probe trestle_2node_token_post "$BASE_B"
  CLIENT_ID=$T_CLIENT_ID CLIENT_SECRET=$T_CLIENT_SECRET \
    bench_pair trestle_2node_token_post "POST /oauth/token, 2 nodes on PostgreSQL (same core)" token_post.lua
  probe trestle_2node_api_get -H "Authorization: Bearer $P_TOKEN" "$BASE_B$T_API"
  TOKEN=$P_TOKEN PATH_QUERY=$T_API \
    bench_pair trestle_2node_api_get "GET $T_API Bearer, 2 nodes on PostgreSQL (same core)" bearer_get.lua
  stop_server                       # node B
  SERVER_PID=$NODE_A; stop_server   # node A
  psql "$PG_URL" -qc "DROP SCHEMA $PG_SCHEMA CASCADE" >/dev/null 2>&1 || true
  PG_SCHEMA=""
  rm -rf "$PG_DIR"
else
  log "PostgreSQL does not answer at $PG_URL (or BENCH_SKIP_PG=1): skipping the 2-node scenarios"
fi

# ---------------------------------------------------------------- 3. node oidc-provider peer
if want oidc; then
PEER_ID=bench-client
PEER_SECRET=bench-secret-0123456789abcdef0123456789abcdef
PORT=$(free_port)
BASE="http://127.0.0.1:$PORT"
PORT=$PORT NODE_ENV=production start_server oidc node "$BENCH_DIR/peer/server.mjs"
wait_ready oidc "$BASE/.well-known/openid-configuration"
probe oidc_token_post -d "grant_type=client_credentials&client_id=$PEER_ID&client_secret=$PEER_SECRET" "$BASE/oauth/token"
CLIENT_ID=$PEER_ID CLIENT_SECRET=$PEER_SECRET \
  bench oidc_token_post "node oidc-provider opaque, POST /oauth/token client_secret_post" "$BASE" token_post.lua
# the in-memory adapter is an LRU of 1000 entries: take the token after the token run
O_TOKEN=$(curl -s --max-time 5 -u "$PEER_ID:$PEER_SECRET" -d grant_type=client_credentials "$BASE/oauth/token" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin).get("access_token",""))' || true)
probe oidc_bearer_get -H "Authorization: Bearer $O_TOKEN" "$BASE/rest/v1.0/projects?company_id=1"
TOKEN=$O_TOKEN PATH_QUERY="/rest/v1.0/projects?company_id=1" \
  bench oidc_bearer_get "node oidc-provider opaque, GET /rest/v1.0/projects Bearer" "$BASE" bearer_get.lua
stop_server
fi

# ---------------------------------------------------------------- 4. tool records (RFIs)
# One project's RFIs grown by bench/seed_records.py (straight into the stopped server's SQLite
# database, counters kept) to 1,000, then 100,000, then 1,000,000; the same filtered page of 100
# on each, one RFI created per request at 100,000; then the ceiling serves the very bytes of
# Trestle's list page and create answer (captured by the probes) from memory.
if want records; then
  # a page whose total is counted may take seconds at 1,000,000 RFIs: measure it, not wrk's 2 s timeout
  export WRK_TIMEOUT=${BENCH_RECORDS_TIMEOUT:-30s}
  export PROBE_TIMEOUT=60
  R_DIR=$(mktemp -d -t trestle-bench-rfis.XXXXXX)
  PORT=$(free_port)
  BASE="http://127.0.0.1:$PORT"
  # start_rfis NAME [ARGS...] — Trestle on the RFI data dir, with more server flags (the size
  # check and the uncached row pass --page-cache-mb 0: every request reads and renders its page)
  start_rfis() {
    local name=$1; shift
    TRESTLE_LOG=${TRESTLE_LOG:-warn} start_server "rfis_$name" "$TRESTLE_BIN" up --port "$PORT" --data-dir "$R_DIR" \
      --rate-limit-hourly "${BENCH_TRESTLE_RATE_LIMIT:-0}" --rate-limit-spike 0 "$@"
    wait_ready "rfis_$name" "$BASE/health/ready" "$R_DIR/demo.json"
    demo_vars "$R_DIR/demo.json"
    R_TOKEN=$(fetch_token "$BASE")
    [[ -n "$R_TOKEN" ]] || log "WARNING: could not get a Trestle access token"
  }
  # seed_rfis N — grows the project to N RFIs (the server stopped), bounded by BENCH_SEED_TIMEOUT
  seed_rfis() {
    log "seeding the project to $1 RFIs"
    timeout "${BENCH_SEED_TIMEOUT:-900}" python3 "$BENCH_DIR/seed_records.py" "$R_DIR/trestle.db" "$R_DIR/demo.json" "$1" \
      | tee -a "$RESULTS/seed_records.txt" >&2
  }
  start_rfis seed
  stop_server
  R_PROJECT=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["companies"][0]["permitted_project_ids"][0])' "$R_DIR/demo.json")
  # a person of the project: the sample RFIs' manager
  R_MANAGER=$(python3 - "$R_DIR/trestle.db" "$R_PROJECT" <<'PYEOF'
import json, sqlite3, sys
row = sqlite3.connect(sys.argv[1]).execute(
    "SELECT body FROM records WHERE project_id = ? AND resource = 'rfis' ORDER BY id LIMIT 1", (int(sys.argv[2]),)
).fetchone()
print(json.loads(row[0])["rfi_manager_id"])
PYEOF
)
  RFIS="/rest/v1.0/projects/$R_PROJECT/rfis"
  R_LIST="$RFIS?per_page=100&filters%5Bstatus%5D=open"
  R_ALL="$RFIS?per_page=100"
  DUMMY_TOKEN=$(python3 -c 'print("t" * 78)')
  create_probe() {
    probe "$1" -D "$RESULTS/$1.probe.body.headers" -H "Authorization: Bearer $2" -H 'Content-Type: application/json' -H 'Accept: application/json' \
      --data-binary "{\"rfi\":{\"subject\":\"Bench RFI: anchor bolt embedment at grid B-2\",\"rfi_manager_id\":$R_MANAGER,\"question\":{\"body\":\"Detail 5/S-301 shows 12 in. embedment, the general notes say 9 in. Which governs?\"},\"due_date\":\"2030-01-15\",\"private\":false,\"draft\":false}}" \
      "$3$RFIS"
  }

  seed_rfis 1000
  start_rfis 1k --page-cache-mb 0
  probe rfis_list_1k -D "$RESULTS/rfis_list_1k.probe.body.headers" -H "Authorization: Bearer $R_TOKEN" "$BASE$R_LIST"
  # the size check runs on one connection: at 1,000,000 RFIs a page may take a second, and 32
  # queued ones would not finish within a quick run; both sides alike, so the ratio compares costs
  WRK_CONNECTIONS=1 WRK_THREADS=1 TOKEN=$R_TOKEN PATH_QUERY=$R_LIST \
    bench rfis_list_1k "GET …/rfis?per_page=100&filters[status]=open, project of 1,000 RFIs, 1 connection" "$BASE" bearer_get.lua
  stop_server

  seed_rfis 100000
  start_rfis 100k_uncached --page-cache-mb 0
  probe rfis_list_uncached -H "Authorization: Bearer $R_TOKEN" "$BASE$R_LIST"
  TOKEN=$R_TOKEN PATH_QUERY=$R_LIST \
    bench rfis_list_uncached "GET …/rfis?per_page=100&filters[status]=open, project of 100,000 RFIs, page cache off" "$BASE" bearer_get.lua
  stop_server
  start_rfis 100k
  probe rfis_list -D "$RESULTS/rfis_list.probe.body.headers" -H "Authorization: Bearer $R_TOKEN" "$BASE$R_LIST"
  TOKEN=$R_TOKEN PATH_QUERY=$R_LIST \
    bench rfis_list "GET …/rfis?per_page=100&filters[status]=open, project of 100,000 RFIs" "$BASE" bearer_get.lua
  probe rfis_list_all -D "$RESULTS/rfis_list_all.probe.body.headers" -H "Authorization: Bearer $R_TOKEN" "$BASE$R_ALL"
  TOKEN=$R_TOKEN PATH_QUERY=$R_ALL \
    bench rfis_list_all "GET …/rfis?per_page=100 (no filter), project of 100,000 RFIs" "$BASE" bearer_get.lua
  create_probe rfis_create "$R_TOKEN" "$BASE"
  TOKEN=$R_TOKEN RFIS_PATH=$RFIS MANAGER_ID=$R_MANAGER \
    bench rfis_create "POST …/rfis (one RFI), project of 100,000 RFIs" "$BASE" rfis_create.lua
  stop_server

  if seed_rfis 1000000; then
    start_rfis 1m --page-cache-mb 0
    probe rfis_list_1m -D "$RESULTS/rfis_list_1m.probe.body.headers" -H "Authorization: Bearer $R_TOKEN" "$BASE$R_LIST"
    WRK_CONNECTIONS=1 WRK_THREADS=1 TOKEN=$R_TOKEN PATH_QUERY=$R_LIST \
      bench rfis_list_1m "GET …/rfis?per_page=100&filters[status]=open, project of 1,000,000 RFIs, 1 connection" "$BASE" bearer_get.lua
    stop_server
  else
    log "WARNING: seeding 1,000,000 RFIs failed or took over ${BENCH_SEED_TIMEOUT:-900} s: no rfis_list_1m"
  fi

  PORT=$(free_port)
  BASE="http://127.0.0.1:$PORT"
  PORT=$PORT CEILING_RFIS_LIST="$RESULTS/rfis_list.probe.body" CEILING_RFIS_CREATE="$RESULTS/rfis_create.probe.body" \
    start_server ceiling_rfis "$CEILING_BIN"
  wait_ready ceiling_rfis "$BASE/rest/v1.0/projects"
  probe ceiling_rfis_list -H "Authorization: Bearer $DUMMY_TOKEN" "$BASE$R_LIST"
  cmp -s "$RESULTS/ceiling_rfis_list.probe.body" "$RESULTS/rfis_list.probe.body" \
    || log "WARNING: the ceiling's list body differs from Trestle's"
  TOKEN=$DUMMY_TOKEN PATH_QUERY=$R_LIST \
    bench ceiling_rfis_list "axum, Trestle's rfis_list body from memory" "$BASE" bearer_get.lua
  create_probe ceiling_rfis_create "$DUMMY_TOKEN" "$BASE"
  TOKEN=$DUMMY_TOKEN RFIS_PATH=$RFIS MANAGER_ID=$R_MANAGER \
    bench ceiling_rfis_create "axum, reads the body, Trestle's rfis_create answer from memory (201)" "$BASE" rfis_create.lua
  stop_server
  rm -rf "$R_DIR"
  R_DIR=""
  unset WRK_TIMEOUT PROBE_TIMEOUT
fi

# ---------------------------------------------------------------- 5. webhook delivery
# bench/ceiling's trestle-bench-webhooks (pinned to the wrk core) is the receiver and the load: it
# makes one project hook per project (BENCH_WEBHOOK_PROJECTS) to itself on 127.0.0.1, creates RFIs
# round-robin over the projects and times each delivery from its RFI's 201 (the commit), on one
# clock. latency: BENCH_WEBHOOK_RATE events/s for BENCH_WEBHOOK_SECONDS; max: a backlog made while
# the receiver holds every hook's head, then drained alone (deliveries/s, and per core of the
# server's CPU); then the token POST and the authorized GET with and without events and their
# deliveries running (BENCH_WEBHOOK_BG_RATE events/s in the background). SQLite, then PostgreSQL.
if want webhooks; then
  W_RATE=${BENCH_WEBHOOK_RATE:-1000}
  W_SECONDS=${BENCH_WEBHOOK_SECONDS:-10}
  W_PROJECTS_N=${BENCH_WEBHOOK_PROJECTS:-16}
  W_BG_RATE=${BENCH_WEBHOOK_BG_RATE:-100}
  if ! want ceiling; then
    # the POST-rate ceiling the delivery rate is compared with
    PORT=$(free_port); BASE="http://127.0.0.1:$PORT"
    PORT=$PORT start_server ceiling "$CEILING_BIN"
    wait_ready ceiling "$BASE/rest/v1.0/projects"
    probe ceiling_post -X POST -d 'grant_type=client_credentials' "$BASE/oauth/token"
    bench ceiling_post "axum fixed JSON, POST /oauth/token" "$BASE" ceiling_post.lua
    stop_server
  fi
  DUR_S=${DURATION%s}; WARM_S=${WARMUP%s}
  W_BG_SECONDS=$(( ROUNDS * DUR_S + WARM_S + 4 ))
  W_DBS="sqlite"
  if [[ "${BENCH_SKIP_PG:-}" != 1 ]] && command -v psql >/dev/null && psql "$PG_URL" -qAtc 'SELECT 1' >/dev/null 2>&1; then
    W_DBS="sqlite pg"
  else
    log "PostgreSQL does not answer at $PG_URL (or BENCH_SKIP_PG=1): webhook scenarios on SQLite only"
  fi
  for W_DB in $W_DBS; do
    W_DIR=$(mktemp -d -t trestle-bench-wh.XXXXXX); DATA_DIR=$W_DIR
    W_ARGS=()
    if [[ "$W_DB" == pg ]]; then
      PG_SCHEMA="bench_wh_$(date +%s)_$$"
      psql "$PG_URL" -qc "CREATE SCHEMA $PG_SCHEMA" >/dev/null
      case "$PG_URL" in *\?*) SEP='&' ;; *) SEP='?' ;; esac
      W_ARGS=(--database-url "$PG_URL${SEP}options=-c%20search_path%3D$PG_SCHEMA")
    fi
    PORT=$(free_port); BASE="http://127.0.0.1:$PORT"
    TRESTLE_LOG=${TRESTLE_LOG:-warn} start_server "wh_$W_DB" "$TRESTLE_BIN" up --port "$PORT" --data-dir "$W_DIR" \
      --rate-limit-hourly 0 --rate-limit-spike 0 "${W_ARGS[@]}"
    wait_ready "wh_$W_DB" "$BASE/health/ready" "$W_DIR/demo.json"
    demo_vars "$W_DIR/demo.json"
    # webhooks <mode> <projects> [args…] — one run of the tool on fresh projects and hooks
    webhooks() {
      local mode=$1 n=$2; shift 2
      eval "$(python3 "$BENCH_DIR/webhook_world.py" "$W_DIR/demo.json" "$BASE" "$n")"
      timeout 150 taskset -c "$WRK_CPU" "$WEBHOOKS_BIN" --base "$BASE" --token "$W_TOKEN" --company "$W_COMPANY" \
        --projects "$W_PROJECTS" --manager 1 --mode "$mode" "$@"
    }
    wait_quiet
    log "webhooks on $W_DB: $W_RATE events/s for ${W_SECONDS}s over $W_PROJECTS_N hooks"
    webhooks latency "$W_PROJECTS_N" --rate "$W_RATE" --seconds "$W_SECONDS" \
      | tee "$RESULTS/webhooks_${W_DB}_latency.json" >&2 || log "WARNING: the latency run failed"
    wait_quiet
    log "webhooks on $W_DB: the largest delivery rate (a held backlog drained)"
    webhooks max "${BENCH_WEBHOOK_MAX_PROJECTS:-32}" --seconds 3 --pid "$SERVER_PID" \
      | tee "$RESULTS/webhooks_${W_DB}_max.json" >&2 || log "WARNING: the max run failed"
    # the request path, idle and with events and deliveries running
    W_TOK=$(fetch_token "$BASE")
    token_probe "wh_${W_DB}_token_idle" "$BASE"
    CLIENT_ID=$T_CLIENT_ID CLIENT_SECRET=$T_CLIENT_SECRET \
      bench "wh_${W_DB}_token_idle" "POST /oauth/token, no deliveries ($W_DB)" "$BASE" token_post.lua
    probe "wh_${W_DB}_api_idle" -H "Authorization: Bearer $W_TOK" "$BASE$T_API"
    TOKEN=$W_TOK PATH_QUERY=$T_API bench "wh_${W_DB}_api_idle" "GET $T_API Bearer, no deliveries ($W_DB)" "$BASE" bearer_get.lua
    for kind in token api; do
      webhooks background 4 --rate "$W_BG_RATE" --seconds "$W_BG_SECONDS" >"$RESULTS/webhooks_${W_DB}_bg_$kind.json" &
      W_BG=$!
      sleep 1
      if [[ $kind == token ]]; then
        token_probe "wh_${W_DB}_token_busy" "$BASE"
        QUIET_WAIT=0 CLIENT_ID=$T_CLIENT_ID CLIENT_SECRET=$T_CLIENT_SECRET \
          bench "wh_${W_DB}_token_busy" "POST /oauth/token, $W_BG_RATE events/s delivered meanwhile ($W_DB)" "$BASE" token_post.lua
      else
        probe "wh_${W_DB}_api_busy" -H "Authorization: Bearer $W_TOK" "$BASE$T_API"
        QUIET_WAIT=0 TOKEN=$W_TOK PATH_QUERY=$T_API \
          bench "wh_${W_DB}_api_busy" "GET $T_API Bearer, $W_BG_RATE events/s delivered meanwhile ($W_DB)" "$BASE" bearer_get.lua
      fi
      wait "$W_BG" || log "WARNING: the background run failed"
    done
    stop_server
    rm -rf "$W_DIR"; DATA_DIR=""
    if [[ -n "$PG_SCHEMA" ]]; then psql "$PG_URL" -qc "DROP SCHEMA $PG_SCHEMA CASCADE" >/dev/null 2>&1 || true; PG_SCHEMA=""; fi
  done
fi

# ---------------------------------------------------------------- report
echo
cat "$RESULTS/env.txt"
echo
status=0
python3 "$BENCH_DIR/report.py" "$RESULTS" || status=$?
cp "$RESULTS/table.md" "$BENCH_DIR/results/latest.md"
{ echo; echo '```'; cat "$RESULTS/env.txt"; echo '```'; } >>"$BENCH_DIR/results/latest.md"
echo
log "raw wrk outputs, server logs and table: $RESULTS"
exit "$status"
