"""The fact base, read as sections that every text the assistant sends must name (traceability).

`actions/data/doctrine-cloud-faits.md` is the fact base as the texts were last reviewed against
(a copy of `shared/knowledge/doctrine-cloud-faits.md`, the only source of facts). Its sections:

- ``P``: the preamble (official sources, texts, the DINUM's single contact);
- ``A1`` … ``A12``: the official FAQ (Part A), whose page is the FAQ's;
- ``B1`` … ``B6``: the linked official pages (Part B), each with the page its heading names;
  ``B1-R1`` … ``B1-R15``: one rule of B1 (a B1 bullet that is not a rule, such as the reading of R7
  and R8 with A8, belongs to every rule it names);
- ``C``: what the assistant must not do (texts that state no doctrine fact rest on it: greetings,
  « pas sûr », errors).

Every text declares the sections it rests on (``metadata: {sections: [...]}`` in domain/*.yml, the
``sections`` of each part in actions/data/verdicts.yml); tests/data/test_traceability.py checks that they
exist and that the links a text cites are the sources of its sections. `python -m actions.fact_base`
compares the copy with the shared fact base and lists the texts whose sections changed
(docs/maintainer.md).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional, Tuple

FACT_BASE = Path(__file__).parent / "data" / "doctrine-cloud-faits.md"
PREAMBLE = "P"
CONDUCT = "C"
URL = re.compile(r"https?://[^\s)>»,]+[^\s)>»,.;:]")
_OFFICIAL_SOURCE = re.compile(r"^- ([^:]+) : (https://\S+)")
_PART = re.compile(r"^## Partie ([ABC])\b(.*)$")
_SECTION = re.compile(r"^### ([AB]\d+)\. (.+)$")
_RULE_BULLET = re.compile(r"^- (R\d+) : ")
_RULE_NAME = re.compile(r"\bR(\d{1,2})\b")
_LEGAL_TEXT = re.compile(r"loi n° [\d-]+ du \d+ \w+ \d{4}, article \d+")


@dataclass
class Section:
    """One section of the fact base: its id, its title, its text and the sources a text citing it may give."""

    id: str
    title: str
    lines: List[str] = field(default_factory=list)
    sources: List[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.lines).strip()

    @property
    def fingerprint(self) -> str:
        """Changes when the section's title or text changes (not when only blank lines move)."""
        normalized = " ".join(f"{self.title}\n{self.text}".split())
        return hashlib.sha256(normalized.encode("utf-8")).hexdigest()[:16]


def _official_pages(lines: List[str]) -> Dict[str, str]:
    """« Sources officielles » of the preamble: name → URL (FAQ, Règles de la doctrine, …)."""
    pages = {}
    for line in lines:
        match = _OFFICIAL_SOURCE.match(line)
        if match:
            pages[match.group(1).strip()] = match.group(2).strip()
    return pages


def _page_named_in(title: str, pages: Dict[str, str]) -> List[str]:
    """The official page whose path a Part B heading names: « (/services/cloud/demarrer/) »."""
    return [url for url in pages.values() if re.search(re.escape(url.split("numerique.gouv.fr", 1)[1]) + r"\)", title)]


def parse(text: str) -> Dict[str, Section]:
    """Sections in the order of the file, with their sources (see the module docstring)."""
    lines = text.splitlines()
    preamble_end = next(i for i, line in enumerate(lines) if _PART.match(line))
    pages = _official_pages(lines[:preamble_end])
    faq_page = pages.get("FAQ", "")
    sections: Dict[str, Section] = {
        PREAMBLE: Section(PREAMBLE, "Préambule : sources officielles, textes, contact", lines[:preamble_end],
                          sorted(set(pages.values())))
    }
    part, current = "", None
    readers: List[Section] = []
    for line in lines[preamble_end:]:
        part_match, section_match = _PART.match(line), _SECTION.match(line)
        if part_match:
            part, readers = part_match.group(1), []
            current = None
            if part == CONDUCT:
                current = sections[CONDUCT] = Section(CONDUCT, part_match.group(2).strip(" :"))
            continue
        if section_match:
            section_id, title = section_match.groups()
            sources = [faq_page] if part == "A" else _page_named_in(title, pages)
            current = sections[section_id] = Section(section_id, title.strip(), [], sources)
            legal = _LEGAL_TEXT.search(title)
            if legal:
                current.sources.append(legal.group(0))
            readers = []
            continue
        if current is not None:
            readers = _add_line(sections, current, readers, line)
    for section in sections.values():
        for url in URL.findall(section.text):
            if url not in section.sources:
                section.sources.append(url)
    return sections


