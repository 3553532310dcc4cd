"""FAQ answers, out-of-scope replies and the hand-off to a person."""

import os
from abc import ABC, abstractmethod
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
    """One more question the assistant could not answer; the second in a row goes to a person."""
    failures = int(tracker.get_slot("fallback_count") or 0) + 1
    if failures >= FAILURES_BEFORE_HANDOFF and handoff_enabled():
        return start_handoff(dispatcher, tracker)
    return [SlotSet("fallback_count", failures)]


def answer_faq_key(key: str, dispatcher: CollectingDispatcher) -> List[EventType]:
    """The FAQ answer, with the related questions of the topic map as buttons."""
    buttons = related_buttons(key)
    if key == "projet_concerne":
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


class _AnswerOrExplain(Action, ABC):
    """Give the FAQ answer the decision allows, else say why not; either way keep the failure count.

    Abstract, so that the action server (which registers every concrete Action subclass) skips it.
    """

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        if reply_to_unusable_input(tracker.latest_message.get("text"), dispatcher):
            return []
        decision = decide(tracker.latest_message, known_keys=known_faq_keys(domain))
        if decision.key is not None:
            return answer_faq_key(decision.key, dispatcher)
        self.explain_no_answer(decision, dispatcher)
        dispatcher.utter_message(response="utter_contact_hint")
        return count_failure(tracker, dispatcher)

    @abstractmethod
    def explain_no_answer(self, decision: FaqDecision, dispatcher: CollectingDispatcher) -> None:
        """Tell the person why there is no FAQ answer."""


class ActionAnswerFaq(_AnswerOrExplain):
    """Answer an FAQ question only when the ResponseSelector is confident; otherwise suggest questions."""

    def name(self) -> Text:
        return "action_answer_faq"

    def explain_no_answer(self, decision: FaqDecision, dispatcher: CollectingDispatcher) -> None:
        suggestions = [faq_button(key) for key in decision.candidates if key in load_catalog()][:3]
        dispatcher.utter_message(response="utter_low_confidence", buttons=suggestions)


class ActionOutOfScope(_AnswerOrExplain):
    """Say plainly what the assistant covers, with example questions and the contact.

    « R10 ? » alone may look off topic to the classifier, and so may an FAQ question the selector is
    nearly certain about: the same decision as for FAQ questions runs first (see faq_decision.decide).
    """

    def name(self) -> Text:
        return "action_out_of_scope"

    def explain_no_answer(self, decision: FaqDecision, dispatcher: CollectingDispatcher) -> None:
        dispatcher.utter_message(response="utter_out_of_scope", buttons=starter_buttons())


class ActionHandoff(Action):
    """« Je veux parler à un humain »: the support team when it is on duty, else the DINUM contact."""

    def name(self) -> Text:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        return start_handoff(dispatcher, tracker)
