"""The fact-base sections a text may rest on, with their titles, read from the fact base file as data
(actions/data/doctrine-cloud-faits.md of the working copy): `A8`, `B1-R7`, `P` (preamble), `C` (what the
assistant must not do). The same ids as actions/fact_base.py, which the tests hold to that file."""
from __future__ import annotations

import re
from pathlib import Path

FACT_BASE = Path("actions") / "data" / "doctrine-cloud-faits.md"
_SECTION = re.compile(r"^### ([AB]\d+)\. (.+)$")
_RULE = re.compile(r"^- (R\d+) : (.+)$")
_SOURCE_NOTE = re.compile(r"\s*\((section [^)]*|/[^)]*|loi [^)]*)\)\s*$")


def section_titles(content_dir: Path, fallback_dir: Path) -> dict[str, str]:
    """section id → short French title, in the order of the fact base ({} when the file is missing)."""
    path = content_dir / FACT_BASE
    if not path.is_file():
        path = fallback_dir / FACT_BASE
    if not path.is_file():
        return {}
    titles = {"P": "Préambule : sources officielles, textes, contact"}
    in_rules = False
    for line in path.read_text(encoding="utf-8").splitlines():
        section = _SECTION.match(line)
        if section:
            titles[section.group(1)] = _SOURCE_NOTE.sub("", section.group(2)).strip()
            in_rules = section.group(1) == "B1"
            continue
        rule = _RULE.match(line)
        if in_rules and rule:
            titles[f"B1-{rule.group(1)}"] = f"Règle {rule.group(1)} : {_short(rule.group(2))}"
        if line.startswith("## Partie C"):
            titles["C"] = "Ce que l'assistant ne doit pas faire"
    return titles


def _short(text: str, words: int = 10) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + ("…" if len(parts) > words else "")


def unknown_sections(sections: list[str], titles: dict[str, str]) -> list[str]:
    return [section for section in sections if section not in titles]
