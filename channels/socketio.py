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

        return super().blueprint(on_checked_message)
