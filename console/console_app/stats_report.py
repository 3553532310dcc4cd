"""The figures of the statistics page, its drill-down and its CSV exports.

Every figure is a count grouped by day, read from two places that never overlap: the index of the
conversations still kept (stats_turns, stats_handoffs) and the anonymous daily counts of the
conversations already purged or erased (stats_daily). A handful of GROUP BY queries, so the page
costs the same whatever the number of events (docs/console.md gives the measured times).
"""
from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Iterator

from sqlalchemy import case, func, select
from sqlalchemy.engine import Engine

from . import stats_tables as t
from .channels import channel_label
from .labels import PAS_SUR, VERDICT_LABELS
from .stats_indexer import CATEGORIES, NOT_TAKEN, TAKEN, WAITING

CATEGORY_LABELS = {
    "faq": "Réponse de la FAQ",
    "followup": "Réponse de suivi (précision, pourquoi, étape, comparaison…)",
    "scope": "Vérification du périmètre",
    "declined": PAS_SUR,
    "off_topic": "Hors sujet",
    "handoff": "Vers un conseiller",
    "other": "Autre (salutations, remerciements…)",
}
OUTCOME_LABELS = {TAKEN: "Prises en charge", NOT_TAKEN: "Jamais prises en charge", WAITING: "En attente"}
TOP_QUESTIONS = 15
DAILY_CHART_MAX_DAYS = 62


@dataclass(frozen=True)
class Period:
    """Whole local days, both ends included."""

    start: date
    end: date

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]

    @property
    def by_week(self) -> bool:
        return (self.end - self.start).days + 1 > DAILY_CHART_MAX_DAYS


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class Filters:
    period: Period
    channel: str = ""


@dataclass
class Report:
    filters: Filters
    per_day: dict[date, Counter[str]] = field(default_factory=dict)  # day → category → questions
    per_channel: Counter[str] = field(default_factory=Counter)
    per_category: Counter[str] = field(default_factory=Counter)
    sessions: int = 0
    archived: int = 0  # questions of purged conversations (counted, no longer viewable)
    faq: Counter[str] = field(default_factory=Counter)
    verdicts: Counter[str] = field(default_factory=Counter)
    handoffs: Counter[str] = field(default_factory=Counter)
    waits: Counter[int] = field(default_factory=Counter)  # whole seconds → handoffs taken after that wait

    @property
    def total(self) -> int:
        return sum(self.per_category.values())

    def share(self, category: str) -> float:
        return self.per_category[category] / self.total if self.total else 0.0

    @property
    def buckets(self) -> list[tuple[date, date, Counter[str]]]:
        """(first day, last day, categories) per day, or per week (Monday to Sunday) for long periods."""
        period = self.filters.period
        if period.by_week:
            return self.weekly
        return [(d, d, self.per_day.get(d, Counter())) for d in period.days]

    @property
    def weekly(self) -> list[tuple[date, date, Counter[str]]]:
        """Categories per week (the trend of the rates); the first and last weeks cut at the period."""
        period = self.filters.period
        weeks: dict[date, Counter[str]] = {}
        for d in period.days:
            weeks.setdefault(week_start(d), Counter()).update(self.per_day.get(d, Counter()))
        return [(max(w, period.start), min(w + timedelta(days=6), period.end), c) for w, c in weeks.items()]

    @property
    def active_weeks(self) -> list[tuple[date, date, Counter[str]]]:
        """The weeks with at least one question (the first and last frame the trend's summary)."""
        return [week for week in self.weekly if sum(week[2].values())]

    @property
    def handoffs_closed(self) -> int:
        return self.handoffs[TAKEN] + self.handoffs[NOT_TAKEN]

    @property
    def never_taken_share(self) -> float | None:
        return self.handoffs[NOT_TAKEN] / self.handoffs_closed if self.handoffs_closed else None

    @property
    def median_wait(self) -> float | None:
        values = sorted(self.waits.elements())
        return float(statistics.median(values)) if values else None


def _day_range(filters: Filters) -> tuple[str, str]:
    return filters.period.start.isoformat(), filters.period.end.isoformat()


def _where(table: Any, filters: Filters) -> list[Any]:
    first, last = _day_range(filters)
    clauses = [table.c.day >= first, table.c.day <= last]
    if filters.channel:
        clauses.append(table.c.channel == filters.channel)
    return clauses


