#!/usr/bin/env bash
# `make run-prod`: the whole production profile in the foreground (deploy/prod.sh start), then every
# registered service (webchat page, support console…) given as arguments, pointed at nginx. A Rasa
# instance, the action server, nginx or a service that dies is started again (ops/supervise.sh).
# Ctrl-C stops everything, PostgreSQL and Redis included (their data stays in $PROD_DIR); so does a part
# that keeps failing. PostgreSQL and Redis are not restarted by this script: on a server they are the
# system's services (docs/production.md); the Rasa instances wait for them (docs/reliability.md).
set -euo pipefail
cd "$(dirname "$0")/.."
. deploy/prod-env.sh
. ops/processes.sh
. ops/supervise.sh
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
Une partie qui s'arrête est relancée (une ligne le dit ici et dans son journal).
Ctrl-C pour tout arrêter.
TXT
for portfile in "$PROD_DIR"/rasa-*.port; do
  name="$(basename "$portfile" .port)"
  supervise "$name" "$PROD_DIR/$name.pid" "$PROD_DIR/log/$name.log" orphan deploy/prod.sh rasa-restart "${name#rasa-}"
done
supervise actions "$PROD_DIR/actions.pid" "$PROD_DIR/log/actions.log" orphan deploy/prod.sh actions-restart
supervise nginx "$PROD_DIR/nginx/nginx.pid" "$PROD_DIR/nginx/error.log" orphan deploy/prod.sh nginx-start
supervise_services "$PROD_DIR/log" "$@"
supervise_forever
