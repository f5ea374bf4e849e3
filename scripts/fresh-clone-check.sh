#!/usr/bin/env bash
# Measures the README's quick start on a fresh clone of this repository (committed state only):
#   1. `npm test` (timed; on a fresh clone this includes the bootstrap's npm ci)
#   2. `npm start` in the background with PORT=18090 and a throwaway DATA_DIR, until /health answers
#      (at most 180 s), then the server is stopped.
# Prints "npm test: N s", "npm start to ready: N s" and "clone to ready: N s" (from the start of the
# clone to the first successful /health, so it includes step 1).
#
#   scripts/fresh-clone-check.sh [--start-first] [--keep]
#     --start-first  run `npm start` before `npm test`: "clone to ready" is then the cold start
#                    (clone, npm ci, client build, server start), the README's first command
#     --keep         keep the clone (its path is printed) instead of deleting it
#
# Not run by CI. Needs what the bootstrap needs (root on Debian installs missing system packages).
set -euo pipefail

PORT="${PORT:-18090}"
READY_TIMEOUT=180
start_first=0
keep=0
for a in "$@"; do
  case "$a" in
    --start-first) start_first=1 ;;
    --keep) keep=1 ;;
    *) echo "usage: $0 [--start-first] [--keep]" >&2; exit 2 ;;
  esac
done

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

work="$(mktemp -d)"
clone="$work/fresh"
data_dir="$work/data"
server_log="$work/server.log"
server_pid=""

stop_server() {
  [ -n "$server_pid" ] || return 0
  # The server runs in its own process group (setsid): npm -> sh -> tsx -> node all go together.
  kill -TERM -- "-$server_pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 -- "-$server_pid" 2>/dev/null || break; sleep 0.2; done
  kill -KILL -- "-$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}
cleanup() {
  local rc=$?
  stop_server
  if [ "$keep" = 1 ]; then echo "fresh-clone-check: kept $work"; else rm -rf "$work"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

health() {
  if command -v curl >/dev/null 2>&1; then
    curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/health"
  else
    node -e "fetch('http://127.0.0.1:$PORT/health', { signal: AbortSignal.timeout(2000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
  fi
}

if health; then
  echo "fresh-clone-check: something already answers on port $PORT; stop it or set PORT" >&2
  exit 1
fi

t_clone=$(now)
git clone -q "$repo" "$clone"
echo "fresh-clone-check: cloned $(git -C "$clone" rev-parse --short HEAD) into $clone in $(since "$t_clone") s"
cd "$clone"

test_s=""
run_tests() {
  echo "fresh-clone-check: npm test"
  local t; t=$(now)
  local rc=0
  npm test || rc=$?
  test_s=$(since "$t")
  echo "fresh-clone-check: npm test: $test_s s (exit status $rc)"
  return "$rc"
}

start_s=""
ready_s=""
run_server() {
  echo "fresh-clone-check: npm start (PORT=$PORT, DATA_DIR=$data_dir, log: $server_log)"
  mkdir -p "$data_dir"
  local t; t=$(now)
  PORT="$PORT" DATA_DIR="$data_dir" setsid npm start >"$server_log" 2>&1 &
  server_pid=$!
  local deadline=$(( $(date +%s) + READY_TIMEOUT ))
  until health; do
    if ! kill -0 "$server_pid" 2>/dev/null; then
      echo "fresh-clone-check: npm start exited before /health answered; last lines of its log:" >&2
      tail -n 40 "$server_log" >&2
      return 1
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      echo "fresh-clone-check: /health did not answer within $READY_TIMEOUT s; last lines of the log:" >&2
      tail -n 40 "$server_log" >&2
      return 1
    fi
    sleep 0.5
  done
  start_s=$(since "$t")
  ready_s=$(since "$t_clone")
  grep '^bootstrap: ready' "$server_log" || true
  echo "fresh-clone-check: npm start to ready: $start_s s"
  stop_server
}

status=0
if [ "$start_first" = 1 ]; then
  run_server || status=1
  run_tests || status=1
else
  run_tests || status=1
  run_server || status=1
fi

echo
echo "fresh-clone-check: summary ($(node -v), $(nproc) CPUs)"
[ -n "$test_s" ] && echo "  npm test: $test_s s"
[ -n "$start_s" ] && echo "  npm start to ready: $start_s s"
if [ -n "$ready_s" ]; then
  if [ "$start_first" = 1 ]; then order="clone + npm start"; else order="clone + npm test + npm start"; fi
  echo "  clone to ready: $ready_s s ($order)"
fi
exit "$status"
