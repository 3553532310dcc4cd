#!/usr/bin/env bash
# The production profile, all on loopback: PostgreSQL (tracker store), Redis (lock store), the action
# server, several Rasa instances and nginx in front of them. State (data, logs, pids) in $PROD_DIR.
#   deploy/prod.sh start | stop | status        the whole topology
#   deploy/prod.sh packages                     its Debian packages (PostgreSQL, Redis, nginx)
#   deploy/prod.sh pg-start | pg-stop | redis-start | redis-stop | actions-start | actions-stop
#   deploy/prod.sh rasa-start NAME PORT | rasa-stop NAME | rasa-wait PORT | nginx-start | nginx-stop
#   deploy/prod.sh nginx-config                 print the nginx configuration it would run
#   deploy/prod.sh rasa-restart NAME | actions-restart
#                                               start again a process that died, without waiting (the
#                                               supervision of deploy/run-prod.sh); exit 75 during a deploy
#   deploy/prod.sh deploy MODEL                 put MODEL in service on every instance, one at a time,
#                                               behind nginx and without a pause (docs/production.md)
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
  if [ -f "$pidfile" ] && running "$(cat "$pidfile")"; then return 0; fi
  # rasa-sdk listens on SANIC_HOST (its default: every interface).
  SANIC_HOST=127.0.0.1 setsid rasa run actions --actions actions --port "$PROD_ACTIONS_PORT" \
    >> "$log_dir/actions.log" 2>&1 < /dev/null 9>&- &
  write_pidfile "$pidfile" "$!"
}

actions_wait() {
  wait_http "le serveur d'actions" "http://127.0.0.1:$PROD_ACTIONS_PORT/health" "$log_dir/actions.log" \
    "$PROD_DIR/actions.pid"
}

