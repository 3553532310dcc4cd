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
. ops/processes.sh
export ACTION_ENDPOINT_URL="http://localhost:$ACTIONS_PORT/webhook"

case "$cmd" in
  start)
    ls models/*.tar.gz >/dev/null 2>&1 || { echo "Aucun modèle : lancez d'abord 'make train'." >&2; exit 1; }
    echo "$RASA_AUTH_TOKEN" > "$dir/rasa_token"
    setsid rasa run actions --actions actions --port "$ACTIONS_PORT" > "$dir/actions.log" 2>&1 < /dev/null &
    echo $! > "$dir/actions.pid"
    # Rasa itself through the launcher that applies rasa_patches/ first.
    setsid python -m rasa_patches run --enable-api --auth-token="$RASA_AUTH_TOKEN" --cors "$RASA_CORS" \
      --port "$RASA_PORT" --model models --endpoints endpoints.yml --credentials credentials.yml \
      > "$dir/rasa.log" 2>&1 < /dev/null &
    echo $! > "$dir/rasa.pid"
    wait_http "le serveur d'actions" "http://localhost:$ACTIONS_PORT/health" "$dir/actions.log" "$dir/actions.pid" \
      "${STACK_WAIT_SECONDS:-600}"
    wait_http "Rasa" "http://localhost:$RASA_PORT/status?token=$RASA_AUTH_TOKEN" "$dir/rasa.log" "$dir/rasa.pid" \
      "${STACK_WAIT_SECONDS:-600}"
    ;;
  stop)
    stop_pidfile "$dir/rasa.pid"
    stop_pidfile "$dir/actions.pid"
    ;;
  *) echo "usage: ops/stack.sh start|stop DIR" >&2; exit 2 ;;
esac
