"""The scope check dialogue: `scope_form` validation, verdict and cancellation.

Answers are read from the raw text by actions/scope_answers.py (custom slot mappings), so they are
understood whatever intent the NLU predicted. A message that answers nothing and is clearly something
else (an FAQ question, « stop », « je veux un humain »…) is left to the rules: the form is rejected
for that turn, the rule answers, and the form asks its question again.

The verdict is kept in the conversation (slot `last_check`, see scope_verdict.verdict_record): « pourquoi ? »,
« et si c'était 60 % ? » and the orientation sheet read it there, after a restart or on another instance too.
"""

import time
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.context import LAST_CHECK, TOPIC, VERDICT_TOPIC
from actions.faq import ActionOutOfScope
from actions.orientation_sheet import offer_orientation_sheet
from actions.scope_answers import (
    CHECK_ANSWERS,
    SCOPE_FAILURES,
    SCOPE_SLOTS,
    ScopeReading,
    is_interruption,
    is_question_instead_of_answer,
    read_scope_answer,
    record_answers,
    remaining_questions,
)
from actions.scope_verdict import new_reference, scope_verdict, verdict_record

FAILURES_BEFORE_EXIT_OFFER = 3


def tell_operator_recognised(dispatcher: CollectingDispatcher, reading: ScopeReading) -> None:
    """Said when the answer names an operator of the PLF list (the verdict names it again)."""
    if reading.operator:
        dispatcher.utter_message(response="utter_operator_recognised", organisation=reading.operator)


def answer_events(reading: ScopeReading, tracker: Tracker) -> List[EventType]:
    """The answers of a message, and the message that gave them."""
    answers = record_answers(tracker.get_slot(CHECK_ANSWERS), reading, tracker.latest_message.get("text") or "",
                             tracker.slots)
    return [SlotSet(name, value) for name, value in reading.slots.items()] + [SlotSet(CHECK_ANSWERS, answers)]


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
        tell_operator_recognised(dispatcher, reading)
        if reading.slots:
            return answer_events(reading, tracker) + [SlotSet(SCOPE_FAILURES, 0)]
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
            dispatcher.utter_message(response=error)
        if failures >= FAILURES_BEFORE_EXIT_OFFER:
            dispatcher.utter_message(response="utter_scope_exit_offer")
        return [SlotSet(requested_slot, None), SlotSet(SCOPE_FAILURES, failures)]


def reset_scope_slots() -> List[EventType]:
    return [SlotSet(name, None) for name in SCOPE_SLOTS] + [SlotSet(CHECK_ANSWERS, None), SlotSet(SCOPE_FAILURES, 0)]


class ActionScopeVerdict(Action):
    """Give the verdict once the form is complete, keep it (`last_check`), clear the answers so the check can
    restart."""

    def name(self) -> Text:
        return "action_scope_verdict"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        return give_verdict(dispatcher, tracker.slots)


def give_verdict(dispatcher: CollectingDispatcher, slots: Dict[str, Any]) -> List[EventType]:
    """The verdict for these answers, said and kept as the conversation's last check."""
    verdict = scope_verdict(slots.get("entity_type"), slots.get("new_project"), slots.get("refactor_percentage"),
                            slots.get("organisation"))
    record = verdict_record(verdict, slots, slots.get(CHECK_ANSWERS) or {}, new_reference(), time.time())
    dispatcher.utter_message(text=verdict.text, buttons=verdict.buttons,
                             metadata={**verdict.metadata, "reference": record["reference"]})
    offer_orientation_sheet(dispatcher, record)
    return ([SlotSet("scope_verdict", verdict.code), SlotSet(LAST_CHECK, record), SlotSet(TOPIC, VERDICT_TOPIC),
             SlotSet("fallback_count", 0)] + reset_scope_slots())


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
        tell_operator_recognised(dispatcher, reading)
        dispatcher.utter_message(response="utter_offer_check")
        return answer_events(reading, tracker)
