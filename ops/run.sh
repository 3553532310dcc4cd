#!/usr/bin/env bash
# `make run`: start the action server and Rasa (state in var/), then every registered service
# (webchat page, support console, Tchap bridge…) given as arguments; Ctrl-C (or `make stop` from
# another terminal) stops everything, also while the model is still loading.
set -euo pipefail
cd "$(dirname "$0")/.."
. ops/env.sh
. ops/processes.sh
state="$STATE_DIR"
mkdir -p "$state/log"
chmod 700 "$state/log"
# The clean-up comes first: a Ctrl-C during the (long) model load must not leave servers running.
stop_everything_on_exit ops/stop.sh
echo $$ > "$state/run.pid"
start_interruptibly ops/stack.sh start "$state"
start_services "$state/log" "$@"
echo
echo "L'assistant « Cloud au centre » tourne :"
echo "  - assistant (Rasa : API HTTP, canaux REST, socket.io, Mattermost) : $RASA_URL"
echo "      jeton de l'API : .secrets/rasa_token ; webhook Mattermost : $RASA_URL/webhooks/mattermost/webhook"
echo "  - serveur d'actions : http://localhost:$ACTIONS_PORT"
for service in "$@"; do bash "$service" --banner; done
cat <<TXT
  - journaux : $state/rasa.log, $state/actions.log, $state/log/
Essai : curl -s -XPOST $RASA_URL/webhooks/rest/webhook -H 'Content-Type: application/json' -d '{"sender":"moi","message":"Bonjour"}'
Ctrl-C pour tout arrêter.
TXT
while true; do
  for pid in "$(cat "$state/rasa.pid")" "$(cat "$state/actions.pid")"; do
    kill -0 "$pid" 2>/dev/null || { echo "Un serveur s'est arrêté (voir $state/*.log)." >&2; exit 1; }
  done
  sleep 2
done