def _add_line(sections: Dict[str, Section], current: Section, readers: List[Section], line: str) -> List[Section]:
    """Add a line to its section and, under B1, to the rules the current bullet belongs to: its own rule
    (« - R7 : … »), or every rule a bullet reading several rules together names. Returns those rules, which
    also get the bullet's continuation lines."""
    current.lines.append(line)
    if current.id != "B1":
        return []
    rule_match = _RULE_BULLET.match(line)
    if rule_match:
        rule_id = f"B1-{rule_match.group(1)}"
        sections[rule_id] = Section(rule_id, f"Règle {rule_match.group(1)}", [line], list(current.sources))
        return [sections[rule_id]]
    if line.startswith("- "):
        named = [sections[f"B1-R{n}"] for n in sorted({int(n) for n in _RULE_NAME.findall(line)})
                 if f"B1-R{n}" in sections]
        for rule in named:
            rule.lines.append(line)
        return named
    if line.startswith("  "):
        for rule in readers:
            rule.lines.append(line)
        return readers
    return []


@lru_cache(maxsize=None)
def load(path: Path = FACT_BASE) -> Dict[str, Section]:
    return parse(path.read_text(encoding="utf-8"))


def changed_sections(reviewed: Dict[str, Section],
                     current: Dict[str, Section]) -> Tuple[List[str], List[str], List[str]]:
    """(changed, added, removed) section ids between the reviewed copy and the current fact base."""
    changed = [sid for sid in reviewed if sid in current and reviewed[sid].fingerprint != current[sid].fingerprint]
    added = [sid for sid in current if sid not in reviewed]
    removed = [sid for sid in reviewed if sid not in current]
    return changed, added, removed


SHARED_FACT_BASE = Path(__file__).resolve().parents[2] / "shared" / "knowledge" / "doctrine-cloud-faits.md"


def review_report(reviewed: Dict[str, Section], current: Dict[str, Section]) -> List[str]:
    """What changed in the fact base since the texts were reviewed, and the texts to read again."""
    from actions.traced_texts import all_texts

    changed, added, removed = changed_sections(reviewed, current)
    if not (changed or added or removed):
        return []
    lines = ["La base de faits partagée a changé depuis la dernière relecture des textes :"]
    for label, ids in (("sections modifiées", changed), ("sections ajoutées", added), ("sections retirées", removed)):
        if ids:
            lines.append(f"  {label} : {', '.join(ids)}")
    touched = set(changed) | set(removed)
    texts = [text for text in all_texts() if touched & set(text.sections)]
    lines.append(f"Textes qui s'appuient sur ces sections ({len(texts)}), à relire :")
    lines += [f"  - {text.name} [{', '.join(s for s in text.sections if s in touched)}]" for text in texts]
    lines.append("Une fois relus (et corrigés), « make facts-reviewed » enregistre la nouvelle base comme relue.")
    return lines


def main(argv: Optional[List[str]] = None) -> int:
    """Compare the reviewed copy with the shared fact base; --accept copies the shared one over it."""
    import argparse
    import shutil

    parser = argparse.ArgumentParser(prog="python -m actions.fact_base", description=main.__doc__)
    parser.add_argument("--shared", type=Path, default=SHARED_FACT_BASE, help="la base de faits partagée")
    parser.add_argument("--accept", action="store_true", help="enregistrer la base partagée comme relue")
    args = parser.parse_args(argv)
    if not args.shared.exists():
        print(f"Base de faits partagée absente ({args.shared}) : comparaison sautée.")
        return 0
    if args.accept:
        shutil.copyfile(args.shared, FACT_BASE)
        print(f"{FACT_BASE.name} : copie relue mise à jour depuis {args.shared}.")
        return 0
    report = review_report(load(FACT_BASE), parse(args.shared.read_text(encoding="utf-8")))
    print("\n".join(report) if report else "Base de faits : identique à la copie relue.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
