"""Normalisation of French free text before keyword matching.

Agents write with or without accents, in any case, with typographic apostrophes and hyphens
(« Météo-France », « l’État »): every matcher works on the same normalised form.
"""

import re
import unicodedata
from functools import lru_cache

_APOSTROPHES = "’‘`´ʼ"
_SEPARATORS = re.compile(r"[\s\-_/·.,;:!?()\[\]«»\"“”°º*`]+")


def strip_accents(text: str) -> str:
    """Remove diacritics: « Météo » → « Meteo »."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def normalize(text: str) -> str:
    """Lower-case, accent-free, punctuation folded to single spaces; apostrophes become spaces.

    « Je suis à Météo-France ! » → « je suis a meteo france »; « l’État » → « l etat »; « œuvres » → « oeuvres ».
    """
    text = strip_accents(text or "").lower().replace("œ", "oe").replace("æ", "ae")
    for apostrophe in _APOSTROPHES + "'":
        text = text.replace(apostrophe, " ")
    text = text.replace("%", " % ")
    return _SEPARATORS.sub(" ", text).strip()


def contains_phrase(normalized_text: str, normalized_phrase: str) -> bool:
    """Whole-word phrase match on normalised text."""
    if not normalized_phrase:
        return False
    return whole_word_pattern(normalized_phrase).search(normalized_text) is not None


@lru_cache(maxsize=8192)
def whole_word_pattern(phrase: str) -> "re.Pattern[str]":
    """Compiled once per phrase: the 418 operators and their variants overflow `re`'s own cache
    (512 entries), which made each scope-check answer recompile them all (about 0.1 s)."""
    return re.compile(rf"(?<!\w){re.escape(phrase)}(?!\w)")
