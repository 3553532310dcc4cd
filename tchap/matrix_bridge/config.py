"""Bridge settings, read from the environment (serve.sh loads them from an ignored env file)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit


class ConfigError(ValueError):
    """A missing or malformed setting; the message is in French for the administrator."""


def server_name_of(mxid: str) -> str:
    """Return the server part of a Matrix ID (`@user:server` → `server`), lower-cased."""
    _, sep, server = mxid.partition(":")
    return server.strip().lower() if sep else ""


@dataclass(frozen=True)
class BridgeConfig:
    """Everything the bridge needs to run."""

    homeserver: str
    bot_user: str
    password: str
    allowed_servers: frozenset[str]
    state_dir: Path
    rasa_url: str
    listen_host: str
    listen_port: int
    callback_path: str
    callback_token: str
    device_name: str = "Assistant Cloud au centre"
    max_message_chars: int = 2000
    rasa_timeout_s: float = 60.0
    sync_timeout_ms: int = 30000
    # The orientation sheet's door (sheets/): the bridge fetches a verdict's PDF there and sends it as a file.
    sheets_url: str = "http://localhost:5057"

    @property
    def bot_server(self) -> str:
        """The bot's own homeserver name."""
        return server_name_of(self.bot_user)


def _split_list(raw: str) -> frozenset[str]:
    return frozenset(item.strip().lower() for item in raw.replace(";", ",").split(",") if item.strip())


def _callback_listen_address(url: str) -> tuple[str, int, str]:
    """Derive (host, port, path) to listen on from TCHAP_CALLBACK_URL (Rasa posts to that URL)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.port and not parts.hostname:
        raise ConfigError(f"TCHAP_CALLBACK_URL invalide : {url!r}")
    if "token" in parse_qs(parts.query):
        raise ConfigError(
            "TCHAP_CALLBACK_URL ne doit plus porter de jeton (?token=…), qu'un journal d'accès garderait : "
            "le secret partagé est TCHAP_CALLBACK_TOKEN (généré dans .secrets/tchap_callback_token)."
        )
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return parts.hostname or "localhost", port, parts.path or "/"


def load_config(env: dict[str, str] | None = None) -> BridgeConfig:
    """Build the configuration from environment variables (see tchap/bridge.env.example)."""
    env = dict(os.environ if env is None else env)
    homeserver = env.get("TCHAP_HOMESERVER", "").strip().rstrip("/")
    bot_user = env.get("TCHAP_BOT_USER", "").strip()
    if not homeserver or not bot_user:
        raise ConfigError("TCHAP_HOMESERVER et TCHAP_BOT_USER doivent être renseignés.")
    if not bot_user.startswith("@") or not server_name_of(bot_user):
        raise ConfigError(f"TCHAP_BOT_USER doit être un identifiant Matrix complet (@nom:serveur) : {bot_user!r}")
    allowed = _split_list(env.get("TCHAP_ALLOWED_SERVERS", "")) or frozenset({server_name_of(bot_user)})
    callback_url = env.get("TCHAP_CALLBACK_URL", "http://localhost:5056/rasa/callback")
    _, port, path = _callback_listen_address(callback_url)
    token = env.get("TCHAP_CALLBACK_TOKEN", "").strip()
    if not token:
        raise ConfigError(
            "TCHAP_CALLBACK_TOKEN (secret partagé avec Rasa) n'est pas renseigné : démarrez le pont par "
            "tchap/serve.sh, qui le lit dans .secrets/tchap_callback_token."
        )
    try:
        max_chars = int(env.get("TCHAP_MAX_MESSAGE_CHARS", "2000"))
    except ValueError as error:
        raise ConfigError("TCHAP_MAX_MESSAGE_CHARS doit être un nombre entier.") from error
    return BridgeConfig(
        homeserver=homeserver,
        bot_user=bot_user,
        password=env.get("TCHAP_BOT_PASSWORD", ""),
        allowed_servers=allowed,
        state_dir=Path(env.get("TCHAP_STATE_DIR", "var/tchap")),
        # TCHAP_RASA_URL: where the bridge reaches Rasa's callback channel when it is not at RASA_URL
        # (the production profile's public nginx door does not route it).
        rasa_url=(env.get("TCHAP_RASA_URL") or env.get("RASA_URL") or "http://localhost:5005").rstrip("/"),
        listen_host=env.get("TCHAP_LISTEN_HOST", "127.0.0.1"),
        listen_port=port,
        callback_path=path,
        callback_token=token,
        device_name=env.get("TCHAP_DEVICE_NAME", "Assistant Cloud au centre"),
        sheets_url=(env.get("TCHAP_SHEETS_URL") or env.get("SHEETS_URL") or env.get("SHEETS_PUBLIC_URL")
                    or "http://localhost:5057").rstrip("/"),
        max_message_chars=max_chars,
    )
