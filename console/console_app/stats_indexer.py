"""Builds the statistics index (stats_tables.py) from Rasa's `events`, a batch at a time.

Each message a person sends to the assistant is one *turn*, classified by what the assistant did
next, from the names of the responses and actions (they stay stable when wordings change):

    faq        an FAQ answer was given (response « utter_faq/<key> »: the key is kept)
    followup   an answer in a conversation beyond the FAQ's: a follow-up (utter_suivi_*), a « pourquoi ? »,
               the next step (utter_ensuite_*), a comparison, the line of an answer given again
               (utter_comme_indique*), a point of the fact base (utter_precision*), a partial answer
    scope      the scope check asked, recorded an answer or gave its verdict (slot scope_verdict), the
               perimeter for a named organisation (utter_perimetre_*), the orientation sheet's offer
    declined   « pas sûr »: utter_low_confidence, or Rasa's own fallback
    off_topic  utter_out_of_scope
    handoff    the person was sent to an adviser (action_handoff, a pause, utter_handoff_*)
    other      anything else: greetings, thanks, an empty message…

When a turn shows several, the first in HANDOFF > FAQ > FOLLOWUP > DECLINED > OFF_TOPIC > SCOPE wins (a second
« pas sûr » that hands over to an adviser counts as a handoff). Messages written while the
conversation is paused go to an adviser, not to the assistant: they are not turns. Each pause is one
handoff: *taken* when an adviser's first message arrives (the wait is kept in whole seconds),
*not taken* when it ends otherwise (the console's timeout answer, a resume, a restart).

The console's own test conversations (« Parler à l'assistant », senders `console-essai-…`) are skipped:
the support team trying the assistant is not usage.

The index follows `events` by id. On PostgreSQL, events younger than SETTLE_SECONDS are left for the
next run: two Rasa instances may commit their turns out of id order, and an event read past its
neighbour would never be read again. SQLite has one writer at a time: its ids are committed in order.
"""
from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any, Iterable
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, delete, func, insert, select, text, update
from sqlalchemy.engine import Connection, Engine

from . import stats_tables as t
from .tracker import (  # one reading of an event's JSON for the whole console
    Message,
    _loads,
    is_console_test,
    message_from_event,
)
from .training_data import normalize

FAQ, FOLLOWUP, SCOPE, DECLINED, OFF_TOPIC, HANDOFF, OTHER = (
    "faq", "followup", "scope", "declined", "off_topic", "handoff", "other")
CATEGORIES = (FAQ, FOLLOWUP, SCOPE, DECLINED, OFF_TOPIC, HANDOFF, OTHER)
_PRIORITY = {OTHER: 0, SCOPE: 1, OFF_TOPIC: 2, DECLINED: 3, FOLLOWUP: 4, FAQ: 5, HANDOFF: 6}
TAKEN, NOT_TAKEN, WAITING = "taken", "not_taken", "waiting"

FAQ_RESPONSE_PREFIX = "utter_faq/"
RESPONSE_CATEGORIES = {
    "utter_low_confidence": DECLINED,
    "utter_default": DECLINED,
    "utter_out_of_scope": OFF_TOPIC,
    "utter_handoff_started": HANDOFF,
    "utter_handoff_contact": HANDOFF,
    "utter_scope_intro": SCOPE,
    "utter_scope_cancelled": SCOPE,
    "utter_orientation_sheet": SCOPE,
}
SCOPE_RESPONSE_PREFIXES = ("utter_ask_", "utter_scope_", "utter_perimetre_")
FOLLOWUP_RESPONSE_PREFIXES = ("utter_suivi_", "utter_pourquoi_", "utter_ensuite_", "utter_comparaison_",
                              "utter_comme_indique", "utter_precision", "utter_reponse_partielle")
ACTION_CATEGORIES = {
    "action_handoff": HANDOFF,
    "action_default_fallback": DECLINED,
    "action_two_stage_fallback": DECLINED,
    "scope_form": SCOPE,
    "action_scope_verdict": SCOPE,
    "action_scope_cancel": SCOPE,
    "action_inform_outside_check": SCOPE,
}
# The console answers a request nobody took under this name (console_app/takeover.py).
CONSOLE_AGENT = "console"
WATERMARK = "watermark"
SETTLE_SECONDS = 120.0
MAX_TEXT = 4000  # characters of a message kept in the index (the transcript reads the whole event)
BATCH_SIZE = 2000


