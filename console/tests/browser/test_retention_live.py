"""A conversation still in use keeps working after a purge: the real Rasa server (the stack of these
tests) goes on with it, and saves neither duplicates nor the purged events again. And no log keeps a
copy of what people write.

The purge runs as the nightly job does (`python -m console_app.retention purge`). The questions are
sent as FAQ buttons (`/faq{"faq_key": …}`), answered the same way by any model, the tiny one deployed by
the retrain test included.
"""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from .conftest import CONSOLE_DIR

DAY = 86400


def _ask(stack: dict[str, Any], sender: str, key: str) -> list[dict[str, Any]]:
    response = httpx.post(f"{stack['url']}/webhooks/rest/webhook", timeout=60,
                          json={"sender": sender, "message": '/faq{"faq_key":"' + key + '"}'})
    response.raise_for_status()
    return response.json()


def _full_tracker(stack: dict[str, Any], sender: str) -> list[dict[str, Any]]:
    response = httpx.get(f"{stack['url']}/conversations/{sender}/tracker", params={"token": stack["token"]},
                         timeout=60)
    response.raise_for_status()
    return response.json()["events"]


def _age(db: str, sender: str, seconds: float) -> None:
    """Move every event of the conversation back in time (column and JSON, as Rasa reads both)."""
    with sqlite3.connect(db, timeout=30) as conn:
        rows = conn.execute("SELECT id, timestamp, data FROM events WHERE sender_id = ?", (sender,)).fetchall()
        for event_id, ts, raw in rows:
            data = json.loads(raw)
            data["timestamp"] = ts - seconds
            conn.execute("UPDATE events SET timestamp = ?, data = ? WHERE id = ?",
                         (ts - seconds, json.dumps(data), event_id))


def _stored(db: str, sender: str) -> list[tuple[str, float]]:
    with sqlite3.connect(db, timeout=30) as conn:
        return conn.execute("SELECT type_name, timestamp FROM events WHERE sender_id = ? ORDER BY id",
                            (sender,)).fetchall()


def test_a_conversation_in_use_keeps_working_after_a_purge(stack: dict[str, Any], workdir: Any) -> None:
    sender = "purge-live-" + uuid.uuid4().hex[:8]
    assert _ask(stack, sender, "financement")
    _age(stack["tracker_db"], sender, 40 * DAY)  # that first session is now 40 days old
    assert _ask(stack, sender, "collectivites")  # Rasa starts a new session in the same conversation
    in_use = _stored(stack["tracker_db"], sender)
    cutoff = time.time() - 30 * DAY

    env = dict(os.environ, TRACKER_DB=stack["tracker_db"], CONSOLE_DB_URL=f"sqlite:///{workdir / 'purge.db'}",
               CONSOLE_SECRET_KEY="purge-test", CONVERSATION_RETENTION_DAYS="30")
    env.pop("TRACKER_STORE_URL", None)
    done = subprocess.run([sys.executable, "-m", "console_app.retention", "purge"], cwd=CONSOLE_DIR, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "1 allégée(s)" in done.stdout

    stored = _stored(stack["tracker_db"], sender)
    assert stored == [e for e in in_use if e[1] >= cutoff]  # only the old session went
    assert [kind for kind, _ts in stored].count("session_started") == 1 and len(stored) < len(in_use)

    assert _ask(stack, sender, "donnees_sensibles")  # and the conversation goes on
    events = _full_tracker(stack, sender)
    said = [e["text"] for e in events if e["event"] == "user"]
    assert said == ['/faq{"faq_key":"collectivites"}', '/faq{"faq_key":"donnees_sensibles"}']  # no duplicate
    assert [e["event"] for e in events].count("session_started") == 1
    answers = [(e.get("metadata") or {}).get("utter_action") for e in events if e["event"] == "bot"]
    assert answers == ["utter_faq/collectivites", "utter_faq/donnees_sensibles"]
    assert all(ts >= cutoff for _k, ts in _stored(stack["tracker_db"], sender))  # nothing purged came back


def test_no_log_keeps_what_people_write(stack: dict[str, Any]) -> None:
    """Rasa and the action server log at INFO (make run's level): never the text of a message."""
    marker = "zorglub-" + uuid.uuid4().hex[:10]
    for text in (f"Qui finance la migration vers le cloud ? {marker}", f"{marker} je veux parler à un humain"):
        response = httpx.post(f"{stack['url']}/webhooks/rest/webhook", timeout=60,
                              json={"sender": "logs-" + marker, "message": text})
        assert response.status_code == 200
    logs = list(Path(stack["state"]).glob("*.log"))
    assert {p.name for p in logs} >= {"rasa.log", "actions.log"}
    for log in logs:
        assert marker not in log.read_text(encoding="utf-8", errors="replace"), log
