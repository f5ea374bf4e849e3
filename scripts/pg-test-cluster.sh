#!/usr/bin/env bash
# Throwaway PostgreSQL cluster for running the store tests against a real server:
#   scripts/pg-test-cluster.sh start DIR PORT   -> prints postgres://postgres@127.0.0.1:PORT/facestream_test
#   scripts/pg-test-cluster.sh stop DIR
# PG_OPTIONS adds server options at start, e.g. PG_OPTIONS="-c max_locks_per_transaction=10" (a small lock table).
# Idempotent: starting a running cluster just prints its URL. PostgreSQL refuses to run as root,
# so as root the binaries run as the `postgres` user via runuser; otherwise as the current user.
set -euo pipefail

PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
DB_NAME=facestream_test

usage() { echo "usage: $0 start DIR PORT | stop DIR" >&2; exit 2; }

as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

running() { as_pg "$PG_BIN/pg_ctl" -D "$1" status >/dev/null 2>&1; }

cmd="${1:-}"; dir="${2:-}"
# Absolute path, then leave the checkout: the postgres user may not be allowed into it (e.g. under /root).
[ -n "$dir" ] && dir=$(realpath -m "$dir")
cd /
[ -n "$cmd" ] && [ -n "$dir" ] || usage
# Absolute path: pg_ctl runs as another user and must not depend on our cwd.
dir="$(mkdir -p "$dir" && cd "$dir" && pwd)"

case "$cmd" in
  start)
    port="${3:-}"; [ -n "$port" ] || usage
    if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$dir"; chmod 700 "$dir"; fi
    if [ ! -f "$dir/PG_VERSION" ]; then
      as_pg "$PG_BIN/initdb" -D "$dir" -A trust -U postgres >"$dir.initdb.log" 2>&1 \
        || { cat "$dir.initdb.log" >&2; exit 1; }
    fi
    if ! running "$dir"; then
      # Socket in /tmp and TCP on loopback only: a test cluster with trust auth must not be reachable from outside.
      as_pg "$PG_BIN/pg_ctl" -D "$dir" -l "$dir/server.log" \
        -o "-p $port -k /tmp -c listen_addresses=127.0.0.1 ${PG_OPTIONS:-}" -w start >/dev/null
    fi
    if ! as_pg "$PG_BIN/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAc \
        "select 1 from pg_database where datname = '$DB_NAME'" | grep -q 1; then
      as_pg "$PG_BIN/createdb" -h 127.0.0.1 -p "$port" -U postgres "$DB_NAME"
    fi
    echo "postgres://postgres@127.0.0.1:$port/$DB_NAME"
    ;;
  stop)
    if [ -f "$dir/PG_VERSION" ] && running "$dir"; then
      as_pg "$PG_BIN/pg_ctl" -D "$dir" -m fast -w stop >/dev/null
    fi
    ;;
  *) usage ;;
esac
