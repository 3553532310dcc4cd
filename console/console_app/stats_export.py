"""CSV exports of the statistics page: one per table, and one row per conversation.

French spreadsheet conventions: « ; » between fields, a decimal comma, UTF-8 with a BOM (so that
Excel reads the accents). A cell that a spreadsheet would run as a formula (=, +, -, @) is prefixed
with an apostrophe: conversation ids come from the outside.
"""
from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any, Callable, Iterable, Iterator

from sqlalchemy.engine import Engine

from .stats_indexer import CATEGORIES, NOT_TAKEN, TAKEN, WAITING, stats_zone
from .stats_report import (
    CATEGORY_LABELS,
    OUTCOME_LABELS,
    VERDICT_LABELS,
    Report,
    channel_label,
    conversation_rows,
)

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",")
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}".replace(".", ",") if whole else ""


def csv_lines(header: list[str], rows: Iterable[list[Any]]) -> Iterator[str]:
    """The CSV text, a line at a time (streamed: the conversations export can be long)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    yield "\ufeff"
    writer.writerow([_cell(v) for v in header])
    for row in rows:
        writer.writerow([_cell(v) for v in row])
        if buffer.tell() > 32_000:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _day(d: date) -> str:
    return d.strftime("%d/%m/%Y")


def _local(ts: float) -> str:
    return datetime.fromtimestamp(ts, stats_zone()).strftime("%d/%m/%Y %H:%M")


def per_period(report: Report, _engine: Engine, _titles: dict[str, str]) -> tuple[list[str], Iterable[list[Any]]]:
    header = ["Du", "Au", "Questions", *[CATEGORY_LABELS[c] for c in CATEGORIES]]
    rows = [[_day(a), _day(b), sum(c.values()), *[c[k] for k in CATEGORIES]] for a, b, c in report.buckets]
    return header, rows


def trend(report: Report, _engine: Engine, _titles: dict[str, str]) -> tuple[list[str], Iterable[list[Any]]]:
    header = ["Semaine du", "Au", "Questions", *[f"{CATEGORY_LABELS[c]} (%)" for c in CATEGORIES]]
    rows = [[_day(a), _day(b), sum(c.values()), *[_percent(c[k], sum(c.values())) for k in CATEGORIES]]
            for a, b, c in report.weekly]
    return header, rows


def channels(report: Report, _engine: Engine, _titles: dict[str, str]) -> tuple[list[str], Iterable[list[Any]]]:
    rows = [[channel_label(ch), ch, n, _percent(n, report.total)] for ch, n in report.per_channel.most_common()]
    return ["Canal", "Code", "Questions", "Part (%)"], rows


def outcomes(report: Report, _engine: Engine, _titles: dict[str, str]) -> tuple[list[str], Iterable[list[Any]]]:
    rows = [[CATEGORY_LABELS[c], c, report.per_category[c], _percent(report.per_category[c], report.total)]
            for c in CATEGORIES]
    return ["Ce que l'assistant a fait", "Code", "Questions", "Part (%)"], rows


def questions(report: Report, _engine: Engine, titles: dict[str, str]) -> tuple[list[str], Iterable[list[Any]]]:
    rows = [[rank, titles.get(key, key), key, n] for rank, (key, n) in enumerate(report.faq.most_common(), 1)]
    return ["Rang", "Question", "Clé", "Réponses données"], rows


def verdicts(report: Report, _engine: Engine, _titles: dict[str, str]) -> tuple[list[str], Iterable[list[Any]]]:
    total = sum(report.verdicts.values())
    rows = [[VERDICT_LABELS.get(v, v), v, n, _percent(n, total)] for v, n in report.verdicts.most_common()]
    return ["Verdict", "Code", "Vérifications", "Part (%)"], rows


def handoffs(report: Report, _engine: Engine, _titles: dict[str, str]) -> tuple[list[str], Iterable[list[Any]]]:
    rows: list[list[Any]] = [[OUTCOME_LABELS[o], o, report.handoffs[o]] for o in (TAKEN, NOT_TAKEN, WAITING)]
    rows.append(["Délai médian de prise en charge (secondes)", "median_wait", report.median_wait])
    rows.append(["Part jamais prise en charge (%)", "never_taken_share",
                 _percent(report.handoffs[NOT_TAKEN], report.handoffs_closed)])
    return ["Demandes de conseiller", "Code", "Valeur"], rows


def conversations(report: Report, engine: Engine, _titles: dict[str, str]) -> tuple[list[str], Iterable[list[Any]]]:
    header = ["Conversation", "Première question", "Dernière question", "Canal", "Questions",
              *[CATEGORY_LABELS[c] for c in CATEGORIES], "Verdicts", "Demandes de conseiller",
              "Prises en charge", "Attentes (s)"]

    def rows() -> Iterator[list[Any]]:
        for r in conversation_rows(engine, report.filters):
            taken = [w for outcome, w in r["handoffs"] if outcome == TAKEN and w is not None]
            yield [r["sender_id"], _local(r["first_ts"]), _local(r["last_ts"]), channel_label(r["channel"]),
                   r["questions"], *[r[c] for c in CATEGORIES],
                   " ; ".join(VERDICT_LABELS.get(v, v) for v in r["verdicts"]), len(r["handoffs"]), len(taken),
                   " ; ".join(str(w) for w in taken)]

    return header, rows()


Export = Callable[[Report, Engine, dict[str, str]], tuple[list[str], Iterable[list[Any]]]]
EXPORTS: dict[str, tuple[str, Export]] = {
    "questions-par-periode": ("Questions par jour ou par semaine", per_period),
    "tendance": ("Part de chaque issue par semaine", trend),
    "canaux": ("Questions par canal", channels),
    "issues": ("Ce que l'assistant a fait", outcomes),
    "questions-frequentes": ("Questions les plus posées", questions),
    "verdicts": ("Verdicts de la vérification", verdicts),
    "conseillers": ("Demandes de conseiller", handoffs),
    "conversations": ("Une ligne par conversation", conversations),
}
