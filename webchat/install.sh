#!/usr/bin/env bash
# Install and build everything the web chat page and its browser tests need (idempotent; the installs
# go through ops/install.sh).
#   webchat/install.sh           npm packages (npm ci, lock file committed) + build/ (page, widget bundle, DSFR)
#   webchat/install.sh --tests   also Debian's Chromium and the Playwright venv .venv-webchat
# The build is skipped when its stamp is newer than its inputs.
set -euo pipefail
cd "$(dirname "$0")"
here="$(pwd)"
repo_root="$(cd .. && pwd)"

build_page() {
  local stamp="build/.build-stamp"
  if [ -f "$stamp" ] && [ -z "$(find src build.js node_modules/.install-stamp -newer "$stamp" -print -quit)" ]; then
    return 0
  fi
  echo "webchat : construction de la page (build/)…"
  node build.js
  touch "$stamp"
}

"$repo_root/ops/install.sh" npm "$here"
build_page
if [ "${1:-}" = "--tests" ]; then
  "$repo_root/ops/install.sh" debian chromium
  "$repo_root/ops/install.sh" venv "$repo_root/.venv-webchat" "$here/requirements-dev.txt"
fi
