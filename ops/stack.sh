#!/usr/bin/env bash
# Start or stop the action server and the Rasa server in the background, with their state in DIR; put a
# new model in service without a pause.
#   ops/stack.sh start DIR          (waits until both answer and the model is loaded)
#   ops/stack.sh stop DIR
#   ops/stack.sh deploy DIR MODEL   a new Rasa process with MODEL takes over the port, then the one in
#                                   service stops gracefully (rasa_patches/shared_port.py, docs/console.md)
#   ops/stack.sh restart-rasa DIR | restart-actions DIR
#                                   start again a server that died, without waiting for it (the supervision
#                                   of ops/supervise.sh); Rasa with the model in service. Exit 75 while a
#                                   deploy holds the lock (that deploy starts Rasa itself).
# Ports come from RASA_PORT / ACTIONS_PORT; the tracker store is DIR/tracker.db unless TRACKER_DB is set.
# Both servers listen on RASA_INTERFACE / ACTIONS_INTERFACE (default 127.0.0.1, ops/env.sh).
# STACK_WAIT_SECONDS (default 600) bounds the wait for the model to load on a busy machine.
set -euo pipefail
# The conversations (tracker.db), logs, pid, token and environment files: readable by this account only.
umask 077
usage="usage: ops/stack.sh start|stop|restart-rasa|restart-actions DIR | deploy DIR MODEL"
cmd="${1:?$usage}"
dir="${2:?$usage}"
cd "$(dirname "$0")/.."
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
export STATE_DIR="$dir"
export TRACKER_DB="${TRACKER_DB:-$dir/tracker.db}"
. ops/env.sh
. ops/processes.sh
export ACTION_ENDPOINT_URL="http://localhost:$ACTIONS_PORT/webhook"
# What Rasa reads from the environment (endpoints.yml, credentials.yml, its API secrets): saved in
# DIR/rasa.env at start, so that `deploy`, whoever calls it (the console), starts Rasa the same way.
rasa_env_names=(RASA_PORT RASA_INTERFACE RASA_CORS RASA_AUTH_TOKEN RASA_JWT_SECRET TRACKER_DB ACTION_ENDPOINT_URL
                TCHAP_CALLBACK_URL TCHAP_CALLBACK_TOKEN MATTERMOST_URL MATTERMOST_BOT_TOKEN
                MATTERMOST_WEBHOOK_TOKEN MATTERMOST_SLASH_TOKEN MATTERMOST_ACTIONS_URL)

save_rasa_env() {
  local name
  for name in "${rasa_env_names[@]}"; do printf 'export %s=%q\n' "$name" "${!name:-}"; done > "$dir/rasa.env"
}

# start_rasa MODEL LOG [VAR=VALUE…]: Rasa through the launcher that applies rasa_patches/ first, on a
# port it can hand over to a later process (RASA_SHARED_PORT), without the deploy lock (fd 9). The API
# token goes from RASA_AUTH_TOKEN to Rasa inside its process, never through its arguments (it refuses
# an API without a token).
start_rasa() {
  local model="$1" log="$2"
  shift 2
  env RASA_SHARED_PORT=1 "$@" setsid python -m rasa_patches run --enable-api --cors "$RASA_CORS" \
    --interface "$RASA_INTERFACE" --port "$RASA_PORT" \
    --model "$model" --endpoints endpoints.yml --credentials credentials.yml \
    >> "$log" 2>&1 < /dev/null 9>&- &
}

