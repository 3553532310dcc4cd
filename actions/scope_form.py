"""The scope check dialogue: `scope_form` validation, verdict and cancellation.

Answers are read from the raw text by actions/scope_parsing.py (custom slot mappings), so they are
understood whatever intent the NLU predicted. A message that answers nothing and is clearly something
else (an FAQ question, « stop », « je veux un humain »…) is left to the rules: the form is rejected
for that turn, the rule answers, and the form asks its question again.
"""

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.faq import ActionOutOfScope
from actions.operators import OPERATOR_LIST_NOTE
from actions.scope_parsing import (
    AUTRE,
    COLLECTIVITE,
    SERVICE_DECONCENTRE,
    parse_entity_type,
    parse_new_project,
    parse_percentage,
)
from actions.scope_verdict import scope_verdict
from actions.text_normalization import normalize

ENTITY_TYPE = "entity_type"
NEW_PROJECT = "new_project"
REFACTOR_PERCENTAGE = "refactor_percentage"
ORGANISATION = "organisation"
SCOPE_FAILURES = "scope_failures"
SCOPE_SLOTS = (ENTITY_TYPE, NEW_PROJECT, REFACTOR_PERCENTAGE, ORGANISATION)

# Intents that interrupt the check when the message answers nothing (handled by data/rules/scope.yml).
INTERRUPTING_INTENTS = {"stop", "ask_human", "what_can_you_do", "bot_challenge", "restart"}
FAQ_INTERRUPTION_MIN_CONFIDENCE = 0.6
FAILURES_BEFORE_EXIT_OFFER = 3

PERCENTAGE_ERRORS = {
    "empty": "Je n'ai pas reçu de réponse.",
    "unparsable": "Je n'ai pas compris ce pourcentage : indiquez un nombre entre 0 et 100 "
    "(ex. « 70 % », « la moitié »).",
    "out_of_range": "Un pourcentage doit être compris entre 0 et 100.",
    "ambiguous_range": "Cette réponse ne dit pas si la refonte dépasse 50 % de l'existant : "
    "est-ce plus de 50 %, exactement 50 % ou moins de 50 % ?",
    "unknown": "Une estimation suffit (ex. « environ 30 % »). Si vous ne pouvez pas l'estimer, écrivez « stop » "
    "et posez la question à infonuage.dinum@modernisation.gouv.fr.",
}
ANSWER_ERRORS = {
    ENTITY_TYPE: "Je n'ai pas reconnu ce type d'entité.",
    NEW_PROJECT: "Je n'ai pas compris : répondez « oui » s'il s'agit d'un nouveau projet, « non » s'il s'agit "
    "de la refonte d'un système existant.",
}
EXIT_OFFER = "Je n'arrive pas à comprendre vos réponses. Voulez-vous arrêter la vérification ?"
OFFER_CHECK = "Voulez-vous que je vérifie si votre projet est concerné par la doctrine « Cloud au centre » ?"


def operator_remark(label: str) -> str:
    """Said when the answer names an operator of the PLF list (the verdict names it again)."""
    return f"J'ai reconnu : {label} {OPERATOR_LIST_NOTE}."


def fixed_messages() -> List[str]:
    """Every text this module writes itself, for the answer-rule tests (tests/data/test_answers.py)."""
    return [*PERCENTAGE_ERRORS.values(), *ANSWER_ERRORS.values(), EXIT_OFFER, OFFER_CHECK]


@dataclass
class ScopeReading:
    """What one message says about the check: slot values, remarks to send, or why it answered nothing."""

    slots: Dict[str, Any] = field(default_factory=dict)
    remarks: List[str] = field(default_factory=list)
    error: Optional[str] = None


def read_scope_answer(text: str, requested_slot: Optional[str], current: Dict[str, Any]) -> ScopeReading:
    """Read every answer the message gives; short answers count only for the question just asked."""
    reading = ScopeReading()
    if current.get(ENTITY_TYPE) is None or requested_slot == ENTITY_TYPE:
        entity = parse_entity_type(text, requested=requested_slot == ENTITY_TYPE)
        if entity is not None:
            reading.slots[ENTITY_TYPE] = entity.entity_type
            if entity.operator is not None:
                reading.slots[ORGANISATION] = entity.operator.label
                reading.remarks.append(operator_remark(entity.operator.label))
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
            reading.error = PERCENTAGE_ERRORS[percentage.error or "unparsable"]
        else:
            reading.error = ANSWER_ERRORS.get(requested_slot)
    return reading


