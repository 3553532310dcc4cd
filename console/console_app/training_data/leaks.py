"""The evaluation questions the training data must never contain (the rule of the leak test,
tests/data/test_answers.py): the held-out sets (eval/heldout/dev, test) and the blind set (eval/blind),
their questions and their conversations' turns, compared once case, accents and punctuation are folded.

The blind questions are read only to refuse them: their text is never shown (eval/blind/README.md).
"""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from ruamel.yaml import YAML

from . import DataError

SETS = {"dev": Path("eval/heldout/dev"), "test": Path("eval/heldout/test"), "blind": Path("eval/blind")}
SET_NAMES = {"dev": "questions de mise au point (dev)", "test": "questions de test",
             "blind": "questions aveugles"}
# As the leak test: short generic conversation turns (« pourquoi ? ») are everyone's words.
MIN_LEAK_CHARACTERS = 13


def comparable(text: str) -> str:
    """Lower case, no accents, no punctuation (the leak test's folding: « la R7 ? » is « la r7 »)."""
    without_accents = unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode("ascii")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", without_accents).split())


def _load(path: Path) -> object:
    try:
        return YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    except Exception:  # noqa: BLE001 - a broken set must not stop the console; the leak test reports it
        return None


def _set_texts(folder: Path) -> tuple[set[str], set[str]]:
    """(questions, conversation turns) of one set, folded."""
    questions: set[str] = set()
    turns: set[str] = set()
    for path in sorted(folder.glob("*.yml")):
        data = _load(path)
        if not isinstance(data, dict):
            continue
        if path.name.startswith("conversations"):
            for conversation in data.get("conversations") or []:
                for turn in (conversation or {}).get("turns") or []:
                    if isinstance(turn, dict) and turn.get("user"):
                        turns.add(comparable(str(turn["user"])))
            continue
        for messages in data.values():
            for message in messages or []:
                text = message.get("text") if isinstance(message, dict) else message
                if isinstance(text, str):
                    questions.add(comparable(text))
    return questions - {""}, turns - {""}


class EvalQuestions:
    """The evaluation sets of the project (eval/ next to the assistant's code), read once."""

    def __init__(self, project_dir: Path) -> None:
        self._sets = {name: _set_texts(project_dir / folder) for name, folder in SETS.items()}

    def which_set(self, text: str) -> str | None:
        """The set a text belongs to once folded (None: not an evaluation question)."""
        key = comparable(text)
        for name, (questions, turns) in self._sets.items():
            if key in questions or (len(key) >= MIN_LEAK_CHARACTERS and key in turns):
                return name
        return None

    def refuse(self, text: str) -> None:
        found = self.which_set(text)
        if found:
            raise DataError(
                f"Cette phrase figure parmi les {SET_NAMES[found]} qui servent à mesurer l'assistant "
                "(à la casse, aux accents et à la ponctuation près) : l'apprendre fausserait la mesure, "
                "l'assistant paraîtrait meilleur qu'il n'est. Écrivez un exemple avec d'autres mots.")
