#!/usr/bin/env bash
# Create or refresh the Tchap bridge's own virtualenv, and on demand the test homeserver's.
#   tchap/install.sh            → .venv-tchap   from tchap/requirements.txt
#   tchap/install.sh synapse    → .venv-synapse from tchap/synapse-requirements.txt (tests only)
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-bridge}" in
  bridge) exec ops/ensure-venv.sh .venv-tchap tchap/requirements.txt ;;
  synapse) exec ops/ensure-venv.sh .venv-synapse tchap/synapse-requirements.txt ;;
  *) echo "usage : tchap/install.sh [bridge|synapse]" >&2; exit 2 ;;
esac
