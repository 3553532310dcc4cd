# Defaults for the variables that endpoints.yml and credentials.yml expand (Rasa fails on an unset one).
# Sourced by the other ops scripts; any variable already set in the environment wins, over .env too.
# Local secrets can be put in .env (ignored by git, see .env.example).
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# load_env_file FILE: its NAME=VALUE lines (shell syntax, « export » allowed), except the variables the
# caller already set: RASA_PORT=6000 make run must win over a RASA_PORT of .env.
load_env_file() {
  local line name
  while IFS= read -r line || [ -n "$line" ]; do
    line="${line#"${line%%[![:space:]]*}"}"
    line="${line#export }"
    name="${line%%=*}"
    [[ "$name" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] && [ "$name" != "$line" ] || continue
    [ -n "${!name+set}" ] && continue
    eval "export $line"
  done < "$1"
}
if [ -f "$repo_root/.env" ]; then
  load_env_file "$repo_root/.env"
fi
export RASA_PORT="${RASA_PORT:-5005}"
export ACTIONS_PORT="${ACTIONS_PORT:-5055}"
# Interfaces Rasa and the action server listen on: loopback unless a profile says otherwise.
export RASA_INTERFACE="${RASA_INTERFACE:-127.0.0.1}"
export ACTIONS_INTERFACE="${ACTIONS_INTERFACE:-127.0.0.1}"
export STATE_DIR="${STATE_DIR:-$repo_root/var}"
export TRACKER_DB="${TRACKER_DB:-$STATE_DIR/tracker.db}"
export ACTION_ENDPOINT_URL="${ACTION_ENDPOINT_URL:-http://localhost:$ACTIONS_PORT/webhook}"
# Origins allowed to call Rasa from a browser: the widget's page (webchat/serve.sh), never "*".
export RASA_CORS="${RASA_CORS:-http://localhost:${WEBCHAT_PORT:-8080}}"
export RASA_URL="${RASA_URL:-http://localhost:$RASA_PORT}"
# A Rasa process being replaced by a deploy finishes its requests, then closes its websockets (socket.io
# clients reconnect to the new one) within this many seconds (Sanic's default: 15 s).
export SANIC_GRACEFUL_SHUTDOWN_TIMEOUT="${SANIC_GRACEFUL_SHUTDOWN_TIMEOUT:-10}"
# Rasa's callback channel is how the Tchap bridge receives replies (including support-agent replies).
export TCHAP_CALLBACK_URL="${TCHAP_CALLBACK_URL:-http://localhost:5056/rasa/callback}"
# Mattermost channel settings (see docs/mattermost.md); empty token = every webhook is refused.
export MATTERMOST_URL="${MATTERMOST_URL:-http://localhost:8065}"
export MATTERMOST_BOT_TOKEN="${MATTERMOST_BOT_TOKEN:-}"
export MATTERMOST_WEBHOOK_TOKEN="${MATTERMOST_WEBHOOK_TOKEN:-}"
export MATTERMOST_SLASH_TOKEN="${MATTERMOST_SLASH_TOKEN:-}"
export MATTERMOST_ACTIONS_URL="${MATTERMOST_ACTIONS_URL:-$RASA_URL/webhooks/mattermost/actions}"
# The orientation sheet's door (sheets/serve.sh), and the address its links give (nginx's in production).
export SHEETS_PORT="${SHEETS_PORT:-5057}"
export SHEETS_PUBLIC_URL="${SHEETS_PUBLIC_URL:-http://localhost:$SHEETS_PORT}"
export PATH="$repo_root/.venv/bin:$PATH"

# Shared secrets: from the environment, else generated once into .secrets/<file> (mode 600, ignored by git).
# Hex only: a token starting with "-" would be read as an option by `rasa run`.
secret_from_env_or_file() {
  local name="$1" file="$repo_root/.secrets/$2"
  if [ -z "${!name:-}" ]; then
    if [ ! -s "$file" ]; then
      (umask 077; mkdir -p "$(dirname "$file")" && python3 -c 'import secrets; print(secrets.token_hex(32))' > "$file")
    fi
    printf -v "$name" '%s' "$(cat "$file")"
  fi
  export "${name?}"
}
# The Rasa HTTP API token; RASA_AUTH_TOKEN_FILE (the systemd units) names a file that must hold it.
if [ -n "${RASA_AUTH_TOKEN_FILE:-}" ] && [ -z "${RASA_AUTH_TOKEN:-}" ]; then
  if [ ! -r "$RASA_AUTH_TOKEN_FILE" ] || [ ! -s "$RASA_AUTH_TOKEN_FILE" ]; then
    echo "ERREUR : le fichier du jeton de l'API Rasa ($RASA_AUTH_TOKEN_FILE, RASA_AUTH_TOKEN_FILE) manque, est vide ou illisible ; créez-le (docs/production.md, « Un service sur une VM »)." >&2
    exit 78
  fi
  RASA_AUTH_TOKEN="$(tr -d '[:space:]' < "$RASA_AUTH_TOKEN_FILE")"
fi
secret_from_env_or_file RASA_AUTH_TOKEN rasa_token
# The Tchap bridge's secret: required on Rasa's callback channel and on the bridge's callback endpoint.
secret_from_env_or_file TCHAP_CALLBACK_TOKEN tchap_callback_token
