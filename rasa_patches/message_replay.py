"""A message sent again by a client that never got its answer is answered once, not processed twice
(issue 22, docs/reliability.md).

When a Rasa process dies after it has saved a turn but before its answer reached the person (a
`kill -9`, an instance lost under load), the person, or the widget on reconnection, sends the same
message again. Rasa 3.6 takes it as a new message: the conversation then holds it twice, and a scope
check may take the second copy for the answer to its next question. The fault drill of `make test` saw
2 such duplicates in 4 failed turns after killing an instance under load.

Clients may name each message (`message_id` in the REST body, or in the widget's socket.io event:
channels/rest.py, channels/socketio.py); the channel keeps that name in the message's metadata
(`client_message_id`), which Rasa stores with the user event. Before processing a named message, under
the conversation's lock (Agent.handle_message holds it), this fix looks for that name in the stored
conversation: when the turn is already there, its stored answers are sent again and nothing is
processed or saved. Cost: one read of the conversation's current session for named messages only.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.processor import MessageProcessor
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

CLIENT_MESSAGE_ID = "client_message_id"
ORIGINAL: Callable[..., Any] = MessageProcessor.handle_message


def client_message_id(message: UserMessage) -> Optional[str]:
    value = (message.metadata or {}).get(CLIENT_MESSAGE_ID)
    return value if isinstance(value, str) and value else None


def stored_answers(tracker: DialogueStateTracker, message_id: str) -> Optional[List[BotUttered]]:
    """The bot messages that answered the stored user message named `message_id`, or None when the
    conversation does not hold that message."""
    answers: Optional[List[BotUttered]] = None
    for event in tracker.events:
        if isinstance(event, UserUttered):
            if answers is not None:
                break
            if (event.metadata or {}).get(CLIENT_MESSAGE_ID) == message_id:
                answers = []
        elif isinstance(event, BotUttered) and answers is not None:
            answers.append(event)
    return answers


async def handle_message(self: MessageProcessor, message: UserMessage) -> Optional[List[Dict[str, Any]]]:
    """Rasa's handle_message, except for a named message the conversation already holds: answered again."""
    message_id = client_message_id(message)
    if message_id is not None:
        tracker = await self.tracker_store.retrieve(message.sender_id)
        answers = stored_answers(tracker, message_id) if tracker is not None else None
        if answers is not None:
            for answer in answers:
                await message.output_channel.send_response(message.sender_id, answer.message())
            if isinstance(message.output_channel, CollectingOutputChannel):
                return message.output_channel.messages
            return None
    result: Optional[List[Dict[str, Any]]] = await ORIGINAL(self, message)
    return result


def apply() -> None:
    MessageProcessor.handle_message = handle_message


def undo() -> None:
    MessageProcessor.handle_message = ORIGINAL
