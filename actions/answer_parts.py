"""The part of the last answer a follow-up asks about: « Comme indiqué : … » instead of the whole answer again.

« et c'est opéré par qui ? » after the internal cloud answer asks about one line of it (« opérés par des
agents de l'État »). When no aspect of actions/data/followups.yml fits, the line of the last answer that
shares the most informative words with the follow-up is given, if it shares enough: the same facts, the
same sections, one or two lines instead of the whole answer. Words are compared by their first letters
(« opéré » / « opérés », « qualifiées » / « qualifie »), weighted by how rare they are among all answers.
"""

import math
import re
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from actions.text_normalization import normalize

STEM_LENGTH = 5
MIN_SCORE = 2.0
# Words every answer uses: they say nothing of which line is asked for.
_GENERIC = frozenset("""
a au aux avec ce ces cet cette c ca cela d dans de des du elle elles en est et etre il ils je j l la le les leur
leurs lui ma mais me mes moi mon ne nos notre nous on ou par pas pour qu que qui quoi sa se ses si son sont sur ta
te tes toi ton tu un une vos votre vous y plus tres aussi bien comme fait faire peut peuvent doit doivent faut
est ce quel quelle quels quelles comment combien quand ou alors donc ok oui non merci bonjour svp
cloud doctrine donnee donnees projet projets etat offre offres regle regles faq source sources selon dinum
""".split())
# Abbreviations people use for words the answers spell out.
_EXPANSIONS = {"dr": "diffusion restreinte", "snc": "secnumcloud", "m€": "millions euros", "me": "millions euros",
               "rssi": "securite", "dsi": "direction", "si": "systeme information", "hds": "sante hds"}
_SOURCE_LINE = re.compile(r"^Sources? : ")


def _stems(text: str) -> List[str]:
    words = []
    for word in normalize(text).split():
        words.extend(_EXPANSIONS.get(word, word).split())
    return [word[:STEM_LENGTH] for word in words if word not in _GENERIC and len(word) > 1]


@dataclass(frozen=True)
class Part:
    line: str
    source: str  # the answer's source line, cited with the part


def answer_lines(text: str) -> Tuple[List[str], str]:
    """The lines of an answer that state something, and its source line."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    source = next((line for line in lines if _SOURCE_LINE.match(line)), "")
    return [line for line in lines if not _SOURCE_LINE.match(line)], source


def _rarity(all_answers: Iterable[str]) -> Dict[str, float]:
    documents = [set(_stems(line)) for text in all_answers for line in answer_lines(text)[0]]
    counts: Dict[str, int] = {}
    for document in documents:
        for stem in document:
            counts[stem] = counts.get(stem, 0) + 1
    return {stem: math.log((1 + len(documents)) / (1 + count)) + 1.0 for stem, count in counts.items()}


class AnswerParts:
    """Finds the line of an answer a follow-up is about, weighting words by their rarity among answers."""

    def __init__(self, all_answers: Sequence[str]) -> None:
        self.rarity = _rarity(all_answers)

    def score(self, question: str, line: str) -> float:
        asked = set(_stems(question))
        return sum(self.rarity.get(stem, 0.0) for stem in asked & set(_stems(line)))

    def shared(self, question: str, line: str) -> int:
        """How many informative words the question and the line share."""
        return len(set(_stems(question)) & set(_stems(line)))

    def part_asked(self, question: str, answer: str) -> Optional[Part]:
        """The line sharing the most informative words with the question (with the list it opens, if it
        ends with « : »), or None when no line shares enough."""
        lines, source = answer_lines(answer)
        if not lines:
            return None
        scores = [self.score(question, line) for line in lines]
        best = max(range(len(lines)), key=lambda index: scores[index])
        if scores[best] < MIN_SCORE:
            return None
        return Part(part_from(lines, best), source)


    def clause_asked(self, question: str, line: str) -> Optional[str]:
        """Of a line already given, the clause the question is about (« il dépend de quel fonds ? » after the
        line on the FTAP guichet: its clause on the fund), or None when no shorter clause fits."""
        clauses = [clause.strip() for clause in re.split(r", | ; | : ", line.rstrip(" .;:")) if clause.strip()]
        clauses = [clause for clause in clauses if clause.count("**") % 2 == 0]
        if len(clauses) < 2:
            return None
        best = max(clauses, key=lambda clause: self.score(question, clause))
        if self.score(question, best) < MIN_SCORE:
            return None
        return best[0].upper() + best[1:] + "."


def part_from(lines: Sequence[str], index: int) -> str:
    """Line `index`, with the (up to three) items of the list it opens when it ends with « : »."""
    chosen = [lines[index]]
    if lines[index].endswith(":"):
        chosen += [line for line in lines[index + 1:] if line.startswith("-")][:3]
    return "\n".join(chosen)


def possible_parts(answer: str) -> List[str]:
    """Every part « Comme indiqué » may give of this answer."""
    lines = answer_lines(answer)[0]
    return [part_from(lines, index) for index in range(len(lines))]
