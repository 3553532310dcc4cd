#!/usr/bin/env bash
# Install the support console (ops/install.sh does the work, idempotently):
#   console/install.sh         its venv .venv-console (console/requirements.txt) and its npm assets
#                              (DSFR, Chart.js for the statistics, socket.io client for the browser test
#                              page; axe-core for the accessibility tests), Node.js from Debian
#   console/install.sh --dev   also the test tools (console/requirements-dev.txt) and Debian's Chromium
set -euo pipefail
cd "$(dirname "$0")/.."
# `make run` starts console/serve.sh and console/retention.sh together: one installs, the other waits.
mkdir -p var
exec 9> var/.console-install.lock
flock 9
if [ "${1:-}" = "--dev" ]; then
  ops/install.sh venv .venv-console console/requirements.txt console/requirements-dev.txt
  ops/install.sh debian chromium
else
  ops/install.sh venv .venv-console console/requirements.txt
fi
ops/install.sh npm console --ignore-scripts
# The console's working copy of the assistant's data is a Git repository (console_app/workbench).
ops/install.sh debian git
