#!/usr/bin/env bash
# Run the support console in the foreground on http://localhost:${CONSOLE_PORT:-8081} (used by `make run`).
set -euo pipefail
cd "$(dirname "$0")/.."
console/install.sh
. ops/env.sh
port="${CONSOLE_PORT:-8081}"
host="${CONSOLE_HOST:-127.0.0.1}"
echo "Console de support : http://localhost:$port (comptes : console/manage.sh create-user NOM --role admin)"
cd console
exec ../.venv-console/bin/python -m uvicorn console_app.web:create_app --factory \
  --host "$host" --port "$port" --proxy-headers --no-access-log
