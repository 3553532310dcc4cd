"""Normalisation of French free text before keyword matching.

Agents write with or without accents, in any case, with typographic apostrophes and hyphens
(« Météo-France », « l’État »): every matcher works on the same normalised form.
"""

import re
import unicodedata

_APOSTROPHES = "’‘`´ʼ"
_SEPARATORS = re.compile(r"[\s\-_/·.,;:!?()\[\]«»\"“”°º]+")


def strip_accents(text: str) -> str:
    """Remove diacritics: « Météo » → « Meteo »."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def normalize(text: str) -> str:
    """Lower-case, accent-free, punctuation folded to single spaces; apostrophes become spaces.

    « Je suis à Météo-France ! » → « je suis a meteo france »; « l’État » → « l etat ».
    """
    text = strip_accents(text or "").lower()
    for apostrophe in _APOSTROPHES + "'":
        text = text.replace(apostrophe, " ")
    text = text.replace("%", " % ")
    return _SEPARATORS.sub(" ", text).strip()


def contains_phrase(normalized_text: str, normalized_phrase: str) -> bool:
    """Whole-word phrase match on normalised text."""
    if not normalized_phrase:
        return False
    return re.search(rf"(?<!\w){re.escape(normalized_phrase)}(?!\w)", normalized_text) is not None
