#!/usr/bin/env bash
# `make run`: start the action server and Rasa (state in var/), then every registered service
# (webchat page, support console, Tchap bridge…) given as arguments, and keep them running: a part that
# dies is started again (ops/supervise.sh). Ctrl-C (or `make stop` from another terminal) stops
# everything, also while the model is still loading; so does a part that keeps failing.
set -euo pipefail
cd "$(dirname "$0")/.."
. ops/env.sh
. ops/processes.sh
. ops/supervise.sh
state="$STATE_DIR"
# Before anything is written there: a read-only or full state folder gives one French line (exit 78).
python3 ops/preflight.py --state "$state" || exit $?
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
Une partie qui s'arrête est relancée (une ligne le dit ici et dans son journal).
Ctrl-C pour tout arrêter.
TXT
supervise rasa "$state/rasa.pid" "$state/rasa.log" orphan ops/stack.sh restart-rasa "$state"
supervise actions "$state/actions.pid" "$state/actions.log" orphan ops/stack.sh restart-actions "$state"
supervise_services "$state/log" "$@"
supervise_forever
