#!/usr/bin/env bash
# Run the support console in the foreground on http://localhost:${CONSOLE_PORT:-8081} (used by `make run`).
# `serve.sh --banner` prints its lines of the `make run` banner.
set -euo pipefail
cd "$(dirname "$0")/.."
port="${CONSOLE_PORT:-8081}"
host="${CONSOLE_HOST:-127.0.0.1}"
if [ "${1:-}" = "--banner" ]; then
  echo "  - console de l'équipe support : http://localhost:$port"
  echo "      premier compte : console/manage.sh create-user VOTRE_NOM --role admin"
  exit 0
fi
console/install.sh
. ops/env.sh
echo "Console de support : http://localhost:$port (comptes : console/manage.sh create-user NOM --role admin)"
cd console
exec ../.venv-console/bin/python -m uvicorn console_app.web:create_app --factory \
  --host "$host" --port "$port" --proxy-headers --no-access-log
