#!/usr/bin/env bash
# Print the path of a Python 3.10 interpreter (Rasa 3.6 supports 3.8-3.10 only).
# Order: python3.10 on PATH, then pyenv's versions folder; otherwise stop with a clear message.
set -euo pipefail
if command -v python3.10 >/dev/null 2>&1 && python3.10 -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then
  command -v python3.10
  exit 0
fi
pyenv_root="${PYENV_ROOT:-}"
if [ -z "$pyenv_root" ] && command -v pyenv >/dev/null 2>&1; then
  pyenv_root="$(pyenv root)"
fi
[ -n "$pyenv_root" ] || pyenv_root="$HOME/.pyenv"
candidate="$(ls -d "$pyenv_root"/versions/3.10*/bin/python3.10 2>/dev/null | sort -V | tail -n 1 || true)"
if [ -n "$candidate" ] && [ -x "$candidate" ]; then
  echo "$candidate"
  exit 0
fi
echo "ERREUR : Python 3.10 est introuvable (ni 'python3.10' dans le PATH, ni dans $pyenv_root/versions)." >&2
echo "Rasa 3.6 exige Python 3.8 à 3.10. Installez-le, par exemple : pyenv install 3.10.13" >&2
exit 1
