#!/usr/bin/env bash
# `make run-prod`: the whole production profile in the foreground (deploy/prod.sh start), then every
# registered service (webchat page, support console…) given as arguments, pointed at nginx.
# Ctrl-C stops everything, PostgreSQL and Redis included (their data stays in $PROD_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
. deploy/prod-env.sh
. ops/processes.sh
stop_everything_on_exit deploy/prod.sh stop
start_interruptibly deploy/prod.sh start
# The support console reads the conversations straight from the tracker store: here, PostgreSQL.
export TRACKER_STORE_URL="postgresql+psycopg://$PG_USER:$PG_PASSWORD@$PG_HOST:$PG_PORT/$PG_DB"
# It puts models in service on every instance, one at a time behind nginx (deploy/prod.sh deploy).
export CONSOLE_DEPLOY_COMMAND="${CONSOLE_DEPLOY_COMMAND:-$(printf '%q deploy' "$PWD/deploy/prod.sh")}"
start_services "$PROD_DIR/log" "$@"
cat <<TXT

Profil de production « Cloud au centre » démarré (tout sur 127.0.0.1) :
  - URL publique de Rasa (nginx, canaux rest et socketio, API HTTP) : $RASA_URL
  - instances Rasa : ports $PROD_RASA_PORTS ; serveur d'actions : $PROD_ACTIONS_PORT
  - PostgreSQL (tracker store) : $PG_HOST:$PG_PORT ; Redis (lock store) : $REDIS_HOST:$REDIS_PORT
  - données et journaux : $PROD_DIR (jeton de l'API : .secrets/rasa_token)
Essai : curl -s -XPOST $RASA_URL/webhooks/rest/webhook -H 'Content-Type: application/json' -d '{"sender":"moi","message":"Bonjour"}'
Ctrl-C pour tout arrêter.
TXT
while true; do
  alive=0
  for pidfile in "$PROD_DIR"/rasa-*.pid; do
    kill -0 "$(cat "$pidfile")" 2>/dev/null && alive=$((alive + 1))
  done
  [ "$alive" -gt 0 ] || { echo "Plus aucune instance Rasa ne tourne (voir $PROD_DIR/log/)." >&2; exit 1; }
  kill -0 "$(cat "$PROD_DIR/actions.pid")" 2>/dev/null \
    || { echo "Le serveur d'actions s'est arrêté (voir $PROD_DIR/log/actions.log)." >&2; exit 1; }
  sleep 2
done
