#!/usr/bin/env bash
# Create or refresh a virtualenv from pinned requirements files; `pip check` must pass.
#   ops/ensure-venv.sh                                  → .venv from requirements.txt + requirements-dev.txt
#   ops/ensure-venv.sh VENV "REQUIREMENTS…" [PYTHON]    → any part's own venv (PYTHON defaults to 3.10)
# Idempotent: pip runs only when a requirements file changed since the last successful install.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${1:-.venv}"
requirements="${2:-requirements.txt requirements-dev.txt}"
python="${3:-}"
stamp="$venv/.requirements.sha256"
# shellcheck disable=SC2086  # a space-separated list of files
want="$(cat $requirements | sha256sum | cut -d' ' -f1)"
if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
if [ ! -x "$venv/bin/python" ]; then
  [ -n "$python" ] || python="$(ops/find-python.sh)"
  echo "Création de l'environnement $venv avec $python"
  "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "pip==24.0"
echo "Installation des dépendances ($requirements)…"
"$venv/bin/pip" install --quiet --disable-pip-version-check $(printf -- ' -r %s' $requirements)
"$venv/bin/pip" check
echo "$want" > "$stamp"
