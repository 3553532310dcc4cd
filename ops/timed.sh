#!/usr/bin/env bash
# ops/timed.sh LABEL COMMAND…: run COMMAND, then print how long it took (and whether it failed).
# With TIMINGS_FILE set (make test sets it), the line is also appended there for the final summary.
label="${1:?usage: ops/timed.sh LABEL COMMAND…}"
shift
start=$(date +%s)
status=0
"$@" || status=$?
elapsed=$(( $(date +%s) - start ))
line="$(printf '%3d min %02d s  %s' $((elapsed / 60)) $((elapsed % 60)) "$label")"
[ "$status" = 0 ] || line="$line  (ÉCHEC, code $status)"
echo "⏱ $line"
[ -z "${TIMINGS_FILE:-}" ] || echo "$line" >> "$TIMINGS_FILE"
exit "$status"
