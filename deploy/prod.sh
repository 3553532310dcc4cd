#!/usr/bin/env bash
# The production profile, all on loopback: PostgreSQL (tracker store), Redis (lock store), the action
# server, several Rasa instances and nginx in front of them. State (data, logs, pids) in $PROD_DIR.
#   deploy/prod.sh start | stop | status        the whole topology
#   deploy/prod.sh packages                     its Debian packages (PostgreSQL, Redis, nginx)
#   deploy/prod.sh pg-start | pg-stop | redis-start | redis-stop | actions-start | actions-stop
#   deploy/prod.sh rasa-start NAME PORT | rasa-stop NAME | rasa-wait PORT | nginx-start | nginx-stop
#   deploy/prod.sh nginx-config                 print the nginx configuration it would run
# Ports and the state dir come from the environment (deploy/prod-env.sh gives the defaults).
set -euo pipefail
cd "$(dirname "$0")/.."
. deploy/prod-env.sh
. ops/processes.sh
cmd="${1:-}"
shift || true

log_dir="$PROD_DIR/log"
mkdir -p "$log_dir"

pg_bin() {
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  [ -n "$dir" ] || { echo "ERREUR : PostgreSQL introuvable (deploy/prod.sh packages)." >&2; exit 1; }
  echo "$dir/$1"
}

# PostgreSQL refuses to run as root: as root, its files belong to and it runs as the user 'postgres'.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_start() {
  local home="$PROD_DIR/postgres" data="$PROD_DIR/postgres/data"
  mkdir -p "$home"
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$home"
    runuser -u postgres -- test -w "$home" || {
      echo "ERREUR : l'utilisateur postgres ne peut pas écrire dans $home (droits des dossiers parents)." >&2
      exit 1
    }
  fi
  if [ ! -s "$data/PG_VERSION" ]; then
    local pwfile="$home/pwfile"
    (umask 077; echo "$PG_PASSWORD" > "$pwfile")
    [ "$(id -u)" -ne 0 ] || chown postgres: "$pwfile"
    as_pg "$(pg_bin initdb)" -D "$data" -U "$PG_USER" --pwfile="$pwfile" -E UTF8 --locale=C.UTF-8 \
      --auth-local=scram-sha-256 --auth-host=scram-sha-256 > "$log_dir/initdb.log" 2>&1
    rm -f "$pwfile"
  fi
  if ! as_pg "$(pg_bin pg_ctl)" -D "$data" status >/dev/null 2>&1; then
    as_pg "$(pg_bin pg_ctl)" -D "$data" -l "$home/postgres.log" -w -t 60 \
      -o "-c listen_addresses=$PG_HOST -p $PG_PORT -k $home -c max_connections=100" start >/dev/null
  fi
  PGPASSWORD="$PG_PASSWORD" psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres -tAq \
    -c "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'" | grep -q 1 \
    || PGPASSWORD="$PG_PASSWORD" createdb -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" "$PG_DB"
  echo "PostgreSQL : $PG_HOST:$PG_PORT, base $PG_DB (données : $data)"
}

pg_stop() {
  local data="$PROD_DIR/postgres/data"
  [ -s "$data/PG_VERSION" ] || return 0
  as_pg "$(pg_bin pg_ctl)" -D "$data" status >/dev/null 2>&1 || return 0
  as_pg "$(pg_bin pg_ctl)" -D "$data" -m fast -w -t 60 stop >/dev/null
}

redis_start() {
  local home="$PROD_DIR/redis"
  mkdir -p "$home"
  # The lock store only holds short-lived ticket locks: no persistence needed.
  (umask 077; cat > "$home/redis.conf" <<CONF
bind $REDIS_HOST
port $REDIS_PORT
protected-mode yes
requirepass $REDIS_PASSWORD
daemonize yes
pidfile $home/redis.pid
logfile $home/redis.log
dir $home
save ""
appendonly no
CONF
)
  if [ -f "$home/redis.pid" ] && kill -0 "$(cat "$home/redis.pid")" 2>/dev/null; then return 0; fi
  redis-server "$home/redis.conf"
  for _ in $(seq 1 50); do
    REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG && {
      echo "Redis : $REDIS_HOST:$REDIS_PORT"; return 0; }
    sleep 0.2
  done
  echo "ERREUR : Redis ne répond pas ; voir $home/redis.log" >&2
  exit 1
}

redis_stop() {
  stop_pidfile "$PROD_DIR/redis/redis.pid"
}

actions_start() {
  local pidfile="$PROD_DIR/actions.pid"
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then return 0; fi
  # rasa-sdk listens on SANIC_HOST (its default: every interface).
  SANIC_HOST=127.0.0.1 setsid rasa run actions --actions actions --port "$PROD_ACTIONS_PORT" \
    > "$log_dir/actions.log" 2>&1 < /dev/null &
  echo $! > "$pidfile"
}

actions_wait() {
  wait_http "le serveur d'actions" "http://127.0.0.1:$PROD_ACTIONS_PORT/health" "$log_dir/actions.log" \
    "$PROD_DIR/actions.pid"
}

