"""What a sheet says, from one verdict record of the conversation (slot `last_check`, written by the action
server's scope_verdict.verdict_record) and the data files (knowledge.py). Pure: no I/O but the data files."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from . import knowledge
from .knowledge import Basis, text

PARIS = ZoneInfo("Europe/Paris")
RULE_VERDICTS = ("concerne", "non_concerne")
FRENCH_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
                 "novembre", "décembre")
_BOLD = re.compile(r"\*\*(.+?)\*\*")


class NotAVerdict(ValueError):
    """A record that is not a verdict of the check (tampered or from an older format)."""


@dataclass(frozen=True)
class Answer:
    question: str
    given: str
    reading: str


@dataclass(frozen=True)
class Sheet:
    reference: str
    issued: datetime  # Europe/Paris
    valid_until: date
    title: str
    checked_on: str
    who: str
    answers_heading: str
    answers: list[Answer]
    verdict_heading: str
    verdict: str
    criterion: str
    basis_heading: str
    basis: list[Basis]
    next_heading: str
    next_steps: str
    disclaimer: str
    knowledge: str
    reference_line: str

    @property
    def filename(self) -> str:
        return f"fiche-orientation-{self.reference}.pdf"


def french_date(day: date) -> str:
    """« 7 décembre 2026 » (« 1er » for the first of the month)."""
    number = "1er" if day.day == 1 else str(day.day)
    return f"{number} {FRENCH_MONTHS[day.month - 1]} {day.year}"


def valid_until(issued: float, retention_days: int) -> date:
    """The last day the conversation, and so the sheet, is sure to be kept (the purge removes nothing younger)."""
    return (datetime.fromtimestamp(issued, PARIS) + timedelta(days=retention_days)).date()


def plain(markdown: str) -> str:
    """The chat's **bold** without its asterisks."""
    return _BOLD.sub(r"\1", markdown).strip()


def _verdict_sentence(code: str, criterion: str) -> str:
    verdicts = knowledge.verdict_texts()
    headline = str(verdicts["verdicts"][code]["headline"]["text"])
    if code in RULE_VERDICTS:
        headline = headline.format(raison=verdicts["reasons"][criterion]["text"])
    return plain(headline)


def _criterion(code: str, criterion: str) -> str:
    verdicts = knowledge.verdict_texts()
    if code in RULE_VERDICTS:
        return text("criterion_rule").format(reason=verdicts["reasons"][criterion]["text"])
    return text("criterion_entity").format(entity=verdicts["readings"].get(criterion, criterion))


def _who(record: dict[str, Any]) -> str:
    organisation = record.get("organisation")
    if organisation:
        return text("organisation_recognised").format(organisation=organisation,
                                                      list=knowledge.operators_list_name())
    readings = knowledge.verdict_texts()["readings"]
    entity = str(record.get("entity_type") or "autre")
    return text("entity_chosen").format(entity=readings.get(entity, entity))


def _answers(record: dict[str, Any]) -> list[Answer]:
    questions = knowledge.sheet_texts()["questions"]
    answers = []
    for answer in record.get("answers") or []:
        if isinstance(answer, dict) and answer.get("question") in questions:
            answers.append(Answer(str(questions[answer["question"]]["text"]), str(answer.get("text") or ""),
                                  str(answer.get("reading") or "")))
    return answers


def build_sheet(record: dict[str, Any], retention_days: int, version: str | None = None) -> Sheet:
    """The sheet of one verdict; `version`: the fact base's fingerprint when the verdict was given."""
    code, criterion = record.get("verdict"), str(record.get("criterion") or "")
    verdicts = knowledge.verdict_texts()["verdicts"]
    if code not in verdicts or not isinstance(record.get("timestamp"), (int, float)) or not record.get("reference"):
        raise NotAVerdict(f"pas un verdict de la vérification : {code!r}")
    if code in RULE_VERDICTS and criterion not in knowledge.verdict_texts()["reasons"]:
        raise NotAVerdict(f"critère inconnu : {criterion!r}")
    issued = datetime.fromtimestamp(float(record["timestamp"]), PARIS)
    until = valid_until(float(record["timestamp"]), retention_days)
    reference = str(record["reference"])
    return Sheet(
        reference=reference,
        issued=issued,
        valid_until=until,
        title=text("title"),
        checked_on=text("checked_on").format(date=french_date(issued.date()), time=issued.strftime("%H h %M")),
        who=_who(record),
        answers_heading=text("answers_heading"),
        answers=_answers(record),
        verdict_heading=text("verdict_heading"),
        verdict=_verdict_sentence(str(code), criterion),
        criterion=_criterion(str(code), criterion),
        basis_heading=text("basis_heading"),
        basis=knowledge.basis_of([str(s) for s in record.get("sections") or []]),
        next_heading=text("next_heading"),
        next_steps=plain(str(verdicts[code]["next"]["text"])),
        disclaimer=text("disclaimer"),
        knowledge=text("knowledge").format(version=version or knowledge.knowledge_version()),
        reference_line=text("reference").format(reference=reference, valid_until=french_date(until)),
    )