def remaining_questions(slots: Dict[str, Any]) -> List[str]:
    """The questions still relevant: none after collectivité, service déconcentré or autre (their verdict
    does not depend on the project), no percentage for a new project."""
    if slots.get(ENTITY_TYPE) in (COLLECTIVITE, SERVICE_DECONCENTRE, AUTRE):
        return [ENTITY_TYPE]
    if slots.get(NEW_PROJECT) is True:
        return [ENTITY_TYPE, NEW_PROJECT]
    return [ENTITY_TYPE, NEW_PROJECT, REFACTOR_PERCENTAGE]


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


class ValidateScopeForm(FormValidationAction):
    """Fills `scope_form` from free text and decides which questions remain."""

    def name(self) -> Text:
        return "validate_scope_form"

    async def required_slots(
        self,
        domain_slots: List[Text],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[Text]:
        return [slot for slot in remaining_questions(tracker.slots) if slot in domain_slots]

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        """As rasa-sdk's, but keeps the bookkeeping slots (organisation, failures) that it would drop."""
        extraction_events = await self.get_extraction_events(dispatcher, tracker, domain)
        tracker.add_slots(extraction_events)
        validation_events = await self._extract_validation_events(dispatcher, tracker, domain)
        validated = {event["name"] for event in validation_events}
        return [event for event in extraction_events if event["name"] not in validated] + validation_events

    async def get_extraction_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        requested_slot = tracker.get_slot("requested_slot")
        if requested_slot is not None and is_question_instead_of_answer(tracker.latest_message):
            return []
        reading = read_scope_answer(tracker.latest_message.get("text") or "", requested_slot, tracker.slots)
        for remark in reading.remarks:
            dispatcher.utter_message(text=remark)
        if reading.slots:
            return [SlotSet(name, value) for name, value in reading.slots.items()] + [SlotSet(SCOPE_FAILURES, 0)]
        if requested_slot is None or is_interruption(tracker.latest_message):
            # Nothing to fill: at activation, or an interruption that the rules will handle.
            return []
        return self._failed_answer(dispatcher, tracker, requested_slot, reading.error)

    @staticmethod
    def _failed_answer(
        dispatcher: CollectingDispatcher, tracker: Tracker, requested_slot: str, error: Optional[str]
    ) -> List[EventType]:
        failures = int(tracker.get_slot(SCOPE_FAILURES) or 0) + 1
        if error:
            dispatcher.utter_message(text=error)
        if failures >= FAILURES_BEFORE_EXIT_OFFER:
            dispatcher.utter_message(
                text=EXIT_OFFER, buttons=[{"title": "Arrêter la vérification", "payload": "/stop"}]
            )
        return [SlotSet(requested_slot, None), SlotSet(SCOPE_FAILURES, failures)]


def reset_scope_slots() -> List[EventType]:
    return [SlotSet(name, None) for name in SCOPE_SLOTS] + [SlotSet(SCOPE_FAILURES, 0)]


class ActionScopeVerdict(Action):
    """Give the verdict once the form is complete, then clear the answers so the check can restart."""

    def name(self) -> Text:
        return "action_scope_verdict"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        verdict = scope_verdict(
            tracker.get_slot(ENTITY_TYPE),
            tracker.get_slot(NEW_PROJECT),
            tracker.get_slot(REFACTOR_PERCENTAGE),
            tracker.get_slot(ORGANISATION),
        )
        dispatcher.utter_message(text=verdict.text, buttons=verdict.buttons)
        return [SlotSet("scope_verdict", verdict.code), SlotSet("fallback_count", 0)] + reset_scope_slots()


class ActionScopeCancel(Action):
    """« stop », « annuler », « laisse tomber »: leave the check cleanly at any point."""

    def name(self) -> Text:
        return "action_scope_cancel"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        dispatcher.utter_message(response="utter_scope_cancelled")
        return [ActiveLoop(None), SlotSet("requested_slot", None)] + reset_scope_slots()


class ActionInformOutsideCheck(Action):
    """« je suis au CNRS » with no check running: keep what was understood and offer the check.

    The answers are kept in their slots, so the check, once started, only asks what is still missing.
    A message the parser does not understand is treated as off topic.
    """

    def name(self) -> Text:
        return "action_inform_outside_check"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        reading = read_scope_answer(tracker.latest_message.get("text") or "", None, tracker.slots)
        if not reading.slots:
            return await ActionOutOfScope().run(dispatcher, tracker, domain)
        for remark in reading.remarks:
            dispatcher.utter_message(text=remark)
        dispatcher.utter_message(
            text=OFFER_CHECK, buttons=[{"title": "Oui, vérifier mon projet", "payload": "/check_scope"}]
        )
        return [SlotSet(name, value) for name, value in reading.slots.items()]
