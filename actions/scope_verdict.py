"""The verdict of the scope check: the rule of FAQ A1–A3, the criterion that decided it and the next steps.

Rule (FAQ « Je travaille dans une entité soumise à la doctrine, est-ce que mon projet est concerné ? »):
an administration centrale or an operator/organisme sous tutelle is concerned for a new project, or
for a rebuild of MORE than 50 % of the existing system (exactly 50 % is not concerned). Collectivités
are outside the circulaire but invited to use cloud (SecNumCloud suited to sensitive data such as
état civil). The FAQ names « administration centrale et organismes sous tutelle » and says nothing of
the State's services déconcentrés: their verdict says so and gives the contact. Any other structure
« ne semble pas relever de la circulaire »: an orientation, not a ruling.

The texts are data (actions/data/verdicts.yml): each part names the fact-base sections it rests on, and a
verdict declares the sections of its parts. Every verdict fits a chat bubble (answer rules in
actions/data/answer_rules.yml, checked for every operator name by tests/data/test_answers.py).
"""

import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import yaml

from actions.faq_catalog import faq_button
from actions.scope_parsing import ADMINISTRATION_CENTRALE, COLLECTIVITE, OPERATEUR, SERVICE_DECONCENTRE

VERDICTS_FILE = Path(__file__).parent / "data" / "verdicts.yml"

CONCERNE = "concerne"
NON_CONCERNE = "non_concerne"
HORS_CIRCULAIRE_COLLECTIVITE = "hors_circulaire_collectivite"
# Kept under its first name so that the conversations already stored keep their label in the console.
HORS_CIRCULAIRE_AUTRE = "hors_circulaire_autre"
SERVICE_DECONCENTRE_A_CONFIRMER = "service_deconcentre_a_confirmer"
VERDICT_CODES = (
    CONCERNE, NON_CONCERNE, HORS_CIRCULAIRE_COLLECTIVITE, HORS_CIRCULAIRE_AUTRE, SERVICE_DECONCENTRE_A_CONFIRMER
)
# The criterion that decided a verdict: a reason of the 50 % rule, or the entity type itself.
NOUVEAU = "nouveau"
REFONTE_PLUS = "refonte_plus"
REFONTE_MOITIE = "refonte_moitie"
REFONTE_MOINS = "refonte_moins"
REBUILD_THRESHOLD = 50.0
CONTACT = "infonuage.dinum@modernisation.gouv.fr"
_VERDICT_OF_ENTITY = {
    COLLECTIVITE: HORS_CIRCULAIRE_COLLECTIVITE,
    SERVICE_DECONCENTRE: SERVICE_DECONCENTRE_A_CONFIRMER,
}
SUBJECT_ENTITIES = (ADMINISTRATION_CENTRALE, OPERATEUR)


@dataclass(frozen=True)
class Part:
    """A piece of text and the fact-base sections it rests on."""

    text: str
    sections: Tuple[str, ...]


@dataclass(frozen=True)
class Verdict:
    code: str
    criterion: str
    text: str
    buttons: List[Dict[str, str]]
    sections: Tuple[str, ...]

    @property
    def metadata(self) -> Dict[str, Any]:
        """What the bot message carries besides its text (tests, evaluation and the console read it)."""
        return {"sections": list(self.sections), "verdict": self.code, "criterion": self.criterion}


def _part(data: Dict[str, Any]) -> Part:
    return Part(str(data["text"]), tuple(data["sections"]))


@lru_cache(maxsize=1)
def load_texts() -> Dict[str, Any]:
    """verdicts.yml with every part read as a Part."""
    data = yaml.safe_load(VERDICTS_FILE.read_text(encoding="utf-8"))
    return {
        "verdicts": {
            code: {"headline": _part(v["headline"]), "next": _part(v["next"]), "buttons": tuple(v["buttons"])}
            for code, v in data["verdicts"].items()
        },
        "reasons": {key: _part(value) for key, value in data["reasons"].items()},
        "entities": {key: _part(value) for key, value in data["entities"].items()},
        "closing": {key: _part(value) for key, value in data["closing"].items()},
        "readings": dict(data["readings"]),
    }


def is_concerned(new_project: Optional[bool], refactor_percentage: Optional[float]) -> bool:
    """New project, or a rebuild of strictly more than half of the existing system."""
    if new_project:
        return True
    return refactor_percentage is not None and refactor_percentage > REBUILD_THRESHOLD


def rebuild_criterion(refactor_percentage: Optional[float]) -> str:
    value = refactor_percentage or 0.0
    if value > REBUILD_THRESHOLD:
        return REFONTE_PLUS
    return REFONTE_MOITIE if value == REBUILD_THRESHOLD else REFONTE_MOINS


