#!/usr/bin/env bash
# Serve the web chat page (foreground), for `make run`: http://localhost:${WEBCHAT_PORT:-8080}.
# The page connects to Rasa's socket.io channel at WEBCHAT_SOCKET_URL, else RASA_URL, else
# http://localhost:5005 (the address as seen from the browser).
# `serve.sh --banner` prints its line of the `make run` banner.
set -euo pipefail
cd "$(dirname "$0")"
if [ "${1:-}" = "--banner" ]; then
  echo "  - page du widget de discussion : http://localhost:${WEBCHAT_PORT:-8080}"
  exit 0
fi
./install.sh
exec python3 server.py --port "${WEBCHAT_PORT:-8080}" --socket-url "${WEBCHAT_SOCKET_URL:-${RASA_URL:-http://localhost:5005}}"
