#!/usr/bin/env bash
# Backups of the assistant (docs/production.md, « Sauvegarder et restaurer »):
#   ops/backup.sh save                 (make backup) while the assistant runs or not: a dated archive in
#                                      BACKUP_DIR (default: backups/) holding the conversations, the
#                                      console's database (accounts, audit, statistics) and the models
#   ops/backup.sh restore ARCHIVE      (make restore ARCHIVE=…) on a STOPPED assistant only; what it
#                                      replaces is kept aside in STATE_DIR/avant-restauration-<date>/
# Conversations: STATE_DIR/tracker.db copied with SQLite's online backup API (a consistent copy while
# Rasa writes), and the production profile's PostgreSQL (pg_dump, one transaction) when it runs. The
# console's database: STATE_DIR/console.db, the same way. The archive and every file it holds are private
# (0600). Secrets (.secrets/) are not in it: the token and keys are made anew, or kept by the server.
# BACKUP_KEEP (14) archives are kept in BACKUP_DIR, the older ones removed.
set -euo pipefail
umask 077
cd "$(dirname "$0")/.."
. ops/env.sh
state="$STATE_DIR"
tracker_db="${TRACKER_DB:-$state/tracker.db}"
backup_dir="${BACKUP_DIR:-$PWD/backups}"
models_dir="${CONSOLE_MODELS_DIR:-$PWD/models}"
PROD_DIR="${PROD_DIR:-$PWD/var/prod}"

fail() { echo "ERREUR : $*" >&2; exit 1; }
# The folder an archive is made in, or unpacked to: removed however the script ends.
work=""
trap '[ -z "$work" ] || rm -rf "$work"' EXIT

# sqlite_copy SOURCE DEST: SQLite's online backup API (pages copied under a read lock, retried while a
# writer holds the database); then an integrity check of the copy.
sqlite_copy() {
  python3 - "$1" "$2" <<'PY'
import sqlite3, sys
source = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True, timeout=30)
dest = sqlite3.connect(sys.argv[2])
with dest:
    source.backup(dest)
check = dest.execute("PRAGMA integrity_check").fetchone()[0]
if check != "ok":
    sys.exit(f"copie de {sys.argv[1]} incohérente : {check}")
PY
}

prod_pg_running() {
  [ -s "$PROD_DIR/postgres/data/PG_VERSION" ] && [ -s "$PROD_DIR/postgres/data/postmaster.pid" ] \
    && kill -0 "$(head -n 1 "$PROD_DIR/postgres/data/postmaster.pid")" 2>/dev/null
}

pg_env() {
  # deploy/prod-env.sh gives PG_* (the password kept next to the data) for this PROD_DIR.
  . deploy/prod-env.sh
}

