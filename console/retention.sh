#!/usr/bin/env bash
# The personal-data retention job, in the foreground (started by `make run` and `make run-prod` with
# the other services): counts the statistics every 5 minutes and purges every night what is older than
# the retention periods (console_app/retention.py, docs/donnees-personnelles.md). A period out of bounds
# stops it at once with a French message. `retention.sh --banner` prints its line of the `make run` banner.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--banner" ]; then
  echo "  - conservation des données : conversations supprimées après ${CONVERSATION_RETENTION_DAYS:-30} jours (tâche de nuit)"
  exit 0
fi
console/install.sh
. ops/env.sh
cd console
../.venv-console/bin/python -m console_app.retention check
exec ../.venv-console/bin/python -m console_app.retention serve
