"""Readable names for what the NLU predicts: FAQ question titles instead of `faq/<key>`, French names
for the other intents.

The titles are the button texts of the FAQ catalog (actions/data/catalog/*.yml, `faq.<key>.title`):
read here as data, the console does not import the action server's code.
"""
from __future__ import annotations

from pathlib import Path

from ruamel.yaml import YAML

INTENT_LABELS = {
    "greet": "Salutation",
    "goodbye": "Au revoir",
    "thanks": "Remerciement",
    "bot_challenge": "« Êtes-vous un robot ? »",
    "what_can_you_do": "« Que savez-vous faire ? »",
    "ask_human": "Demande à parler à une personne",
    "out_of_scope": "Hors sujet",
    "affirm": "Oui",
    "deny": "Non",
    "check_scope": "« Mon projet est-il concerné ? »",
    "stop": "Arrêter la vérification",
    "inform": "Réponse au test d'éligibilité",
    "nlu_fallback": "Non compris",
    "faq": "Question de la FAQ",
}


class Labels:
    """Title of each FAQ key, read from the catalog files again whenever one of them changes."""

    def __init__(self, catalog_dir: Path) -> None:
        self.catalog_dir = catalog_dir
        self._stamp: tuple[tuple[str, float], ...] = ()
        self._titles: dict[str, str] = {}

    def titles(self) -> dict[str, str]:
        files = sorted(self.catalog_dir.glob("*.yml"))
        stamp = tuple((str(p), p.stat().st_mtime) for p in files)
        if stamp != self._stamp:
            titles: dict[str, str] = {}
            for path in files:
                doc = YAML(typ="safe").load(path.read_text(encoding="utf-8")) or {}
                for key, entry in (doc.get("faq") or {}).items():
                    if isinstance(entry, dict) and entry.get("title"):
                        titles[str(key)] = str(entry["title"])
            self._titles, self._stamp = titles, stamp
        return self._titles

    def label(self, name: str) -> str:
        """« Existe-t-il un financement pour le cloud ? » for faq/financement; the name when unknown."""
        if name.startswith("faq/"):
            return self.titles().get(name[4:], name)
        return INTENT_LABELS.get(name, name)
