#!/usr/bin/env bash
# Create or refresh the load-test venv .venv-bench (Locust, psutil, socket.io client) from the pinned
# benchmarks/requirements.txt. No Rasa in this venv: any python3 >= 3.11 (the pinned Locust 2.47 requires it).
set -euo pipefail
cd "$(dirname "$0")/.."
python="$(command -v python3 || true)"
if [ ! -x .venv-bench/bin/python ] && { [ -z "$python" ] || ! "$python" -c 'import sys; assert sys.version_info >= (3, 11)' 2>/dev/null; }; then
  echo "ERREUR : le banc de charge demande python3 >= 3.11 (Locust 2.47)." >&2
  exit 1
fi
exec ops/install.sh venv .venv-bench benchmarks/requirements.txt --python "$python"
