"""The verdict of the scope check: the rule of FAQ A1–A3, its reason and the next steps.

Rule (FAQ « Je travaille dans une entité soumise à la doctrine, est-ce que mon projet est concerné ? »):
an administration centrale or an operator/organisme sous tutelle is concerned for a new project, or
for a rebuild of MORE than 50 % of the existing system (exactly 50 % is not concerned). Collectivités
are outside the circulaire but invited to use cloud (SecNumCloud suited to sensitive data such as
état civil). The FAQ names « administration centrale et organismes sous tutelle » and says nothing of
the State's services déconcentrés (préfectures, rectorats, DDT…): their verdict says so and gives the
contact. Any other structure « ne semble pas relever de la circulaire »: an orientation, not a ruling.

Every verdict fits a chat bubble (answer rules in actions/data/answer_rules.yml, checked for every
operator name by tests/data/test_answers.py).
"""

from dataclasses import dataclass
from typing import Dict, List, Optional

from actions.faq_catalog import faq_button
from actions.operators import OPERATOR_LIST_NOTE
from actions.scope_parsing import ADMINISTRATION_CENTRALE, COLLECTIVITE, OPERATEUR, SERVICE_DECONCENTRE

CONCERNE = "concerne"
NON_CONCERNE = "non_concerne"
HORS_CIRCULAIRE_COLLECTIVITE = "hors_circulaire_collectivite"
# Kept under its first name so that the conversations already stored keep their label in the console.
HORS_CIRCULAIRE_AUTRE = "hors_circulaire_autre"
SERVICE_DECONCENTRE_A_CONFIRMER = "service_deconcentre_a_confirmer"
VERDICT_CODES = (
    CONCERNE, NON_CONCERNE, HORS_CIRCULAIRE_COLLECTIVITE, HORS_CIRCULAIRE_AUTRE, SERVICE_DECONCENTRE_A_CONFIRMER
)

FAQ_URL = "https://www.numerique.gouv.fr/services/cloud/"
CONTACT = "infonuage.dinum@modernisation.gouv.fr"
SOURCE_LINE = f"Source : {FAQ_URL}"
DISCLAIMER = f"Première orientation, pas un avis juridique ; en cas de doute : {CONTACT}\n{SOURCE_LINE}"
REBUILD_THRESHOLD = 50.0

_ENTITY_LABELS = {
    ADMINISTRATION_CENTRALE: "une administration centrale de l'État",
    OPERATEUR: "un opérateur ou un organisme sous tutelle de l'État",
}


@dataclass(frozen=True)
class Verdict:
    code: str
    text: str
    buttons: List[Dict[str, str]]


def _restart_button() -> Dict[str, str]:
    return {"title": "Vérifier un autre projet", "payload": "/check_scope"}


def _who(entity_type: str, organisation: Optional[str]) -> str:
    """Who the doctrine applies to here: the operator recognised, or the type of entity chosen."""
    if organisation and entity_type == OPERATEUR:
        return f"Organisme reconnu : {organisation} {OPERATOR_LIST_NOTE}."
    return f"La doctrine s'applique à votre entité : {_ENTITY_LABELS[entity_type]}."


def is_concerned(new_project: Optional[bool], refactor_percentage: Optional[float]) -> bool:
    """New project, or a rebuild of strictly more than half of the existing system."""
    if new_project:
        return True
    return refactor_percentage is not None and refactor_percentage > REBUILD_THRESHOLD


def _rebuild_reason(refactor_percentage: float) -> str:
    if refactor_percentage > REBUILD_THRESHOLD:
        return "la refonte porte sur plus de 50 % de l'existant"
    if refactor_percentage == REBUILD_THRESHOLD:
        return "la refonte porte sur exactement 50 % de l'existant, or il faut plus de 50 %"
    return "la refonte porte sur moins de 50 % de l'existant, or il faut plus de 50 %"


def _collectivite() -> Verdict:
    text = (
        "**Les collectivités territoriales sont hors du champ de la circulaire** « Cloud au centre » : "
        "elles ne sont tenues ni de recourir au cloud, ni d'utiliser des offres qualifiées SecNumCloud.\n"
        "Elles sont toutefois invitées à profiter du cloud ; pour des données très sensibles comme l'état civil, "
        "un hébergement qualifié SecNumCloud est adapté.\n" + DISCLAIMER
    )
    return Verdict(HORS_CIRCULAIRE_COLLECTIVITE, text, [faq_button("collectivites"), _restart_button()])


def _service_deconcentre() -> Verdict:
    text = (
        "**La FAQ ne tranche pas le cas des services déconcentrés de l'État** (préfecture, rectorat, DDT, DREAL, "
        "ambassade, juridiction…) : elle vise l'administration centrale et les organismes sous sa tutelle.\n"
        f"Pour savoir si votre projet est concerné, écrivez à {CONTACT} en décrivant votre service et votre projet.\n"
        "Pour les entités soumises à la doctrine, un projet est concerné s'il est nouveau ou s'il refond plus "
        "de 50 % de l'existant.\n" + SOURCE_LINE
    )
    return Verdict(SERVICE_DECONCENTRE_A_CONFIRMER, text, [faq_button("champ_application"), _restart_button()])


def _autre() -> Verdict:
    text = (
        "**Votre structure ne semble pas relever de la circulaire** « Cloud au centre » ; en cas de doute, "
        f"écrivez à {CONTACT}.\n"
        "La doctrine vise l'administration centrale de l'État et les organismes sous sa tutelle, dont les principaux "
        "figurent dans le « jaune budgétaire – opérateurs de l'État » annexé au projet de loi de finances.\n"
        "Si votre organisme y figure, refaites la vérification en choisissant "
        "« Opérateur ou organisme sous tutelle ».\n"
        "C'est une première orientation, pas un avis juridique.\n" + SOURCE_LINE
    )
    return Verdict(HORS_CIRCULAIRE_AUTRE, text, [faq_button("champ_application"), _restart_button()])


def scope_verdict(
    entity_type: Optional[str],
    new_project: Optional[bool],
    refactor_percentage: Optional[float],
    organisation: Optional[str] = None,
) -> Verdict:
    """Verdict, reason and next steps for the answers given in the scope check."""
    if entity_type == COLLECTIVITE:
        return _collectivite()
    if entity_type == SERVICE_DECONCENTRE:
        return _service_deconcentre()
    if entity_type not in _ENTITY_LABELS:
        return _autre()

    who = _who(entity_type, organisation)
    if is_concerned(new_project, refactor_percentage):
        reason = "c'est un nouveau projet" if new_project else _rebuild_reason(refactor_percentage or 0.0)
        text = (
            f"**Votre projet est concerné** par la doctrine « Cloud au centre » : {reason}.\n{who}\n"
            "Prochaine étape (règle R1) : cherchez une solution cloud, SaaS d'abord, sinon une offre de cloud "
            "interne ou commercial.\n" + DISCLAIMER
        )
        buttons = [faq_button("donnees_sensibles"), faq_button("par_ou_commencer"), _restart_button()]
        return Verdict(CONCERNE, text, buttons)

    text = (
        f"**Votre projet n'est pas concerné** au sens de la FAQ : {_rebuild_reason(refactor_percentage or 0.0)}.\n"
        f"{who}\n"
        "Si la refonte dépasse un jour 50 %, refaites la vérification ; voyez aussi la règle R6 sur les "
        "évolutions majeures.\n" + DISCLAIMER
    )
    return Verdict(NON_CONCERNE, text, [faq_button("regle_r6"), _restart_button()])
