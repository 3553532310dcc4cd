# Environment of the production profile, sourced by deploy/prod.sh and deploy/run-prod.sh.
# Every variable already set in the environment wins (the tests set their own ports and state dir).
# shellcheck shell=bash
prod_repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# ops/env.sh: the Rasa API token (env RASA_AUTH_TOKEN, else .secrets/rasa_token), CORS, channel URLs.
. "$prod_repo_root/ops/env.sh"
export PROD_DIR="${PROD_DIR:-$prod_repo_root/var/prod}"
export PROD_PORT="${PROD_PORT:-5005}"                    # nginx: the public Rasa URL
export PROD_BRIDGE_PORT="${PROD_BRIDGE_PORT:-5008}"      # nginx: the Tchap bridge's door (callback channel only)
# Requests per second and client address on nginx's public door (then 429; docs/security.md).
export PROD_LIMIT_WEBHOOKS="${PROD_LIMIT_WEBHOOKS:-5r/s}"
export PROD_LIMIT_MATTERMOST="${PROD_LIMIT_MATTERMOST:-20r/s}"   # Mattermost posts every user's webhook
export PROD_LIMIT_SOCKETIO="${PROD_LIMIT_SOCKETIO:-20r/s}"       # long polling: a few requests a message
export PROD_RASA_PORTS="${PROD_RASA_PORTS:-5006 5007}"   # one Rasa instance per port
# Each instance's spare port (same order): a deploy starts the instance's new process there, then the
# next deploy back on PROD_RASA_PORTS (deploy/prod.sh deploy).
export PROD_RASA_SPARE_PORTS="${PROD_RASA_SPARE_PORTS:-5016 5017}"
export PROD_ACTIONS_PORT="${PROD_ACTIONS_PORT:-5055}"
export PG_HOST="${PG_HOST:-127.0.0.1}"
export PG_PORT="${PG_PORT:-5433}"                        # not 5432: never clash with a system cluster
export PG_DB="${PG_DB:-rasa}"
export PG_USER="${PG_USER:-rasa}"
export REDIS_HOST="${REDIS_HOST:-127.0.0.1}"
export REDIS_PORT="${REDIS_PORT:-6380}"                  # not 6379, same reason
export REDIS_DB="${REDIS_DB:-0}"
export ACTION_ENDPOINT_URL="http://127.0.0.1:$PROD_ACTIONS_PORT/webhook"
export RASA_URL="http://localhost:$PROD_PORT"
# The public door does not route the callback channel: the Tchap bridge has its own.
export TCHAP_RASA_URL="http://localhost:$PROD_BRIDGE_PORT"
# The sheet's links go through nginx's public door (/fiches/), like socket.io; channels ask the service directly.
export SHEETS_PUBLIC_URL="$RASA_URL"
export SHEETS_URL="http://localhost:$SHEETS_PORT"
export PYTHONPATH="$prod_repo_root${PYTHONPATH:+:$PYTHONPATH}"
# The console of the production profile is served over HTTPS (behind the site's reverse proxy): its
# session cookie is Secure and it sends HSTS. Browsers accept Secure cookies from http://localhost too.
export CONSOLE_COOKIE_SECURE="${CONSOLE_COOKIE_SECURE:-true}"
# A ticket lock left by an instance killed mid-turn blocks its conversation until it expires:
# 20 s (Rasa: 60 s) is far above one turn here and keeps the failover short.
export TICKET_LOCK_LIFETIME="${TICKET_LOCK_LIFETIME:-20}"

# Passwords of the local PostgreSQL and Redis: from the environment, else generated once next to
# their data (PROD_DIR is ignored by git), so that they follow the data directory they protect.
prod_secret() {
  local name="$1" file="$PROD_DIR/secrets/$1"
  if [ ! -s "$file" ]; then
    mkdir -p "$PROD_DIR/secrets"
    (umask 077; python3 -c 'import secrets; print(secrets.token_hex(24))' > "$file")
  fi
  cat "$file"
}
mkdir -p "$PROD_DIR"
PG_PASSWORD="${PG_PASSWORD:-$(prod_secret pg_password)}"
REDIS_PASSWORD="${REDIS_PASSWORD:-$(prod_secret redis_password)}"
export PG_PASSWORD REDIS_PASSWORD
