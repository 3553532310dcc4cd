"""The start of a conversation: the channels that have no welcome of their own get the notice here.

The widget shows its welcome before the first question and the Tchap bridge greets a room when it
joins; a Mattermost user, though, meets the assistant by asking it something. Its first answer then
starts with `utter_first_message` (automated assistant, an orientation, no personal data: AI Act,
art. 50). A bare mention (« @assistant ») is answered by the greeting, which says the same.

A greeting after a welcome (the widget's, shown before any message, or our own earlier in the session) gets
one short line (`action_greet`): « bonjour » right after the widget's welcome used to get almost the same
welcome a second time.
"""

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted
from rasa_sdk.executor import CollectingDispatcher

SESSION_START_METADATA_SLOT = "session_started_metadata"
# Metadata key of the channels that show no welcome before the first question.
CHANNELS_WITHOUT_WELCOME = ("mattermost",)


def needs_first_message(metadata: Any) -> bool:
    """True for a session opened by a question from a channel without a welcome of its own."""
    if not isinstance(metadata, dict):
        return False
    for channel in CHANNELS_WITHOUT_WELCOME:
        channel_data = metadata.get(channel)
        if isinstance(channel_data, dict):
            return not channel_data.get("invocation_only")
    return False


class ActionSessionStart(Action):
    """Rasa's session start (no slot carried over, see domain/core.yml), plus the notice where needed."""

    def name(self) -> Text:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        if needs_first_message(tracker.get_slot(SESSION_START_METADATA_SLOT)):
            dispatcher.utter_message(response="utter_first_message")
        return [SessionStarted(), ActionExecuted("action_listen")]


# Channels whose client shows its own welcome before the first message: the widget (socket.io).
CHANNELS_WITH_WELCOME = ("socketio",)


def already_welcomed(tracker: Tracker) -> bool:
    """True when the person has already read a welcome in this session: the widget's own, or our greeting."""
    if tracker.get_latest_input_channel() in CHANNELS_WITH_WELCOME:
        return True
    for event in reversed(tracker.events):
        if event.get("event") == "session_started":
            return False
        if event.get("event") == "bot" and (event.get("metadata") or {}).get("utter_action") == "utter_greet":
            return True
    return False


class ActionGreet(Action):
    """A greeting gets the full welcome once; after a welcome it gets one short line, not the welcome again."""

    def name(self) -> Text:
        return "action_greet"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        dispatcher.utter_message(response="utter_greet_again" if already_welcomed(tracker) else "utter_greet")
        return []