latest_model() {
  ls -t models/*.tar.gz 2>/dev/null | head -n 1 || true
}

# rasa_process MODEL PORT LOG [VAR=VALUE…]: one Rasa instance in the background ($! is its pid).
# The API token goes from RASA_AUTH_TOKEN to Rasa inside its process (python -m rasa_patches, which
# applies the fixes first).
rasa_process() {
  local model="$1" port="$2" log="$3"
  shift 3
  env "$@" setsid python -m rasa_patches run --enable-api --cors "$RASA_CORS" \
    --interface 127.0.0.1 --port "$port" --model "$model" \
    --endpoints deploy/endpoints.prod.yml --credentials credentials.yml \
    >> "$log" 2>&1 < /dev/null 9>&- &
}

rasa_start() {
  local name="${1:?instance}" port="${2:?port}" model
  local pidfile="$PROD_DIR/rasa-$name.pid"
  if [ -f "$pidfile" ] && running "$(cat "$pidfile")"; then return 0; fi
  model="${PROD_MODEL:-$(latest_model)}"
  [ -n "$model" ] || { echo "Aucun modèle : lancez d'abord 'make train'." >&2; exit 1; }
  : > "$log_dir/rasa-$name.log"
  rasa_process "$model" "$port" "$log_dir/rasa-$name.log"
  write_pidfile "$pidfile" "$!"
  echo "$port" > "$PROD_DIR/rasa-$name.port"
  echo "$model" > "$PROD_DIR/rasa-$name.model"
}

# hold_deploy_lock: the lock a deploy holds, taken without waiting (exit 75 while a deploy runs: it
# starts the instances' new processes itself).
hold_deploy_lock() {
  exec 9>>"$PROD_DIR/deploy.lock"
  flock -n 9 || exit 75
}

# rasa_restart NAME: the instance's process again, on its current port with the model it had, if it
# died (deploy/run-prod.sh's supervision); does not wait for the model to load.
rasa_restart() {
  local name="${1:?instance}" model
  hold_deploy_lock
  if running "$(cat "$PROD_DIR/rasa-$name.pid" 2>/dev/null)"; then return 0; fi
  model="$(cat "$PROD_DIR/rasa-$name.model" 2>/dev/null || latest_model)"
  rasa_process "$model" "$(cat "$PROD_DIR/rasa-$name.port")" "$log_dir/rasa-$name.log"
  write_pidfile "$PROD_DIR/rasa-$name.pid" "$!"
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

# The instances started in PROD_DIR (rasa-NAME.pid, rasa-NAME.port), in name order.
instance_names() {
  local file name
  for file in "$PROD_DIR"/rasa-*.port; do
    [ -e "$file" ] || continue
    name="$(basename "$file" .port)"
    echo "${name#rasa-}"
  done
}

# The ports nginx sends requests to: each instance's current port (a deploy moves an instance between
# its port of PROD_RASA_PORTS and its spare one), or PROD_RASA_PORTS before any instance is started.
rasa_ports() {
  local name ports=""
  for name in $(instance_names); do ports="$ports $(cat "$PROD_DIR/rasa-$name.port")"; done
  echo "${ports:-$PROD_RASA_PORTS}"
}

# One "server 127.0.0.1:PORT" line per Rasa instance, for nginx's two upstream blocks.
upstream_servers() {
  local port
  for port in $(rasa_ports); do
    printf '    server 127.0.0.1:%s max_fails=0;\n' "$port"
  done
}

# deploy/nginx.conf with this profile's ports and folders filled in.
nginx_config() {
  NGINX_DIR="$PROD_DIR/nginx" NGINX_USER="$( [ "$(id -u)" -eq 0 ] && echo 'user root;' || echo '')" \
    RASA_UPSTREAM_SERVERS="$(upstream_servers)" PROD_PORT="$PROD_PORT" PROD_BRIDGE_PORT="$PROD_BRIDGE_PORT" \
    SHEETS_PORT="${SHEETS_PORT:-5057}" \
    envsubst '${NGINX_DIR} ${NGINX_USER} ${RASA_UPSTREAM_SERVERS} ${PROD_PORT} ${PROD_BRIDGE_PORT} ${SHEETS_PORT}
              ${PROD_LIMIT_WEBHOOKS} ${PROD_LIMIT_MATTERMOST} ${PROD_LIMIT_SOCKETIO}' \
    < deploy/nginx.conf
}

nginx_start() {
  local home="$PROD_DIR/nginx"
  mkdir -p "$home/tmp"
  if [ -f "$home/nginx.pid" ] && running "$(cat "$home/nginx.pid")"; then return 0; fi
  nginx_config > "$home/nginx.conf"
  nginx -t -q -c "$home/nginx.conf" -p "$home" 2> "$home/nginx-test.log" || {
    cat "$home/nginx-test.log" >&2; exit 1; }
  nginx -c "$home/nginx.conf" -p "$home"
  echo "nginx : http://localhost:$PROD_PORT → Rasa sur les ports $PROD_RASA_PORTS"
}

nginx_workers() {
  ps -o pid= --ppid "$(cat "$PROD_DIR/nginx/nginx.pid")" 2>/dev/null | tr -d ' ' | sort
}

# nginx with the instances' current ports: the new configuration is checked, then loaded without
# dropping a request (new workers take the new connections, the old ones finish theirs). Returns once
# a worker of the new configuration runs.
nginx_reload() {
  local home="$PROD_DIR/nginx" before
  nginx_config > "$home/nginx.conf.new"
  nginx -t -q -c "$home/nginx.conf.new" -p "$home" 2> "$home/nginx-test.log" || {
    cat "$home/nginx-test.log" >&2; rm -f "$home/nginx.conf.new"; return 1; }
  mv "$home/nginx.conf.new" "$home/nginx.conf"
  before="$(nginx_workers)"
  nginx -c "$home/nginx.conf" -p "$home" -s reload
  for _ in $(seq 1 100); do
    [ -n "$(comm -13 <(echo "$before") <(nginx_workers))" ] && return 0
    sleep 0.1
  done
  echo "ERREUR : nginx n'a pas rechargé sa configuration (voir $home/error.log)." >&2
  return 1
}

# The other port of an instance: its port of PROD_RASA_PORTS and its spare one of PROD_RASA_SPARE_PORTS
# (same position) take turns.
other_port() {
  local current="$1" ports spares i
  read -r -a ports <<< "$PROD_RASA_PORTS"
  read -r -a spares <<< "$PROD_RASA_SPARE_PORTS"
  for i in "${!ports[@]}"; do
    [ "${ports[$i]}" = "$current" ] && [ -n "${spares[$i]:-}" ] && { echo "${spares[$i]}"; return 0; }
    [ "${spares[$i]:-}" = "$current" ] && { echo "${ports[$i]}"; return 0; }
  done
  echo "ERREUR : le port $current n'est ni dans PROD_RASA_PORTS ni dans PROD_RASA_SPARE_PORTS." >&2
  return 1
}

# set_instance NAME PID PORT: what the instance's files say (the pid file is replaced at once).
set_instance() {
  write_pidfile "$PROD_DIR/rasa-$1.pid" "$2"
  echo "$3" > "$PROD_DIR/rasa-$1.port"
}

# replace_instance NAME MODEL: a new process of instance NAME loads MODEL on the instance's other port
# while the old one answers; once it answers (its model loaded), nginx sends it the instance's share of
# the requests, and the old process finishes its requests and stops. (Called in an `||` list: `set -e`
# does not apply, every failure is checked.)
replace_instance() {
  local name="$1" model="$2" old_pid old_port new_port new_pid next="$PROD_DIR/rasa-$1-next.pid"
  local log="$log_dir/rasa-$name.log"
  old_pid="$(cat "$PROD_DIR/rasa-$name.pid" 2>/dev/null || true)"
  old_port="$(cat "$PROD_DIR/rasa-$name.port")" || return 1
  new_port="$(other_port "$old_port")" || return 1
  # RASA_REQUIRE_MODEL: a model that does not load stops the new process (Rasa would answer without one).
  rasa_process "$model" "$new_port" "$log" RASA_REQUIRE_MODEL=1
  new_pid=$!
  echo "$new_pid" > "$next"
  trap 'stop_pidfile "'"$next"'"; exit 1' TERM INT
  if ! wait_http "Rasa $name (modèle $(basename "$model"), port $new_port)" \
       "http://127.0.0.1:$new_port/status?token=$RASA_AUTH_TOKEN" "$log" "$next" "${STACK_WAIT_SECONDS:-600}"; then
    stop_pidfile "$next"
    echo "La mise en service a échoué sur l'instance $name ; son modèle n'a pas changé." >&2
    return 1
  fi
  set_instance "$name" "$new_pid" "$new_port"
  rm -f "$next"
  trap - TERM INT
  if ! nginx_reload; then
    # nginx still sends the instance's requests to the old process: it stays, the new one goes.
    set_instance "$name" "$old_pid" "$old_port"
    nginx_config > "$PROD_DIR/nginx/nginx.conf"
    stop_pid "$new_pid"
    echo "La mise en service a échoué sur l'instance $name ; son modèle n'a pas changé." >&2
    return 1
  fi
  echo "$model" > "$PROD_DIR/rasa-$name.model"
  # Requests nginx's previous workers already sent to the old process finish; then it stops.
  sleep 1
  stop_pid "$old_pid" $((${SANIC_GRACEFUL_SHUTDOWN_TIMEOUT%.*} + 20))
  echo "Instance $name : modèle $(basename "$model") en service (port $new_port, processus $new_pid)."
}

deploy_model() {
  local model="${1:?modèle}" name names
  [ -f "$model" ] || { echo "ERREUR : modèle introuvable : $model" >&2; exit 1; }
  python3 ops/preflight.py --state "$PROD_DIR" --model "$model" || {
    echo "La mise en service est refusée ; aucune instance n'a changé de modèle." >&2
    exit 78; }
  model="$(cd "$(dirname "$model")" && pwd)/$(basename "$model")"
  names="$(instance_names)"
  [ -n "$names" ] && [ -f "$PROD_DIR/nginx/nginx.pid" ] || {
    echo "ERREUR : le profil de production ne tourne pas dans $PROD_DIR (deploy/prod.sh start)." >&2; exit 1; }
  # One instance at a time: the others answer meanwhile. A failure stops here (the instances already
  # replaced keep the new model, the others the previous one; the command can be run again).
  for name in $names; do
    replace_instance "$name" "$model" || exit 1
  done
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
  python3 ops/preflight.py --state "$PROD_DIR" --model "${PROD_MODEL:-models}" || exit $?
  pg_start
  redis_start
  : > "$log_dir/actions.log"
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
  # Every instance, and the new process of a deploy under way (rasa-NAME-next.pid).
  for pidfile in "$PROD_DIR"/rasa-*.pid; do
    [ -e "$pidfile" ] && stop_pidfile "$pidfile"
  done
  rm -f "$PROD_DIR"/rasa-*.port "$PROD_DIR"/rasa-*.model
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
  actions-start) : > "$log_dir/actions.log"; actions_start; actions_wait ;;
  actions-restart) hold_deploy_lock; actions_start ;;
  rasa-restart) rasa_restart "$@" ;;
  actions-stop) stop_pidfile "$PROD_DIR/actions.pid" ;;
  rasa-start) rasa_start "$@" ;;
  rasa-wait) rasa_wait "$@" ;;
  rasa-stop) rasa_stop "$@" ;;
  nginx-start) nginx_start ;;
  nginx-stop) nginx_stop ;;
  nginx-config) nginx_config ;;
  deploy)
    # One deploy at a time.
    exec 9>>"$PROD_DIR/deploy.lock"; flock 9
    deploy_model "$@"
    ;;
  *) sed -n '2,8p' "$0" >&2; exit 2 ;;
esac
