#!/usr/bin/env bash
# Create or refresh the Rasa virtualenv (.venv, Python 3.10) from requirements.txt.
# Idempotent: skips pip when requirements.txt has not changed since the last successful install.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv
stamp="$venv/.requirements.sha256"
want="$(sha256sum requirements.txt | cut -d' ' -f1)"
if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
if [ ! -x "$venv/bin/python" ]; then
  python="$(ops/find-python.sh)"
  echo "Création de l'environnement $venv avec $python"
  "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "pip==24.0"
echo "Installation des dépendances (requirements.txt)…"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r requirements.txt
"$venv/bin/pip" check
echo "$want" > "$stamp"
