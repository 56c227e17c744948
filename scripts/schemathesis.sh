#!/usr/bin/env bash
# Runs Schemathesis (a schema-driven API tester, from PyPI) against a live Trestle server, over the
# document Trestle serves at /openapi.json: every catalog operation of the Procore-compatible REST
# surface and the OAuth endpoints, as the demo app's bot (admin in the demo's company, on its
# permitted projects), and the management API as the operator. It fails on any server error and on
# any answer whose status, content type or body the document does not declare.
#
#   scripts/schemathesis.sh            bounded run (a few examples per operation; the test command's)
#   scripts/schemathesis.sh --full     many examples per operation, every phase (long)
#
# Environment:
#   TRESTLE_BIN          use this trestle binary instead of building one
#   SCHEMATHESIS_EXAMPLES  examples per operation (default 3 bounded, 50 full)
#   KEEP_WORK=1          keep the scratch dir (server log, reports)
#
# The last line printed is `schemathesis: N passed, M failed` (N, M = runs).
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

FULL=0
[ "${1:-}" = "--full" ] && FULL=1
EXAMPLES="${SCHEMATHESIS_EXAMPLES:-$([ "$FULL" = 1 ] && echo 50 || echo 3)}"
VENV="$ROOT/target/schemathesis-venv"
VERSION=4.32.5

warn() { printf 'schemathesis: %s\n' "$*" >&2; }
WORK="$(mktemp -d "${TMPDIR:-/tmp}/trestle-schemathesis.XXXXXX")"
SERVER_PID=""
passed=0 failed=0
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  if [ "$failed" -eq 0 ] && [ "${KEEP_WORK:-0}" != 1 ]; then rm -rf "$WORK"; else warn "scratch dir kept: $WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
finish() { echo "schemathesis: $passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }

if [ ! -x "$VENV/bin/schemathesis" ] || ! "$VENV/bin/schemathesis" --version 2>/dev/null | grep -q "$VERSION"; then
  python3 -m venv "$VENV" && "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "schemathesis==$VERSION" \
    || { warn "could not install schemathesis $VERSION"; failed=1; finish; }
fi

bin="${TRESTLE_BIN:-}"
if [ -z "$bin" ]; then
  cargo build -p trestle || { warn "cargo build failed"; failed=1; finish; }
  bin="$ROOT/target/debug/trestle"
fi
env -u TRESTLE_DATABASE_URL -u TRESTLE_SECRET_KEY -u TRESTLE_SECRET_KEY_FILE -u TRESTLE_PUBLIC_URL \
    -u TRESTLE_STRICT_COMPANY_HEADER -u TRESTLE_BIND -u TRESTLE_PORT -u TRESTLE_DATA_DIR \
    TRESTLE_LOG="${TRESTLE_LOG:-warn}" TRESTLE_RATE_LIMIT_HOURLY=0 TRESTLE_RATE_LIMIT_SPIKE=0 \
    "$bin" up --port 0 --data-dir "$WORK/data" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
base=""
for _ in $(seq 1 600); do
  kill -0 "$SERVER_PID" 2>/dev/null || { sed 's/^/    /' "$WORK/server.log" >&2; warn "trestle exited"; failed=1; finish; }
  base="$(sed -n 's/^Trestle is running at \(http:\/\/127\.0\.0\.1:[0-9]*\).*$/\1/p' "$WORK/server.log" | head -n1)"
  [ -n "$base" ] && [ -s "$WORK/data/demo.json" ] && break
  sleep 0.1
done
[ -n "$base" ] || { warn "no 'Trestle is running at' line"; failed=1; finish; }
for _ in $(seq 1 100); do curl -fsS --max-time 2 -o /dev/null "$base/health/ready" && break; sleep 0.2; done

demo="$WORK/data/demo.json"
field() { "$VENV/bin/python" -c "import json,sys; d=json.load(open('$demo')); print(eval(sys.argv[1]))" "$1"; }
company="$(field "d['companies'][0]['id']")"
project="$(field "d['companies'][0]['permitted_project_ids'][0]")"
operator="$(field "d['operator_api_token']")"
token="$(curl -fsS -X POST "$base/oauth/token" -d grant_type=client_credentials \
  -d "client_id=$(field "d['client_id']")" -d "client_secret=$(field "d['client_secret']")" \
  | "$VENV/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')" \
  || { warn "no token"; failed=1; finish; }

# Path ids the generator would otherwise draw at random (and get 404 for) are pinned to the demo's
# company and a permitted project, so the operations run against the engine's real scope.
cat >"$WORK/schemathesis.toml" <<EOF
[parameters]
"path.company_id" = $company
"path.project_id" = $project
"query.company_id" = $company
"query.project_id" = $project
"header.Procore-Company-Id" = "$company"
EOF

phases="examples,fuzzing"
[ "$FULL" = 1 ] && phases="examples,coverage,fuzzing,stateful"
checks="not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
run() { # run <name> <path regex> <bearer> [more schemathesis arguments]
  local name="$1" regex="$2" bearer="$3"; shift 3
  echo "==> schemathesis: $name ($EXAMPLES examples per operation, phases $phases)"
  if (cd "$WORK" && timeout --kill-after=10 "$([ "$FULL" = 1 ] && echo 7200 || echo 900)" \
      "$VENV/bin/schemathesis" --config-file "$WORK/schemathesis.toml" run "$base/openapi.json" \
      --url "$base" --include-path-regex "$regex" --header "Authorization: Bearer $bearer" \
      --checks "$checks" --phases "$phases" --max-examples "$EXAMPLES" --workers 2 \
      --no-color --report junit --report-dir "$WORK/report-$name" --seed 1 "$@") ; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
  fi
}
run procore '^/(rest|oauth)/' "$token"
# Moving the sandbox clock (up to ten years a call) would expire the operator's and the bot's
# tokens halfway through the run, and a sandbox reset would take back, mid-run, what the run's
# other requests created: both have their own tests (tests/it/sandbox_clock.rs,
# tests/it/sandbox_reset.rs).
run management '^/api/' "$operator" --exclude-path /api/v1/clock/advance \
  --exclude-path /api/v1/sandbox/reset
finish
