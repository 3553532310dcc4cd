"""The conversation list's filters and its query on the index (stats_conversations, stats_messages):
at 100,000 conversations a page is a few indexed queries, never a read of `events`.

The support team's own tries (« Parler à l'assistant ») are not in the index (not usage): when asked
for, they are read from `events` by their id prefix (a range on Rasa's sender_id index).
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any, Mapping
from urllib.parse import urlencode

from sqlalchemy import and_, false, func, not_, or_, select, true
from sqlalchemy.engine import Engine
from sqlalchemy.sql.elements import ColumnElement

from .. import stats_tables as t
from ..labels import VERDICT_LABELS
from ..tracker import Summary, TrackerReader, display_zone, fmt_ts
from ..training_data import normalize

MAX_QUERY = 200


@dataclass
class ListFilters:
    """What the list and the inbox filter on, as read from the query string (kept in links and, per
    user, in the session: coming back to the list finds the same filters)."""

    du: str = ""
    au: str = ""
    canal: str = ""
    pas_sur: str = ""  # oui | non | ""
    humain: str = ""
    verdict: str = ""
    revue: str = ""
    etiquette: str = ""
    q: str = ""
    question: str = ""  # FAQ key (faq/<key>) or intent: a message read as this
    conf_min: str = ""
    conf_max: str = ""
    essais: str = ""  # "" (hidden) | seuls
    reponse: str = ""  # inbox: what the assistant did (inbox.groups.OUTCOMES)

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> "ListFilters":
        values = {f.name: str(params.get(f.name, ""))[:MAX_QUERY] for f in fields(cls)}
        return cls(**values)

    def as_dict(self) -> dict[str, str]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def query_string(self, **extra: str) -> str:
        params = {k: v for k, v in {**self.as_dict(), **extra}.items() if v}
        return urlencode(params)

    def is_empty(self) -> bool:
        return not any(self.as_dict().values())

    def since(self) -> float | None:
        return parse_day(self.du)

    def until(self) -> float | None:
        return parse_day(self.au, end=True)

    def confidence_range(self) -> tuple[float | None, float | None]:
        return parse_confidence(self.conf_min), parse_confidence(self.conf_max)


def parse_day(value: str, end: bool = False) -> float | None:
    """A day of the form AAAA-MM-JJ in the console's time zone (its start, or its end)."""
    try:
        day = datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=display_zone())
    except ValueError:
        return None
    return (day + timedelta(days=1)).timestamp() - 0.001 if end else day.timestamp()


def parse_confidence(value: str) -> float | None:
    """« 0,4 », « 0.4 » or « 40 % » → 0.4; anything else: no bound."""
    raw = value.replace(",", ".").replace("%", "").strip()
    try:
        number = float(raw)
    except ValueError:
        return None
    if number > 1:
        number /= 100
    return min(1.0, max(0.0, number))


@dataclass
class ListRow:
    """One line of the list (the names the template reads)."""

    sender_id: str
    first_ts: float
    last_ts: float
    user_messages: int
    channels: set[str] = field(default_factory=set)
    declined: bool = False
    handoff_requested: bool = False
    verdict: str = ""
    first_text: str = ""

    @property
    def last_time(self) -> str:
        return fmt_ts(self.last_ts)

    @property
    def first_time(self) -> str:
        return fmt_ts(self.first_ts)


def _row(r: Any) -> ListRow:
    return ListRow(r.sender_id, r.first_ts, r.last_ts, r.turns, {c for c in r.channels.split(",") if c},
                   r.declined > 0, bool(r.handoff), r.verdict or "", r.first_text)


def message_condition(filters: ListFilters) -> ColumnElement[bool] | None:
    """A message of the conversation matches the text, the reading and the confidence asked for."""
    m = t.messages.c
    parts: list[ColumnElement[bool]] = []
    needle = normalize(filters.q)
    if needle:
        parts.append(m.normalized.contains(needle, autoescape=True))
    if filters.question:
        parts.append(m.label == filters.question)
    low, high = filters.confidence_range()
    if low is not None:
        parts.append(m.confidence >= low)
    if high is not None:
        parts.append(m.confidence <= high)
    return and_(*parts) if parts else None


