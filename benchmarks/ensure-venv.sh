#!/usr/bin/env bash
# Create or refresh the load-test venv .venv-bench (Locust, psutil, socket.io client) from the pinned
# benchmarks/requirements.txt. Idempotent: skips pip when the requirements did not change.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv-bench
stamp="$venv/.requirements.sha256"
want="$(sha256sum benchmarks/requirements.txt | cut -d' ' -f1)"
if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
if [ ! -x "$venv/bin/python" ]; then
  # No Rasa in this venv: any python3 >= 3.11 (the pinned Locust 2.47 requires it).
  python="$(command -v python3 || true)"
  if [ -z "$python" ] || ! "$python" -c 'import sys; assert sys.version_info >= (3, 11)' 2>/dev/null; then
    echo "ERREUR : le banc de charge demande python3 >= 3.11 (Locust 2.47)." >&2
    exit 1
  fi
  echo "Création de l'environnement $venv avec $python"
  "$python" -m venv "$venv"
fi
echo "Installation des dépendances du banc de charge (benchmarks/requirements.txt)…"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r benchmarks/requirements.txt
"$venv/bin/pip" check
echo "$want" > "$stamp"