def build_report(engine: Engine, filters: Filters) -> Report:
    report = Report(filters)
    if not t.ensure_schema(engine):
        return report
    opens = func.sum(case((t.turns.c.opens_session, 1), else_=0))
    with engine.connect() as conn:
        for r in conn.execute(select(t.turns.c.day, t.turns.c.channel, t.turns.c.category, func.count(), opens)
                              .where(*_where(t.turns, filters))
                              .group_by(t.turns.c.day, t.turns.c.channel, t.turns.c.category)):
            _count_turns(report, r[0], r[1], r[2], int(r[3]))
            report.sessions += int(r[4] or 0)
        for r in conn.execute(select(t.daily.c.day, t.daily.c.metric, t.daily.c.channel, t.daily.c.key,
                                     func.sum(t.daily.c.count)).where(*_where(t.daily, filters))
                              .group_by(t.daily.c.day, t.daily.c.metric, t.daily.c.channel, t.daily.c.key)):
            _count_archived(report, r[0], r[1], r[2], r[3], int(r[4]))
        for key, n in conn.execute(select(t.turns.c.faq_key, func.count())
                                   .where(*_where(t.turns, filters), t.turns.c.category == "faq",
                                          t.turns.c.faq_key.is_not(None))
                                   .group_by(t.turns.c.faq_key)):
            report.faq[key] += n
        for verdict, n in conn.execute(select(t.turns.c.verdict, func.count())
                                       .where(*_where(t.turns, filters), t.turns.c.verdict.is_not(None))
                                       .group_by(t.turns.c.verdict)):
            report.verdicts[verdict] += n
        for outcome, wait, n in conn.execute(select(t.handoffs.c.outcome, t.handoffs.c.wait, func.count())
                                             .where(*_where(t.handoffs, filters))
                                             .group_by(t.handoffs.c.outcome, t.handoffs.c.wait)):
            report.handoffs[outcome] += n
            if outcome == TAKEN and wait is not None:
                report.waits[int(wait)] += n
    return report


def _count_turns(report: Report, day: str, channel: str, category: str, n: int) -> None:
    report.per_day.setdefault(date.fromisoformat(day), Counter())[category] += n
    report.per_channel[channel] += n
    report.per_category[category] += n


def _count_archived(report: Report, day: str, metric: str, channel: str, key: str, n: int) -> None:
    if metric == "turns":
        _count_turns(report, day, channel, key, n)
        report.archived += n
    elif metric == "sessions":
        report.sessions += n
    elif metric == "faq":
        report.faq[key] += n
    elif metric == "verdict":
        report.verdicts[key] += n
    elif metric == "handoff":
        report.handoffs[key] += n
    elif metric == "wait":
        report.waits[int(key)] += n


# -- the conversations behind a figure ---------------------------------------------------------

@dataclass(frozen=True)
class Selection:
    """Which questions a click selected: a period (or one bar), and optionally a category, FAQ key,
    verdict or handoff outcome."""

    filters: Filters
    category: str = ""
    faq_key: str = ""
    verdict: str = ""
    outcome: str = ""

    def describe(self, titles: dict[str, str]) -> str:
        parts = []
        if self.category:
            parts.append(CATEGORY_LABELS.get(self.category, self.category))
        if self.faq_key:
            parts.append(f"question « {titles.get(self.faq_key, self.faq_key)} »")
        if self.verdict:
            parts.append(f"verdict « {VERDICT_LABELS.get(self.verdict, self.verdict)} »")
        if self.outcome:
            parts.append(f"demandes de conseiller : {OUTCOME_LABELS.get(self.outcome, self.outcome).lower()}")
        if self.filters.channel:
            parts.append(f"canal {channel_label(self.filters.channel)}")
        return ", ".join(parts) or "toutes les questions"


@dataclass
class ConversationRow:
    sender_id: str
    first_ts: float
    last_ts: float
    channel: str
    matches: int


