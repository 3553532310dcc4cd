"""Live takeover: queue of paused conversations, take, reply, hand back, and the two timeouts.

All changes go through Rasa's conversation API (bot / slot / action / resume events); the console's own
table `takeovers` only remembers who took which pause (identified by the pause event's timestamp).

A conversation returns to the assistant in three ways, all through `_resume`: the agent hands it back,
nobody takes it within `timeout`, or the agent who took it sends nothing for `idle_timeout`
(closed browser, forgotten tab). Each time the person is told, and an `action_listen` event goes before
`resume`: without it the next message follows the handoff action instead of a listen, no rule matches it,
and the assistant answers « je n'ai pas compris » to a question it understood.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, delete, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from .channels import can_receive_agent_replies, channel_label
from .db import takeovers
from .queries import audit
from .rasa_api import RasaClient, RasaError
from .tracker import Summary, TrackerReader

log = logging.getLogger("console")
CONTACT = "infonuage.dinum@modernisation.gouv.fr"
MAX_REPLY_LENGTH = 2000


def joined_text(display_name: str) -> str:
    """What the person reads when an agent takes over: the agent's public name, never the login."""
    if display_name:
        return f"Un conseiller, {display_name}, a rejoint la conversation."
    return "Un conseiller a rejoint la conversation."


HANDBACK_TEXT = "L'assistant reprend la conversation."
TIMEOUT_TEXT = (
    "Aucun conseiller n'est disponible pour le moment. Vous pouvez écrire à l'équipe de la DINUM : "
    f"{CONTACT} — elle vous répondra. L'assistant reprend la conversation en attendant."
)
AGENT_GONE_TEXT = (
    "Le conseiller n'est plus disponible. L'assistant reprend la conversation : posez-lui vos questions, "
    f"ou écrivez à l'équipe de la DINUM : {CONTACT}."
)


class TakeoverError(ValueError):
    """A user-facing (French) reason why the takeover action is refused."""


@dataclass
class QueueItem:
    summary: Summary
    status: str  # waiting | active
    agent: str
    waited: float
    idle: float = 0.0  # taken: seconds since the agent's last action (take or reply)

    def as_json(self, idle_timeout: float = 0.0) -> dict[str, Any]:
        channel = self.summary.last_channel
        return {
            "sender_id": self.summary.sender_id,
            "status": self.status,
            "agent": self.agent,
            "waited_seconds": int(self.waited),
            "since": self.summary.pause_ts,
            "last_text": self.summary.last_user_text[:300],
            "messages": self.summary.user_messages,
            "channels": sorted(self.summary.channels),
            "channel": channel_label(channel),
            "live_replies": can_receive_agent_replies(channel),
            "returns_in_seconds": max(0, int(idle_timeout - self.idle)) if self.status == "active" else None,
        }


