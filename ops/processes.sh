# Process helpers shared by ops/stack.sh and deploy/prod.sh, and the service loop and exit handling of
# ops/run.sh and deploy/run-prod.sh. Source it (". ops/processes.sh"); it defines functions only.

# stop_pid PID [SECONDS]: stop a process (group): TERM, then KILL after SECONDS (default 10).
stop_pid() {
  local pid="$1" seconds="${2:-10}"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 $((seconds * 5))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 -- "-$pid" 2>/dev/null || kill -9 "$pid" 2>/dev/null || true
  fi
}

# running PID: the process exists and is not a zombie (a dead child not yet waited for, or a dead orphan
# that its reaper has not collected yet: `kill -0` succeeds on those).
running() {
  local pid="$1" stat
  [ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || return 1
  stat="$(cat "/proc/$pid/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"
  [ "${stat%% *}" != Z ]
}

# write_pidfile FILE PID: replace FILE at once (a new file renamed over it): the supervision and the
# tests read pid files at any moment, and `echo > FILE` lets them read an empty file in between.
write_pidfile() {
  echo "$2" > "$1.new" && mv -f "$1.new" "$1"
}

# Stop the process (group) of a pid file, then remove the file.
stop_pidfile() {
  local pidfile="$1"
  [ -f "$pidfile" ] || return 0
  stop_pid "$(cat "$pidfile")"
  rm -f "$pidfile"
}

# wait_http WHAT URL LOG PIDFILE [SECONDS]: wait until URL answers; give up early when the process of
# PIDFILE has died or was stopped (`make stop` removes the pid file), and show the end of LOG. The URL
# may carry the API token: it is never printed, and curl reads it from its standard input (a
# command-line argument would show it to `ps`).
wait_http() {
  local what="$1" url="$2" log="$3" pidfile="$4" seconds="${5:-600}"
  for _ in $(seq 1 $((seconds * 2))); do
    printf 'url = "%s"\n' "$url" | curl -fsS -o /dev/null -K - 2>/dev/null && return 0
    if ! kill -0 "$(cat "$pidfile" 2>/dev/null)" 2>/dev/null; then
      echo "ERREUR : $what s'est arrêté au démarrage ; fin du journal $log :" >&2
      tail -n 40 "$log" >&2
      return 1
    fi
    sleep 0.5
  done
  echo "ERREUR : $what ne répond pas ($seconds s) ; fin du journal $log :" >&2
  tail -n 40 "$log" >&2
  return 1
}

# wait_ready WHAT FILE PID LOG [SECONDS]: wait until the process PID has written FILE (a server that
# announces it listens, rasa_patches/shared_port.py); give up when it dies, and show the end of LOG.
wait_ready() {
  local what="$1" file="$2" pid="$3" log="$4" seconds="${5:-600}"
  for _ in $(seq 1 $((seconds * 5))); do
    [ -s "$file" ] && return 0
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "ERREUR : $what s'est arrêté au démarrage ; fin du journal $log :" >&2
      tail -n 40 "$log" >&2
      return 1
    fi
    sleep 0.2
  done
  echo "ERREUR : $what n'est pas prêt après $seconds s ; fin du journal $log :" >&2
  tail -n 40 "$log" >&2
  return 1
}

# start_services LOG_DIR SCRIPT...: start each registered service script (webchat page, console,
# Tchap bridge…) in its own process group, its log in LOG_DIR/<its folder>.log (mode 600) and its pid in
# LOG_DIR/<its folder>.pid (<folder>-<script> for a script other than serve.sh, e.g. console/retention.sh);
# stop_services stops them, stop_services_of LOG_DIR too (from another shell).
service_pids=()
start_services() {
  local log_dir="$1" service
  shift
  for service in "$@"; do
    echo "Démarrage de $service (journal : $log_dir/$(service_name "$service").log)"
    (umask 077; : > "$log_dir/$(service_name "$service").log")
    start_one_service "$log_dir" "$service"
  done
}

# The name of a service script: its folder, or <folder>-<script> for a script other than serve.sh.
service_name() {
  local name
  name="$(basename "$(dirname "$1")")"
  [ "$(basename "$1")" = serve.sh ] || name="$name-$(basename "$1" .sh)"
  echo "$name"
}

# start_one_service LOG_DIR SCRIPT: start it (again) in the background, a child of this shell (the
# supervision reads its exit status), its output appended to its log and its pid in its pid file.
start_one_service() {
  local log_dir="$1" service="$2" name
  name="$(service_name "$service")"
  [ -e "$log_dir/$name.log" ] || (umask 077; : > "$log_dir/$name.log")
  setsid bash "$service" >> "$log_dir/$name.log" 2>&1 < /dev/null &
  service_pids+=("$!")
  write_pidfile "$log_dir/$name.pid" "$!"
}

stop_services() {
  local pid
  for pid in "${service_pids[@]}"; do kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true; done
}

stop_services_of() {
  local pidfile
  for pidfile in "$1"/*.pid; do
    if [ -e "$pidfile" ]; then stop_pidfile "$pidfile"; fi
  done
}

# stop_everything_on_exit COMMAND...: when the script exits, stop the services, then run COMMAND (which
# stops the stack). Ctrl-C or TERM exit through that trap instead of resuming the caller's watch loop.
stop_everything_on_exit() {
  stack_stop_command=("$@")
  trap _stop_everything EXIT
  trap "exit 130" INT
  trap "exit 143" TERM
}

# start_interruptibly COMMAND...: run COMMAND (the stack's start, which waits for the model to load) in
# the background and wait for it, so that Ctrl-C or TERM reach the trap above at once. Run in the
# foreground, it would delay the trap until the model is loaded, and a bash child that gets the Ctrl-C
# just as its own child (a sleep, a curl) exits normally takes the Ctrl-C as handled and carries on:
# `make run` then stopped only once the model was loaded (about one time in 20). In the background, COMMAND
# ignores Ctrl-C; the exit trap stops it. Its exit status is this function's.
starting_pid=""
start_interruptibly() {
  "$@" &
  starting_pid=$!
  wait "$starting_pid"
  starting_pid=""
}

_stop_everything() {
  trap - EXIT
  if [ -n "$starting_pid" ]; then
    kill "$starting_pid" 2>/dev/null || true
    wait "$starting_pid" 2>/dev/null || true
  fi
  stop_services
  "${stack_stop_command[@]}"
}
