#!/usr/bin/env bash
# Install and build everything the web chat page and its browser tests need (idempotent).
#   webchat/install.sh           npm packages (npm ci, lock file committed) + build/ (page, widget bundle, DSFR)
#   webchat/install.sh --tests   also Debian chromium and the Playwright venv .venv-webchat
# Each step is skipped when its stamp (under ignored folders) is newer than its inputs.
set -euo pipefail
cd "$(dirname "$0")"
here="$(pwd)"
repo_root="$(cd .. && pwd)"

npm_packages() {
  local stamp="node_modules/.install-stamp"
  if [ -f "$stamp" ] && [ "$stamp" -nt package-lock.json ] && [ "$stamp" -nt package.json ]; then
    return 0
  fi
  command -v npm >/dev/null 2>&1 || install_apt_package npm
  echo "webchat : installation des paquets npm (npm ci)…"
  npm ci --no-audit --no-fund --loglevel=error
  touch "$stamp"
}

build_page() {
  local stamp="build/.build-stamp"
  if [ -f "$stamp" ] && [ -z "$(find src build.js node_modules/.install-stamp -newer "$stamp" -print -quit)" ]; then
    return 0
  fi
  echo "webchat : construction de la page (build/)…"
  node build.js
  touch "$stamp"
}

apt_updated=0
install_apt_package() {
  local package="$1"
  echo "webchat : installation du paquet Debian $package…"
  if [ "$apt_updated" = 0 ]; then
    apt-get update -qq
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null
}

chromium_browser() {
  [ -x /usr/bin/chromium ] || install_apt_package chromium
}

test_venv() {
  local venv="$repo_root/.venv-webchat" stamp="$repo_root/.venv-webchat/.install-stamp"
  if [ -f "$stamp" ] && [ "$stamp" -nt requirements.txt ]; then
    return 0
  fi
  echo "webchat : création de l'environnement Python des tests ($venv)…"
  local python
  python="$("$repo_root/ops/find-python.sh")"
  [ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r requirements.txt
  "$venv/bin/pip" check
  touch "$stamp"
}

npm_packages
build_page
if [ "${1:-}" = "--tests" ]; then
  chromium_browser
  test_venv
fi
cd "$here"
