#!/usr/bin/env bash
# The personal-data retention job, in the foreground (started by `make run` and `make run-prod` with
# the other services): counts the statistics every 5 minutes and purges every night what is older than
# the retention periods (console_app/retention.py, docs/donnees-personnelles.md). A period out of bounds
# stops it at once with a French message. `retention.sh --banner` prints its line of the `make run` banner.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--banner" ]; then
  # The same bounds as console_app/retention.py: a refused period must not be announced as in force.
  days="${CONVERSATION_RETENTION_DAYS:-30}"
  if [[ "$days" =~ ^[0-9]+$ ]] && [ "$((10#$days))" -ge 1 ] && [ "$((10#$days))" -le 183 ]; then
    echo "  - conservation des données : conversations supprimées après $((10#$days)) jours (tâche de nuit)"
  else
    echo "  - conservation des données : CONVERSATION_RETENTION_DAYS=$days refusé (de 1 à 183 jours, 6 mois au plus) :"
    echo "      AUCUNE PURGE tant que ce n'est pas corrigé (journal console-retention.log)"
  fi
  exit 0
fi
console/install.sh
. ops/env.sh
cd console
../.venv-console/bin/python -m console_app.retention check
exec ../.venv-console/bin/python -m console_app.retention serve
