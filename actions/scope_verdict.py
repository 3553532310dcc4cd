"""The verdict of the scope check: the rule of FAQ A1–A3, its reason and the next steps.

Rule (FAQ « Je travaille dans une entité soumise à la doctrine, est-ce que mon projet est concerné ? »):
an administration centrale or an operator/organisme sous tutelle is concerned for a new project, or
for a rebuild of MORE than 50 % of the existing system (exactly 50 % is not concerned). Collectivités
are outside the circulaire but invited to use cloud (SecNumCloud suited to sensitive data such as
état civil); other entities are outside the circulaire.
"""

from dataclasses import dataclass
from typing import Dict, List, Optional

from actions.scope_parsing import ADMINISTRATION_CENTRALE, COLLECTIVITE, OPERATEUR

CONCERNE = "concerne"
NON_CONCERNE = "non_concerne"
HORS_CIRCULAIRE_COLLECTIVITE = "hors_circulaire_collectivite"
HORS_CIRCULAIRE_AUTRE = "hors_circulaire_autre"

FAQ_URL = "https://www.numerique.gouv.fr/services/cloud/"
CONTACT = "infonuage.dinum@modernisation.gouv.fr"
DISCLAIMER = (
    f"Ceci est une première orientation fondée sur la FAQ, pas un avis juridique : en cas de doute, "
    f"écrivez à {CONTACT}.\nSource : {FAQ_URL}"
)
REBUILD_THRESHOLD = 50.0

_ENTITY_LABELS = {
    ADMINISTRATION_CENTRALE: "une administration centrale",
    OPERATEUR: "un opérateur ou un organisme sous tutelle de l'État",
}


@dataclass(frozen=True)
class Verdict:
    code: str
    text: str
    buttons: List[Dict[str, str]]


def _restart_button() -> Dict[str, str]:
    return {"title": "Vérifier un autre projet", "payload": "/check_scope"}


def _faq_button(title: str, key: str) -> Dict[str, str]:
    return {"title": title, "payload": '/faq{"faq_key":"' + key + '"}'}


def _organisation_line(organisation: Optional[str]) -> str:
    if not organisation:
        return ""
    return (
        f"Votre organisme, {organisation}, figure dans la liste des opérateurs de l'État du PLF 2025 "
        "(à confirmer dans le « jaune » budgétaire de l'année).\n"
    )


def is_concerned(new_project: Optional[bool], refactor_percentage: Optional[float]) -> bool:
    """New project, or a rebuild of strictly more than half of the existing system."""
    if new_project:
        return True
    return refactor_percentage is not None and refactor_percentage > REBUILD_THRESHOLD


def _rebuild_reason(refactor_percentage: float) -> str:
    if refactor_percentage > REBUILD_THRESHOLD:
        return "la refonte porte sur plus de 50 % de l'existant"
    if refactor_percentage == REBUILD_THRESHOLD:
        return "la refonte porte sur exactement 50 % de l'existant, or la règle demande plus de 50 %"
    return "la refonte porte sur moins de 50 % de l'existant, or la règle demande plus de 50 %"


def scope_verdict(
    entity_type: Optional[str],
    new_project: Optional[bool],
    refactor_percentage: Optional[float],
    organisation: Optional[str] = None,
) -> Verdict:
    """Verdict, reason and next steps for the answers given in the scope check."""
    if entity_type == COLLECTIVITE:
        text = (
            "**Les collectivités territoriales sont hors du champ de la circulaire** « Cloud au centre » : "
            "elles ne sont tenues ni de recourir au cloud, ni d'utiliser des offres qualifiées SecNumCloud.\n"
            "Elles sont toutefois invitées à profiter du cloud ; pour des données très sensibles comme "
            "l'état civil, un hébergement qualifié SecNumCloud est adapté.\n" + DISCLAIMER
        )
        buttons = [_faq_button("Les collectivités et le cloud", "collectivites"), _restart_button()]
        return Verdict(HORS_CIRCULAIRE_COLLECTIVITE, text, buttons)
    if entity_type not in _ENTITY_LABELS:
        text = (
            "**Votre structure est hors du champ de la circulaire** « Cloud au centre » : la doctrine "
            "s'applique aux administrations centrales de l'État et aux organismes placés sous leur tutelle.\n"
            + DISCLAIMER
        )
        buttons = [_faq_button("Qui est soumis à la doctrine ?", "champ_application"), _restart_button()]
        return Verdict(HORS_CIRCULAIRE_AUTRE, text, buttons)

    entity = _ENTITY_LABELS[entity_type]
    organisation_line = _organisation_line(organisation) if entity_type == OPERATEUR else ""
    if is_concerned(new_project, refactor_percentage):
        reason = "c'est un nouveau projet" if new_project else _rebuild_reason(refactor_percentage or 0.0)
        text = (
            f"**Votre projet est concerné** par la doctrine « Cloud au centre » : vous êtes {entity} et {reason}.\n"
            + organisation_line
            + "Prochaine étape (règle R1) : recherchez une solution cloud, d'abord en SaaS, sinon sur une offre "
            "de cloud interne ou commerciale. Si le projet traite des données d'une sensibilité particulière, "
            "vérifiez les critères et l'exigence SecNumCloud (règle R9).\n" + DISCLAIMER
        )
        buttons = [
            _faq_button("Mes données sont-elles sensibles ?", "donnees_sensibles"),
            _faq_button("Par où commencer ?", "par_ou_commencer"),
            _restart_button(),
        ]
        return Verdict(CONCERNE, text, buttons)

    text = (
        f"**Votre projet n'est pas concerné** au sens de la FAQ : vous êtes {entity}, ce n'est pas un nouveau "
        f"projet et {_rebuild_reason(refactor_percentage or 0.0)}.\n"
        + organisation_line
        + "À surveiller : si la refonte s'étend au-delà de 50 % de l'existant, refaites la vérification ; la règle "
        "R6 vise aussi les évolutions majeures (changement de prestataire, ou évolution d'au moins 50 % du coût "
        "initial).\n" + DISCLAIMER
    )
    buttons = [_faq_button("Que dit la règle R6 ?", "regle_r6"), _restart_button()]
    return Verdict(NON_CONCERNE, text, buttons)
