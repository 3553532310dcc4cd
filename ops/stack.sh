#!/usr/bin/env bash
# Start or stop the action server and the Rasa server in the background, with their state in DIR.
#   ops/stack.sh start DIR   (waits until both answer and the model is loaded)
#   ops/stack.sh stop DIR
# Ports come from RASA_PORT / ACTIONS_PORT; the tracker store is DIR/tracker.db unless TRACKER_DB is set.
# Both servers listen on RASA_INTERFACE / ACTIONS_INTERFACE (default 127.0.0.1, ops/env.sh).
# STACK_WAIT_SECONDS (default 600) bounds the wait for the model to load on a busy machine.
set -euo pipefail
# The conversations (tracker.db), logs, pid and token files: readable by this account only.
umask 077
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
    # Files written by an earlier version with the default umask become private too.
    for file in "$dir/rasa_token" "$dir/rasa.log" "$dir/actions.log" "$TRACKER_DB"; do
      [ ! -e "$file" ] || chmod 600 "$file"
    done
    echo "$RASA_AUTH_TOKEN" > "$dir/rasa_token"
    # rasa-sdk listens on SANIC_HOST (its default: every interface).
    SANIC_HOST="$ACTIONS_INTERFACE" setsid rasa run actions --actions actions --port "$ACTIONS_PORT" \
      > "$dir/actions.log" 2>&1 < /dev/null &
    echo $! > "$dir/actions.pid"
    # Rasa through the launcher that applies rasa_patches/ first; the API token goes from RASA_AUTH_TOKEN
    # to Rasa inside its process, never through its arguments (it refuses an API without a token).
    setsid python -m rasa_patches run --enable-api --cors "$RASA_CORS" \
      --interface "$RASA_INTERFACE" --port "$RASA_PORT" \
      --model models --endpoints endpoints.yml --credentials credentials.yml \
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