save() {
  local started stamp archive what=() file
  started="$(date +%s)"
  stamp="$(date +%Y%m%d-%H%M%S)"
  mkdir -p "$backup_dir"
  work="$(mktemp -d "$backup_dir/.en-cours-XXXXXX")"
  mkdir -p "$work/models"
  if [ -f "$tracker_db" ]; then
    sqlite_copy "$tracker_db" "$work/tracker.db"
    what+=("conversations (SQLite, $tracker_db)")
  fi
  if prod_pg_running; then
    (pg_env; PGPASSWORD="$PG_PASSWORD" pg_dump -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d "$PG_DB" \
       --format=custom --no-owner --file="$work/tracker.pgdump")
    what+=("conversations (PostgreSQL du profil de production, pg_dump)")
  elif [ -s "$PROD_DIR/postgres/data/PG_VERSION" ]; then
    echo "Attention : le PostgreSQL du profil de production ($PROD_DIR) est arrêté : ses conversations ne sont pas sauvegardées (démarrez-le : deploy/prod.sh pg-start)." >&2
  fi
  if [ -f "$state/console.db" ]; then
    sqlite_copy "$state/console.db" "$work/console.db"
    what+=("console (comptes, journal d'audit, statistiques : $state/console.db)")
  fi
  for file in "$models_dir"/*.tar.gz; do
    [ -e "$file" ] && cp -p "$file" "$work/models/"
  done
  what+=("$(find "$work/models" -name '*.tar.gz' | wc -l) modèle(s) ($models_dir)")
  [ -f "$work/tracker.db" ] || [ -f "$work/tracker.pgdump" ] || [ -f "$work/console.db" ] \
    || fail "rien à sauvegarder : ni $tracker_db, ni $state/console.db, ni PostgreSQL en marche."
  {
    echo "sauvegarde de l'assistant « Cloud au centre »"
    echo "date : $(date -Iseconds)"
    printf 'contenu : %s\n' "${what[@]}"
    (cd "$work" && find . -type f ! -name MANIFEST -printf '%P\n' | sort | xargs -r sha256sum)
  } > "$work/MANIFEST"
  chmod -R go-rwx "$work"
  archive="$backup_dir/cloud-au-centre-$stamp.tar.gz"
  tar -C "$work" -czf "$archive.partial" .
  mv "$archive.partial" "$archive"
  chmod 600 "$archive"
  echo "Sauvegarde écrite : $archive ($(du -h "$archive" | cut -f1), $(( $(date +%s) - started )) s)"
  printf '  - %s\n' "${what[@]}"
  # The BACKUP_KEEP newest archives are kept (default 14: two weeks of nightly backups).
  ls -1t "$backup_dir"/cloud-au-centre-*.tar.gz | tail -n +$(( ${BACKUP_KEEP:-14} + 1 )) | while read -r file; do
    rm -f "$file" && echo "Ancienne sauvegarde supprimée : $file"
  done
}

# The assistant that runs on this state, if any: a word naming it, or nothing.
running_part() {
  local pidfile
  for pidfile in "$state/run.pid" "$state/rasa.pid" "$state/actions.pid" "$state"/log/*.pid \
                 "$PROD_DIR"/rasa-*.pid "$PROD_DIR/actions.pid"; do
    [ -e "$pidfile" ] || continue
    if kill -0 "$(cat "$pidfile" 2>/dev/null)" 2>/dev/null; then
      echo "$(basename "$pidfile" .pid) (processus $(cat "$pidfile"))"
      return 0
    fi
  done
}

restore() {
  local archive="${1:-}" started part aside stamp file target
  [ -n "$archive" ] || fail "indiquez l'archive : make restore ARCHIVE=backups/cloud-au-centre-….tar.gz"
  [ -f "$archive" ] || fail "archive introuvable : $archive"
  started="$(date +%s)"
  part="$(running_part)"
  [ -z "$part" ] || fail "l'assistant tourne ($part) : arrêtez-le (make stop, make stop-prod ou systemctl stop cloud-au-centre) avant de restaurer. Rien n'a été modifié."
  mkdir -p "$state"
  work="$(mktemp -d "$state/.restauration-XXXXXX")"
  tar -C "$work" -xzf "$archive" 2>/dev/null && [ -f "$work/MANIFEST" ] \
    || fail "$archive n'est pas une sauvegarde de l'assistant (archive illisible ou sans MANIFEST). Rien n'a été modifié."
  (cd "$work" && grep -E '^[0-9a-f]{64}  ' MANIFEST | sha256sum --quiet -c -) \
    || fail "$archive est abîmée (empreintes différentes de son MANIFEST). Rien n'a été modifié."
  stamp="$(date +%Y%m%d-%H%M%S)"
  aside="$state/avant-restauration-$stamp"
  mkdir -p "$aside"
  for file in tracker.db console.db; do
    [ -f "$work/$file" ] || continue
    target="$state/$file"
    [ "$file" = console.db ] || target="$tracker_db"
    [ ! -f "$target" ] || mv "$target" "$aside/$file"
    rm -f "$target-wal" "$target-shm" "$target-journal"
    mv "$work/$file" "$target"
    echo "Restauré : $target (l'ancien est dans $aside/)"
  done
  if [ -f "$work/tracker.pgdump" ]; then
    restore_postgres "$work/tracker.pgdump"
  fi
  mkdir -p "$models_dir"
  for file in "$work"/models/*.tar.gz; do
    [ -e "$file" ] || continue
    [ -e "$models_dir/$(basename "$file")" ] || { cp -p "$file" "$models_dir/"; echo "Restauré : modèle $(basename "$file")"; }
  done
  rmdir "$aside" 2>/dev/null || true
  echo "Restauration terminée en $(( $(date +%s) - started )) s. Démarrez l'assistant (make run, make run-prod ou systemctl start cloud-au-centre)."
}

# The production profile's conversations: its PostgreSQL is started alone if needed (the Rasa instances
# are stopped), the database emptied and loaded from the dump, then PostgreSQL is left as it was.
restore_postgres() {
  local dump="$1" started_here=""
  prod_pg_running || { deploy/prod.sh pg-start >/dev/null; started_here=1; }
  (pg_env; PGPASSWORD="$PG_PASSWORD" pg_restore -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d "$PG_DB" \
     --clean --if-exists --no-owner --single-transaction "$dump")
  [ -z "$started_here" ] || deploy/prod.sh pg-stop
  echo "Restauré : conversations du profil de production (PostgreSQL, $PROD_DIR)"
}

case "${1:-}" in
  save) save ;;
  restore) restore "${2:-}" ;;
  *) sed -n '2,6p' "$0" >&2; exit 2 ;;
esac