def selection_conversations(engine: Engine, selection: Selection,
                            limit: int = 200) -> tuple[list[ConversationRow], int, int]:
    """The conversations behind a figure (most recent first), how many there are, and how many matching
    questions belong to conversations already purged."""
    if not t.ensure_schema(engine):
        return [], 0, 0
    if selection.outcome:
        table = t.handoffs
        where = _where(table, selection.filters) + [table.c.outcome == selection.outcome]
    else:
        table = t.turns
        where = _where(table, selection.filters)
        if selection.category:
            where.append(table.c.category == selection.category)
        if selection.faq_key:
            where += [table.c.category == "faq", table.c.faq_key == selection.faq_key]
        if selection.verdict:
            where.append(table.c.verdict == selection.verdict)
    grouped = (select(table.c.sender_id, func.min(table.c.ts).label("first_ts"), func.max(table.c.ts).label("last_ts"),
                      func.max(table.c.channel).label("channel"), func.count().label("matches"))
               .where(*where).group_by(table.c.sender_id))
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(grouped.subquery())).scalar_one()
        rows = [ConversationRow(r.sender_id, r.first_ts, r.last_ts, r.channel, r.matches)
                for r in conn.execute(grouped.order_by(func.max(table.c.ts).desc()).limit(limit))]
        archived = _archived_matches(conn, selection)
    return rows, int(total), archived


def _archived_matches(conn: Any, selection: Selection) -> int:
    if selection.outcome:
        metric, keys = "handoff", [selection.outcome]
    elif selection.faq_key:
        metric, keys = "faq", [selection.faq_key]
    elif selection.verdict:
        metric, keys = "verdict", [selection.verdict]
    else:
        metric, keys = "turns", [selection.category] if selection.category else list(CATEGORIES)
    value = conn.execute(select(func.sum(t.daily.c.count)).where(
        *_where(t.daily, selection.filters), t.daily.c.metric == metric, t.daily.c.key.in_(keys))).scalar()
    return int(value or 0)


# -- one row per conversation (CSV) ------------------------------------------------------------

def conversation_rows(engine: Engine, filters: Filters, chunk: int = 2000) -> Iterator[dict[str, Any]]:
    """Every conversation with a question in the period: counts per category, verdicts, handoffs.

    One streamed GROUP BY (never the whole result in memory; on SQLite in WAL mode a long read does not
    hold Rasa back), and per chunk of conversations their verdicts and handoffs.
    """
    if not t.ensure_schema(engine):
        return
    per_category = [func.sum(case((t.turns.c.category == c, 1), else_=0)).label(c) for c in CATEGORIES]
    query = (select(t.turns.c.sender_id, func.min(t.turns.c.ts).label("first_ts"),
                    func.max(t.turns.c.ts).label("last_ts"), func.max(t.turns.c.channel).label("channel"),
                    func.count().label("questions"), *per_category)
             .where(*_where(t.turns, filters)).group_by(t.turns.c.sender_id).order_by(t.turns.c.sender_id))
    with engine.connect() as conn, engine.connect() as side:
        result = conn.execution_options(stream_results=True, yield_per=chunk).execute(query)
        for rows in result.partitions():
            yield from _with_verdicts_and_handoffs(side, [dict(r._mapping) for r in rows], filters)


def _with_verdicts_and_handoffs(conn: Any, rows: list[dict[str, Any]], filters: Filters) -> list[dict[str, Any]]:
    """Looked up by conversation id alone (its index), the period and channel checked here: a filter on the
    day in SQL would make SQLite scan the whole period for each chunk."""
    ids = [r["sender_id"] for r in rows]
    verdicts: dict[str, list[str]] = defaultdict(list)
    for v in conn.execute(select(t.turns.c.sender_id, t.turns.c.verdict, t.turns.c.day, t.turns.c.channel)
                          .where(t.turns.c.sender_id.in_(ids), t.turns.c.verdict.is_not(None))
                          .order_by(t.turns.c.event_id)):
        if _in_filters(v.day, v.channel, filters):
            verdicts[v.sender_id].append(v.verdict)
    handoffs: dict[str, list[tuple[str, int | None]]] = defaultdict(list)
    for h in conn.execute(select(t.handoffs.c.sender_id, t.handoffs.c.outcome, t.handoffs.c.wait, t.handoffs.c.day,
                                 t.handoffs.c.channel)
                          .where(t.handoffs.c.sender_id.in_(ids)).order_by(t.handoffs.c.event_id)):
        if _in_filters(h.day, h.channel, filters):
            handoffs[h.sender_id].append((h.outcome, h.wait))
    for row in rows:
        row["verdicts"] = verdicts.get(row["sender_id"], [])
        row["handoffs"] = handoffs.get(row["sender_id"], [])
    return rows


def _in_filters(day: str, channel: str, filters: Filters) -> bool:
    first, last = _day_range(filters)
    return first <= day <= last and (not filters.channel or channel == filters.channel)