def stats_zone(env: dict[str, str] | None = None) -> ZoneInfo:
    """The time zone of the statistics' days (STATS_TIMEZONE, default Europe/Paris)."""
    return ZoneInfo(((os.environ if env is None else env).get("STATS_TIMEZONE") or "Europe/Paris").strip())


def local_day(ts: float, zone: tzinfo) -> str:
    return datetime.fromtimestamp(ts, zone).strftime("%Y-%m-%d")


# A user event carries the whole NLU result (kilobytes); only its channel is needed here.
_INPUT_CHANNEL = re.compile(r'"input_channel":\s*("(?:[^"\\]|\\.)*"|null)')


def input_channel(raw: str) -> str:
    """The `input_channel` of a user event's JSON, without parsing the rest (the last one: Rasa writes
    it after parse_data, where a message's own text could contain the same words)."""
    found = _INPUT_CHANNEL.findall(raw)
    if not found:
        return str(_loads(raw).get("input_channel") or "")[:64]
    return str(json.loads(found[-1]) or "")[:64]


def response_category(utter_action: str) -> str | None:
    if utter_action.startswith(FAQ_RESPONSE_PREFIX):
        return FAQ
    if utter_action in RESPONSE_CATEGORIES:
        return RESPONSE_CATEGORIES[utter_action]
    if utter_action.startswith(SCOPE_RESPONSE_PREFIXES):
        return SCOPE
    if utter_action.startswith(FOLLOWUP_RESPONSE_PREFIXES):
        return FOLLOWUP
    return None


@dataclass
class Turn:
    event_id: int
    sender_id: str
    ts: float
    day: str
    channel: str
    category: str = OTHER
    faq_key: str | None = None
    verdict: str | None = None
    opens_session: bool = False
    stored: bool = False
    changed: bool = False
    message: Message | None = None  # a new turn's text and NLU reading (stats_messages)

    def promote(self, category: str, faq_key: str | None = None) -> None:
        """Keep the highest-priority category seen for this turn (and the FAQ key that goes with it)."""
        if _PRIORITY[category] > _PRIORITY[self.category]:
            self.category, self.changed = category, True
            if category == FAQ:
                self.faq_key = faq_key
        elif category == FAQ and self.category == FAQ and self.faq_key is None and faq_key:
            self.faq_key, self.changed = faq_key, True

    def row(self) -> dict[str, Any]:
        return {"event_id": self.event_id, "sender_id": self.sender_id, "ts": self.ts, "day": self.day,
                "channel": self.channel, "category": self.category, "faq_key": self.faq_key,
                "verdict": self.verdict, "opens_session": self.opens_session}

    def message_row(self) -> dict[str, Any] | None:
        if self.message is None:
            return None
        m = self.message
        return {"event_id": self.event_id, "sender_id": self.sender_id, "text": m.text[:MAX_TEXT],
                "normalized": normalize(m.text)[:600], "intent": m.intent[:128],
                "intent_confidence": m.confidence, "label": m.label[:160], "confidence": m.label_confidence,
                "ts": self.ts, "channel": self.channel, "category": self.category}


@dataclass
class Handoff:
    event_id: int
    sender_id: str
    ts: float
    day: str
    channel: str
    outcome: str = WAITING
    wait: int | None = None
    stored: bool = False
    changed: bool = False

    def close(self, outcome: str, at: float | None = None) -> None:
        if self.outcome != WAITING:
            return
        self.outcome, self.changed = outcome, True
        if outcome == TAKEN and at is not None:
            self.wait = max(0, int(round(at - self.ts)))

    def row(self) -> dict[str, Any]:
        return {"event_id": self.event_id, "sender_id": self.sender_id, "ts": self.ts, "day": self.day,
                "channel": self.channel, "outcome": self.outcome, "wait": self.wait}


@dataclass
class SenderState:
    sender_id: str
    paused: bool = False
    new_session: bool = True
    last_turn: int | None = None
    open_handoff: int | None = None

    def row(self) -> dict[str, Any]:
        return {"sender_id": self.sender_id, "paused": self.paused, "new_session": self.new_session,
                "last_turn": self.last_turn, "open_handoff": self.open_handoff}


@dataclass
class Batch:
    """Everything one batch of events reads and changes, written back in one transaction."""

    senders: dict[str, SenderState] = field(default_factory=dict)
    turns: dict[int, Turn] = field(default_factory=dict)
    handoffs: dict[int, Handoff] = field(default_factory=dict)


