#!/usr/bin/env bash
# Console administration (accounts). Examples:
#   console/manage.sh create-user marie --role admin     (the password is asked twice)
#   echo "$PASSWORD" | console/manage.sh create-user paul --role agent
#   console/manage.sh set-password paul | console/manage.sh list-users
set -euo pipefail
cd "$(dirname "$0")/.."
console/install.sh >&2
[ -f .env ] && { set -a; . ./.env; set +a; }
cd console
exec ../.venv-console/bin/python -m console_app.manage "$@"