# deploy MODEL: a new Rasa process loads MODEL while the one in service answers; once it listens it
# receives every new connection of the port, and the old one stops gracefully (its requests finish).
deploy() {
  local model="$1" old new ready="$dir/rasa-next.ready"
  [ -f "$model" ] || { echo "ERREUR : modèle introuvable : $model" >&2; exit 1; }
  python3 ops/preflight.py --state "$dir" --model "$model" || {
    echo "La mise en service est refusée ; le modèle en service n'a pas changé." >&2; exit 78; }
  model="$(cd "$(dirname "$model")" && pwd)/$(basename "$model")"
  old="$(cat "$dir/rasa.pid" 2>/dev/null || true)"
  if [ ! -f "$dir/rasa.env" ] || [ -z "$old" ] || ! kill -0 "$old" 2>/dev/null; then
    echo "ERREUR : aucun Rasa en service dans $dir (ops/stack.sh start d'abord)." >&2
    exit 1
  fi
  . "$dir/rasa.env"
  rm -f "$ready"
  start_rasa "$model" "$dir/rasa.log" RASA_TAKE_OVER_PORT=1 RASA_REQUIRE_MODEL=1 RASA_READY_FILE="$ready"
  new=$!
  # `stop` stops it too while it loads, and so does this script when it is stopped.
  echo "$new" > "$dir/rasa-next.pid"
  trap 'stop_pidfile "$dir/rasa-next.pid"; exit 1' TERM INT
  if ! wait_ready "le nouveau Rasa (modèle $(basename "$model"))" "$ready" "$new" "$dir/rasa.log" \
       "${STACK_WAIT_SECONDS:-600}"; then
    stop_pidfile "$dir/rasa-next.pid"
    echo "La mise en service a échoué ; le modèle en service n'a pas changé." >&2
    exit 1
  fi
  write_pidfile "$dir/rasa.pid" "$new"
  echo "$model" > "$dir/rasa.model"
  rm -f "$dir/rasa-next.pid" "$ready"
  trap - TERM INT
  # The old process accepts what it had queued, finishes its requests and closes its websockets.
  sleep 0.5
  stop_pid "$old" $((${SANIC_GRACEFUL_SHUTDOWN_TIMEOUT%.*} + 20))
  echo "Modèle $(basename "$model") en service (Rasa, processus $new, port $RASA_PORT)."
}

start_actions() {
  # rasa-sdk listens on SANIC_HOST (its default: every interface).
  SANIC_HOST="$ACTIONS_INTERFACE" setsid rasa run actions --actions actions --port "$ACTIONS_PORT" \
    >> "$dir/actions.log" 2>&1 < /dev/null 9>&- &
  write_pidfile "$dir/actions.pid" "$!"
}

# restart PART: start again the server of PART (rasa or actions) if its process is gone; at once, under
# the deploy lock (exit 75 when a deploy holds it).
restart() {
  local part="$1"
  exec 9>>"$dir/deploy.lock"
  flock -n 9 || exit 75
  if running "$(cat "$dir/$part.pid" 2>/dev/null)"; then return 0; fi
  [ -f "$dir/rasa.env" ] || { echo "ERREUR : $dir/rasa.env manque (ops/stack.sh start d'abord)." >&2; exit 1; }
  . "$dir/rasa.env"
  if [ "$part" = actions ]; then
    start_actions
  else
    start_rasa "$(cat "$dir/rasa.model" 2>/dev/null || echo models)" "$dir/rasa.log"
    write_pidfile "$dir/rasa.pid" "$!"
  fi
}

case "$cmd" in
  start)
    ls models/*.tar.gz >/dev/null 2>&1 || { echo "Aucun modèle : lancez d'abord 'make train'." >&2; exit 1; }
    # A read-only or full state folder, a damaged or foreign model: one French line, exit 78.
    python3 ops/preflight.py --state "$dir" --model models || exit $?
    # Files written by an earlier version with the default umask become private too.
    for file in "$dir/rasa_token" "$dir/rasa.log" "$dir/actions.log" "$TRACKER_DB"; do
      [ ! -e "$file" ] || chmod 600 "$file"
    done
    echo "$RASA_AUTH_TOKEN" > "$dir/rasa_token"
    save_rasa_env
    : > "$dir/actions.log"
    start_actions
    # Appended to by every Rasa process of this stack (a deploy or a restart starts one more).
    : > "$dir/rasa.log"
    echo models > "$dir/rasa.model"
    start_rasa models "$dir/rasa.log"
    write_pidfile "$dir/rasa.pid" "$!"
    wait_http "le serveur d'actions" "http://localhost:$ACTIONS_PORT/health" "$dir/actions.log" "$dir/actions.pid" \
      "${STACK_WAIT_SECONDS:-600}"
    wait_http "Rasa" "http://localhost:$RASA_PORT/status?token=$RASA_AUTH_TOKEN" "$dir/rasa.log" "$dir/rasa.pid" \
      "${STACK_WAIT_SECONDS:-600}"
    ;;
  stop)
    # The process a deploy is starting too (then the deploy fails).
    stop_pidfile "$dir/rasa-next.pid"
    stop_pidfile "$dir/rasa.pid"
    stop_pidfile "$dir/actions.pid"
    ;;
  deploy)
    # One deploy at a time.
    exec 9>>"$dir/deploy.lock"; flock 9
    deploy "${3:?$usage}"
    ;;
  restart-rasa) restart rasa ;;
  restart-actions) restart actions ;;
  *) echo "$usage" >&2; exit 2 ;;
esac