class TakeoverService:
    def __init__(self, engine: Engine, reader: TrackerReader, rasa: RasaClient, timeout: float,
                 idle_timeout: float = 600.0) -> None:
        self.engine, self.reader, self.rasa = engine, reader, rasa
        self.timeout, self.idle_timeout = timeout, idle_timeout

    @property
    def check_every(self) -> float:
        """How often the watcher looks for expired requests: a quarter of the shorter delay, 0.5-5 s."""
        return min(5.0, max(0.5, min(self.timeout, self.idle_timeout) / 4))

    def record_for(self, sender_id: str, pause_ts: float) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(takeovers).where(and_(
                takeovers.c.sender_id == sender_id, takeovers.c.pause_ts == pause_ts))).first()
        return dict(row._mapping) if row else None

    def queue(self) -> list[QueueItem]:
        """Paused conversations that asked for a human and are not closed yet (waiting or taken)."""
        items = []
        now = time.time()
        for sender_id in self.reader.paused_senders():
            summary = self.reader.summary(sender_id)
            if summary is None or not (summary.paused and summary.handoff_active):
                continue
            record = self.record_for(summary.sender_id, summary.pause_ts)
            if record and record["status"] != "active":
                continue
            if record:
                items.append(QueueItem(summary, "active", record["agent"], now - summary.pause_ts,
                                       now - _last_agent_action(summary, record)))
            else:
                items.append(QueueItem(summary, "waiting", "", now - summary.pause_ts))
        return sorted(items, key=lambda i: i.summary.pause_ts)

    def current(self, sender_id: str) -> tuple[Summary, dict[str, Any] | None]:
        summary = self.reader.summary(sender_id)
        if summary is None:
            raise TakeoverError("Conversation introuvable.")
        record = self.record_for(sender_id, summary.pause_ts) if summary.paused else None
        return summary, record

    def returns_in(self, summary: Summary, record: dict[str, Any] | None) -> int | None:
        """Seconds before a taken conversation goes back to the assistant if its agent stays silent."""
        if not record or record["status"] != "active":
            return None
        return max(0, int(self.idle_timeout - (time.time() - _last_agent_action(summary, record))))

    async def take(self, sender_id: str, agent: str, display_name: str = "") -> None:
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
                await self.rasa.append_events(sender_id, [_bot(joined_text(display_name), agent)])
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

    async def reply(self, sender_id: str, agent: str, text: str, display_name: str = "") -> None:
        text = (text or "").strip()
        if not text:
            raise TakeoverError("Le message est vide.")
        if len(text) > MAX_REPLY_LENGTH:
            raise TakeoverError(f"Le message dépasse {MAX_REPLY_LENGTH} caractères.")
        self._require_owner(sender_id, agent)
        await self.rasa.append_events(sender_id, [_adviser_message(text, agent, display_name)])

    async def hand_back(self, sender_id: str, agent: str) -> None:
        _summary, record = self._require_owner(sender_id, agent)
        await self._resume(sender_id, HANDBACK_TEXT, agent)
        self._close(record["id"], "closed")
        audit(self.engine, agent, "handback", sender_id)

    async def _resume(self, sender_id: str, text: str, agent: str) -> None:
        """Tell the person, clear the request, and give the conversation back to the assistant."""
        await self.rasa.append_events(sender_id, [
            _bot(text, agent),
            {"event": "slot", "name": "handoff_requested", "value": False},
            {"event": "action", "name": "action_listen"},
            {"event": "resume"},
        ])

    def _forget(self, sender_id: str, pause_ts: float) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(takeovers).where(and_(
                takeovers.c.sender_id == sender_id, takeovers.c.pause_ts == pause_ts)))

    def _close(self, record_id: int, status: str, only_if: str | None = None) -> bool:
        """Set a takeover's final status; with `only_if`, only from that status (False if it changed)."""
        condition = takeovers.c.id == record_id
        if only_if:
            condition = and_(condition, takeovers.c.status == only_if)
        with self.engine.begin() as conn:
            result = conn.execute(update(takeovers).where(condition).values(status=status, closed_at=time.time()))
        return result.rowcount == 1

    async def expire(self) -> list[str]:
        """Both timeouts, as the watcher runs them, side by side: Rasa being slow or down for one
        conversation neither delays nor stops the return of another."""
        expired: list[str] = []
        for outcome in await asyncio.gather(self.expire_waiting(), self.expire_idle(), return_exceptions=True):
            if isinstance(outcome, RasaError):
                log.warning("délai de prise en charge : %s (nouvel essai au prochain passage)", outcome)
            elif isinstance(outcome, BaseException):
                raise outcome
            else:
                expired += outcome
        return expired

    async def expire_waiting(self) -> list[str]:
        """Give the contact address and resume every request nobody took within the delay."""
        due = [item for item in self.queue() if item.status == "waiting" and item.waited >= self.timeout]
        return await _each_at_once(self._give_back_unanswered, due)

    async def _give_back_unanswered(self, item: QueueItem) -> bool:
        sender_id = item.summary.sender_id
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(takeovers).values(sender_id=sender_id, pause_ts=item.summary.pause_ts,
                                                      status="timed_out", closed_at=time.time()))
        except IntegrityError:
            return False  # an agent took it at the same moment
        try:
            await self._resume(sender_id, TIMEOUT_TEXT, "console")
        except RasaError:
            self._forget(sender_id, item.summary.pause_ts)  # retried at the next tick
            raise
        audit(self.engine, "console", "timeout", sender_id, f"{int(item.waited)} s sans conseiller")
        return True

    async def expire_idle(self) -> list[str]:
        """Give back to the assistant every taken conversation whose agent sent nothing for too long."""
        due = [item for item in self.queue() if item.status == "active" and item.idle >= self.idle_timeout]
        return await _each_at_once(self._give_back_abandoned, due)

    async def _give_back_abandoned(self, item: QueueItem) -> bool:
        sender_id = item.summary.sender_id
        record = self.record_for(sender_id, item.summary.pause_ts)
        if record is None or not self._close(record["id"], "abandoned", only_if="active"):
            return False  # handed back at the same moment
        try:
            await self._resume(sender_id, AGENT_GONE_TEXT, "console")
        except RasaError:
            with self.engine.begin() as conn:  # still the agent's: retried at the next tick
                conn.execute(update(takeovers).where(takeovers.c.id == record["id"])
                             .values(status="active", closed_at=None))
            raise
        audit(self.engine, "console", "idle_timeout", sender_id,
              f"{item.agent} sans message depuis {int(item.idle // 60)} min")
        return True


async def _each_at_once(give_back: Callable[[QueueItem], Awaitable[bool]], items: list[QueueItem]) -> list[str]:
    """Give back every item concurrently (one slow Rasa answer does not hold the others); the conversations
    given back, or the first error once all are done (those that failed are retried at the next tick)."""
    outcomes = await asyncio.gather(*(give_back(item) for item in items), return_exceptions=True)
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
    return [item.summary.sender_id for item, given in zip(items, outcomes, strict=True) if given is True]


def _last_agent_action(summary: Summary, record: dict[str, Any]) -> float:
    """When the agent who took the conversation last did something in it: took it, or wrote."""
    return max(float(record["taken_at"] or 0), summary.agent_ts)


def _bot(text: str, agent: str) -> dict[str, Any]:
    return {"event": "bot", "text": text, "metadata": {"agent": agent}}


def _adviser_message(text: str, agent: str, display_name: str) -> dict[str, Any]:
    """A message the adviser wrote: the widget shows it as a person's, with the public name
    (channels/socketio.py passes on `from_adviser` and `adviser_name`, never the login)."""
    event = _bot(text, agent)
    event["metadata"].update(from_adviser=True, adviser_name=display_name)
    return event
