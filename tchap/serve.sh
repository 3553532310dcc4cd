#!/usr/bin/env bash
# `make run` service: the Tchap bridge, in the foreground. Starts only when it is configured
# (TCHAP_HOMESERVER and TCHAP_BOT_USER, from the environment or from .secrets/tchap.env).
# `serve.sh --banner` prints its line of the `make run` banner.
set -euo pipefail
cd "$(dirname "$0")/.."
. ops/env.sh
env_file="${TCHAP_ENV_FILE:-.secrets/tchap.env}"
if [ -f "$env_file" ]; then
  set -a; . "$env_file"; set +a
fi
if [ "${1:-}" = "--banner" ]; then  # its line of the `make run` banner
  if [ -n "${TCHAP_HOMESERVER:-}" ] && [ -n "${TCHAP_BOT_USER:-}" ]; then
    echo "  - pont Tchap : $TCHAP_BOT_USER sur $TCHAP_HOMESERVER"
  else
    echo "  - pont Tchap : non configuré (docs/tchap.md, « Installer dans Tchap »)"
  fi
  exit 0
fi
if [ -z "${TCHAP_HOMESERVER:-}" ] || [ -z "${TCHAP_BOT_USER:-}" ]; then
  echo "Pont Tchap non configuré (pas de TCHAP_HOMESERVER / TCHAP_BOT_USER, ni de fichier $env_file) : il n'est pas démarré."
  echo "Voir docs/tchap.md, section « Installer dans Tchap »."
  exit 0
fi
tchap/install.sh
export TCHAP_STATE_DIR="${TCHAP_STATE_DIR:-$STATE_DIR/tchap}"
export PYTHONPATH="$PWD/tchap${PYTHONPATH:+:$PYTHONPATH}"
exec .venv-tchap/bin/python -m matrix_bridge
