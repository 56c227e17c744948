#!/usr/bin/env bash
# Runs Trestle's whole test suite: unit tests, the storage conformance suite and the HTTP
# integration tests, each on SQLite and on PostgreSQL.
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

cargo test --workspace --locked "$@"
