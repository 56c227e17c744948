#!/usr/bin/env bash
# Soak: a release build of `trestle up` on 127.0.0.1 with short lifetimes and a 10-second
# janitor, driven at a fixed rate for a bounded time (scripts/soak.py: token issuance, REST
# calls, revocations, authorization-code flows with refresh, web UI sign-ins). Every minute it
# prints RSS, open files, p99 latency and table sizes; at the end, whether they stayed flat
# after the purge horizon. Exits 0 when flat with no errors.
#
#   scripts/soak.sh [minutes]          (default 30; SOAK_SAMPLE_SECS=60 the sampling period)
set -euo pipefail
minutes=${1:-30}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

cargo build --release --locked -p trestle
data=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# Lifetimes in seconds; the purge horizon is the longest time a row may legitimately live,
# plus one janitor interval.
access=60 refresh=120 code=60 session=120 janitor=10
horizon=$(( refresh + access > session ? refresh + access : session ))
horizon=$(( horizon + janitor ))

RUST_LOG=warn "$root/target/release/trestle" up --data-dir "$data" --bind 127.0.0.1 --port "$port" \
  --rate-limit-hourly 100000000 --janitor-interval-secs "$janitor" \
  --access-token-ttl-secs "$access" --refresh-token-max-age-secs "$refresh" \
  --code-ttl-secs "$code" --session-ttl-secs "$session" >"$data/server.log" 2>&1 &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$data"; }
trap cleanup EXIT

for _ in $(seq 1 300); do
  [ -s "$data/demo.json" ] && curl -fs "http://127.0.0.1:$port/health/ready" >/dev/null && break
  kill -0 "$pid" 2>/dev/null || { cat "$data/server.log" >&2; exit 1; }
  sleep 0.2
done
[ -s "$data/demo.json" ] || { echo "the server did not start" >&2; cat "$data/server.log" >&2; exit 1; }

set +e
python3 "$root/scripts/soak.py" "$data" "$pid" "$minutes" "$horizon"
status=$?
set -e
if grep -qiE 'panic|error' "$data/server.log"; then
  echo "---- server log (errors)"; grep -iE 'panic|error' "$data/server.log" | head -20
fi
exit $status
