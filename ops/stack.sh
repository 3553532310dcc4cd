#!/usr/bin/env bash
# Start or stop the action server and the Rasa server in the background, with their state in DIR.
#   ops/stack.sh start DIR   (waits until both answer and the model is loaded)
#   ops/stack.sh stop DIR
# Ports come from RASA_PORT / ACTIONS_PORT; the tracker store is DIR/tracker.db unless TRACKER_DB is set.
# STACK_WAIT_SECONDS (default 600) bounds the wait for the model to load on a busy machine.
set -euo pipefail
cmd="${1:?usage: ops/stack.sh start|stop DIR}"
dir="${2:?usage: ops/stack.sh start|stop DIR}"
cd "$(dirname "$0")/.."
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
export STATE_DIR="$dir"
export TRACKER_DB="${TRACKER_DB:-$dir/tracker.db}"
. ops/env.sh
export ACTION_ENDPOINT_URL="http://localhost:$ACTIONS_PORT/webhook"

stop_pid() {
  local pidfile="$1"
  [ -f "$pidfile" ] || return 0
  local pid; pid="$(cat "$pidfile")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 -- "-$pid" 2>/dev/null || kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

wait_for() {
  local what="$1" url="$2" log="$3" pidfile="$4" seconds="${STACK_WAIT_SECONDS:-600}"
  for _ in $(seq 1 $((seconds * 2))); do
    if curl -fsS -o /dev/null "$url" 2>/dev/null; then return 0; fi
    if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
      echo "ERREUR : $what s'est arrêté au démarrage ; fin du journal $log :" >&2
      tail -n 40 "$log" >&2
      return 1
    fi
    sleep 0.5
  done
  echo "ERREUR : $what ne répond pas sur $url ; fin du journal $log :" >&2
  tail -n 40 "$log" >&2
  return 1
}

case "$cmd" in
  start)
    ls models/*.tar.gz >/dev/null 2>&1 || { echo "Aucun modèle : lancez d'abord 'make train'." >&2; exit 1; }
    echo "$RASA_AUTH_TOKEN" > "$dir/rasa_token"
    setsid rasa run actions --actions actions --port "$ACTIONS_PORT" > "$dir/actions.log" 2>&1 < /dev/null &
    echo $! > "$dir/actions.pid"
    setsid rasa run --enable-api --auth-token="$RASA_AUTH_TOKEN" --cors "$RASA_CORS" \
      --port "$RASA_PORT" --model models --endpoints endpoints.yml --credentials credentials.yml \
      > "$dir/rasa.log" 2>&1 < /dev/null &
    echo $! > "$dir/rasa.pid"
    wait_for "le serveur d'actions" "http://localhost:$ACTIONS_PORT/health" "$dir/actions.log" "$dir/actions.pid"
    wait_for "Rasa" "http://localhost:$RASA_PORT/status?token=$RASA_AUTH_TOKEN" "$dir/rasa.log" "$dir/rasa.pid"
    ;;
  stop)
    stop_pid "$dir/rasa.pid"
    stop_pid "$dir/actions.pid"
    ;;
  *) echo "usage: ops/stack.sh start|stop DIR" >&2; exit 2 ;;
esac
