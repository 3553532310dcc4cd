"""What the insights page shows.

The confusions come from the candidate gate's report of the most recent model checked (release/:
each training's candidate is checked with eval/evaluate.py on the held-out and blind sets, and every
question's answer is kept): only the held-out sets dev and test are read here — the blind set's questions
are never shown (eval/blind/README.md). So the analysis is refreshed at each training, with no extra run.
Questions with too few examples are counted in data/ directly.
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..release.evaluation import Report
from ..training_data import existing_examples, known_intents

MIN_EXAMPLES = 10  # below this, a question is « too few examples » (the FAQ keys have 12 to 40 today)
HELD_OUT_SPLITS = ("dev", "test")
NO_ANSWER = "(pas de réponse)"  # eval/evaluate.py's name of a declined answer


@dataclass
class Confusion:
    expected: str  # the question (faq/<key>) or intent the held-out question is
    given: str  # what the assistant did instead: another answer, the check, an adviser
    count: int
    examples: list[str] = field(default_factory=list)


@dataclass
class Insights:
    model: str
    created: float
    questions: int  # held-out questions analysed
    confusions: list[Confusion]
    declined: Counter[str]  # per question: held-out questions refused (« pas sûr ») instead of answered


def latest_insights(reports_dir: Path) -> Insights | None:
    """The analysis of the most recently checked model (its gate report)."""
    files = sorted(reports_dir.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    for path in files:
        try:
            report = Report.from_json(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            continue
        if any(report.answers.get(split) for split in HELD_OUT_SPLITS):
            return read_insights(report)
    return None


def read_insights(report: Report) -> Insights:
    """Confusions between questions: each held-out question answered with another question's answer."""
    pairs: dict[tuple[str, str], Confusion] = {}
    declined: Counter[str] = Counter()
    questions = 0
    for split in HELD_OUT_SPLITS:
        answers: list[dict[str, Any]] = report.answers.get(split) or []
        questions += len(answers)
        for answer in answers:
            if answer.get("right"):
                continue
            expected, given = str(answer.get("label") or ""), str(answer.get("shown") or "")
            if given == NO_ANSWER:
                declined[expected] += 1
                continue
            confusion = pairs.setdefault((expected, given), Confusion(expected, given, 0))
            confusion.count += 1
            if len(confusion.examples) < 3:
                confusion.examples.append(str(answer.get("id") or ""))
    ranked = sorted(pairs.values(), key=lambda c: (-c.count, c.expected, c.given))
    return Insights(report.model.removesuffix(".tar.gz"), report.created, questions, ranked, declined)


def too_few_examples(data_dir: Path, domain_dir: Path, minimum: int = MIN_EXAMPLES) -> list[tuple[str, int]]:
    """Questions and intents with fewer than `minimum` training examples, the poorest first."""
    counts = Counter(existing_examples(data_dir).values())
    wanted = [name for name in known_intents(data_dir, domain_dir) if name != "nlu_fallback"]
    return sorted(((name, counts[name]) for name in wanted if counts[name] < minimum), key=lambda p: (p[1], p[0]))
