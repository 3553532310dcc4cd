#!/usr/bin/env bash
# Serve the web chat page (foreground), for `make run`: http://localhost:${WEBCHAT_PORT:-8080}.
# The page connects to Rasa's socket.io channel at WEBCHAT_SOCKET_URL, else RASA_URL, else
# http://localhost:5005 (the address as seen from the browser).
set -euo pipefail
cd "$(dirname "$0")"
./install.sh
exec python3 server.py --port "${WEBCHAT_PORT:-8080}" --socket-url "${WEBCHAT_SOCKET_URL:-${RASA_URL:-http://localhost:5005}}"
