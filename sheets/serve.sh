#!/usr/bin/env bash
# `make run` service: the orientation sheet's door on http://localhost:${SHEETS_PORT:-5057} (loopback), in the
# foreground. It reads conversations through Rasa's HTTP API (RASA_URL, RASA_AUTH_TOKEN from ops/env.sh).
# `serve.sh --banner` prints its line of the `make run` banner.
set -euo pipefail
cd "$(dirname "$0")/.."
. ops/env.sh
if [ "${1:-}" = "--banner" ]; then
  echo "  - fiches d'orientation (PDF) : $SHEETS_PUBLIC_URL/fiches/<référence>"
  exit 0
fi
sheets/install.sh
cd sheets
exec ../.venv-sheets/bin/python -m sheet_service
