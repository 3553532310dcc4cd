"""What one message says about the scope check: the answers it gives, or why it answers nothing.

Pure functions over the text and the parse data (no Action class): the form's validation
(actions/scope_form.py), the replies in context (actions/conversation.py) and the evaluation
(actions/faq_decision.route) all read answers the same way.
"""

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from actions.scope_parsing import (
    AUTRE,
    COLLECTIVITE,
    SERVICE_DECONCENTRE,
    parse_entity_type,
    parse_new_project,
    parse_percentage,
)
from actions.text_normalization import normalize

ENTITY_TYPE = "entity_type"
NEW_PROJECT = "new_project"
REFACTOR_PERCENTAGE = "refactor_percentage"
ORGANISATION = "organisation"
SCOPE_FAILURES = "scope_failures"
# The messages that gave each answer of the check under way: {slot: message text} (for the verdict's record).
CHECK_ANSWERS = "check_answers"
ANSWER_SLOTS = (ENTITY_TYPE, NEW_PROJECT, REFACTOR_PERCENTAGE)
SCOPE_SLOTS = (ENTITY_TYPE, NEW_PROJECT, REFACTOR_PERCENTAGE, ORGANISATION)

# Intents that interrupt the check when the message answers nothing (handled by data/rules/scope.yml).
INTERRUPTING_INTENTS = {"stop", "ask_human", "what_can_you_do", "bot_challenge", "restart"}
FAQ_INTERRUPTION_MIN_CONFIDENCE = 0.6

# Why an expected answer could not be used → the response that says so (domain/scope.yml).
PERCENTAGE_ERROR_RESPONSES = {
    "empty": "utter_percentage_empty",
    "unparsable": "utter_percentage_unparsable",
    "out_of_range": "utter_percentage_out_of_range",
    "ambiguous_range": "utter_percentage_ambiguous_range",
    "unknown": "utter_percentage_unknown",
}
ANSWER_ERROR_RESPONSES = {
    ENTITY_TYPE: "utter_entity_not_recognised",
    NEW_PROJECT: "utter_new_project_not_understood",
}


@dataclass
class ScopeReading:
    """What one message says about the check: slot values, the operator named, or why it answered nothing
    (``error``: the response saying what was expected)."""

    slots: Dict[str, Any] = field(default_factory=dict)
    operator: Optional[str] = None
    error: Optional[str] = None


def read_scope_answer(text: str, requested_slot: Optional[str], current: Dict[str, Any]) -> ScopeReading:
    """Read every answer the message gives; short answers count only for the question just asked."""
    reading = ScopeReading()
    if current.get(ENTITY_TYPE) is None or requested_slot == ENTITY_TYPE:
        entity = parse_entity_type(text, requested=requested_slot == ENTITY_TYPE)
        if entity is not None:
            reading.slots[ENTITY_TYPE] = entity.entity_type
            if entity.operator is not None:
                reading.slots[ORGANISATION] = reading.operator = entity.operator.label
    if current.get(NEW_PROJECT) is None or requested_slot == NEW_PROJECT:
        new_project = parse_new_project(text, requested=requested_slot == NEW_PROJECT)
        if new_project is not None:
            reading.slots[NEW_PROJECT] = new_project
    percentage = parse_percentage(text, requested=requested_slot == REFACTOR_PERCENTAGE)
    if percentage.value is not None and reading.slots.get(NEW_PROJECT, current.get(NEW_PROJECT)) is not True:
        reading.slots[REFACTOR_PERCENTAGE] = percentage.value
        # A share of the existing system being rebuilt means it is not a new project.
        reading.slots.setdefault(NEW_PROJECT, False)

    if requested_slot and requested_slot not in reading.slots:
        if requested_slot == REFACTOR_PERCENTAGE:
            reading.error = PERCENTAGE_ERROR_RESPONSES[percentage.error or "unparsable"]
        else:
            reading.error = ANSWER_ERROR_RESPONSES.get(requested_slot)
    return reading


def remaining_questions(slots: Dict[str, Any]) -> List[str]:
    """The questions still relevant: none after collectivité, service déconcentré or autre (their verdict
    does not depend on the project), no percentage for a new project."""
    if slots.get(ENTITY_TYPE) in (COLLECTIVITE, SERVICE_DECONCENTRE, AUTRE):
        return [ENTITY_TYPE]
    if slots.get(NEW_PROJECT) is True:
        return [ENTITY_TYPE, NEW_PROJECT]
    return [ENTITY_TYPE, NEW_PROJECT, REFACTOR_PERCENTAGE]


def missing_answers(slots: Dict[str, Any]) -> List[str]:
    return [name for name in remaining_questions(slots) if slots.get(name) is None]


def record_answers(recorded: Any, reading: ScopeReading, text: str, current: Dict[str, Any]) -> Dict[str, str]:
    """The message that gave each answer so far, with the answers this message gives or changes added."""
    answers = dict(recorded) if isinstance(recorded, dict) else {}
    for name in ANSWER_SLOTS:
        if name in reading.slots and (name not in answers or reading.slots[name] != current.get(name)):
            answers[name] = text
    return answers


_QUESTION_WORDS = ("qui", "que", "quoi", "qu", "comment", "quel", "quelle", "quels", "quelles", "pourquoi", "ou",
                   "combien", "est ce", "existe t il", "faut il", "peut on", "dois je", "doit on")


def is_question(text: str) -> bool:
    """« Qui finance la migration ? » is a question, « non, une migration » an answer."""
    normalized = normalize(text)
    return "?" in text or any(normalized.startswith(word + " ") for word in _QUESTION_WORDS)


def is_interruption(latest_message: Dict[str, Any]) -> bool:
    """Something other than an answer: « stop », « un humain », or a confident FAQ question."""
    intent = latest_message.get("intent") or {}
    name = intent.get("name")
    if name in INTERRUPTING_INTENTS:
        return True
    return name == "faq" and float(intent.get("confidence") or 0.0) >= FAQ_INTERRUPTION_MIN_CONFIDENCE


def is_question_instead_of_answer(latest_message: Dict[str, Any]) -> bool:
    """An FAQ question asked in the middle of the check, even if it contains words that look like answers."""
    return is_interruption(latest_message) and is_question(latest_message.get("text") or "")
