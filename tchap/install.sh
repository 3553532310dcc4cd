#!/usr/bin/env bash
# Create or refresh the Tchap bridge's own virtualenv, and on demand the test homeserver's.
#   tchap/install.sh            → .venv-tchap   from tchap/requirements.txt
#   tchap/install.sh synapse    → .venv-synapse from tchap/synapse-requirements.txt (tests only)
# Idempotent: pip runs only when the requirements file changed since the last successful install.
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-bridge}" in
  bridge) venv=.venv-tchap; requirements=tchap/requirements.txt ;;
  synapse) venv=.venv-synapse; requirements=tchap/synapse-requirements.txt ;;
  *) echo "usage : tchap/install.sh [bridge|synapse]" >&2; exit 2 ;;
esac
stamp="$venv/.requirements.sha256"
want="$(sha256sum "$requirements" | cut -d' ' -f1)"
if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
if [ ! -x "$venv/bin/python" ]; then
  python="$(ops/find-python.sh)"
  echo "Création de l'environnement $venv avec $python"
  "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "pip==24.0"
echo "Installation des dépendances ($requirements)…"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
"$venv/bin/pip" check
echo "$want" > "$stamp"