def decide(entity_type: Optional[str], new_project: Optional[bool],
           refactor_percentage: Optional[float]) -> Tuple[str, str]:
    """(verdict code, criterion) for the answers of the check."""
    if entity_type in _VERDICT_OF_ENTITY:
        return _VERDICT_OF_ENTITY[entity_type], entity_type
    if entity_type not in SUBJECT_ENTITIES:
        return HORS_CIRCULAIRE_AUTRE, entity_type or "autre"
    if new_project:
        return CONCERNE, NOUVEAU
    criterion = rebuild_criterion(refactor_percentage)
    return (CONCERNE if criterion == REFONTE_PLUS else NON_CONCERNE), criterion


def _who(entity_type: str, organisation: Optional[str]) -> Part:
    """Who the doctrine applies to here: the operator recognised, or the type of entity chosen."""
    entities = load_texts()["entities"]
    if organisation and entity_type == OPERATEUR:
        part = entities["operateur_reconnu"]
        return Part(part.text.format(organisation=organisation), part.sections)
    return entities[entity_type]


def _closing(text_so_far: str) -> List[Part]:
    closing = load_texts()["closing"]
    return ([] if CONTACT in text_so_far else [closing["contact"]]) + [closing["source"]]


def _restart_button() -> Dict[str, str]:
    return {"title": "Vérifier un autre projet", "payload": "/check_scope"}


def scope_verdict(
    entity_type: Optional[str],
    new_project: Optional[bool],
    refactor_percentage: Optional[float],
    organisation: Optional[str] = None,
) -> Verdict:
    """Verdict, reason and next steps for the answers given in the scope check."""
    code, criterion = decide(entity_type, new_project, refactor_percentage)
    texts = load_texts()
    verdict = texts["verdicts"][code]
    headline: Part = verdict["headline"]
    parts = [headline]
    if code in (CONCERNE, NON_CONCERNE):
        reason: Part = texts["reasons"][criterion]
        parts = [Part(headline.text.format(raison=reason.text), headline.sections + reason.sections),
                 _who(str(entity_type), organisation)]
    parts.append(verdict["next"])
    parts += _closing("\n".join(part.text for part in parts))
    sections = tuple(dict.fromkeys(section for part in parts for section in part.sections))
    buttons = [faq_button(key) for key in verdict["buttons"]] + [_restart_button()]
    return Verdict(code, criterion, "\n".join(part.text for part in parts), buttons, sections)


def reading_of(key: str) -> str:
    """How an answer of the check was read (« refonte de plus de 50 % de l'existant »)."""
    return str(load_texts()["readings"][key])


def _answer_readings(entity_type: Optional[str], organisation: Optional[str], new_project: Optional[bool],
                     refactor_percentage: Optional[float]) -> Dict[str, str]:
    """How each answer given was read, in words (« 70 % » → refonte de plus de 50 % de l'existant)."""
    readings: Dict[str, str] = {}
    if entity_type:
        readings["entity_type"] = reading_of(entity_type) + (f" : {organisation}" if organisation else "")
    if new_project is not None and entity_type in SUBJECT_ENTITIES:
        readings["new_project"] = reading_of("nouveau_projet" if new_project else "refonte")
    if refactor_percentage is not None and not new_project and entity_type in SUBJECT_ENTITIES:
        readings["refactor_percentage"] = (
            f"{refactor_percentage:g} % : {reading_of(rebuild_criterion(refactor_percentage))}"
        )
    return readings


def verdict_record(verdict: Verdict, slots: Dict[str, Any], answers: Dict[str, str], reference: str,
                   timestamp: float) -> Dict[str, Any]:
    """The last check as the conversation keeps it (slot `last_check`): what « pourquoi ? », the what-ifs and
    the orientation sheet need, and nothing more than the conversation already holds."""
    readings = _answer_readings(slots.get("entity_type"), slots.get("organisation"), slots.get("new_project"),
                                slots.get("refactor_percentage"))
    return {
        "reference": reference,
        "timestamp": timestamp,
        "verdict": verdict.code,
        "criterion": verdict.criterion,
        "sections": list(verdict.sections),
        "entity_type": slots.get("entity_type"),
        "organisation": slots.get("organisation"),
        "new_project": slots.get("new_project"),
        "refactor_percentage": slots.get("refactor_percentage"),
        "answers": [{"question": name, "text": answers.get(name, ""), "reading": reading}
                    for name, reading in readings.items()],
    }


# Crockford's base32 (no I, L, O, U): read back over the phone without confusion.
_REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_reference() -> str:
    """A short reference nobody can guess (60 random bits), grouped for reading: « 7KQ2-M9XD-PW3A »."""
    characters = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(12))
    return "-".join(characters[index:index + 4] for index in range(0, 12, 4))