@dataclass
class RefreshResult:
    events: int = 0
    up_to_date: bool = True
    seconds: float = 0.0


class StatsIndexer:
    """Reads new `events` rows and keeps the statistics index up to date."""

    def __init__(self, engine: Engine, zone: tzinfo | None = None, settle_seconds: float | None = None,
                 batch_size: int = BATCH_SIZE) -> None:
        self.engine = engine
        self.zone = zone or stats_zone()
        if settle_seconds is None:
            settle_seconds = 0.0 if engine.dialect.name == "sqlite" else SETTLE_SECONDS
        self.settle_seconds = settle_seconds
        self.batch_size = batch_size

    def refresh(self, budget_seconds: float | None = None, now: float | None = None) -> RefreshResult:
        """Index events batch after batch until none is left or the time budget is spent."""
        started = time.monotonic()
        result = RefreshResult()
        if not t.ensure_schema(self.engine):
            return result
        while True:
            done, count = self._one_batch(now if now is not None else time.time())
            result.events += count
            if done:
                break
            if budget_seconds is not None and time.monotonic() - started > budget_seconds:
                result.up_to_date = False
                break
        result.seconds = time.monotonic() - started
        return result

    def _one_batch(self, now: float) -> tuple[bool, int]:
        """Index up to batch_size events; returns (nothing left to index, events indexed)."""
        with self.engine.begin() as conn:
            watermark = lock_index(conn)
            after_events_deleted(conn, watermark)  # the events table was emptied or recreated meanwhile
            watermark = min(watermark, int(get_state(conn, WATERMARK) or 0))
            rows = conn.execute(text(
                "SELECT id, sender_id, type_name, timestamp, action_name, data FROM events "
                "WHERE id > :watermark ORDER BY id LIMIT :limit"),
                {"watermark": watermark, "limit": self.batch_size}).all()
            ready = list(_settled(rows, now, self.settle_seconds))
            if not ready:
                return True, 0
            # The support team's own tries (« Parler à l'assistant ») are not usage: never counted.
            counted = [row for row in ready if not is_console_test(row.sender_id)]
            batch = self._load(conn, {row.sender_id for row in counted})
            for row in counted:
                self._apply(batch, row)
            self._store(conn, batch)
            set_state(conn, WATERMARK, str(ready[-1].id))
        return len(ready) < len(rows) or len(rows) < self.batch_size, len(ready)

    # -- reading and writing the index -------------------------------------------------------

    def _load(self, conn: Connection, sender_ids: set[str]) -> Batch:
        batch = Batch()
        ids = sorted(sender_ids)
        for chunk in _chunks(ids, 500):
            for r in conn.execute(select(t.senders).where(t.senders.c.sender_id.in_(chunk))):
                batch.senders[r.sender_id] = SenderState(r.sender_id, bool(r.paused), bool(r.new_session),
                                                         r.last_turn, r.open_handoff)
        turn_ids = [s.last_turn for s in batch.senders.values() if s.last_turn is not None]
        for chunk in _chunks(turn_ids, 500):
            for r in conn.execute(select(t.turns).where(t.turns.c.event_id.in_(chunk))):
                batch.turns[r.event_id] = Turn(r.event_id, r.sender_id, r.ts, r.day, r.channel, r.category,
                                               r.faq_key, r.verdict, bool(r.opens_session), stored=True)
        handoff_ids = [s.open_handoff for s in batch.senders.values() if s.open_handoff is not None]
        for chunk in _chunks(handoff_ids, 500):
            for r in conn.execute(select(t.handoffs).where(t.handoffs.c.event_id.in_(chunk))):
                batch.handoffs[r.event_id] = Handoff(r.event_id, r.sender_id, r.ts, r.day, r.channel, r.outcome,
                                                     r.wait, stored=True)
        return batch

    @staticmethod
    def _store(conn: Connection, batch: Batch) -> None:
        new_turns = [x.row() for x in batch.turns.values() if not x.stored]
        changed_turns = [x.row() for x in batch.turns.values() if x.stored and x.changed]
        new_handoffs = [x.row() for x in batch.handoffs.values() if not x.stored]
        changed_handoffs = [x.row() for x in batch.handoffs.values() if x.stored and x.changed]
        if new_turns:
            conn.execute(insert(t.turns), new_turns)
            message_rows = [m for m in (x.message_row() for x in batch.turns.values() if not x.stored) if m]
            if message_rows:
                conn.execute(insert(t.messages), message_rows)
        if changed_turns:
            conn.execute(update(t.turns).where(t.turns.c.event_id == bindparam("b_id")).values(
                category=bindparam("b_category"), faq_key=bindparam("b_faq_key"), verdict=bindparam("b_verdict")),
                [{"b_id": r["event_id"], "b_category": r["category"], "b_faq_key": r["faq_key"],
                  "b_verdict": r["verdict"]} for r in changed_turns])
            conn.execute(update(t.messages).where(t.messages.c.event_id == bindparam("b_id")).values(
                category=bindparam("b_category")),
                [{"b_id": r["event_id"], "b_category": r["category"]} for r in changed_turns])
        if new_handoffs:
            conn.execute(insert(t.handoffs), new_handoffs)
        if changed_handoffs:
            conn.execute(update(t.handoffs).where(t.handoffs.c.event_id == bindparam("b_id")).values(
                outcome=bindparam("b_outcome"), wait=bindparam("b_wait")),
                [{"b_id": r["event_id"], "b_outcome": r["outcome"], "b_wait": r["wait"]} for r in changed_handoffs])
        names = list(batch.senders)
        for chunk in _chunks(names, 500):
            conn.execute(delete(t.senders).where(t.senders.c.sender_id.in_(chunk)))
        if names:
            conn.execute(insert(t.senders), [s.row() for s in batch.senders.values()])
        refresh_conversations(conn, names)

    # -- one event ---------------------------------------------------------------------------

    def _apply(self, batch: Batch, row: Any) -> None:
        sender = batch.senders.setdefault(row.sender_id, SenderState(row.sender_id))
        kind, ts = row.type_name, float(row.timestamp or 0)
        turn = batch.turns.get(sender.last_turn) if sender.last_turn is not None else None
        handoff = batch.handoffs.get(sender.open_handoff) if sender.open_handoff is not None else None
        if kind == "user":
            if sender.paused:
                return  # written to an adviser, not to the assistant
            day = local_day(ts, self.zone)
            channel = input_channel(row.data or "")
            new = Turn(row.id, row.sender_id, ts, day, channel, opens_session=sender.new_session,
                       message=message_from_event(row.id, row.sender_id, _loads(row.data)))
            batch.turns[row.id] = new
            sender.last_turn, sender.new_session = row.id, False
        elif kind == "bot":
            metadata = _loads(row.data).get("metadata") or {}
            agent = metadata.get("agent") if isinstance(metadata, dict) else None
            if agent:
                if handoff is not None:
                    handoff.close(NOT_TAKEN if agent == CONSOLE_AGENT else TAKEN, ts)
                return
            utter = str(metadata.get("utter_action") or "") if isinstance(metadata, dict) else ""
            category = response_category(utter)
            if turn is not None and category is not None:
                turn.promote(category, utter[len(FAQ_RESPONSE_PREFIX):] if category == FAQ else None)
        elif kind == "action":
            category = ACTION_CATEGORIES.get(row.action_name or "")
            if turn is not None and category is not None:
                turn.promote(category)
        elif kind == "active_loop":
            if turn is not None and _loads(row.data).get("name") == "scope_form":
                turn.promote(SCOPE)
        elif kind == "slot":
            self._apply_slot(row.data or "", turn)
        elif kind == "pause":
            sender.paused = True
            if turn is not None:
                turn.promote(HANDOFF)
            if handoff is not None:
                handoff.close(NOT_TAKEN)
            created = Handoff(row.id, row.sender_id, ts, local_day(ts, self.zone), turn.channel if turn else "")
            batch.handoffs[row.id] = created
            sender.open_handoff = row.id
        elif kind in ("resume", "restart", "session_started"):
            sender.paused = False
            if handoff is not None:
                handoff.close(NOT_TAKEN)
            sender.open_handoff = None
            if kind == "session_started":
                sender.new_session, sender.last_turn = True, None

    @staticmethod
    def _apply_slot(raw: str, turn: Turn | None) -> None:
        if turn is None or ('"scope_verdict"' not in raw and '"handoff_requested"' not in raw):
            return  # most slot events: nothing for the statistics, no JSON parsing
        data = _loads(raw)
        if data.get("name") == "scope_verdict" and data.get("value"):
            turn.verdict, turn.changed = str(data["value"])[:64], True
            turn.promote(SCOPE)
        elif data.get("name") == "handoff_requested" and data.get("value") is True:
            turn.promote(HANDOFF)


