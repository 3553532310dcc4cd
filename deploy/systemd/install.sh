#!/usr/bin/env bash
# Install the assistant as a service of this VM (docs/production.md, « Un service sur une VM »), as root,
# from the folder of the code once `make install` and `make train` have run in it:
#   deploy/systemd/install.sh [--render-only DIR]
# - a system account cloud-au-centre (no shell, no home of its own but the state folder);
# - the state folder /var/lib/cloud-au-centre (0700, owned by that account): var/ (conversations, console,
#   logs), models/, data/ (the console edits and retrains), .secrets/, backups/; the code's folders of the
#   same names become links to it, so that the code itself stays read-only for the service;
# - the API token in /etc/cloud-au-centre/rasa_token (0640, root:cloud-au-centre), made if missing;
# - the units of deploy/systemd/ with this folder in place of @APP_DIR@, in /etc/systemd/system, enabled.
# --render-only DIR writes the units, filled in, to DIR and stops there (the tests verify them so).
set -euo pipefail
cd "$(dirname "$0")/../.."
app_dir="$PWD"
units=(cloud-au-centre.service cloud-au-centre-backup.service cloud-au-centre-backup.timer)

render() {
  local dest="$1" unit
  mkdir -p "$dest"
  for unit in "${units[@]}"; do
    sed "s|@APP_DIR@|$app_dir|g" "deploy/systemd/$unit" > "$dest/$unit"
  done
}

if [ "${1:-}" = --render-only ]; then
  render "${2:?dossier}"
  exit 0
fi
[ "$(id -u)" -eq 0 ] || { echo "ERREUR : à lancer en root (sudo deploy/systemd/install.sh)." >&2; exit 1; }
ls models/*.tar.gz >/dev/null 2>&1 || [ -L models ] || {
  echo "ERREUR : aucun modèle : lancez d'abord « make install » puis « make train » dans $app_dir." >&2; exit 1; }

account=cloud-au-centre
state=/var/lib/cloud-au-centre
id "$account" >/dev/null 2>&1 \
  || useradd --system --user-group --home-dir "$state" --no-create-home --shell /usr/sbin/nologin "$account"
install -d -m 0700 -o "$account" -g "$account" "$state"
# The folders the service writes to move to the state folder (once), and become links.
for folder in var models data .secrets backups; do
  if [ ! -L "$folder" ]; then
    if [ -d "$folder" ] && [ ! -e "$state/$folder" ]; then cp -a "$folder" "$state/$folder"; fi
    mkdir -p "$state/$folder"
    rm -rf "$folder"
    ln -s "$state/$folder" "$folder"
  fi
done
chown -R "$account:$account" "$state"
chmod -R go-rwx "$state"
# The code: readable by the account, writable by root only.
chmod -R o+rX,go-w "$app_dir"

install -d -m 0750 -o root -g "$account" /etc/cloud-au-centre
if [ ! -s /etc/cloud-au-centre/rasa_token ]; then
  (umask 027; python3 -c 'import secrets; print(secrets.token_hex(32))' > /etc/cloud-au-centre/rasa_token)
  chgrp "$account" /etc/cloud-au-centre/rasa_token
fi

render /etc/systemd/system
systemctl daemon-reload
systemctl enable --now cloud-au-centre.service cloud-au-centre-backup.timer
echo "Service installé : systemctl status cloud-au-centre ; journalctl -u cloud-au-centre -f"
