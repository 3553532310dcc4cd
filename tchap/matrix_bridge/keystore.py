"""The key that encrypts the bot's end-to-end encryption secrets in its store (var/tchap/store/).

matrix-nio pickles the Olm account and the Olm/Megolm sessions with `pickle_key`, whose default is the
public string "DEFAULT_KEY": anyone who could read the store would read the bot's secrets. The bridge
uses a random key instead, kept next to the store in `store_key` (mode 600), and re-encrypts once a
store written with the default key by an earlier version, so the bot keeps its device and its keys.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from nio.store import DefaultStore

logger = logging.getLogger("tchap.keystore")

LIBRARY_DEFAULT_KEY = "DEFAULT_KEY"
KEY_FILE = "store_key"


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def rekey_store(store_dir: Path, user_id: str, device_id: str, old_key: str, new_key: str) -> bool:
    """Re-encrypt the account and sessions of one device's store; False when it was not under old_key."""
    store = DefaultStore(user_id, device_id, str(store_dir), old_key)
    try:
        account = store.load_account()
        if account is None:
            return False
        sessions = store.load_sessions()
        group_sessions = store.load_inbound_group_sessions()
    except Exception:  # noqa: BLE001 - olm raises its own errors when the key is not the right one
        return False
    store.pickle_key = new_key
    store.save_account(account)
    for curve_key, session_list in sessions.items():
        for session in session_list:
            store.save_session(curve_key, session)
    for group_session in group_sessions:
        store.save_inbound_group_session(group_session)
    return True


def store_key(state_dir: Path, store_dir: Path, credentials: dict[str, str]) -> str:
    """The store's key: read from state_dir/store_key, else created (and an old store re-encrypted).

    The new key is written to `store_key.new` before the store is touched and renamed when the store
    is done, so an interruption never leaves a store whose key is lost.
    """
    path = state_dir / KEY_FILE
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    pending = state_dir / (KEY_FILE + ".new")
    key = pending.read_text(encoding="utf-8").strip() if pending.exists() else ""
    if not key:
        key = secrets.token_urlsafe(32)
        _write_private(pending, key)
    user_id, device_id = credentials.get("user_id", ""), credentials.get("device_id", "")
    if user_id and device_id and any(store_dir.glob("*.db")):
        if rekey_store(store_dir, user_id, device_id, LIBRARY_DEFAULT_KEY, key):
            logger.info("Magasin de clés de chiffrement re-chiffré avec une clé propre au pont (%s).", path)
    os.replace(pending, path)
    return key
