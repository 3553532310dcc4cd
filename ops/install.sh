#!/usr/bin/env bash
# The project's one installer: every venv, every Debian package, every npm folder. Idempotent: each
# step is skipped when what it installs is already there (stamp files, dpkg's own records).
#   ops/install.sh venv VENV REQUIREMENTS… [--python PYTHON]
#       a venv from pinned requirements files (PYTHON: Python 3.10 by default, ops/find-python.sh);
#       pip runs only for a file not installed yet or changed since; `pip check` must pass
#   ops/install.sh debian PACKAGE…
#       the Debian packages that are missing (apt-get update once; their services are never started)
#   ops/install.sh npm DIR [NPM_CI_OPTION…]
#       `npm ci` in DIR when package.json or package-lock.json changed (Node.js and npm from Debian)
set -euo pipefail
cd "$(dirname "$0")/.."
# (POLICY_RC_D: another path, for the tests.)
POLICY="${POLICY_RC_D:-/usr/sbin/policy-rc.d}"
sudo_cmd=()

venv() {
  local venv="${1:?usage: ops/install.sh venv VENV REQUIREMENTS… [--python PYTHON]}" python="" file sum
  shift
  local files=()
  while [ $# -gt 0 ]; do
    case "$1" in
      --python) python="${2:?--python PYTHON}"; shift 2 ;;
      *) files+=("$1"); shift ;;
    esac
  done
  [ "${#files[@]}" -gt 0 ] || { echo "ops/install.sh venv : aucun fichier de dépendances" >&2; exit 2; }
  local stamps="$venv/.installed" todo=()
  for file in "${files[@]}"; do
    sum="$(sha256sum "$file" | cut -d' ' -f1)"
    [ -f "$stamps/$sum" ] || todo+=("$file")
  done
  [ "${#todo[@]}" -gt 0 ] || return 0
  if [ ! -x "$venv/bin/python" ]; then
    [ -n "$python" ] || python="$(ops/find-python.sh)"
    echo "Création de l'environnement $venv avec $python"
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "pip==24.0"
  fi
  echo "Installation dans $venv : ${todo[*]}…"
  "$venv/bin/pip" install --quiet --disable-pip-version-check $(printf -- ' -r %s' "${files[@]}")
  "$venv/bin/pip" check
  mkdir -p "$stamps"
  for file in "${files[@]}"; do touch "$stamps/$(sha256sum "$file" | cut -d' ' -f1)"; done
}

debian() {
  # Parts install their packages in parallel (make -j): one apt at a time, or a second `apt-get update`
  # fails at once on the lists lock (DPkg::Lock::Timeout only waits for dpkg's own lock).
  exec 9>"${TMPDIR:-/tmp}/cloud-au-centre-apt.lock"
  flock 9
  local package missing=()
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  [ "${#missing[@]}" -gt 0 ] || return 0
  echo "Installation des paquets Debian manquants : ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  local apt=("${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -qq -o DPkg::Lock::Timeout=600)
  # policy-rc.d 101: packages must not start their system-wide services (we run our own instances).
  # Removed on every exit, a failed or interrupted install included: left behind, it would stop every
  # later package of the machine from starting its service.
  if [ ! -e "$POLICY" ]; then
    trap '"${sudo_cmd[@]}" rm -f "$POLICY"' EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    printf '#!/bin/sh\nexit 101\n' | "${sudo_cmd[@]}" tee "$POLICY" >/dev/null
    "${sudo_cmd[@]}" chmod +x "$POLICY"
  fi
  "${apt[@]}" update
  "${apt[@]}" install -y --no-install-recommends "${missing[@]}" >/dev/null
}

npm_ci() {
  local dir="${1:?usage: ops/install.sh npm DIR [NPM_CI_OPTION…]}"
  shift
  local stamp="$dir/node_modules/.install-stamp" want
  want="$(cat "$dir/package.json" "$dir/package-lock.json" | sha256sum | cut -d' ' -f1)"
  [ "$(cat "$stamp" 2>/dev/null)" != "$want" ] || return 0
  command -v npm >/dev/null 2>&1 || debian nodejs npm
  echo "Installation des paquets npm de $dir (npm ci)…"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error "$@")
  echo "$want" > "$stamp"
}

command="${1:-}"
shift || true
case "$command" in
  venv) venv "$@" ;;
  debian) debian "$@" ;;
  npm) npm_ci "$@" ;;
  *) sed -n '2,10p' "$0" >&2; exit 2 ;;
esac
