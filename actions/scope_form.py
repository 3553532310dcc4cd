"""The scope check dialogue: `scope_form` validation, verdict and cancellation.

Answers are read from the raw text by actions/scope_answers.py (custom slot mappings), so they are
understood whatever intent the NLU predicted. A message that answers nothing and is clearly something
else (an FAQ question, « stop », « je veux un humain »…) is left to the rules: the form is rejected
for that turn, the rule answers, and the form asks its question again.

The verdict is kept in the conversation (slot `last_check`, see scope_verdict.verdict_record): « pourquoi ? »,
« et si c'était 60 % ? » and the orientation sheet read it there, after a restart or on another instance too.
"""

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.check_in_context import perimeter_reply, read_check_in_context, speaks_of_data
from actions.context import CHECK_TO_CONTINUE
from actions.faq import (
    answer_in_context,
    answer_second_question,
    carry_out,
    context_of,
    reply_from_context,
    what_if_answers,
)
from actions.followup_reading import Reply
from actions.scope_answers import (
    CHECK_ANSWERS,
    SCOPE_FAILURES,
    ScopeReading,
    is_interruption,
    is_question_instead_of_answer,
    missing_answers,
    read_scope_answer,
    record_answers,
    remaining_questions,
)
from actions.scope_parsing import parse_entity_type
from actions.verdict_message import give_verdict, reset_scope_slots

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
        # The form runs after a reply that set `check_to_continue` (a situation, a what-if): one step only.
        done = [SlotSet(CHECK_TO_CONTINUE, False)] if tracker.get_slot(CHECK_TO_CONTINUE) else []
        return done + self._answer_events(dispatcher, tracker)

    def _answer_events(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
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


class ActionScopeVerdict(Action):
    """Give the verdict once the form is complete, keep it (`last_check`), clear the answers so the check can
    restart."""

    def name(self) -> Text:
        return "action_scope_verdict"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        events = give_verdict(dispatcher, tracker.slots)
        return events + answer_second_question(tracker.latest_message.get("text") or "", dispatcher)


class ActionStartCheck(Action):
    """« Mon projet est-il concerné ? » starts the check; after a verdict, « et si c'était un nouveau projet, on
    serait concernés ? » starts it again from the last answers with the one changed (the form then gives the
    verdict at once, or asks what is missing)."""

    def name(self) -> Text:
        return "action_start_check"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        text = tracker.latest_message.get("text") or ""
        reply = read_check_in_context(text, context_of(tracker))
        if reply is not None and reply.reason == "what_if":
            dispatcher.utter_message(response="utter_et_si_reprise")
            answers, given = what_if_answers(reply, tracker)
            return [SlotSet(name, value) for name, value in answers.items() if value is not None] + [
                SlotSet(CHECK_ANSWERS, given)]
        if not _situation_told_in_full(reply):
            dispatcher.utter_message(response="utter_scope_intro")
        return []


def _situation_told_in_full(reply: Optional[Reply]) -> bool:
    """A situation that gives every answer gets its verdict at once, without the intro of what the check asks."""
    return reply is not None and reply.reason == "situation" and not missing_answers(dict(reply.values))


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
    A message read in context comes first (« et si c'était 60 % ? » after a verdict, a whole situation);
    a message the parser does not understand is answered as any question (often: off topic).
    """

    def name(self) -> Text:
        return "action_inform_outside_check"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        reading = read_scope_answer(tracker.latest_message.get("text") or "", None, tracker.slots)
        if not reading.slots:
            return await answer_in_context(dispatcher, tracker, domain)
        in_context = reply_from_context(dispatcher, tracker, domain)
        if in_context is not None:
            return in_context
        context = context_of(tracker, domain)
        entity = parse_entity_type(tracker.latest_message.get("text") or "", requested=False)
        if context.after_verdict and speaks_of_data(tracker.latest_message.get("text") or ""):
            return await answer_in_context(dispatcher, tracker, domain)  # a question on data, whoever it names
        if context.after_verdict and entity is not None:
            # Right after a verdict, « mais on est sous tutelle du ministère » changes nothing the check read:
            # what the FAQ says of the perimeter for that organisation, not the offer of a check just made.
            reply = perimeter_reply(entity, "champ_application")
            return carry_out(reply, context, tracker, dispatcher, domain) + answer_events(reading, tracker)
        tell_operator_recognised(dispatcher, reading)
        dispatcher.utter_message(response="utter_offer_check")
        return answer_events(reading, tracker)
