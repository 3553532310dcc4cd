"""Recognise a State operator (PLF 2025 annex « Opérateurs de l'État ») by name, family and place, or acronym.

The list (actions/data/operateurs-etat-plf2025.csv) changes every year: a match is presented as an
indication (« liste des opérateurs du PLF 2025, à confirmer dans celle de l'année »), never as a legal
qualification. How operators are named back and grouped in families is kept in
actions/data/operateurs-noms.yml.

What never names an operator on its own, so that a « mairie de Nantes » is not taken for the Crous of
Nantes (the annex prints « CENTRE REGIONAL OEUVRES UNIV SCOLAIRES - NANTES »):
- a place: the part after « - » in the annex (« NANTES », « LE MANS ») is dropped from the names, and a
  family member needs both its family (« Crous », the annex prefix) and its place in the message;
- an acronym the annex marks as unverified (``sigle_verifie`` = ``non``) that could be a word or a family
  (« UL », « SU », « ENS », « Canopé », « Sciences Po »); a distinctive one written as usual does (« MNHN »);
- a short acronym inside a longer sigle (« INP » in « Grenoble INP »).
"""

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Optional, Tuple

import yaml

from actions.text_normalization import contains_phrase, normalize, whole_word_pattern

DATA_DIR = Path(__file__).parent / "data"
OPERATORS_CSV = DATA_DIR / "operateurs-etat-plf2025.csv"
NAMES_YML = DATA_DIR / "operateurs-noms.yml"

# Acronyms that are also ordinary French words once lower-cased: only matched as written (upper case).
# Three-letter acronyms are matched in any case (« je suis à l'ign »), except these.
_ACRONYMS_THAT_ARE_WORDS = {"acta", "capa", "ens", "ans", "une", "cea", "mae", "ini", "genes", "asp", "cines", "inca",
                            "inp", "x", "mns", "cnm", "fei"}
# How the annex marks an experimental public institution: a legal status, not part of the name.
_ANNEX_ANNOTATION = re.compile(r"\s+-\s+établissement(?: public)? expérimental$", re.IGNORECASE)
# Little words that do not make a name distinctive (« le mans » is one place word, not two words).
STOP_WORDS = frozenset(
    {"a", "au", "aux", "d", "de", "des", "du", "en", "et", "l", "la", "le", "les", "pour", "sur", "dans", "ses"}
)
_ABBREVIATIONS = {"st": "saint", "ste": "sainte"}


@dataclass(frozen=True)
class Operator:
    """One row of the PLF 2025 operators annex."""

    name: str  # as printed in the annex (mostly upper case, no accents)
    acronym: str
    acronym_verified: bool
    legal_category: str
    lead_ministry: str
    display_name: str  # normal case, with accents (actions/data/operateurs-noms.yml)

    @property
    def label(self) -> str:
        """How the assistant names the operator back: « Météo-France », « Centre national … (CNRS) »."""
        acronym_shown = (
            self.acronym_verified
            and len(self.acronym) >= 2
            and not contains_phrase(normalize(self.display_name), normalize(self.acronym))
        )
        return f"{self.display_name} ({self.acronym})" if acronym_shown else self.display_name


@dataclass(frozen=True)
class Family:
    """Operators printed « <family> - <place> »: the Crous, the ARS, the IRA, the IEP, the INSA, the ENSA."""

    prefixes: Tuple[str, ...]  # normalised annex prefixes, longest first
    short_names: Tuple[str, ...]  # as written in the data file


@dataclass(frozen=True)
class OperatorMatch:
    """An operator found in a message; ``by_place`` when a family and a place named it."""

    operator: Optional[Operator]  # None: a family was named (« un Crous ») but not which one
    by_place: bool = False


def significant_words(normalized: str) -> List[str]:
    """Words that make a name distinctive: no article or preposition, « st » read as « saint »."""
    return [_ABBREVIATIONS.get(word, word) for word in normalized.split() if word not in STOP_WORDS]


@lru_cache(maxsize=1)
def _names_data() -> Dict[str, Any]:
    return yaml.safe_load(NAMES_YML.read_text(encoding="utf-8")) or {}


@lru_cache(maxsize=1)
def load_families() -> Tuple[Family, ...]:
    families = []
    for entry in _names_data().get("familles") or []:
        prefixes = sorted((normalize(prefix) for prefix in entry["prefixes"]), key=len, reverse=True)
        families.append(Family(tuple(prefixes), tuple(str(name) for name in entry["noms_courts"])))
    return tuple(families)


