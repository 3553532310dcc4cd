"""Readable names for what the console shows: FAQ question titles instead of `faq/<key>`, French names
for the other intents, the assistant's responses and actions, the variables (slots) and the verdicts.

The titles are the button texts of the FAQ catalog (actions/data/catalog/*.yml, `faq.<key>.title`):
read here as data, the console does not import the action server's code.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from ruamel.yaml import YAML

INTENT_LABELS = {
    "greet": "Salutation",
    "goodbye": "Au revoir",
    "thanks": "Remerciement",
    "bot_challenge": "« Êtes-vous un robot ? »",
    "what_can_you_do": "« Que savez-vous faire ? »",
    "ask_human": "Demande à parler à une personne",
    "out_of_scope": "Hors sujet",
    "affirm": "Oui",
    "deny": "Non",
    "check_scope": "« Mon projet est-il concerné ? »",
    "stop": "Arrêter la vérification",
    "inform": "Réponse au test d'éligibilité",
    "nlu_fallback": "Non compris",
    "faq": "Question de la FAQ",
}


# « Pas sûr » has one name and one definition in the list, the inbox and the statistics: the assistant
# answered that it was not sure (utter_low_confidence with suggestions, or Rasa's fallback), read from
# the responses it gave (stats_indexer: category « declined »).
PAS_SUR = "« Pas sûr »"
PAS_SUR_DEFINITION = ("l'assistant a répondu qu'il n'était pas sûr de comprendre (suggestions de questions, "
                      "ou repli « je n'ai pas compris »)")

# The scope check's verdicts (slot scope_verdict): one naming for the list, the transcript, the sheets
# and the statistics.
VERDICT_LABELS = {
    "concerne": "Concerné",
    "non_concerne": "Non concerné",
    "hors_circulaire_collectivite": "Hors circulaire (collectivité)",
    "service_deconcentre_a_confirmer": "Service déconcentré (à confirmer)",
    "hors_circulaire_autre": "Hors circulaire (autre entité)",
}

RESPONSE_LABELS = {
    "utter_greet": "Salutation",
    "utter_greet_again": "Salutation, après l'accueil (une ligne)",
    "utter_goodbye": "Au revoir",
    "utter_thanks": "Réponse à un remerciement",
    "utter_bot_challenge": "« Je suis un assistant automatique »",
    "utter_what_can_you_do": "Ce que sait faire l'assistant",
    "utter_first_message": "Message d'accueil",
    "utter_low_confidence": "« Pas sûr » : suggestions de questions",
    "utter_default": "« Pas sûr » : repli de Rasa",
    "utter_out_of_scope": "Hors sujet",
    "utter_handoff_started": "Mise en relation avec un conseiller",
    "utter_handoff_contact": "Adresse de contact (pas de conseiller en direct)",
    "utter_contact_hint": "Rappel de l'adresse de contact",
    "utter_scope_intro": "Début du test d'éligibilité",
    "utter_scope_cancelled": "Test d'éligibilité arrêté",
    "utter_scope_exit_offer": "Proposition de quitter le test",
    "utter_offer_check": "Proposition du test d'éligibilité",
    "utter_ask_entity_type": "Question du test : type d'organisme",
    "utter_ask_new_project": "Question du test : nouveau projet ?",
    "utter_ask_refactor_percentage": "Question du test : part de refonte",
    "utter_new_project_not_understood": "Test : réponse sur le projet non comprise",
    "utter_entity_not_recognised": "Test : organisme non reconnu",
    "utter_operator_recognised": "Test : opérateur reconnu",
    "utter_percentage_unparsable": "Test : pourcentage illisible",
    "utter_percentage_unknown": "Test : pourcentage inconnu",
    "utter_percentage_out_of_range": "Test : pourcentage hors limites",
    "utter_percentage_empty": "Test : pourcentage vide",
    "utter_percentage_ambiguous_range": "Test : pourcentage ambigu",
    "utter_situation_reprise": "Reprise de la situation décrite",
    "utter_et_si_reprise": "Hypothèse « et si » : reprise",
    "utter_et_si_client": "Hypothèse « et si » : autre organisme",
    "utter_deja_repondu": "Question déjà répondue",
    "utter_no_pending_question": "Aucune question en attente",
    "utter_orientation_sheet": "Proposition de la fiche d'orientation",
    "utter_no_text": "Message sans texte",
    "utter_empty_message": "Message vide",
    "utter_message_too_long": "Message trop long",
}
# Families of responses named by a prefix, most specific first: the rest of the name says which one.
RESPONSE_FAMILIES = (
    ("utter_suivi_", "Réponse de suivi"),
    ("utter_pourquoi_", "Explication « pourquoi ? »"),
    ("utter_ensuite_", "Étape suivante"),
    ("utter_comparaison_", "Comparaison"),
    ("utter_perimetre_", "Périmètre d'une organisation"),
    ("utter_comme_indique", "Rappel d'une ligne de la réponse"),
    ("utter_precision", "Précision tirée de la doctrine"),
    ("utter_reponse_partielle", "Réponse partielle"),
    ("utter_scope_", "Test d'éligibilité"),
    ("utter_ask_", "Question du test d'éligibilité"),
)
ACTION_LABELS = {
    "action_session_start": "Début de session",
    "action_greet": "Salutation (l'accueil, ou une ligne s'il est déjà fait)",
    "action_listen": "Attente du message suivant",
    "action_answer_faq": "Réponse à une question de la FAQ",
    "action_handoff": "Passage à un conseiller",
    "action_start_check": "Début du test d'éligibilité",
    "scope_form": "Test d'éligibilité",
    "action_scope_verdict": "Verdict du test d'éligibilité",
    "action_scope_cancel": "Arrêt du test d'éligibilité",
    "action_inform_outside_check": "Réponse au test hors du test",
    "action_out_of_scope": "Hors sujet",
    "action_default_fallback": "Repli : message non compris",
    "action_two_stage_fallback": "Repli en deux temps",
    "action_restart": "Redémarrage",
}
SLOT_LABELS = {
    "handoff_requested": "Conseiller demandé",
    "fallback_count": "Questions ratées d'affilée",
    "topic": "Sujet en cours",
    "check_to_continue": "Test d'éligibilité à reprendre",
    "entity_type": "Type d'organisme",
    "new_project": "Nouveau projet",
    "refactor_percentage": "Part de refonte",
    "organisation": "Organisation",
    "scope_failures": "Réponses du test non comprises",
    "check_answers": "Réponses du test",
    "last_check": "Dernier test d'éligibilité",
    "scope_verdict": "Verdict du test d'éligibilité",
    "requested_slot": "Question du test en cours",
}


def _humanize(rest: str) -> str:
    """« financement_montant » → « financement montant », « r9 » → « R9 »."""
    words = [w.upper() if re.fullmatch(r"r\d+", w) else w for w in rest.strip("_").split("_") if w]
    return " ".join(words)


def family_label(name: str, table: dict[str, str], families: tuple[tuple[str, str], ...] = ()) -> str:
    """The French name of a response, action or slot; a family name with its subject for the families;
    the identifier itself only for a name nobody described."""
    if name in table:
        return table[name]
    for prefix, label in families:
        if name.startswith(prefix):
            rest = _humanize(name[len(prefix):])
            return f"{label} : {rest}" if rest else label
    return name


def slot_label(name: str) -> str:
    return SLOT_LABELS.get(name, name)


def slot_value(name: str, value: object) -> str:
    """A variable's value as a support agent reads it: « Oui », « vide », the verdict's name…"""
    if value is None or value == "" or value == []:
        return "vide"
    if isinstance(value, bool):
        return "Oui" if value else "Non"
    if name == "scope_verdict":
        return verdict_label(str(value))
    if name == "requested_slot":
        return slot_label(str(value))
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def verdict_label(value: str) -> str:
    return VERDICT_LABELS.get(value, value)


class Labels:
    """Title of each FAQ key, read from the catalog files again whenever one of them changes."""

    def __init__(self, catalog_dir: Path) -> None:
        self.catalog_dir = catalog_dir
        self._stamp: tuple[tuple[str, float], ...] = ()
        self._titles: dict[str, str] = {}

    def titles(self) -> dict[str, str]:
        files = sorted(self.catalog_dir.glob("*.yml"))
        stamp = tuple((str(p), p.stat().st_mtime) for p in files)
        if stamp != self._stamp:
            titles: dict[str, str] = {}
            for path in files:
                doc = YAML(typ="safe").load(path.read_text(encoding="utf-8")) or {}
                for key, entry in (doc.get("faq") or {}).items():
                    if isinstance(entry, dict) and entry.get("title"):
                        titles[str(key)] = str(entry["title"])
            self._titles, self._stamp = titles, stamp
        return self._titles

    def label(self, name: str) -> str:
        """« Existe-t-il un financement pour le cloud ? » for faq/financement; the name when unknown."""
        if name.startswith("faq/"):
            return self.titles().get(name[4:], name)
        return INTENT_LABELS.get(name, name)

    def response(self, name: str) -> str:
        """« Réponse : Existe-t-il un financement pour le cloud ? » for utter_faq/financement."""
        if name.startswith("utter_faq/"):
            return "Réponse : " + self.label(name[len("utter_"):])
        return family_label(name, RESPONSE_LABELS, RESPONSE_FAMILIES)

    def action(self, name: str) -> str:
        if name.startswith("utter_"):
            return self.response(name)
        return family_label(name, ACTION_LABELS)
