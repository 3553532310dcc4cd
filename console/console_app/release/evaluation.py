"""A candidate's report: the gate's checks (data validation, conversation tests, the held-out and blind
question sets, the conversation sets), its figures per set and each question's answer, kept as JSON beside
the console's work files; and its comparison with the model in service.

The checks run as make test runs them (GateEvaluator); tests give a stand-in Evaluator at this boundary.
"""
from __future__ import annotations

import asyncio
import json
import os
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from ..settings import Settings


@dataclass
class Report:
    model: str
    commit: str = ""  # the working copy's commit it was trained from ("" when unknown)
    created: float = field(default_factory=time.time)
    checks: list[dict[str, Any]] = field(default_factory=list)  # {name, ok (True/False/None: not run), detail}
    figures: dict[str, dict[str, float]] = field(default_factory=dict)  # set → figure → value
    answers: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # set → [{id, label, shown, right}]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Report":
        return cls(**{k: data[k] for k in ("model", "commit", "created", "checks", "figures", "answers") if k in data})


class ReportStore:
    """One JSON file per model in work_dir/candidates/."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path(self, model: str) -> Path:
        return self.folder / (Path(model).name.removesuffix(".tar.gz") + ".json")

    def get(self, model: str) -> Report | None:
        path = self.path(model)
        if not path.is_file():
            return None
        try:
            return Report.from_json(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            return None

    def put(self, report: Report) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".report.")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(asdict(report), handle, ensure_ascii=False)
        os.replace(tmp, self.path(report.model))


@dataclass(frozen=True)
class ChangedAnswer:
    set: str
    question: str  # the text (dev, test) or « question aveugle n° … » (blind: never shown)
    label: str
    before: str
    after: str
    now_right: bool
    was_right: bool


def compare(candidate: Report, live: Report | None) -> list[ChangedAnswer]:
    """The questions whose answer differs between the model in service and the candidate."""
    if live is None:
        return []
    changed = []
    for split, answers in candidate.answers.items():
        before = {a["id"]: a for a in live.answers.get(split, [])}
        for index, answer in enumerate(answers, 1):
            old = before.get(answer["id"])
            if old is None or old["shown"] == answer["shown"]:
                continue
            question = f"question aveugle n° {index}" if split == "blind" else str(answer["id"])
            changed.append(ChangedAnswer(split, question, answer["label"], old["shown"], answer["shown"],
                                         bool(answer["right"]), bool(old["right"])))
    return changed


class Evaluator(Protocol):
    async def evaluate(self, model_file: Path, log_file: Path, full: bool = True) -> Report:
        """Check `model_file`; `full=False`: the question sets only (the model in service, for the comparison)."""


def _figures(results: dict[str, Any]) -> dict[str, dict[str, float]]:
    figures: dict[str, dict[str, float]] = {}
    for split, data in (results.get("splits") or {}).items():
        assistant = data.get("assistant") or {}
        figures[split] = {"faq_accuracy": float(assistant.get("faq_accuracy", 0.0)),
                          "oos_rejection": float(assistant.get("oos_rejection", 0.0)),
                          "confidently_wrong": float(assistant.get("confidently_wrong", 0))}
    for split, data in (results.get("conversations") or {}).items():
        if isinstance(data, dict) and "accuracy" in data:
            figures.setdefault(split, {})["conversations"] = float(data["accuracy"])
    return figures


class GateEvaluator:
    """make test's gate on a candidate: `rasa data validate`, the conversation tests (tests/stories), then
    eval/evaluate.py on the held-out and blind sets with the candidate model (and the conversation sets
    when the candidate is in the project's models/, where their test stack takes its model)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def _rasa(self) -> list[str]:
        python = str(Path(self.settings.rasa_bin).parent / "python")
        if (self.settings.code_dir / "rasa_patches").is_dir():
            return [python, "-m", "rasa_patches"]
        return [self.settings.rasa_bin]

    async def _run(self, command: list[str], log_file: Path, title: str) -> tuple[bool, str]:
        with log_file.open("a", encoding="utf-8") as log:
            log.write(f"\n--- {title} ---\n$ {' '.join(command)}\n")
        with log_file.open("ab") as log:
            try:
                process = await asyncio.create_subprocess_exec(
                    *command, stdout=log, stderr=asyncio.subprocess.STDOUT, stdin=asyncio.subprocess.DEVNULL,
                    cwd=str(self.settings.code_dir))
            except OSError as exc:
                return False, f"impossible de lancer : {exc}"
            code = await process.wait()
        return code == 0, "" if code == 0 else f"code {code}, voir le journal"

    async def evaluate(self, model_file: Path, log_file: Path, full: bool = True) -> Report:
        report = Report(model=model_file.name)
        if full:
            await self._check_data_and_stories(model_file, log_file, report)
        await self._question_sets(model_file, log_file, report, conversations=full)
        return report

    async def _check_data_and_stories(self, model_file: Path, log_file: Path, report: Report) -> None:
        s = self.settings
        ok, detail = await self._run([*self._rasa(), "data", "validate", "--domain", str(s.domain_dir), "--data",
                                      str(s.data_dir), "--config", str(s.config_file)], log_file,
                                     "validation des données")
        report.checks.append({"name": "Validation des données (rasa data validate)", "ok": ok, "detail": detail})
        stories = s.code_dir / "tests" / "stories"
        if stories.is_dir():
            with tempfile.TemporaryDirectory(prefix="console-stories-") as out:
                ok, detail = await self._run([*self._rasa(), "test", "core", "--model", str(model_file), "--stories",
                                              str(stories), "--fail-on-prediction-errors", "--out", out], log_file,
                                             "tests de conversation")
            report.checks.append({"name": "Tests de conversation (tests/stories)", "ok": ok, "detail": detail})

    async def _question_sets(self, model_file: Path, log_file: Path, report: Report, conversations: bool) -> None:
        s = self.settings
        with tempfile.TemporaryDirectory(prefix="console-eval-") as out:
            results, answers = Path(out) / "results.json", Path(out) / "answers.json"
            command = [str(Path(s.rasa_bin).parent / "python"), str(s.code_dir / "eval" / "evaluate.py"),
                       "--model", str(model_file), "--json", str(results), "--answers-json", str(answers)]
            plays_conversations = conversations and model_file.parent.resolve() == (s.code_dir / "models").resolve()
            if not plays_conversations:
                command.append("--no-conversations")
            ok, detail = await self._run(command, log_file, "jeux d'évaluation")
            report.checks.append({"name": "Jeux d'évaluation (eval/evaluate.py)", "ok": ok and results.is_file(),
                                  "detail": detail})
            if conversations and not plays_conversations:
                report.checks.append({"name": "Jeux de conversations", "ok": None,
                                      "detail": "non joués : le modèle n'est pas dans models/ du projet"})
            if results.is_file():
                report.figures = _figures(json.loads(results.read_text(encoding="utf-8")))
            if answers.is_file():
                report.answers = json.loads(answers.read_text(encoding="utf-8"))
