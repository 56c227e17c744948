#!/usr/bin/env bash
# Fault check: PostgreSQL stops for 4 s and starts again while a Trestle node serves requests. During the outage every
# answer is a 200 or a 503 (never a 500, never a hang past the client timeout), and the node
# recovers by itself once PostgreSQL is back. Needs a local PostgreSQL cluster we may restart
# (pg_ctlcluster) — run it when nothing else uses that cluster.
#
#   TRESTLE_BIN=target/debug/trestle scripts/faults.sh
#
# Last line: `faults: N passed, M failed`.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${TRESTLE_BIN:-target/debug/trestle}
PG=postgres://postgres@127.0.0.1:5432
DB="trestle_faults_$$"
WORK=$(mktemp -d -t trestle-faults.XXXXXX)
PID=""
cleanup() {
  [ -n "$PID" ] && kill "$PID" 2>/dev/null || true
  psql -q "$PG/test" -c "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "faults: $*" >&2; echo "faults: 0 passed, 1 failed"; exit 1; }

command -v pg_ctlcluster >/dev/null || fail "pg_ctlcluster is not available"
VERSION=$(ls /etc/postgresql | head -n1)
psql -q "$PG/test" -c "CREATE DATABASE $DB" >/dev/null
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
TRESTLE_LOG=warn "$BIN" up --port "$PORT" --data-dir "$WORK" --database-url "$PG/$DB" --rate-limit-hourly 0 \
  >"$WORK/out.log" 2>"$WORK/err.log" &
PID=$!
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$PORT/health/ready" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fs "http://127.0.0.1:$PORT/health/ready" >/dev/null || fail "Trestle did not start (see $WORK/err.log)"

python3 - "$WORK/demo.json" "$PORT" "$VERSION" <<'PY' || fail "see above"
import json, subprocess, sys, threading, time, urllib.error, urllib.parse, urllib.request

demo = json.load(open(sys.argv[1]))
base = f"http://127.0.0.1:{sys.argv[2]}"
version = sys.argv[3]
company = demo["companies"][0]["id"]
admin = demo["companies"][0]["admin_api_token"]

def call(path, token, data=None):
    req = urllib.request.Request(base + path, data=data, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except Exception as e:  # a hang or a dropped connection is a failure too
        return f"error: {e}", b""

form = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": demo["client_id"],
                               "client_secret": demo["client_secret"]}).encode()
status, body = call("/oauth/token", None, form)
assert status == 200, (status, body)
token = json.loads(body)["access_token"]

seen, stop = [], time.time() + 10  # bounded: 10 seconds of load
def load():
    paths = [(f"/rest/v1.0/projects?company_id={company}", token), (f"/api/v1/companies/{company}/installs", admin)]
    i = 0
    while time.time() < stop:
        p, t = paths[i % 2]
        s, b = call(p, t)
        seen.append((s, b[:200]))
        i += 1
        time.sleep(0.01)

threads = [threading.Thread(target=load) for _ in range(4)]
for t in threads:
    t.start()
time.sleep(1.5)
# an outage longer than the pool's wait (3 s), so requests must answer 503, not wait it out
subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "stop", "-m", "fast"], check=True)
time.sleep(4)
subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"], check=True)
for t in threads:
    t.join()

statuses = {}
for s, _ in seen:
    statuses[s] = statuses.get(s, 0) + 1
print("answers during the run:", statuses)
assert statuses.get(503, 0) > 0, "the outage produced no 503: it was not observed"
bad = [(s, b) for s, b in seen if s not in (200, 503)]
assert not bad, f"answers other than 200/503: {bad[:5]}"
for s, b in seen:
    if s == 503:
        assert b"unavailable" in b, b
# recovery without restarting Trestle (bounded)
deadline = time.time() + 30
while time.time() < deadline:
    if call(f"/api/v1/companies/{company}/installs", admin)[0] == 200 and \
       call(f"/rest/v1.0/projects?company_id={company}", token)[0] == 200:
        break
    time.sleep(0.2)
else:
    raise SystemExit("Trestle did not recover after PostgreSQL came back")
print("recovered without a restart")
PY
kill -0 "$PID" 2>/dev/null || fail "the Trestle node died"
echo "faults: 1 passed, 0 failed"
