#!/usr/bin/env bash
# Builds and runs the backbone's long-running apps against the native stack.
#   scripts/apps.sh up       build (nest build), start each app, wait until /health/ready answers 200
#   scripts/apps.sh down     stop them, by pid
#   scripts/apps.sh status
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STACK_DIR="${STACK_DIR:-$ROOT/.stack}"
PID_DIR="$STACK_DIR/pids"
LOG_DIR="$STACK_DIR/logs"
APPS_START_TIMEOUT="${APPS_START_TIMEOUT:-60}"
# name:port for each HTTP app; the port is the app's default PORT (see .env.example).
APPS=("ingest-api:${INGEST_API_PORT:-3000}")

say() { printf '[apps] %s\n' "$*"; }
is_running() { local pid; pid="$(cat "$PID_DIR/$1.pid" 2>/dev/null)" && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; }

cmd_up() {
  mkdir -p "$PID_DIR" "$LOG_DIR"
  cd "$ROOT"
  for entry in "${APPS[@]}"; do npx nest build "${entry%%:*}" >/dev/null; done
  npx nest build ops-cli >/dev/null
  for entry in "${APPS[@]}"; do
    local name="${entry%%:*}" port="${entry##*:}"
    if is_running "$name"; then say "$name: already running (pid $(cat "$PID_DIR/$name.pid"))"; continue; fi
    PORT="$port" setsid nohup node "$ROOT/dist/apps/$name/main.js" >"$LOG_DIR/$name.log" 2>&1 </dev/null &
    echo $! >"$PID_DIR/$name.pid"
    local deadline=$((SECONDS + APPS_START_TIMEOUT))
    until curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$port/health/ready" 2>/dev/null; do
      if ! is_running "$name" || [ "$SECONDS" -ge "$deadline" ]; then
        say "ERROR: $name did not become ready on port $port; last lines of $LOG_DIR/$name.log:" >&2
        tail -n 30 "$LOG_DIR/$name.log" >&2
        exit 1
      fi
      sleep 0.5
    done
    say "$name: ready at http://127.0.0.1:$port (OpenAPI: /docs, health: /health/ready, metrics: /metrics)"
  done
}

cmd_down() {
  for entry in "${APPS[@]}"; do
    local name="${entry%%:*}"
    if is_running "$name"; then kill -TERM "$(cat "$PID_DIR/$name.pid")"; say "$name: stopped"; else say "$name: not running"; fi
    rm -f "$PID_DIR/$name.pid"
  done
}

cmd_status() {
  local ok=0
  for entry in "${APPS[@]}"; do
    local name="${entry%%:*}" port="${entry##*:}" health
    if is_running "$name" && health="$(curl -fsS --max-time 5 "http://127.0.0.1:$port/health/ready" 2>/dev/null)"; then
      say "$name  ready  $health"
    else say "$name  down"; ok=1; fi
  done
  return $ok
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
