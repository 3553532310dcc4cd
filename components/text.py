"""Text normalisation for the NLU components: the same form as actions/text_normalization.normalize
(lower case, no accents, apostrophes and punctuation folded to single spaces), which the two parts keep
in step (tests/components/test_intent_guard.py checks it) without importing each other."""

import re
import unicodedata

_FOLDED = re.compile(r"[\s\-_/·.,;:!?()\[\]«»\"“”°º'’‘`´ʼ]+")


def normalize(text: str) -> str:
    """« Suis-je concerné par l’État ? » → « suis je concerne par l etat »."""
    bare = "".join(c for c in unicodedata.normalize("NFKD", text or "") if not unicodedata.combining(c))
    return _FOLDED.sub(" ", bare.lower().replace("%", " % ")).strip()
