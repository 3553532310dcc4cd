"""Persistent bridge state: login, sync position, handled events, offered buttons.

Everything lives in the ignored state folder (default var/tchap/), written atomically, so that a
restart needs no new login, neither re-answers nor loses messages, and still knows the choices it
offered.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections import deque
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

MAX_HANDLED_EVENTS = 2000


def write_json_atomically(path: Path, data: Any, private: bool = False) -> None:
    """Write JSON through a temporary file and a rename, so a crash never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        if private:
            os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def read_json(path: Path) -> dict[str, Any]:
    """Read a JSON object, or an empty one when the file is missing or damaged."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        logger.error("Fichier d'état illisible %s (%s) : il est ignoré.", path, error)
        return {}
    return data if isinstance(data, dict) else {}


class BridgeState:
    """The bridge's memory between runs (one JSON file, plus the credentials file)."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self.path = state_dir / "state.json"
        self.credentials_path = state_dir / "credentials.json"
        data = read_json(self.path)
        self.sync_token: str | None = data.get("sync_token") or None
        self.handled: deque[str] = deque(data.get("handled_events", []), maxlen=MAX_HANDLED_EVENTS)
        self._handled_set = set(self.handled)
        self.buttons: dict[str, list[dict[str, str]]] = data.get("buttons", {})
        self.joined_at: dict[str, int] = data.get("joined_at", {})

    def save(self) -> None:
        """Persist the current state."""
        write_json_atomically(
            self.path,
            {
                "sync_token": self.sync_token,
                "handled_events": list(self.handled),
                "buttons": self.buttons,
                "joined_at": self.joined_at,
            },
        )

    def is_handled(self, event_id: str) -> bool:
        return event_id in self._handled_set

    def mark_handled(self, event_id: str) -> None:
        """Remember an answered event (bounded memory) and persist at once."""
        if event_id in self._handled_set:
            return
        if len(self.handled) == self.handled.maxlen:
            self._handled_set.discard(self.handled[0])
        self.handled.append(event_id)
        self._handled_set.add(event_id)
        self.save()

    def load_credentials(self) -> dict[str, str]:
        return read_json(self.credentials_path)

    def save_credentials(self, user_id: str, device_id: str, access_token: str, homeserver: str) -> None:
        write_json_atomically(
            self.credentials_path,
            {
                "user_id": user_id,
                "device_id": device_id,
                "access_token": access_token,
                "homeserver": homeserver,
            },
            private=True,
        )

    def forget_credentials(self) -> None:
        self.credentials_path.unlink(missing_ok=True)
