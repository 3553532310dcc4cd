"""The FAQ topic map kept in the data (actions/data/catalog/*.yml): button titles and related questions."""

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Tuple

import yaml

CATALOG_DIR = Path(__file__).parent / "data" / "catalog"


@dataclass(frozen=True)
class FaqEntry:
    key: str
    title: str
    topic: str
    related: Tuple[str, ...]


@lru_cache(maxsize=1)
def load_catalog() -> Dict[str, FaqEntry]:
    """Merge every catalog file; a key defined twice is a data error worth failing loudly on."""
    catalog: Dict[str, FaqEntry] = {}
    for path in sorted(CATALOG_DIR.glob("*.yml")):
        content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for key, entry in (content.get("faq") or {}).items():
            if key in catalog:
                raise ValueError(f"FAQ key {key!r} defined twice in {CATALOG_DIR}")
            catalog[key] = FaqEntry(
                key=key,
                title=str(entry["title"]),
                topic=str(entry.get("topic", "")),
                related=tuple(entry.get("related") or ()),
            )
    return catalog


def faq_button(key: str) -> Dict[str, str]:
    """A quick-reply button that asks FAQ ``key`` without going through NLU."""
    entry = load_catalog()[key]
    return {"title": entry.title, "payload": "/faq" + json.dumps({"faq_key": key}, ensure_ascii=False)}


def related_buttons(key: str, limit: int = 3) -> List[Dict[str, str]]:
    """Buttons for the questions a user is likely to ask after ``key`` (from the topic map)."""
    catalog = load_catalog()
    entry = catalog.get(key)
    if entry is None:
        return []
    return [faq_button(related) for related in entry.related[:limit] if related in catalog]


# Shown when the assistant cannot answer: one question per main topic.
STARTER_KEYS = ("champ_application", "donnees_sensibles", "financement")


def starter_buttons() -> List[Dict[str, str]]:
    catalog = load_catalog()
    return [faq_button(key) for key in STARTER_KEYS if key in catalog]