@lru_cache(maxsize=1)
def load_operators() -> Tuple[Operator, ...]:
    """Read the annex and the names once per process; an annex row without a usual name is a data error."""
    display_names: Dict[str, str] = _names_data().get("noms_usuels") or {}
    operators = []
    with OPERATORS_CSV.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            name = row["nom"].strip()
            if name not in display_names:
                raise ValueError(f"{NAMES_YML.name} : pas de nom usuel pour « {name} »")
            operators.append(
                Operator(
                    name=name,
                    acronym=(row.get("sigle") or "").strip(),
                    acronym_verified=(row.get("sigle_verifie") or "").strip().lower() == "oui",
                    legal_category=(row.get("categorie_juridique") or "").strip(),
                    lead_ministry=(row.get("ministere_chef_de_file") or "").strip(),
                    display_name=str(display_names[name]).strip(),
                )
            )
    return tuple(operators)


@lru_cache(maxsize=None)  # one entry per operator of the list: its name is read once, not at every message
def family_and_place(operator: Operator) -> Optional[Tuple[Family, Tuple[Tuple[str, ...], ...]]]:
    """The family of a « <family> - <place> » operator and its places (each a tuple of significant words).

    « … SCOLAIRES - NANCY - METZ » has two places, (« nancy »,) and (« metz »,): either names it.
    """
    normalized_parts = [normalize(part) for part in _ANNEX_ANNOTATION.sub("", operator.name).split(" - ")]
    normalized = " ".join(normalized_parts)
    for family in load_families():
        for prefix in family.prefixes:
            if normalized.startswith(prefix + " "):
                rest = [normalized[len(prefix) :].strip()] if len(normalized_parts) == 1 else normalized_parts[1:]
                places = tuple(tuple(significant_words(part)) for part in rest if significant_words(part))
                return (family, places) if places else None
    return None


@lru_cache(maxsize=1024)
def name_variants(operator: Operator) -> Tuple[str, ...]:
    """Normalised names that identify ``operator`` on their own.

    The full annex name (without parentheses or « établissement expérimental »), the usual name, and for
    « SIGLE - Nom » rows each part that is a name: the first part, or a later part of two significant
    words or more (« PHILHARMONIE DE PARIS »). A later part of one word is a place (« NANTES », « LE MANS »).
    """
    base = _ANNEX_ANNOTATION.sub("", operator.name)
    names = (base, operator.display_name)
    variants = set(names) | {re.sub(r"\(.*?\)", "", name) for name in names}
    if family_and_place(operator) is None and " - " in base:
        parts = base.split(" - ")
        variants.add(parts[0])
        variants.update(part for part in parts[1:] if len(significant_words(normalize(part))) >= 2)
    normalized = {normalize(variant) for variant in variants}
    shortened = _without_last_coordinate(normalize(base))
    if shortened is not None and shortened not in _shared_shortened_names():
        normalized.add(shortened)
    return tuple(sorted(variant for variant in normalized if len(variant) >= 5))


MIN_WORDS_OF_A_SHORTENED_NAME = 4


def _without_last_coordinate(normalized_name: str) -> Optional[str]:
    """« institut national de l information geographique et forestiere » → « … geographique »: a long name as
    people shorten it, without its last « et … », when what is left still has four significant words."""
    head, separator, _ = normalized_name.rpartition(" et ")
    if not separator or len(significant_words(head)) < MIN_WORDS_OF_A_SHORTENED_NAME:
        return None
    return head


@lru_cache(maxsize=1)
def _shared_shortened_names() -> FrozenSet[str]:
    """Shortened names that another operator's name also contains: they name no one on their own."""
    operators = load_operators()
    full_names = [normalize(_ANNEX_ANNOTATION.sub("", operator.name)) for operator in operators]
    shared = set()
    for index, name in enumerate(full_names):
        shortened = _without_last_coordinate(name)
        if shortened is None:
            continue
        others = (other for other_index, other in enumerate(full_names) if other_index != index)
        if any(contains_phrase(other, shortened) for other in others):
            shared.add(shortened)
    return frozenset(shared)


