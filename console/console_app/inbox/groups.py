"""Messages to classify, grouped by text, from the index (stats_messages, which carries its turn's time,
channel and category).

A message is to classify when the assistant answered « pas sûr » (category declined: the same definition
as the list and the statistics), judged it off topic (answer or reading), or read it with a confidence
under the threshold (or not at all: nlu_fallback).
The grouping is a GROUP BY on the normalized text over one covering index (ix_stats_messages_inbox): no
read of `events`, no join, whatever the volume.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, func, not_, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.sql.elements import ColumnElement

from .. import stats_tables as t
from ..conversations.listing import ListFilters, message_condition
from ..stats_indexer import DECLINED, OFF_TOPIC

# What the assistant did with the message (the inbox's « Réponse de l'assistant » filter).
OUTCOMES = ("pas_sur", "hors_sujet", "peu_sur")


@dataclass
class Group:
    """Every message with the same normalized text."""

    normalized: str
    text: str
    count: int
    last: float
    readings: Counter[tuple[str, float]] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    senders: list[str] = field(default_factory=list)

    @property
    def predicted(self) -> str:
        """The reading the assistant gave this text most often (preselected in the inbox)."""
        by_label: Counter[str] = Counter()
        for (label, _confidence), n in self.readings.items():
            by_label[label] += n
        return by_label.most_common(1)[0][0] if by_label else ""


def _to_classify(threshold: float, outcome: str) -> ColumnElement[bool]:
    m = t.messages.c
    low = or_(m.confidence < threshold, m.intent == "nlu_fallback")
    off_topic = or_(m.category == OFF_TOPIC, m.intent == "out_of_scope")
    if outcome == "pas_sur":
        return m.category == DECLINED
    if outcome == "hors_sujet":
        return and_(off_topic, m.category != DECLINED)
    if outcome == "peu_sur":
        return and_(low, m.category != DECLINED, not_(off_topic))
    return or_(m.category == DECLINED, off_topic, low)


def _conditions(filters: ListFilters, threshold: float) -> list[ColumnElement[bool]]:
    m = t.messages.c
    where = [_to_classify(threshold, filters.reponse), m.normalized != ""]
    since, until = filters.since(), filters.until()
    if since is not None:
        where.append(m.ts >= since)
    if until is not None:
        where.append(m.ts <= until)
    if filters.canal:
        where.append(m.channel == filters.canal)
    wanted = message_condition(filters)
    if wanted is not None:
        where.append(wanted)
    return where


def inbox_counts(engine: Engine, filters: ListFilters, threshold: float,
                 done: set[str]) -> list[tuple[str, int, float]]:
    """(normalized text, occurrences, last time) of every group to classify (the texts in `done` left
    out), most frequent first: plain tuples, the page's groups are built by `page_groups`."""
    if not t.events_table_exists(engine):
        return []
    m = t.messages.c
    query = (select(m.normalized, func.count(), func.max(m.ts))
             .where(*_conditions(filters, threshold)).group_by(m.normalized))
    with engine.connect() as conn:
        rows = [(key, int(n), float(last)) for key, n, last in conn.execute(query) if key not in done]
    rows.sort(key=lambda r: (-r[1], -r[2]))
    return rows


def page_groups(engine: Engine, counts: list[tuple[str, int, float]], filters: ListFilters,
                threshold: float) -> list[Group]:
    """The groups of one page, with their texts, readings, answers and conversations."""
    groups = [Group(key, "", n, last) for key, n, last in counts]
    add_details(engine, groups, filters, threshold)
    return groups


def add_details(engine: Engine, groups: list[Group], filters: ListFilters, threshold: float) -> None:
    """The text, the readings, the assistant's answers and the conversations of the groups shown (one
    page); a group whose messages are all button payloads is dropped."""
    if not groups:
        return
    m = t.messages.c
    by_key = {g.normalized: g for g in groups}
    query = (select(m.normalized, m.text, m.label, m.confidence, m.category, m.sender_id)
             .where(m.normalized.in_(list(by_key)), *_conditions(filters, threshold)).order_by(m.ts))
    with engine.connect() as conn:
        for r in conn.execute(query):
            if r.text.startswith("/"):
                continue
            group: Any = by_key[r.normalized]
            group.text = r.text  # the most recent wording
            group.readings[(r.label, round(float(r.confidence), 2))] += 1
            group.outcomes[r.category] += 1
            group.senders.append(r.sender_id)
    groups[:] = [g for g in groups if g.text]
