#!/usr/bin/env bash
# `make stop`: stop what `make run` started (its services, Rasa, the action server), from any terminal;
# also what a `make run` killed without its clean-up left behind. STATE_DIR says which run (default var/).
set -euo pipefail
cd "$(dirname "$0")/.."
. ops/env.sh
. ops/processes.sh
state="$STATE_DIR"
run_pid="$(cat "$state/run.pid" 2>/dev/null || true)"
# The `make run` still watching: it ends too (when it is the caller, through its own clean-up, it is not
# signalled again).
if [ -n "$run_pid" ] && [ "$run_pid" != "$PPID" ] && kill -0 "$run_pid" 2>/dev/null; then
  kill -TERM "$run_pid" 2>/dev/null || true
fi
stop_services_of "$state/log"
ops/stack.sh stop "$state"
rm -f "$state/run.pid"