def refresh_conversations(conn: Connection, sender_ids: list[str]) -> None:
    """Recompute the conversation rows (stats_conversations) of these senders from their turns; a
    sender left without turns loses its row. Called when turns are added, changed or deleted."""
    for chunk in _chunks(sorted(set(sender_ids)), 500):
        turns = conn.execute(select(t.turns.c.sender_id, t.turns.c.ts, t.turns.c.channel, t.turns.c.category,
                                    t.turns.c.verdict).where(t.turns.c.sender_id.in_(chunk))
                             .order_by(t.turns.c.event_id)).all()
        texts: dict[str, list[str]] = {}
        for r in conn.execute(select(t.messages.c.sender_id, t.messages.c.text)
                              .where(t.messages.c.sender_id.in_(chunk)).order_by(t.messages.c.event_id)):
            texts.setdefault(r.sender_id, []).append(r.text)
        paused = {r.sender_id for r in conn.execute(
            select(t.handoffs.c.sender_id).where(t.handoffs.c.sender_id.in_(chunk)).distinct())}
        rows: dict[str, dict[str, Any]] = {}
        for r in turns:
            row = rows.setdefault(r.sender_id, {
                "sender_id": r.sender_id, "first_ts": r.ts, "last_ts": r.ts, "turns": 0, "channels": set(),
                "last_channel": "", "declined": 0, "handoff": r.sender_id in paused, "verdict": None})
            row["last_ts"] = max(row["last_ts"], r.ts)
            row["turns"] += 1
            if r.channel:
                row["channels"].add(r.channel)
                row["last_channel"] = r.channel
            row["declined"] += r.category == DECLINED
            row["handoff"] = row["handoff"] or r.category == HANDOFF
            row["verdict"] = r.verdict or row["verdict"]
        conn.execute(delete(t.conversations).where(t.conversations.c.sender_id.in_(chunk)))
        for row in rows.values():
            row["channels"] = "," + ",".join(sorted(row["channels"])) + ","
            said = texts.get(row["sender_id"]) or [""]
            row["first_text"], row["last_text"] = said[0][:300], said[-1][:300]
        if rows:
            conn.execute(insert(t.conversations), list(rows.values()))


