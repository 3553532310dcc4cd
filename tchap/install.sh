#!/usr/bin/env bash
# Create or refresh the Tchap bridge's own virtualenv, and on demand the test tools (ops/install.sh).
#   tchap/install.sh            → .venv-tchap   from tchap/requirements.txt
#   tchap/install.sh --dev      → also its test tools, and .venv-synapse (the test homeserver)
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-}" in
  "") ops/install.sh venv .venv-tchap tchap/requirements.txt ;;
  --dev)
    ops/install.sh venv .venv-tchap tchap/requirements.txt tchap/requirements-dev.txt
    ops/install.sh venv .venv-synapse tchap/synapse-requirements.txt ;;
  *) echo "usage : tchap/install.sh [--dev]" >&2; exit 2 ;;
esac
