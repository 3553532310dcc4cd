"""Rasa's socket.io channel with the same event names and path, and its messages checked first.

The built-in channel passes whatever a client emits: a number or an object as `message` would reach
the NLU and fail there. Here a message that is not text becomes an empty message (the assistant answers
that it is empty), very long messages are cut, and control characters are removed from the session id.
"""

import logging
import unicodedata
from typing import Awaitable, Callable

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint

MAX_MESSAGE_CHARACTERS = 50_000
logger = logging.getLogger(__name__)


def checked_sender(sender_id: str) -> str:
    """The conversation id without control characters (a NUL would be refused by PostgreSQL)."""
    return "".join(char for char in sender_id if unicodedata.category(char) != "Cc")


def checked_text(text: object) -> str:
    if not isinstance(text, str):
        return ""
    return text[:MAX_MESSAGE_CHARACTERS]


def checked_event(data: object) -> dict:
    """A `user_uttered` payload Rasa can read: a dict with text, a text session id and dict metadata."""
    event = dict(data) if isinstance(data, dict) else {}
    event["message"] = checked_text(event.get("message"))
    if not isinstance(event.get("session_id"), str):
        event.pop("session_id", None)
    if not isinstance(event.get("metadata", {}), dict):
        event.pop("metadata", None)
    return event


class ValidatedSocketIOInput(SocketIOInput):
    """`socketio` channel whose messages are always text of a bounded length."""

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        async def on_checked_message(message: UserMessage) -> None:
            message.text = checked_text(message.text)
            message.sender_id = checked_sender(message.sender_id)
            if not message.sender_id:
                logger.warning("socket.io message without a usable session id ignored")
                return
            await on_new_message(message)

        blueprint = super().blueprint(on_checked_message)
        self._check_events_before_rasa(blueprint)
        return blueprint

    def _check_events_before_rasa(self, blueprint: Blueprint) -> None:
        """Wrap Rasa's `user_uttered` handler: it builds a UserMessage (text.strip()) before any check."""
        sio = blueprint.ctx.sio
        namespace = self.namespace or "/"
        rasa_handler = sio.handlers[namespace][self.user_message_evt]

        async def checked_handler(sid: str, data: object) -> None:
            await rasa_handler(sid, checked_event(data))

        sio.on(self.user_message_evt, checked_handler, namespace=namespace)
