"""Live takeover: queue of paused conversations, take, reply, hand back, timeout.

All changes go through Rasa's conversation API (bot / slot / resume events); the console's own
table `takeovers` only remembers who took which pause (identified by the pause event's timestamp).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, delete, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from .db import takeovers
from .queries import audit
from .rasa_api import RasaClient, RasaError
from .tracker import Summary, TrackerReader

CONTACT = "infonuage.dinum@modernisation.gouv.fr"
MAX_REPLY_LENGTH = 2000


def joined_text(agent: str) -> str:
    return f"Un conseiller, {agent}, a rejoint la conversation."


HANDBACK_TEXT = "L'assistant reprend la conversation."
TIMEOUT_TEXT = (
    "Aucun conseiller n'est disponible pour le moment. Vous pouvez écrire à l'équipe de la DINUM : "
    f"{CONTACT} — elle vous répondra. L'assistant reprend la conversation en attendant."
)


class TakeoverError(ValueError):
    """A user-facing (French) reason why the takeover action is refused."""


@dataclass
class QueueItem:
    summary: Summary
    status: str  # waiting | active
    agent: str
    waited: float

    def as_json(self) -> dict[str, Any]:
        return {
            "sender_id": self.summary.sender_id,
            "status": self.status,
            "agent": self.agent,
            "waited_seconds": int(self.waited),
            "since": self.summary.pause_ts,
            "last_text": (self.summary.texts[-1] if self.summary.texts else "")[:200],
            "channels": sorted(self.summary.channels),
        }


class TakeoverService:
    def __init__(self, engine: Engine, reader: TrackerReader, rasa: RasaClient, timeout: float) -> None:
        self.engine, self.reader, self.rasa, self.timeout = engine, reader, rasa, timeout

    def record_for(self, sender_id: str, pause_ts: float) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(takeovers).where(and_(
                takeovers.c.sender_id == sender_id, takeovers.c.pause_ts == pause_ts))).first()
        return dict(row._mapping) if row else None

    def queue(self) -> list[QueueItem]:
        """Paused conversations that asked for a human and are not closed yet (waiting or taken)."""
        items = []
        for summary in self.reader.summaries():
            if not (summary.paused and summary.handoff_active):
                continue
            record = self.record_for(summary.sender_id, summary.pause_ts)
            if record and record["status"] != "active":
                continue
            status = "active" if record else "waiting"
            items.append(QueueItem(summary, status, record["agent"] if record else "",
                                   time.time() - summary.pause_ts))
        return sorted(items, key=lambda i: i.summary.pause_ts)

    def current(self, sender_id: str) -> tuple[Summary, dict[str, Any] | None]:
        summary = self.reader.summary(sender_id)
        if summary is None:
            raise TakeoverError("Conversation introuvable.")
        record = self.record_for(sender_id, summary.pause_ts) if summary.paused else None
        return summary, record

    async def take(self, sender_id: str, agent: str) -> None:
        summary, record = self.current(sender_id)
        if not (summary.paused and summary.handoff_active):
            raise TakeoverError("Cette conversation n'attend pas de conseiller.")
        if record and record["status"] == "active" and record["agent"] != agent:
            raise TakeoverError(f"Cette conversation est déjà prise en charge par {record['agent']}.")
        if record and record["status"] != "active":
            raise TakeoverError("Cette demande est close.")
        if record is None:
            try:
                with self.engine.begin() as conn:
                    conn.execute(insert(takeovers).values(sender_id=sender_id, pause_ts=summary.pause_ts,
                                                          status="active", agent=agent, taken_at=time.time()))
            except IntegrityError as exc:
                raise TakeoverError("Un autre conseiller vient de prendre cette conversation.") from exc
            try:
                await self.rasa.append_events(sender_id, [_bot(joined_text(agent), agent)])
            except RasaError:
                self._forget(sender_id, summary.pause_ts)  # not taken after all: stays in the queue
                raise
            audit(self.engine, agent, "takeover", sender_id)

    def _require_owner(self, sender_id: str, agent: str) -> tuple[Summary, dict[str, Any]]:
        summary, record = self.current(sender_id)
        if not record or record["status"] != "active" or not summary.paused:
            raise TakeoverError("Prenez d'abord la conversation en charge.")
        if record["agent"] != agent:
            raise TakeoverError(f"Cette conversation est prise en charge par {record['agent']}.")
        return summary, record

    async def reply(self, sender_id: str, agent: str, text: str) -> None:
        text = (text or "").strip()
        if not text:
            raise TakeoverError("Le message est vide.")
        if len(text) > MAX_REPLY_LENGTH:
            raise TakeoverError(f"Le message dépasse {MAX_REPLY_LENGTH} caractères.")
        self._require_owner(sender_id, agent)
        await self.rasa.append_events(sender_id, [_bot(text, agent)])

    async def hand_back(self, sender_id: str, agent: str) -> None:
        _summary, record = self._require_owner(sender_id, agent)
        await self._resume(sender_id, HANDBACK_TEXT, agent)
        self._close(record["id"], "closed")
        audit(self.engine, agent, "handback", sender_id)

    async def _resume(self, sender_id: str, text: str, agent: str) -> None:
        await self.rasa.append_events(sender_id, [
            _bot(text, agent),
            {"event": "slot", "name": "handoff_requested", "value": False},
            {"event": "resume"},
        ])

    def _forget(self, sender_id: str, pause_ts: float) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(takeovers).where(and_(
                takeovers.c.sender_id == sender_id, takeovers.c.pause_ts == pause_ts)))

    def _close(self, record_id: int, status: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(takeovers).where(takeovers.c.id == record_id)
                         .values(status=status, closed_at=time.time()))

    async def expire_waiting(self) -> list[str]:
        """Give the contact address and resume every request nobody took within the delay."""
        expired = []
        for item in self.queue():
            if item.status != "waiting" or item.waited < self.timeout:
                continue
            sender_id = item.summary.sender_id
            try:
                with self.engine.begin() as conn:
                    conn.execute(insert(takeovers).values(sender_id=sender_id, pause_ts=item.summary.pause_ts,
                                                          status="timed_out", closed_at=time.time()))
            except IntegrityError:
                continue  # an agent took it at the same moment
            try:
                await self._resume(sender_id, TIMEOUT_TEXT, "console")
            except RasaError:
                self._forget(sender_id, item.summary.pause_ts)  # retried at the next tick
                raise
            audit(self.engine, "console", "timeout", sender_id, f"{int(item.waited)} s sans conseiller")
            expired.append(sender_id)
        return expired


def _bot(text: str, agent: str) -> dict[str, Any]:
    return {"event": "bot", "text": text, "metadata": {"agent": agent}}
