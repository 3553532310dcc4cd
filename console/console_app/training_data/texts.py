"""Every text the assistant says (the responses of domain/*.yml): list them by kind, with the fact-base
sections each one declares (``metadata: {sections: [...]}``), and edit a text keeping its sections.

FAQ answers (utter_faq/*) follow every answer rule (source line…); the other texts (welcome, fallback,
handoff, the check's questions, follow-ups) the rules of every text (AnswerRules.text_problems).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ruamel.yaml.scalarstring import LiteralScalarString

from ..answer_rules import AnswerRules, RuleError
from . import (
    DataError,
    _atomic_write,
    _check_rasa_reads_back,
    dump_yaml,
    file_style,
    load_yaml,
    refuse_invisible_characters,
)

# French names of the texts a support agent looks for (the others are named by their response).
TEXT_NAMES = {
    "utter_greet": "Accueil (message de bienvenue)",
    "utter_greet_again": "Salutation après l'accueil (une ligne)",
    "utter_first_message": "Premier message (canaux sans accueil propre)",
    "utter_goodbye": "Au revoir",
    "utter_thanks": "Réponse à un remerciement",
    "utter_bot_challenge": "« Êtes-vous un robot ? »",
    "utter_what_can_you_do": "« Que savez-vous faire ? »",
    "utter_handoff_contact": "Passage à un conseiller : adresse de contact",
    "utter_handoff_started": "Passage à un conseiller : mise en relation",
    "utter_out_of_scope": "Hors sujet",
    "utter_low_confidence": "« Pas sûr » (avec suggestions)",
    "utter_contact_hint": "Adresse de contact après les suggestions",
    "utter_default": "Repli : « je n'ai pas compris »",
    "utter_empty_message": "Message vide",
    "utter_message_too_long": "Message trop long",
    "utter_no_text": "Message sans mots",
    "utter_scope_intro": "Vérification : introduction",
    "utter_ask_entity_type": "Vérification : question sur le type d'organisme",
    "utter_ask_new_project": "Vérification : question « nouveau projet ? »",
    "utter_ask_refactor_percentage": "Vérification : question sur la part refondue",
    "utter_scope_cancelled": "Vérification : arrêtée",
}
# The kind of each domain file, as the texts page groups them.
FILE_KINDS = {
    "faq.yml": "Réponses de la FAQ",
    "doctrine.yml": "Réponses de la FAQ",
    "core.yml": "Accueil, repli et passage à un conseiller",
    "scope.yml": "Vérification du périmètre",
    "conversation.yml": "Précisions (suites de conversation)",
    "sheet.yml": "Fiche d'orientation",
}


@dataclass(frozen=True)
class AssistantText:
    name: str  # the response, utter_…
    path: Path
    text: str
    sections: tuple[str, ...]

    @property
    def is_faq(self) -> bool:
        return self.name.startswith("utter_faq/")

    @property
    def kind(self) -> str:
        return FILE_KINDS.get(self.path.name, "Autres textes")


def text_label(name: str, faq_label: Callable[[str], str]) -> str:
    """« Existe-t-il un financement pour le cloud ? » for utter_faq/financement, the French name of the
    others (their response name when they have none)."""
    if name.startswith("utter_faq/"):
        return faq_label("faq/" + name.split("/", 1)[1])
    return TEXT_NAMES.get(name, name)


def assistant_texts(domain_dir: Path) -> dict[str, AssistantText]:
    """Every response with a text (its first variation), by name."""
    texts: dict[str, AssistantText] = {}
    for path in sorted(domain_dir.glob("*.yml")):
        for name, variations in ((load_yaml(path) or {}).get("responses") or {}).items():
            if variations and isinstance(variations[0], dict) and variations[0].get("text") is not None:
                metadata = variations[0].get("metadata") or {}
                sections = tuple(str(s) for s in (metadata.get("sections") or []))
                texts[str(name)] = AssistantText(str(name), path, str(variations[0]["text"]), sections)
    return texts


def normalized(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")).strip()


def check_text(current: AssistantText, text: str, rules: AnswerRules) -> str:
    """The edited text, normalised, or DataError with every rule it breaks (in French)."""
    text = normalized(text)
    refuse_invisible_characters(text)
    if not text:
        raise DataError("Le texte est vide.")
    if current.is_faq:
        try:
            rules.check(text)
        except RuleError as exc:
            raise DataError(str(exc)) from exc
        return text
    problems = rules.text_problems(text, current.text)
    if problems:
        raise DataError(" ".join(problems))
    return text


def save_text(domain_dir: Path, name: str, text: str, rules: AnswerRules) -> AssistantText:
    """Replace the first variation's text of `name`, its metadata (the sections) and buttons kept."""
    current = assistant_texts(domain_dir).get(name)
    if current is None:
        raise DataError(f"Texte inconnu : « {name} ».")
    text = check_text(current, text, rules)
    style = file_style(current.path)
    doc = load_yaml(current.path)
    variation = doc["responses"][name][0]
    variation["text"] = LiteralScalarString(text) if "\n" in text or current.is_faq else text
    content = dump_yaml(doc, style)
    _check_rasa_reads_back(content, name, text)
    _atomic_write(current.path, content)
    return AssistantText(name, current.path, text, current.sections)