@lru_cache(maxsize=1)
def _longer_sigles() -> Dict[str, FrozenSet[str]]:
    """Normalised acronym → the longer sigles of the annex that contain it (« inp » → « grenoble inp »…)."""
    sigles = {normalize(operator.acronym) for operator in load_operators() if operator.acronym}
    return {
        short: frozenset(other for other in sigles if other != short and contains_phrase(other, short))
        for short in sigles
    }


def _acronym_matches(acronym: str, raw_text: str, normalized_text: str) -> bool:
    """Short or word-like acronyms must appear as written; longer ones in any case, accents ignored."""
    if len(acronym) < 2:
        return False
    normalized_acronym = normalize(acronym)
    if len(acronym) < 3 or normalized_acronym in _ACRONYMS_THAT_ARE_WORDS:
        found = whole_word_pattern(acronym).search(raw_text) is not None
    else:
        found = contains_phrase(normalized_text, normalized_acronym)
    if not found:
        return False
    return not any(contains_phrase(normalized_text, longer) for longer in _longer_sigles().get(normalized_acronym, ()))


# An acronym the annex does not print (sigle_verifie = non) names an operator only when it cannot be a word
# or a family name, written as usual: one token of four characters or more with a capital letter inside
# (« MNHN », « FranceAgriMer », « AgroParisTech »), or a capitalised name of five letters or more that is no
# French word (« Canopé », « Inalco », « Oniris »). « Sciences Po » (a family) or « Assas » (a street) do not.
MIN_UNVERIFIED_ACRONYM = 4
_DISTINCTIVE_ACRONYM = re.compile(r"^\w[\w-]*[A-Z][\w-]*$|^[A-Z][a-zà-ÿ]{4,}$")
_NAMES_THAT_ARE_PLACES = frozenset({"Assas"})


def _acronym_names_it(operator: Operator, raw_text: str, normalized_text: str) -> bool:
    acronym = operator.acronym
    if operator.acronym_verified:
        return _acronym_matches(acronym, raw_text, normalized_text)
    distinctive = len(acronym) >= MIN_UNVERIFIED_ACRONYM and _DISTINCTIVE_ACRONYM.match(acronym) is not None \
        and acronym not in _NAMES_THAT_ARE_PLACES
    return distinctive and whole_word_pattern(acronym).search(raw_text) is not None \
        and _acronym_matches(acronym, raw_text, normalized_text)


def _short_name_matches(short_name: str, raw_text: str, normalized_text: str) -> bool:
    if len(short_name) <= 3:
        return whole_word_pattern(short_name).search(raw_text) is not None
    return contains_phrase(normalized_text, normalize(short_name))


def _family_named(family: Family, raw_text: str, normalized_text: str) -> bool:
    return any(contains_phrase(normalized_text, prefix) for prefix in family.prefixes) or any(
        _short_name_matches(name, raw_text, normalized_text) for name in family.short_names
    )


def _place_named(places: Tuple[Tuple[str, ...], ...], text_words: FrozenSet[str]) -> int:
    """Length of the longest place whose every word is in the message, 0 if none."""
    return max((len(" ".join(place)) for place in places if set(place) <= text_words), default=0)


_UNIV = re.compile(r"\buniv\b")


def find_operator(text: str) -> Optional[OperatorMatch]:
    """The operator named in ``text``, preferring the longest name; a family without place names none."""
    normalized_text = _UNIV.sub("universite", normalize(text))  # « univ de Limoges »
    text_words = frozenset(significant_words(normalized_text))
    best: Optional[Tuple[int, OperatorMatch]] = None

    def consider(length: int, match: OperatorMatch) -> None:
        nonlocal best
        if best is None or length > best[0]:
            best = (length, match)

    named_families = {family for family in load_families() if _family_named(family, text, normalized_text)}
    for operator in load_operators():
        for variant in name_variants(operator):
            if contains_phrase(normalized_text, variant):
                consider(len(variant), OperatorMatch(operator))
        if operator.acronym and _acronym_names_it(operator, text, normalized_text):
            consider(len(operator.acronym), OperatorMatch(operator))
        member = family_and_place(operator) if named_families else None
        if member is not None and member[0] in named_families:
            place_length = _place_named(member[1], text_words)
            if place_length:
                consider(place_length, OperatorMatch(operator, by_place=True))
    if best is None and named_families:
        return OperatorMatch(None)
    return best[1] if best else None