def _conditions(filters: ListFilters, reviewed: set[str], tagged: set[str] | None) -> list[ColumnElement[bool]]:
    c = t.conversations.c
    where: list[ColumnElement[bool]] = []
    since, until = filters.since(), filters.until()
    if since is not None:
        where.append(c.last_ts >= since)
    if until is not None:
        where.append(c.first_ts <= until)
    if filters.canal:
        where.append(c.channels.contains(f",{filters.canal},", autoescape=True))
    if filters.pas_sur in ("oui", "non"):
        where.append(c.declined > 0 if filters.pas_sur == "oui" else c.declined == 0)
    if filters.humain in ("oui", "non"):
        where.append(c.handoff == (filters.humain == "oui"))
    if filters.verdict == "aucun":
        where.append(c.verdict.is_(None))
    elif filters.verdict in VERDICT_LABELS:
        where.append(c.verdict == filters.verdict)
    if filters.revue in ("oui", "non"):
        inside = c.sender_id.in_(sorted(reviewed)) if reviewed else false()
        where.append(inside if filters.revue == "oui" else not_(inside))
    if tagged is not None:
        where.append(c.sender_id.in_(sorted(tagged)) if tagged else false())
    wanted = message_condition(filters)
    if wanted is not None:
        # Not a correlated EXISTS: the messages that match are found once (by the label index, or one
        # pass over the texts), then each conversation is a membership test.
        match = c.sender_id.in_(select(t.messages.c.sender_id).where(wanted))
        if filters.q and not (filters.question or filters.conf_min or filters.conf_max):
            match = or_(match, c.sender_id.contains(filters.q.strip(), autoescape=True))
        where.append(match)
    return where or [true()]


class IndexedList:
    """The conversations that match the filters, counted and paged by the database."""

    def __init__(self, engine: Engine, filters: ListFilters, reviewed: set[str], tagged: set[str] | None) -> None:
        self.engine = engine
        self.ready = t.events_table_exists(engine)
        self.where = _conditions(filters, reviewed, tagged)

    def count(self) -> int:
        if not self.ready:
            return 0
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(t.conversations).where(*self.where))
                       .scalar_one())

    def rows(self, offset: int, limit: int) -> list[ListRow]:
        """One page, most recent first."""
        if not self.ready:
            return []
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.conversations).where(*self.where)
                                .order_by(t.conversations.c.last_ts.desc(), t.conversations.c.sender_id)
                                .offset(offset).limit(limit)).all()
        return [_row(r) for r in rows]


def indexed_channels(engine: Engine) -> list[str]:
    """The channels seen in the index (the channel filter's choices)."""
    if not t.events_table_exists(engine):
        return []
    with engine.connect() as conn:
        found = {c for (value,) in conn.execute(select(t.conversations.c.channels).distinct())
                 for c in value.split(",") if c}
    return sorted(found)


def console_tries(reader: TrackerReader, filters: ListFilters, reviewed: set[str],
                  tagged: set[str] | None) -> list[ListRow]:
    """The support team's own tries, read from `events` (they are few and not in the index)."""
    rows = []
    needle = normalize(filters.q)
    since, until = filters.since(), filters.until()
    for s in reader.console_tries():
        if (since is not None and s.last_ts < since) or (until is not None and s.first_ts > until):
            continue
        if filters.canal and filters.canal not in s.channels:
            continue
        if filters.revue in ("oui", "non") and (s.sender_id in reviewed) != (filters.revue == "oui"):
            continue
        if tagged is not None and s.sender_id not in tagged:
            continue
        if needle and not any(needle in normalize(text) for text in s.texts):
            continue
        rows.append(_summary_row(s))
    return rows


def _summary_row(s: Summary) -> ListRow:
    return ListRow(s.sender_id, s.first_ts, s.last_ts, s.user_messages, set(s.channels), False,
                   s.handoff_requested, s.verdict, s.first_text)
