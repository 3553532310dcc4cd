#!/usr/bin/env bash
# Install the support console: its own venv (.venv-console) from console/requirements.txt and the
# npm assets (DSFR, socket.io client, Chart.js; axe-core for the browser tests). Idempotent: a stamp file records
# the hash of what was installed, so a second run does nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv-console
stamp="$venv/.console-install.sha256"
# `make run` starts console/serve.sh and console/retention.sh together: one installs, the other waits.
mkdir -p var
exec 9> var/.console-install.lock
flock 9
want="$(cat console/requirements.txt console/package.json | sha256sum | cut -d' ' -f1)"
if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] \
   && [ -f console/node_modules/@gouvfr/dsfr/dist/dsfr.min.css ] && [ -f console/node_modules/chart.js/dist/chart.umd.min.js ]; then
  exit 0
fi
find_python() {
  local candidate
  if candidate="$(ops/find-python.sh 2>/dev/null)"; then echo "$candidate"; return 0; fi
  for candidate in python3.13 python3.12 python3.11 python3.10 python3; do
    if command -v "$candidate" >/dev/null 2>&1 \
       && "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)'; then
      command -v "$candidate"; return 0
    fi
  done
  echo "ERREUR : la console a besoin de Python 3.10 ou plus récent." >&2
  return 1
}
if [ ! -x "$venv/bin/python" ]; then
  python="$(find_python)"
  echo "Console : création de $venv avec $python"
  "$python" -m venv "$venv"
fi
echo "Console : installation des dépendances Python (console/requirements.txt)…"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r console/requirements.txt
"$venv/bin/pip" check
command -v npm >/dev/null 2>&1 || {
  echo "Console : installation de Node.js et npm (paquets Debian)…"
  apt-get update -qq && apt-get install -y -qq -o DPkg::Lock::Timeout=600 nodejs npm
}
echo "Console : installation des ressources web (DSFR, socket.io-client, Chart.js) depuis npm…"
(cd console && npm install --ignore-scripts --no-audit --no-fund --loglevel=error)
echo "$want" > "$stamp"