def _settled(rows: Iterable[Any], now: float, settle_seconds: float) -> Iterable[Any]:
    """The events in id order up to the first one too recent to be sure no smaller id is still unseen.

    An event stamped far in the future cannot be a turn still being saved: it does not hold the rest back.
    """
    for row in rows:
        ts = float(row.timestamp or 0)
        if now - settle_seconds < ts <= now + settle_seconds:
            return
        yield row


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def lock_index(conn: Connection) -> int:
    """Take the index's lock for this transaction and return the watermark (last indexed event id).

    Every writer of the statistics tables (indexer, purge, erasure) starts with this row update: one
    writer at a time, on PostgreSQL (row lock) and on SQLite (the database's write lock). The row is
    created by stats_tables.ensure_schema.
    """
    conn.execute(update(t.state).where(t.state.c.name == WATERMARK).values(value=t.state.c.value))
    return int(conn.execute(select(t.state.c.value).where(t.state.c.name == WATERMARK)).scalar_one())


def after_events_deleted(conn: Connection, watermark: int) -> None:
    """Call after deleting events, in the same transaction (under the index lock).

    SQLite gives a new row the largest id + 1 (Rasa's table has no AUTOINCREMENT): once the newest events
    are deleted, their ids come back, below the watermark, and would never be indexed. Every id left at
    or below the largest remaining one is indexed already, so the watermark goes back there.
    """
    largest = conn.execute(select(func.max(t.events.c.id))).scalar() or 0
    if largest < watermark:
        set_state(conn, WATERMARK, str(largest))


def get_state(conn: Connection, name: str) -> str | None:
    return conn.execute(select(t.state.c.value).where(t.state.c.name == name)).scalar_one_or_none()


def set_state(conn: Connection, name: str, value: str) -> None:
    if conn.execute(update(t.state).where(t.state.c.name == name).values(value=value)).rowcount == 0:
        conn.execute(insert(t.state).values(name=name, value=value))
