"""Recognise a State operator (PLF 2025 annex « Opérateurs de l'État ») by name or acronym.

The list (actions/data/operateurs-etat-plf2025.csv) changes every year: a match is presented as an
indication (« figure dans la liste du PLF 2025 »), never as a legal qualification.
"""

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Optional, Tuple

from actions.text_normalization import contains_phrase, normalize, whole_word_pattern

OPERATORS_CSV = Path(__file__).parent / "data" / "operateurs-etat-plf2025.csv"

# Acronyms that are also ordinary French words once lower-cased: only matched as written (upper case).
_ACRONYMS_THAT_ARE_WORDS = {"acta", "capa", "ens", "ans", "une", "cea", "mae", "ini"}


@dataclass(frozen=True)
class Operator:
    """One row of the PLF 2025 operators annex."""

    name: str  # as printed in the annex (upper case)
    acronym: str
    legal_category: str
    lead_ministry: str

    @property
    def label(self) -> str:
        """How the assistant names the operator back to the user."""
        if not self.acronym or contains_phrase(normalize(self.name), normalize(self.acronym)):
            return self.name
        return f"{self.name} ({self.acronym})"


@lru_cache(maxsize=1024)
def _name_variants(name: str) -> Tuple[str, ...]:
    """The annex prints some names as « SIGLE - Nom » or « Nom (SIGLE) »: match every part."""
    variants = {name, re.sub(r"\(.*?\)", "", name)}
    if " - " in name:
        variants.update(part for part in name.split(" - "))
    normalized = {normalize(variant) for variant in variants}
    return tuple(sorted(variant for variant in normalized if len(variant) >= 5))


@lru_cache(maxsize=1)
def load_operators() -> Tuple[Operator, ...]:
    """Read the annex once per process."""
    with OPERATORS_CSV.open(encoding="utf-8", newline="") as handle:
        return tuple(
            Operator(
                name=row["nom"].strip(),
                acronym=(row.get("sigle") or "").strip(),
                legal_category=(row.get("categorie_juridique") or "").strip(),
                lead_ministry=(row.get("ministere_chef_de_file") or "").strip(),
            )
            for row in csv.DictReader(handle)
        )


def _acronym_matches(acronym: str, raw_text: str, normalized_text: str) -> bool:
    """Short or word-like acronyms must appear as written; longer ones in any case, accents ignored."""
    if len(acronym) < 2:
        return False
    if len(acronym) <= 3 or normalize(acronym) in _ACRONYMS_THAT_ARE_WORDS:
        return whole_word_pattern(acronym).search(raw_text) is not None
    return contains_phrase(normalized_text, normalize(acronym))


def find_operator(text: str) -> Optional[Operator]:
    """Return the operator named in ``text`` (full name or acronym), preferring the longest name match."""
    normalized_text = normalize(text)
    best: Optional[Tuple[int, Operator]] = None
    for operator in load_operators():
        for variant in _name_variants(operator.name):
            if contains_phrase(normalized_text, variant) and (best is None or len(variant) > best[0]):
                best = (len(variant), operator)
        if operator.acronym and _acronym_matches(operator.acronym, text, normalized_text):
            if best is None or len(operator.acronym) > best[0]:
                best = (len(operator.acronym), operator)
    return best[1] if best else None