latest_model() {
  ls -t models/*.tar.gz 2>/dev/null | head -n 1 || true
}

rasa_start() {
  local name="${1:?instance}" port="${2:?port}" model
  local pidfile="$PROD_DIR/rasa-$name.pid"
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then return 0; fi
  model="${PROD_MODEL:-$(latest_model)}"
  [ -n "$model" ] || { echo "Aucun modèle : lancez d'abord 'make train'." >&2; exit 1; }
  # The API token goes from RASA_AUTH_TOKEN to Rasa inside its process (python -m rasa_patches, which applies the fixes first).
  setsid python -m rasa_patches run --enable-api --cors "$RASA_CORS" \
    --interface 127.0.0.1 --port "$port" --model "$model" \
    --endpoints deploy/endpoints.prod.yml --credentials credentials.yml \
    > "$log_dir/rasa-$name.log" 2>&1 < /dev/null &
  echo $! > "$pidfile"
  echo "$port" > "$PROD_DIR/rasa-$name.port"
}

rasa_wait() {
  local port="${1:?port}" name="" file
  for file in "$PROD_DIR"/rasa-*.port; do
    [ -e "$file" ] && [ "$(cat "$file")" = "$port" ] && name="$(basename "$file" .port)"
  done
  wait_http "Rasa (port $port)" "http://127.0.0.1:$port/status?token=$RASA_AUTH_TOKEN" \
    "$log_dir/$name.log" "$PROD_DIR/$name.pid"
}

rasa_stop() {
  stop_pidfile "$PROD_DIR/rasa-${1:?instance}.pid"
}

# One "server 127.0.0.1:PORT" line per Rasa instance, for nginx's two upstream blocks.
upstream_servers() {
  local port
  for port in $PROD_RASA_PORTS; do
    printf '    server 127.0.0.1:%s max_fails=0;\n' "$port"
  done
}

# deploy/nginx.conf with this profile's ports and folders filled in.
nginx_config() {
  NGINX_DIR="$PROD_DIR/nginx" NGINX_USER="$( [ "$(id -u)" -eq 0 ] && echo 'user root;' || echo '')" \
    RASA_UPSTREAM_SERVERS="$(upstream_servers)" PROD_PORT="$PROD_PORT" PROD_BRIDGE_PORT="$PROD_BRIDGE_PORT" \
    envsubst '${NGINX_DIR} ${NGINX_USER} ${RASA_UPSTREAM_SERVERS} ${PROD_PORT} ${PROD_BRIDGE_PORT}
              ${PROD_LIMIT_WEBHOOKS} ${PROD_LIMIT_MATTERMOST} ${PROD_LIMIT_SOCKETIO}' \
    < deploy/nginx.conf
}

nginx_start() {
  local home="$PROD_DIR/nginx"
  mkdir -p "$home/tmp"
  if [ -f "$home/nginx.pid" ] && kill -0 "$(cat "$home/nginx.pid")" 2>/dev/null; then return 0; fi
  nginx_config > "$home/nginx.conf"
  nginx -t -q -c "$home/nginx.conf" -p "$home" 2> "$home/nginx-test.log" || {
    cat "$home/nginx-test.log" >&2; exit 1; }
  nginx -c "$home/nginx.conf" -p "$home"
  echo "nginx : http://localhost:$PROD_PORT → Rasa sur les ports $PROD_RASA_PORTS"
}

nginx_stop() {
  local home="$PROD_DIR/nginx"
  [ -f "$home/nginx.pid" ] || return 0
  nginx -c "$home/nginx.conf" -p "$home" -s quit 2>/dev/null || true
  for _ in $(seq 1 50); do [ -f "$home/nginx.pid" ] || break; sleep 0.2; done
  stop_pidfile "$home/nginx.pid"
}

# The Debian packages of the profile (ops/install.sh: only the missing ones, services never started).
packages() {
  ops/install.sh debian postgresql redis-server nginx
}

start_all() {
  packages
  [ -n "$(latest_model)" ] || [ -n "${PROD_MODEL:-}" ] || {
    echo "Aucun modèle : lancez d'abord 'make train'." >&2; exit 1; }
  pg_start
  redis_start
  actions_start
  local i=0 port
  # All instances load in parallel (Rasa tolerates concurrent table creation).
  for port in $PROD_RASA_PORTS; do
    i=$((i + 1)); rasa_start "$i" "$port"
  done
  actions_wait
  for port in $PROD_RASA_PORTS; do rasa_wait "$port"; done
  nginx_start
}

stop_all() {
  nginx_stop
  local pidfile
  for pidfile in "$PROD_DIR"/rasa-*.pid; do
    [ -e "$pidfile" ] && stop_pidfile "$pidfile"
  done
  stop_pidfile "$PROD_DIR/actions.pid"
  redis_stop
  pg_stop
}

status_all() {
  local pidfile state
  for pidfile in "$PROD_DIR"/*.pid "$PROD_DIR"/redis/redis.pid "$PROD_DIR"/nginx/nginx.pid; do
    [ -e "$pidfile" ] || continue
    state="arrêté"; kill -0 "$(cat "$pidfile")" 2>/dev/null && state="en marche (pid $(cat "$pidfile"))"
    echo "$(basename "$pidfile" .pid) : $state"
  done
  as_pg "$(pg_bin pg_ctl)" -D "$PROD_DIR/postgres/data" status 2>/dev/null | head -n 1 || echo "postgres : arrêté"
}

case "$cmd" in
  packages) packages ;;
  start) start_all ;;
  stop) stop_all ;;
  status) status_all ;;
  pg-start) pg_start ;;
  pg-stop) pg_stop ;;
  redis-start) redis_start ;;
  redis-stop) redis_stop ;;
  actions-start) actions_start; actions_wait ;;
  actions-stop) stop_pidfile "$PROD_DIR/actions.pid" ;;
  rasa-start) rasa_start "$@" ;;
  rasa-wait) rasa_wait "$@" ;;
  rasa-stop) rasa_stop "$@" ;;
  nginx-start) nginx_start ;;
  nginx-stop) nginx_stop ;;
  nginx-config) nginx_config ;;
  *) sed -n '2,8p' "$0" >&2; exit 2 ;;
esac
