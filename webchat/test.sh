#!/usr/bin/env bash
# Browser tests of the web chat page (make test-webchat): start a Rasa + action server stack and the
# page server of our own on free ports with temporary state, run the Playwright tests in headless
# Chromium against them, then stop everything. Needs a trained model (make train).
set -euo pipefail
cd "$(dirname "$0")/.."
webchat/install.sh --tests

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

state="$(mktemp -d "${TMPDIR:-/tmp}/webchat-test.XXXXXX")"
rasa_port="$(free_port)"; actions_port="$(free_port)"; page_port="$(free_port)"
while [ "$actions_port" = "$rasa_port" ]; do actions_port="$(free_port)"; done
while [ "$page_port" = "$rasa_port" ] || [ "$page_port" = "$actions_port" ]; do page_port="$(free_port)"; done
page_url="http://127.0.0.1:$page_port"
rasa_url="http://127.0.0.1:$rasa_port"
page_pid=""

cleanup() {
  trap - EXIT INT TERM
  if [ -n "$page_pid" ]; then kill -- "-$page_pid" 2>/dev/null || kill "$page_pid" 2>/dev/null || true; fi
  RASA_PORT="$rasa_port" ACTIONS_PORT="$actions_port" ops/stack.sh stop "$state" || true
  rm -rf "$state"
}
trap cleanup EXIT INT TERM

# The stack of `make run` may be running: never reuse its state, ports or URL.
unset STATE_DIR TRACKER_DB RASA_URL ACTION_ENDPOINT_URL WEBCHAT_SOCKET_URL
# A token of its own for this throw-away stack (hex: never starts with "-", which rasa's CLI would misread).
RASA_AUTH_TOKEN="$(python3 -c 'import secrets; print(secrets.token_hex(24))')"
export RASA_AUTH_TOKEN
echo "webchat : démarrage de Rasa ($rasa_port) et du serveur d'actions ($actions_port)…"
if ! RASA_PORT="$rasa_port" ACTIONS_PORT="$actions_port" RASA_CORS="$page_url" ops/stack.sh start "$state"; then
  # On a loaded machine loading the model can take longer than stack.sh waits: give it more time.
  echo "webchat : Rasa n'est pas encore prêt, nouvelle attente (jusqu'à ${WEBCHAT_START_WAIT:-600} s)…"
  ready=0
  for _ in $(seq 1 $(( ${WEBCHAT_START_WAIT:-600} / 2 ))); do
    if curl -fsS -o /dev/null "http://localhost:$actions_port/health" 2>/dev/null \
      && curl -fsS -o /dev/null "$rasa_url/status?token=$RASA_AUTH_TOKEN" 2>/dev/null; then
      ready=1; break
    fi
    kill -0 "$(cat "$state/rasa.pid" 2>/dev/null || echo 0)" 2>/dev/null || break  # Rasa died: no use waiting
    sleep 2
  done
  [ "$ready" = 1 ] || { echo "ERREUR : la pile de test n'a pas démarré (voir $state/rasa.log)." >&2; tail -n 20 "$state/rasa.log" >&2; exit 1; }
fi

setsid python3 webchat/server.py --port "$page_port" --socket-url "$rasa_url" > "$state/page.log" 2>&1 < /dev/null &
page_pid=$!
for _ in $(seq 1 50); do
  curl -fsS -o /dev/null "$page_url/" 2>/dev/null && break
  sleep 0.2
done

status=0
WEBCHAT_URL="$page_url/" WEBCHAT_RASA_URL="$rasa_url" WEBCHAT_RASA_TOKEN_FILE="$state/rasa_token" \
  .venv-webchat/bin/python -m pytest -q -p no:cacheprovider -c webchat/pytest.ini webchat/tests "$@" || status=$?
if [ "$status" != 0 ]; then
  echo "--- fin du journal de Rasa ($state/rasa.log) ---" >&2
  tail -n 30 "$state/rasa.log" >&2 || true
fi
exit "$status"
