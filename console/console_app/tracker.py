"""Read-only access to Rasa's SQL tracker store (table `events`), SQLite or PostgreSQL.

One conversation is summarised in Python from its events (a transcript, a takeover, the queue's few
paused conversations): always through Rasa's sender_id index or a range of ids. The pages that list many
conversations (list, inbox, statistics) read the index built by stats_indexer.py instead.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterable
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Engine

FALLBACK_INTENTS = {"nlu_fallback", "out_of_scope"}
RESET_EVENTS = {"restart", "session_started"}
# Conversations of the console's « Parler à l'assistant » page: the support team's own tries, kept out
# of the inbox and hidden by default in the conversation list.
CONSOLE_TEST_PREFIX = "console-essai-"


def is_console_test(sender_id: str) -> bool:
    return sender_id.startswith(CONSOLE_TEST_PREFIX)


def make_tracker_engine(url: str) -> Engine:
    args = {"check_same_thread": False} if url.startswith("sqlite") else {}
    return create_engine(url, future=True, connect_args=args)


def _loads(raw: str | None) -> dict[str, Any]:
    try:
        value = json.loads(raw or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


@dataclass
class Message:
    """One user message as the console shows it (intent, FAQ key, confidences)."""

    event_id: int
    sender_id: str
    timestamp: float
    text: str
    intent: str
    confidence: float
    faq_key: str
    faq_confidence: float
    channel: str

    @property
    def label(self) -> str:
        return self.faq_key or self.intent

    @property
    def label_confidence(self) -> float:
        return self.faq_confidence if self.faq_key else self.confidence

    def is_low_confidence(self, threshold: float) -> bool:
        """Fell back, judged out of scope, or understood with a confidence below the threshold."""
        if self.intent in FALLBACK_INTENTS or not self.intent:
            return True
        if self.confidence < threshold:
            return True
        return bool(self.intent == "faq" and self.faq_confidence < threshold)


def message_from_event(event_id: int, sender_id: str, data: dict[str, Any]) -> Message:
    parse = data.get("parse_data") or {}
    intent = parse.get("intent") or {}
    faq_key, faq_confidence = "", 0.0
    if intent.get("name") == "faq":
        faq_key, faq_confidence = _faq_choice(parse, float(intent.get("confidence") or 0))
    return Message(
        event_id=event_id,
        sender_id=sender_id,
        timestamp=float(data.get("timestamp") or 0),
        text=str(data.get("text") or ""),
        intent=str(intent.get("name") or ""),
        confidence=float(intent.get("confidence") or 0),
        faq_key=faq_key,
        faq_confidence=faq_confidence,
        channel=str(data.get("input_channel") or ""),
    )


def _faq_choice(parse: dict[str, Any], intent_confidence: float) -> tuple[str, float]:
    """The FAQ question of a `faq` message: the ResponseSelector's choice, or for a button payload
    (`/faq{"faq_key": "…"}`, which skips the NLU) the key it names, as sure as the payload."""
    chosen = ((parse.get("response_selector") or {}).get("faq") or {}).get("response") or {}
    if chosen.get("intent_response_key"):
        return str(chosen["intent_response_key"]), float(chosen.get("confidence") or 0)
    for entity in parse.get("entities") or []:
        if isinstance(entity, dict) and entity.get("entity") == "faq_key" and entity.get("value"):
            return f"faq/{entity['value']}", intent_confidence
    return "", 0.0


@dataclass
class Summary:
    """What the conversations list shows and filters on."""

    sender_id: str
    first_ts: float = 0.0
    last_ts: float = 0.0
    user_messages: int = 0
    channels: set[str] = field(default_factory=set)
    last_channel: str = ""  # input channel of the latest user message (where agent replies go)
    handoff_requested: bool = False
    verdict: str = ""
    paused: bool = False
    pause_ts: float = 0.0
    handoff_active: bool = False
    agent_ts: float = 0.0  # last message a support agent sent into the conversation
    first_text: str = ""
    last_user_text: str = ""  # the person's own last message (not the assistant's nor an adviser's)
    texts: list[str] = field(default_factory=list)

    @property
    def first_time(self) -> str:
        return fmt_ts(self.first_ts)

    @property
    def last_time(self) -> str:
        return fmt_ts(self.last_ts)


def display_zone() -> ZoneInfo:
    """The one time zone of every date the console shows and reads (STATS_TIMEZONE, default
    Europe/Paris): the list, transcripts, the audit log and the statistics agree on what a day is."""
    return ZoneInfo((os.environ.get("STATS_TIMEZONE") or "Europe/Paris").strip())


def fmt_ts(ts: float) -> str:
    """A date and time in the console's time zone (named once on each page, base.html)."""
    if not ts:
        return ""
    return datetime.fromtimestamp(ts, tz=timezone.utc).astimezone(display_zone()).strftime("%d/%m/%Y %H:%M:%S")


