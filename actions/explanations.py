"""Where an answer comes from, said in words: the FAQ question or official page behind each section it
declares (« pourquoi ? » after an FAQ answer). Built from the fact base copy, so it always names the
sections the answer rests on and cites their sources (tests/data/test_traceability.py checks every key)."""

import re
from typing import Dict, List, Optional, Sequence, Tuple

from actions import fact_base
from actions.answer_parts import MIN_SCORE, AnswerParts

# How a Part B section is named in a sentence (its heading names the page, not how to say it).
_PAGES = {
    "B1": "les 15 règles de la doctrine (version 2023)",
    "B2": "la définition 2023 des données sensibles (règle R9)",
    "B3": "la page de la DINUM « 5 étapes pour bien commencer »",
    "B4": "la page de la DINUM sur les offres de cloud interne",
    "B5": "la page de la DINUM sur le cloud commercial et SecNumCloud",
    "B6": "le vade-mecum de la DINUM sur la loi SREN",
    fact_base.PREAMBLE: "les circulaires n° 6282/SG du 5 juillet 2021 et n° 6404/SG du 31 mai 2023",
    # Its title names the notion without its two conditions: said as what the question is about.
    "A6": "la question de la FAQ sur les deux critères des données sensibles (rubrique Données particulièrement "
          "sensibles)",
}
# The official pages an explanation cites (the Osmose community's page is a link to join it, not a source).
_OFFICIAL_SITE = "numerique.gouv.fr/"
_RUBRIC = re.compile(r"^(.*?)\s*\(section ([^)]+)\)$")
MAX_ORIGINS = 2
MAX_SOURCES = 2
MAX_PASSAGE_CHARACTERS = 300
_MARKUP = re.compile(r"\*\*|`|\s*\(voir [^)]*\)")


def origin(section_id: str, sections: Dict[str, fact_base.Section]) -> str:
    """« la question de la FAQ « Qui contrôle… ? » (rubrique Contrôle) », « la règle R7 de la doctrine »…"""
    if section_id.startswith("B1-"):
        return f"la règle {section_id[3:]} de la doctrine"
    if section_id in _PAGES:
        return _PAGES[section_id]
    title = sections[section_id].title
    match = _RUBRIC.match(title)
    if match:
        return f"la question de la FAQ « {match.group(1)} » (rubrique {match.group(2)})"
    return f"la question de la FAQ « {title} »"


def _joined(parts: Sequence[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " et " + parts[-1]


def _rule_bullet(text: str) -> List[str]:
    """The lines of a rule's own bullet (« - R9 : … » and its continuation lines)."""
    lines = text.splitlines()
    bullet = lines[:1]
    for line in lines[1:]:
        if not line.startswith("  "):
            break
        bullet.append(line)
    return [" ".join(part.strip() for part in bullet)]


def _clean(line: str) -> str:
    return _MARKUP.sub("", re.sub(r"^\s*(-|\d+\.)\s*", "", line)).strip()


def _bullets(text: str) -> List[str]:
    """The bullets of a section's text, each with its continuation lines."""
    bullets: List[str] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        if line.startswith((" ", "\t")) and bullets and not line.strip().startswith("- "):
            bullets[-1] += " " + line.strip()
        else:
            bullets.append(line.strip())
    return bullets


def passage(section_id: str, question: str = "") -> str:
    """What the section says, in the fact base's own words: the bullet that shares the most informative words
    with the question it answered, else its first paragraph, whole lines up to MAX_PASSAGE_CHARACTERS."""
    text = fact_base.load()[section_id].text
    if question:
        parts = AnswerParts([text])
        best = max(_bullets(text), key=lambda bullet: parts.score(question, bullet), default="")
        if best and parts.score(question, best) >= MIN_SCORE and not section_id.startswith("B1-"):
            clean = _clean(best).replace("d'une sensibilité particulière", "particulièrement sensibles")
            if len(clean) <= MAX_PASSAGE_CHARACTERS:
                return clean
    lines = text.split("\n\n")[0].splitlines()
    if section_id.startswith("B1-"):
        # A rule: its own bullet, not the notes that read it with others.
        lines = _rule_bullet(text)
    said = ""
    for line in lines:
        clean = _MARKUP.sub("", re.sub(r"^\s*(-|\d+\.)\s*", "", line)).strip()
        if not clean:
            continue
        # The notion is said with its two conditions elsewhere; alone in a passage it is said plainly.
        clean = clean.replace("d'une sensibilité particulière", "particulièrement sensibles")
        candidate = f"{said} {clean}".strip()
        if len(candidate) > MAX_PASSAGE_CHARACTERS:
            return (said or clean[:MAX_PASSAGE_CHARACTERS - 2].rsplit(" ", 1)[0]).rstrip(" :;,") + " …"
        said = candidate
    return said


def explanation(section_ids: Sequence[str], question: str = "") -> Tuple[str, str, str]:
    """(where it comes from, what the main section says, the source line) for an answer declaring these
    sections."""
    sections = fact_base.load()
    named = [sid for sid in dict.fromkeys(section_ids) if sid in sections and sid != fact_base.CONDUCT]
    origins = [origin(sid, sections) for sid in named[:MAX_ORIGINS]]
    sources: List[str] = []
    for sid in named[:MAX_ORIGINS]:
        for source in sections[sid].sources:
            official = source.startswith("https://") and source.split("//", 1)[1].startswith(
                ("www.numerique.gouv.fr/", _OFFICIAL_SITE))
            if official and source not in sources:
                sources.append(source)
    # The preamble lists every page: it only names the texts, its pages are not this answer's source.
    if len(named) > 1 and named[0] == fact_base.PREAMBLE:
        sources = [s for s in sources if any(s in sections[sid].sources for sid in named[1:MAX_ORIGINS])] or sources
    sources = sources[:MAX_SOURCES]
    prefix = "Source : " if len(sources) == 1 else "Sources : "
    main = next((sid for sid in named if sid != fact_base.PREAMBLE), named[0] if named else fact_base.PREAMBLE)
    return _joined(origins), passage(main, question), prefix + " ; ".join(sources)


# Working notes of the fact file that are not facts for a person: file names, cross-references.
_NOT_FOR_PEOPLE = re.compile(r"fichier|\.csv|`|Partie [ABC]|^Lecture de|Source de ces points|Ne pas (citer|prêter)")
MIN_FACT_SCORE = 2.6


def fact_part(question: str, section_ids: Sequence[str], parts: AnswerParts) -> Optional[Tuple[str, str]]:
    """(the fact-base bullet a follow-up asks about, its source line) among the sections of the last answer,
    or None when no bullet shares enough informative words with it."""
    sections = fact_base.load()
    best: Optional[Tuple[float, str, str]] = None
    for sid in dict.fromkeys(section_ids):
        if sid not in sections or sid in (fact_base.PREAMBLE, fact_base.CONDUCT):
            continue
        official = [source for source in sections[sid].sources if source.startswith("https://")
                    and "osmose" not in source]
        for bullet in _bullets(sections[sid].text):
            clean = _clean(bullet)
            if not clean or _NOT_FOR_PEOPLE.search(bullet) or len(clean) > MAX_PASSAGE_CHARACTERS:
                continue
            score = parts.score(question, clean)
            if official and (best is None or score > best[0]):
                best = (score, clean, official[0])
    if best is None or best[0] < MIN_FACT_SCORE:
        return None
    said = best[1].replace("d'une sensibilité particulière", "particulièrement sensibles")
    return said[:1].upper() + said[1:], f"Source : {best[2]}"
