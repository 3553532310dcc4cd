"""What the insights page shows, and how each training refreshes it.

After a successful training, the console runs the project's evaluation (eval/evaluate.py, the same
decision as the assistant in service) on the held-out sets dev and test with the new model, and keeps
its JSON next to the model (`<model>.insights.json`). The blind set is never looked at here: its errors
are not written (eval/blind/README.md). Questions with too few examples are counted in data/ directly.
"""
from __future__ import annotations

import asyncio
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..settings import REPO_ROOT, Settings
from ..training_data import existing_examples, known_intents

MIN_EXAMPLES = 10  # below this, a question is « too few examples » (the FAQ keys have 12 to 40 today)
HELD_OUT_SPLITS = ("dev", "test")
NO_ANSWER = "(pas de réponse)"  # eval/evaluate.py's name of a declined answer


def insights_file(model_file: Path) -> Path:
    """models/console-20261207-101500.tar.gz → models/console-20261207-101500.insights.json"""
    return model_file.with_name(model_file.name.removesuffix(".tar.gz") + ".insights.json")


def insights_command(settings: Settings, model_file: Path) -> list[str]:
    """The evaluation of a new model on the held-out sets (CONSOLE_INSIGHTS_COMMAND replaces the program;
    the model and the output file are added at the end either way)."""
    base = settings.insights_command or [str(Path(settings.rasa_bin).parent / "python"),
                                         str(REPO_ROOT / "eval" / "evaluate.py"), "--splits", ",".join(HELD_OUT_SPLITS),
                                         "--no-conversations"]
    return [*base, "--model", str(model_file), "--json", str(insights_file(model_file))]


async def refresh_insights(settings: Settings, model_file: Path, log_file: Path) -> bool:
    """Run the evaluation of a freshly trained model; its output goes to the training's log."""
    with log_file.open("ab") as log:
        log.write(b"\n--- Analyse du modele sur les jeux tenus a l'ecart (dev, test) ---\n")
        log.flush()
        try:
            process = await asyncio.create_subprocess_exec(
                *insights_command(settings, model_file), stdout=log, stderr=asyncio.subprocess.STDOUT,
                stdin=asyncio.subprocess.DEVNULL, cwd=str(settings.project_dir))
        except OSError as exc:
            log.write(f"analyse impossible : {exc}\n".encode())
            return False
        return await process.wait() == 0 and insights_file(model_file).is_file()


@dataclass
class Confusion:
    expected: str  # the question (faq/<key>) or intent the held-out question is
    given: str  # what the assistant did instead: another answer, the check, an adviser, or NO_ANSWER
    count: int
    examples: list[str] = field(default_factory=list)


@dataclass
class Insights:
    model: str
    questions: int  # held-out questions analysed
    confusions: list[Confusion]
    declined: Counter[str]  # per question: held-out questions refused (« pas sûr ») instead of answered


def latest_insights(models_dir: Path) -> Insights | None:
    """The analysis of the most recent model that has one."""
    files = sorted(models_dir.glob("*.insights.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    for path in files:
        try:
            report = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        return read_insights(path.name.removesuffix(".insights.json"), report)
    return None


def read_insights(model: str, report: dict[str, Any]) -> Insights:
    """Confusions between questions from eval/evaluate.py's JSON (errors per expected label)."""
    pairs: dict[tuple[str, str], Confusion] = {}
    declined: Counter[str] = Counter()
    questions = 0
    for split in HELD_OUT_SPLITS:
        result = (report.get("splits") or {}).get(split) or {}
        questions += int(result.get("count") or 0)
        for expected, errors in ((result.get("assistant") or {}).get("errors") or {}).items():
            for text, given in errors:
                if given == NO_ANSWER:
                    declined[expected] += 1
                    continue
                confusion = pairs.setdefault((expected, given), Confusion(expected, given, 0))
                confusion.count += 1
                if len(confusion.examples) < 3:
                    confusion.examples.append(str(text))
    ranked = sorted(pairs.values(), key=lambda c: (-c.count, c.expected, c.given))
    return Insights(model, questions, ranked, declined)


def too_few_examples(data_dir: Path, domain_dir: Path, minimum: int = MIN_EXAMPLES) -> list[tuple[str, int]]:
    """Questions and intents with fewer than `minimum` training examples, the poorest first."""
    counts = Counter(existing_examples(data_dir).values())
    wanted = [name for name in known_intents(data_dir, domain_dir) if name != "nlu_fallback"]
    return sorted(((name, counts[name]) for name in wanted if counts[name] < minimum), key=lambda p: (p[1], p[0]))
