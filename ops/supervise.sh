# Supervision of `make run` and `make run-prod` (ops/run.sh, deploy/run-prod.sh): every part (Rasa, the
# action server, the console, the widget page, the Tchap bridge, the retention job…) that dies is started
# again after a back-off (at once, then after 1, 2, 4, 8… s), with a line in the terminal and in the part's log. A part that
# dies SUPERVISE_MAX_FAILURES times (5) within SUPERVISE_WINDOW_SECONDS (120) stops everything, with a
# line naming it and its log. Source it after ops/processes.sh; it defines functions only.
#
# Why our own loop and not supervisord: a model deploy (ops/stack.sh deploy, deploy/prod.sh deploy) hands
# Rasa's port to a NEW process that it starts itself, then stops the old one. A supervisor that owns the
# process it started would see that old process end and start it again, fighting the deploy. Here each
# part is watched through its pid file, which a deploy rewrites before it stops the old process, and a
# restart takes the deploy lock: it waits while a deploy runs, and never starts a second Rasa.
#
# Like systemd's Restart=on-failure, a service that ends by itself with status 0 (the Tchap bridge when it
# is not configured) is not started again; Rasa and the action server never end by themselves.

SUPERVISE_MAX_FAILURES="${SUPERVISE_MAX_FAILURES:-5}"
SUPERVISE_WINDOW_SECONDS="${SUPERVISE_WINDOW_SECONDS:-120}"
SUPERVISE_MAX_DELAY="${SUPERVISE_MAX_DELAY:-30}"
# A start command exits with this status when a deploy holds the lock: try again at the next look.
SUPERVISE_BUSY=75

supervised_parts=()
declare -A part_pidfile=() part_log=() part_command=() part_child=() part_failures=() part_due=()

# supervise NAME PIDFILE LOG CHILD COMMAND...: watch the process of PIDFILE; when it is gone, run
# COMMAND (which writes the new pid to PIDFILE and returns at once). CHILD=child: the process is a
# child of this shell, whose exit status says whether it failed (0: ended normally, not restarted).
supervise() {
  local name="$1"
  supervised_parts+=("$name")
  part_pidfile[$name]="$2"
  part_log[$name]="$3"
  part_child[$name]="$4"
  shift 4
  part_command[$name]="$(printf '%q ' "$@")"
  part_failures[$name]=""
  part_due[$name]=0
}

# supervise_services LOG_DIR SCRIPT...: the services of start_services (ops/processes.sh).
supervise_services() {
  local log_dir="$1" service name
  shift
  for service in "$@"; do
    name="$(service_name "$service")"
    supervise "$name" "$log_dir/$name.pid" "$log_dir/$name.log" child start_one_service "$log_dir" "$service"
  done
}

# say_supervisor NAME TEXT: one dated line in the terminal and in the part's log.
say_supervisor() {
  local line
  line="[$(date '+%F %T')] supervision : $2"
  echo "$line"
  echo "$line" >> "${part_log[$1]}" 2>/dev/null || true
}

# Record a failure of NAME at NOW; `failures` is then their number within the window.
failures=0
count_failure() {
  local name="$1" now="$2" time kept=""
  failures=0
  for time in ${part_failures[$name]} "$now"; do
    if [ $((now - time)) -lt "$SUPERVISE_WINDOW_SECONDS" ]; then kept="$kept $time"; failures=$((failures + 1)); fi
  done
  part_failures[$name]="$kept"
}

# A part seen dead: ended normally (removed from the watch), or failed (restart planned, or give up).
part_ended() {
  local name="$1" pid="$2" now="$3" status="" delay
  if [ "${part_child[$name]}" = child ] && [ -n "$pid" ]; then
    status=0
    wait "$pid" 2>/dev/null || status=$?
    if [ "$status" = 0 ]; then
      say_supervisor "$name" "$name s'est terminé normalement ; il n'est pas relancé."
      part_due[$name]=never
      return 0
    fi
  fi
  count_failure "$name" "$now"
  if [ "$failures" -ge "$SUPERVISE_MAX_FAILURES" ]; then
    say_supervisor "$name" "ERREUR : $name s'est arrêté $failures fois en $((SUPERVISE_WINDOW_SECONDS / 60)) min ; l'assistant s'arrête. Voir son journal : ${part_log[$name]}" >&2
    exit 1
  fi
  delay=$(( (1 << (failures - 1)) / 2 ))
  [ "$delay" -le "$SUPERVISE_MAX_DELAY" ] || delay="$SUPERVISE_MAX_DELAY"
  say_supervisor "$name" "$name s'est arrêté${status:+ (code $status)} ; redémarrage dans $delay s (journal : ${part_log[$name]})."
  part_due[$name]=$((now + delay))
}

# One look at one part.
check_part() {
  local name="$1" pid now status=0
  [ "${part_due[$name]}" != never ] || return 0
  now="$(date +%s)"
  if [ "${part_due[$name]}" = 0 ]; then
    pid="$(cat "${part_pidfile[$name]}" 2>/dev/null || true)"
    running "$pid" && return 0
    # A deploy may have put a new process in the pid file in the meantime.
    [ "$pid" = "$(cat "${part_pidfile[$name]}" 2>/dev/null || true)" ] || return 0
    part_ended "$name" "$pid" "$now"
    [ "${part_due[$name]}" != never ] || return 0
  fi
  [ "$now" -ge "${part_due[$name]}" ] || return 0
  # A deploy that held the lock has started the new process itself.
  if running "$(cat "${part_pidfile[$name]}" 2>/dev/null)"; then part_due[$name]=0; return 0; fi
  eval "${part_command[$name]}" >> "${part_log[$name]}" 2>&1 || status=$?
  if [ "$status" = "$SUPERVISE_BUSY" ]; then
    return 0  # a deploy holds the lock: it starts the new process itself; look again in a second
  fi
  part_due[$name]=0
  if [ "$status" = 0 ]; then
    say_supervisor "$name" "$name redémarré (processus $(cat "${part_pidfile[$name]}" 2>/dev/null))."
  else
    say_supervisor "$name" "$name n'a pas pu être relancé (code $status ; journal : ${part_log[$name]})."
    rm -f "${part_pidfile[$name]}"
  fi
}

# Watch every supervised part, once a second, until this shell is stopped (Ctrl-C, make stop) or a part
# fails too often.
supervise_forever() {
  local name
  while true; do
    for name in "${supervised_parts[@]}"; do check_part "$name"; done
    sleep 1
  done
}