def summarise(sender_id: str, rows: Iterable[tuple[int, str, dict[str, Any]]], threshold: float) -> Summary:
    """Fold the events of one conversation into a Summary."""
    s = Summary(sender_id=sender_id)
    for event_id, type_name, data in rows:
        ts = float(data.get("timestamp") or 0)
        s.first_ts = s.first_ts or ts
        s.last_ts = max(s.last_ts, ts)
        if type_name == "user":
            msg = message_from_event(event_id, sender_id, data)
            s.user_messages += 1
            if msg.channel:
                s.channels.add(msg.channel)
                s.last_channel = msg.channel
            s.first_text = s.first_text or msg.text
            if msg.text.strip():
                s.last_user_text = msg.text
            s.texts.append(msg.text)
        elif type_name == "bot":
            s.texts.append(str(data.get("text") or ""))
            if (data.get("metadata") or {}).get("agent"):
                s.agent_ts = max(s.agent_ts, ts)
        elif type_name == "slot":
            if data.get("name") == "handoff_requested":
                s.handoff_active = data.get("value") is True
                s.handoff_requested = s.handoff_requested or s.handoff_active
            elif data.get("name") == "scope_verdict" and data.get("value"):
                s.verdict = str(data.get("value"))
        elif type_name == "pause":
            s.paused, s.pause_ts = True, ts
        elif type_name == "resume" or type_name in RESET_EVENTS:
            s.paused = False
            if type_name == "restart":
                s.handoff_active = False
    return s


class TrackerReader:
    """Queries over the `events` table that Rasa's SQLTrackerStore writes."""

    def __init__(self, engine: Engine, low_confidence: float) -> None:
        self.engine = engine
        self.threshold = low_confidence

    def available(self) -> bool:
        try:
            return inspect(self.engine).has_table("events")
        except Exception:  # noqa: BLE001 - a missing/locked file is shown as "no data yet"
            return False

    def _rows(self, where: str = "", params: dict[str, Any] | None = None) -> list[tuple[int, str, str, str]]:
        if not self.available():
            return []
        sql = f"SELECT id, sender_id, type_name, data FROM events {where} ORDER BY sender_id, id"
        with self.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql), params or {})]

    def console_tries(self) -> list[Summary]:
        """Summaries of the support team's own tries, through a range on the sender_id index."""
        where = "WHERE sender_id >= :low AND sender_id < :high"
        params = {"low": CONSOLE_TEST_PREFIX, "high": CONSOLE_TEST_PREFIX[:-1] + chr(ord(CONSOLE_TEST_PREFIX[-1]) + 1)}
        grouped: dict[str, list[tuple[int, str, dict[str, Any]]]] = {}
        for event_id, sender_id, type_name, data in self._rows(where, params):
            grouped.setdefault(sender_id, []).append((event_id, type_name, _loads(data)))
        result = [summarise(sid, rows, self.threshold) for sid, rows in grouped.items()]
        return sorted(result, key=lambda s: s.last_ts, reverse=True)

    def paused_senders(self) -> list[str]:
        """Conversations whose latest pause is not over, without reading all of `events`: the statistics
        index knows where each conversation stood at its watermark (stats_senders.paused), and only the
        pauses, resumes, restarts and new sessions written since are read (a range on the primary key)."""
        if not self.available():
            return []
        with self.engine.connect() as conn:
            has_index = inspect(conn).has_table("stats_senders")
            watermark = 0
            paused: set[str] = set()
            if has_index:
                watermark = int(conn.execute(text(
                    "SELECT value FROM stats_state WHERE name = 'watermark'")).scalar() or 0)
                paused = {r[0] for r in conn.execute(text("SELECT sender_id FROM stats_senders WHERE paused"))}
            tail = conn.execute(text(
                "SELECT sender_id, type_name FROM events WHERE id > :watermark "
                "AND type_name IN ('pause', 'resume', 'restart', 'session_started') ORDER BY id"),
                {"watermark": watermark})
            for sender_id, type_name in tail:
                if type_name == "pause":
                    paused.add(sender_id)
                else:
                    paused.discard(sender_id)
        return sorted(paused)

    def summary(self, sender_id: str) -> Summary | None:
        rows = [(i, t, _loads(d)) for i, _s, t, d in self._rows("WHERE sender_id = :sid", {"sid": sender_id})]
        return summarise(sender_id, rows, self.threshold) if rows else None

    def events(self, sender_id: str, after_id: int = 0) -> list[dict[str, Any]]:
        """Events of one conversation after `after_id`, as dicts with the row id added."""
        rows = self._rows("WHERE sender_id = :sid AND id > :after", {"sid": sender_id, "after": after_id})
        out = []
        for event_id, _sid, type_name, data in rows:
            event = _loads(data)
            event["_id"], event["_type"] = event_id, type_name
            out.append(event)
        return out
