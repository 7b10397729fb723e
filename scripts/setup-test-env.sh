#!/usr/bin/env bash
# Idempotent: installs and starts what the test suite needs beyond npm. Runs before every
# `npm test` (the `pretest` script) and so in CI.
#
# PostgreSQL: the suite runs the store suite and the parity tests against a real server. This
# script installs Debian's server with apt-get when it is missing, then starts a private test
# cluster of its own (data in $TENURE_TEST_PG_DIR, default /tmp/tenure-test-pg) listening on
# 127.0.0.1 only, on a free port. A cluster this script started earlier is reused; any other
# server on the machine (Debian's own `main` cluster, a developer's) is left alone: this script
# stops nothing it did not start. The connection URL is written to $TENURE_TEST_PG_DIR/url,
# which the tests read (src/store/postgres/test-server.ts).
#
# Outside CI a failure here (no apt, no network) is a warning and the PostgreSQL tests skip with
# a message; with CI=true it fails the run.
set -euo pipefail

# ClickHouse (issue 17): a two-shard loopback test cluster, in a script of its own (it fails the
# run only with CI=true, like the PostgreSQL part below).
bash "$(dirname "${BASH_SOURCE[0]}")/clickhouse-cluster.sh"
# Chromium: the console's browser tests (test/console/) drive Debian's chromium through
# playwright-core (no downloaded browser). Installed with apt-get when /usr/bin/chromium is
# missing; outside CI a failure is a warning and those tests skip, with CI=true it fails the run.
# This part runs first and never exits early, so the PostgreSQL part below always runs.
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" != "0" ]; then
    echo "setup-test-env: /usr/bin/chromium is missing and this is not root: apt-get install chromium" >&2
    if [ "${CI:-}" = "true" ]; then exit 1; fi
  else
    echo "setup-test-env: installing Chromium (apt-get install chromium)" >&2
    export DEBIAN_FRONTEND=noninteractive
    # Another apt run (a second setup) may hold the lock: wait for it rather than fail.
    apt_chromium() { apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=600 chromium >>/tmp/tenure-apt-chromium.log 2>&1; }
    if ! apt_chromium; then
      apt-get update -q -o DPkg::Lock::Timeout=600 >>/tmp/tenure-apt-chromium.log 2>&1 || true
      if ! apt_chromium; then
        echo "setup-test-env: apt-get install chromium failed (log: /tmp/tenure-apt-chromium.log)" >&2
        if [ "${CI:-}" = "true" ]; then exit 1; fi
        echo "setup-test-env: continuing without Chromium (the console's browser tests will skip; in CI they fail)" >&2
      fi
    fi
  fi
fi
# The console speaks Chinese by default: without a CJK font its screenshots show boxes.
if [ -x /usr/bin/chromium ] && [ "$(id -u)" = "0" ] && command -v fc-list >/dev/null 2>&1 && [ -z "$(fc-list :lang=zh 2>/dev/null)" ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=600 fonts-wqy-zenhei >>/tmp/tenure-apt-chromium.log 2>&1 ||
    echo "setup-test-env: apt-get install fonts-wqy-zenhei failed: Chinese text in the console's screenshots shows as boxes" >&2
fi

PG_DIR="${TENURE_TEST_PG_DIR:-/tmp/tenure-test-pg}"
DATA="$PG_DIR/data"

fail() {
  echo "setup-test-env: $*" >&2
  if [ "${CI:-}" = "true" ]; then exit 1; fi
  echo "setup-test-env: continuing without PostgreSQL (its tests will skip; in CI they fail)" >&2
  exit 0
}

pg_bin() {
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  if [ -n "$dir" ] && [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then echo "$dir"; fi
}

BIN="$(pg_bin)"
if [ -z "$BIN" ]; then
  if [ "$(id -u)" != "0" ]; then fail "PostgreSQL server binaries are missing and this is not root: apt-get install postgresql"; fi
  echo "setup-test-env: installing PostgreSQL (apt-get install postgresql)" >&2
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -q --no-install-recommends postgresql >/tmp/tenure-apt.log 2>&1; then
    apt-get update -q >>/tmp/tenure-apt.log 2>&1 || true
    apt-get install -y -q --no-install-recommends postgresql >>/tmp/tenure-apt.log 2>&1 ||
      fail "apt-get install postgresql failed (log: /tmp/tenure-apt.log)"
  fi
  BIN="$(pg_bin)"
  [ -n "$BIN" ] || fail "PostgreSQL installed but initdb/pg_ctl not found under /usr/lib/postgresql"
fi

# initdb and the server refuse to run as root: as root they run as the `postgres` system user
# (the Debian package creates it), otherwise as the current user.
if [ "$(id -u)" = "0" ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
  as_pg() { runuser -u postgres -- "$@"; }
  mkdir -p "$PG_DIR"
  chown postgres "$PG_DIR"
else
  as_pg() { "$@"; }
  mkdir -p "$PG_DIR"
fi
chmod 755 "$PG_DIR"

if as_pg "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1 && [ -s "$PG_DIR/url" ]; then
  exit 0 # already running: the cluster this script started earlier
fi

if [ ! -s "$DATA/PG_VERSION" ]; then
  rm -rf "$DATA"
  as_pg "$BIN/initdb" -D "$DATA" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1 ||
    as_pg "$BIN/initdb" -D "$DATA" -U postgres --auth=trust --encoding=UTF8 --locale=C >"$PG_DIR/initdb.log" 2>&1 ||
    fail "initdb failed (log: $PG_DIR/initdb.log)"
  # Loopback only. One role signs in with a password so the tests can check a wrong one; every
  # other role is trusted (a throw-away test cluster on 127.0.0.1).
  cat >"$DATA/pg_hba.conf" <<'EOF'
local all all trust
host all tenure_pw 127.0.0.1/32 scram-sha-256
host all all 127.0.0.1/32 trust
EOF
fi

# A free port: the first of 55432… that nothing listens on.
port=""
for candidate in $(seq 55432 55532); do
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then port="$candidate"; break; fi
done
[ -n "$port" ] || fail "no free port in 55432-55532 for the test cluster"

as_pg "$BIN/pg_ctl" -D "$DATA" -l "$PG_DIR/server.log" -w -t 60 \
  -o "-p $port -c listen_addresses=127.0.0.1 -k $PG_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 -c shared_buffers=256MB" \
  start >/dev/null 2>&1 || fail "the test cluster did not start (log: $PG_DIR/server.log)"

"$BIN/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -q >/dev/null <<'EOF' || fail "could not create the test roles"
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'tenure_pw') THEN
    CREATE ROLE tenure_pw LOGIN PASSWORD 'right-password';
  END IF;
END $$;
EOF

echo "postgres://postgres@127.0.0.1:$port/postgres" >"$PG_DIR/url.tmp"
mv "$PG_DIR/url.tmp" "$PG_DIR/url"
chmod 644 "$PG_DIR/url"
echo "setup-test-env: PostgreSQL test cluster on 127.0.0.1:$port ($DATA)" >&2
