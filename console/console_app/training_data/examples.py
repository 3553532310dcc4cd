"""The training examples of each intent and FAQ question (data/nlu/*.yml): list, search, add, edit, move,
delete. Only the edited line of an `examples: |` block changes (ruamel.yaml round trip).

Every new text (added, edited, moved in) is refused when it copies an evaluation question (leaks.py) or
already stands under another intent.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml.scalarstring import LiteralScalarString

from . import (
    DataError,
    _atomic_write,
    _nlu_files,
    add_example,
    clean_example,
    dump_yaml,
    existing_examples,
    file_style,
    known_intents,
    load_yaml,
    normalize,
)
from .leaks import EvalQuestions

__all__ = ["Example", "add", "delete", "edit", "examples_by_intent", "move", "search"]


@dataclass(frozen=True)
class Example:
    intent: str
    text: str
    file: str


def _blocks(data_dir: Path) -> list[tuple[Path, Any, Any]]:
    found = []
    for path in _nlu_files(data_dir):
        doc = load_yaml(path)
        for item in (doc or {}).get("nlu") or []:
            if isinstance(item, dict) and item.get("intent") and "examples" in item:
                found.append((path, doc, item))
    return found


def _lines(block: Any) -> list[str]:
    return [line.strip()[2:].strip() for line in str(block).splitlines() if line.strip().startswith("- ")]


def examples_by_intent(data_dir: Path) -> dict[str, list[Example]]:
    """intent → its examples, in file order."""
    result: dict[str, list[Example]] = {}
    for path, _doc, item in _blocks(data_dir):
        for text in _lines(item["examples"]):
            result.setdefault(str(item["intent"]), []).append(Example(str(item["intent"]), text, path.name))
    return result


def search(data_dir: Path, intent: str | None, query: str) -> list[Example]:
    """Examples of `intent` (every intent when None) whose text contains the query (case and accents
    ignored)."""
    needle = normalize(query)
    every = examples_by_intent(data_dir)
    chosen = every.get(intent, []) if intent else [e for examples in every.values() for e in examples]
    return [e for e in chosen if needle in normalize(e.text)]


def _rewrite(data_dir: Path, intent: str, old: str, new: str | None) -> Path:
    """Replace the line `old` of `intent`'s block by `new` (remove it when None); DataError if absent."""
    for path, doc, item in _blocks(data_dir):
        if item["intent"] != intent:
            continue
        lines = str(item["examples"]).splitlines()
        for index, line in enumerate(lines):
            if line.strip().startswith("- ") and line.strip()[2:].strip() == old:
                indent = line[: len(line) - len(line.lstrip())]
                if new is None:
                    del lines[index]
                else:
                    lines[index] = f"{indent}- {new}"
                if not any(line.strip() for line in lines):
                    raise DataError("C'est le dernier exemple de cette question : ajoutez-en un autre avant de "
                                    "le retirer (Rasa refuse une intention sans exemple).")
                item["examples"] = LiteralScalarString("\n".join(lines) + "\n")
                _atomic_write(path, dump_yaml(doc, file_style(path)))
                return path
    raise DataError("Cet exemple n'existe plus (quelqu'un l'a peut-être modifié entre-temps) : rechargez la page.")


def _check_new(data_dir: Path, intent: str, text: str, leaks: EvalQuestions, replacing: str = "") -> str:
    example = clean_example(text)
    leaks.refuse(example)
    already = existing_examples(data_dir).get(normalize(example))
    if already and normalize(example) != normalize(replacing):
        where = "sous cette même question" if already == intent else f"sous « {already} »"
        raise DataError(f"Cet exemple figure déjà dans les données {where} : un exemple n'apprend qu'une fois.")
    return example


def add(data_dir: Path, domain_dir: Path, intent: str, text: str, leaks: EvalQuestions) -> tuple[Path, bool]:
    """Add an example (refused when it copies an evaluation question); (file, added)."""
    leaks.refuse(clean_example(text))
    return add_example(data_dir, domain_dir, intent, text)


def edit(data_dir: Path, intent: str, old: str, new: str, leaks: EvalQuestions) -> tuple[Path, str]:
    example = _check_new(data_dir, intent, new, leaks, replacing=old)
    if example == old:
        raise DataError("Le texte n'a pas changé.")
    return _rewrite(data_dir, intent, old, example), example


def delete(data_dir: Path, intent: str, text: str) -> Path:
    return _rewrite(data_dir, intent, text, None)


def move(data_dir: Path, domain_dir: Path, intent: str, text: str, to_intent: str, leaks: EvalQuestions) -> Path:
    """Move an example to another intent or FAQ question (a wrong annotation, put right)."""
    if to_intent == intent:
        raise DataError("L'exemple est déjà sous cette question.")
    if to_intent not in known_intents(data_dir, domain_dir):
        raise DataError(f"Intention inconnue : « {to_intent} ».")
    leaks.refuse(text)
    _rewrite(data_dir, intent, text, None)
    path, _added = add_example(data_dir, domain_dir, to_intent, text)
    return path
