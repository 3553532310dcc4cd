"""FAQ answers, out-of-scope replies and the hand-off to a person."""

import os
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ConversationPaused, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.faq_catalog import faq_button, load_catalog, related_buttons, starter_buttons
from actions.faq_decision import FaqDecision, decide
from actions.input_checks import input_problem

FAQ_RESPONSE_PREFIX = "utter_faq/"
# Failed questions in a row after which a person takes over (when the support console is running).
FAILURES_BEFORE_HANDOFF = 2
# Questions on who or which projects are concerned: answered directly, with a button to check one's own case.
KEYS_OFFERING_THE_CHECK = ("projet_concerne", "champ_application")
# Input channels that can receive an agent's reply later (Rasa's `output_channel=latest` reaches them):
# the web widget (socket.io), Tchap (callback) and Mattermost. A REST caller only ever gets the replies
# of its own request, so it is never told that someone will answer there.
LIVE_REPLY_CHANNELS = {"socketio", "callback", "mattermost"}


def handoff_enabled() -> bool:
    """The support console exports HANDOFF_ENABLED=true; without it there is nobody to hand over to."""
    return os.environ.get("HANDOFF_ENABLED", "").strip().lower() in ("1", "true", "yes", "oui")


def known_faq_keys(domain: Dict[Text, Any]) -> set:
    return {
        name[len(FAQ_RESPONSE_PREFIX) :]
        for name in (domain.get("responses") or {})
        if name.startswith(FAQ_RESPONSE_PREFIX)
    }


def start_handoff(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
    """Tell the person, flag the conversation for the console's queue and pause the bot."""
    if not handoff_enabled() or tracker.get_latest_input_channel() not in LIVE_REPLY_CHANNELS:
        dispatcher.utter_message(response="utter_handoff_contact")
        return []
    dispatcher.utter_message(response="utter_handoff_started")
    return [SlotSet("handoff_requested", True), SlotSet("fallback_count", 0), ConversationPaused()]


def count_failure(tracker: Tracker, dispatcher: CollectingDispatcher) -> List[EventType]:
    """One more question the assistant could not understand; the second in a row goes to a person.

    Only misunderstandings count: an off-topic question rightly declined is not a failure.
    """
    failures = int(tracker.get_slot("fallback_count") or 0) + 1
    if failures >= FAILURES_BEFORE_HANDOFF and handoff_enabled():
        return start_handoff(dispatcher, tracker)
    return [SlotSet("fallback_count", failures)]


def answer_faq_key(key: str, dispatcher: CollectingDispatcher) -> List[EventType]:
    """The FAQ answer, with the related questions of the topic map as buttons."""
    buttons = related_buttons(key)
    if key in KEYS_OFFERING_THE_CHECK:
        buttons = [{"title": "Vérifier mon projet pas à pas", "payload": "/check_scope"}] + buttons[:2]
    dispatcher.utter_message(response=f"{FAQ_RESPONSE_PREFIX}{key}", buttons=buttons)
    return [SlotSet("fallback_count", 0)]


def reply_to_unusable_input(text: Optional[str], dispatcher: CollectingDispatcher) -> bool:
    """Answer empty, wordless or truncated messages with a message saying so; True if it did."""
    problem = input_problem(text)
    if problem is None:
        return False
    dispatcher.utter_message(response=f"utter_{problem}")
    return problem != "message_too_long"


def explain_no_answer(decision: FaqDecision, dispatcher: CollectingDispatcher) -> None:
    """Not sure: « did you mean… ». Off topic: what the assistant covers. Either way, the closest
    questions it knows as buttons (the general examples when it has none), then the contact."""
    catalog = load_catalog()
    buttons = [faq_button(key) for key in decision.suggestions if key in catalog] or starter_buttons()
    response = "utter_low_confidence" if decision.unsure else "utter_out_of_scope"
    dispatcher.utter_message(response=response, buttons=buttons)
    dispatcher.utter_message(response="utter_contact_hint")


class ActionAnswerFaq(Action):
    """Answer an FAQ question only when the decision allows it; otherwise say why, without guessing.

    FAQ questions, off-topic questions and messages understood with too little confidence all come
    here (data/rules): « R10 ? » alone may look off topic to the classifier, and an FAQ question the
    selector is nearly certain about may too (see faq_decision.decide).
    """

    def name(self) -> Text:
        return "action_answer_faq"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        if reply_to_unusable_input(tracker.latest_message.get("text"), dispatcher):
            return []
        decision = decide(tracker.latest_message, known_keys=known_faq_keys(domain))
        if decision.key is not None:
            return answer_faq_key(decision.key, dispatcher)
        explain_no_answer(decision, dispatcher)
        if decision.unsure:
            return count_failure(tracker, dispatcher)
        return []  # rightly declined as off topic: neither a failure nor a success


class ActionOutOfScope(ActionAnswerFaq):
    """Off-topic questions: the same decision (an explicit rule number is still answered)."""

    def name(self) -> Text:
        return "action_out_of_scope"


class ActionHandoff(Action):
    """« Je veux parler à un humain »: the support team when it is on duty, else the DINUM contact."""

    def name(self) -> Text:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        return start_handoff(dispatcher, tracker)
