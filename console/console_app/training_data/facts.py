"""The fact-base sections a text may rest on, with their titles and their words, read from the fact base
file as data (actions/data/doctrine-cloud-faits.md of the working copy): `A8`, `B1-R7`, `P` (preamble),
`C` (what the assistant must not do). The same ids as actions/fact_base.py, which the tests hold to that
file; the console shows them beside a text so that its editor sees what the text must stay faithful to."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

FACT_BASE = Path("actions") / "data" / "doctrine-cloud-faits.md"
_SECTION = re.compile(r"^### ([AB]\d+)\. (.+)$")
_PART = re.compile(r"^## Partie ([ABC])\b")
_RULE = re.compile(r"^- (R\d+) : (.+)$")
_SOURCE_NOTE = re.compile(r"\s*\((section [^)]*|/[^)]*|loi [^)]*)\)\s*$")
_RULE_WORDS = 10
_RULE_NAME = re.compile(r"\bR(\d{1,2})\b")


@dataclass
class FactSection:
    id: str
    title: str
    lines: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The section's words, its bullets joined back into sentences (the file wraps them)."""
        return "\n".join(" ".join(part.split()) for part in re.split(r"\n(?=- )", "\n".join(self.lines).strip())
                         if part.strip() and not set(part.strip()) <= {"-"})


def _path(content_dir: Path, fallback_dir: Path) -> Path | None:
    for folder in (content_dir, fallback_dir):
        if (folder / FACT_BASE).is_file():
            return folder / FACT_BASE
    return None


def fact_sections(content_dir: Path, fallback_dir: Path) -> dict[str, FactSection]:
    """section id → section, in the order of the fact base ({} when the file is missing)."""
    path = _path(content_dir, fallback_dir)
    if path is None:
        return {}
    current = FactSection("P", "Préambule : sources officielles, textes, contact")
    sections = {"P": current}
    rules: list[FactSection] = []  # the B1 rules the current bullet belongs to (its wrapped lines too)
    for line in path.read_text(encoding="utf-8").splitlines():
        heading, part, bullet = _SECTION.match(line), _PART.match(line), _RULE.match(line)
        if heading:
            title = _SOURCE_NOTE.sub("", heading.group(2)).strip()
            current = sections[heading.group(1)] = FactSection(heading.group(1), title)
            rules = []
            continue
        if part:
            # Part C is a section; the other parts' own heading lines belong to none.
            current = sections["C"] = FactSection("C", "Ce que l'assistant ne doit pas faire") \
                if part.group(1) == "C" else FactSection("", "")
            rules = []
            continue
        if current.id == "B1" and bullet:
            words = bullet.group(2).split()
            title = " ".join(words[:_RULE_WORDS]) + ("…" if len(words) > _RULE_WORDS else "")
            rules = [FactSection(f"B1-{bullet.group(1)}", f"Règle {bullet.group(1)} : {title}")]
            sections[rules[0].id] = rules[0]
        elif current.id == "B1" and line.startswith("- "):
            # A B1 bullet that is not a rule (the reading of R7 and R8 with A8) belongs to each rule it names.
            rules = [sections[f"B1-R{n}"] for n in _RULE_NAME.findall(line) if f"B1-R{n}" in sections]
        elif not line.startswith("  "):
            rules = []
        for section in [current, *rules]:
            section.lines.append(line)
    return sections


def section_titles(content_dir: Path, fallback_dir: Path) -> dict[str, str]:
    """section id → short French title."""
    return {sid: section.title for sid, section in fact_sections(content_dir, fallback_dir).items()}


def unknown_sections(sections: list[str], titles: dict[str, str]) -> list[str]:
    return [section for section in sections if section not in titles]
