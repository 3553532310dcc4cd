"""Every text a person can receive, with the fact-base sections it declares (read from the data).

- the responses of domain/*.yml (``metadata: {sections: [...]}`` of each variation);
- the parts of the scope check's verdicts (actions/data/verdicts.yml);
- the orientation sheet's fixed texts (actions/data/sheet.yml, printed by sheets/).

tests/data/test_traceability.py checks each of them against the fact base; `python -m actions.fact_base`
lists those whose sections changed in the shared fact base.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, List, Tuple

import yaml

REPO = Path(__file__).resolve().parents[1]
DOMAIN_DIR = REPO / "domain"
VERDICTS_FILE = Path(__file__).parent / "data" / "verdicts.yml"
SHEET_FILE = Path(__file__).parent / "data" / "sheet.yml"


@dataclass(frozen=True)
class TracedText:
    name: str  # where a maintainer finds it: « utter_faq/controle », « verdicts.yml: concerne/headline »
    text: str
    sections: Tuple[str, ...]
    declared: bool  # False when the text names no sections at all


def _sections(value: Any) -> Tuple[Tuple[str, ...], bool]:
    if isinstance(value, list) and value:
        return tuple(str(section) for section in value), True
    return (), False


def domain_texts() -> Iterator[TracedText]:
    for path in sorted(DOMAIN_DIR.glob("*.yml")):
        content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for name, variations in (content.get("responses") or {}).items():
            for index, variation in enumerate(variations or []):
                sections, declared = _sections((variation.get("metadata") or {}).get("sections"))
                label = name if len(variations) == 1 else f"{name}#{index}"
                yield TracedText(label, str(variation.get("text") or ""), sections, declared)


def verdict_parts() -> Iterator[TracedText]:
    data = yaml.safe_load(VERDICTS_FILE.read_text(encoding="utf-8")) or {}
    for code, verdict in (data.get("verdicts") or {}).items():
        for part in ("headline", "next"):
            sections, declared = _sections(verdict[part].get("sections"))
            yield TracedText(f"verdicts.yml: {code}/{part}", str(verdict[part]["text"]), sections, declared)
    for group in ("reasons", "entities", "closing"):
        for key, part in (data.get(group) or {}).items():
            sections, declared = _sections(part.get("sections"))
            yield TracedText(f"verdicts.yml: {group}/{key}", str(part["text"]), sections, declared)


def sheet_texts() -> Iterator[TracedText]:
    data = yaml.safe_load(SHEET_FILE.read_text(encoding="utf-8")) or {}
    for group, texts in data.items():
        for key, part in (texts or {}).items():
            sections, declared = _sections(part.get("sections"))
            yield TracedText(f"sheet.yml: {group}/{key}", str(part["text"]), sections, declared)


def all_texts() -> List[TracedText]:
    return [*domain_texts(), *verdict_parts(), *sheet_texts()]
