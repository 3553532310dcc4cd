"""Rasa's socket.io channel with the same event names and path, its sessions owned by the server.

Rasa's channel takes the conversation id from every `user_uttered` event (`session_id`): any client
could write into any conversation (a Tchap or Mattermost one included) and join its room, so receive
the replies, support agents' included. Here:

- `session_request` binds the socket to one conversation, `socketio-<32 hex>` (channels/conversations.py):
  the id the client proposes is kept only when it has that shape (128 random bits, as the widget and
  the server generate them), otherwise the server issues a new one; `session_confirm` returns it and
  the client stores it to resume the conversation later;
- every `user_uttered` goes to the conversation bound to its socket, whatever `session_id` it carries
  (a socket that never asked gets one, confirmed the same way);
- a message that is not text becomes an empty message (the assistant says so), and a message over
  2 000 characters is answered with a French message without reaching the assistant;
- a custom payload (the orientation sheet's offer, actions/orientation_sheet.py) is emitted as the event's
  data, as the widget reads it (Rasa's output passed its keys to `emit` as arguments and failed on any other).
"""

import logging
from typing import Any, Awaitable, Callable, Dict, Optional

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint
from socketio import AsyncServer

from channels.conversations import socketio_conversation
from channels.limits import MAX_MESSAGE_CHARACTERS, message_too_long
from channels.rest import CLIENT_MESSAGE_ID, RESTARTING_TEXT, valid_message_id

logger = logging.getLogger(__name__)

SESSION_KEY = "conversation"


ADVISER_FLAG, ADVISER_NAME = "from_adviser", "adviser_name"


def adviser_marker(kwargs: Dict[str, Any]) -> Dict[str, Any]:
    """What tells the widget that a person wrote the message: a support adviser's reply carries
    `from_adviser` (and the adviser's public name) in its metadata (console_app/takeover.py). The
    adviser's login, also in the metadata, never leaves the server."""
    if kwargs.get(ADVISER_FLAG) is not True:
        return {}
    name = kwargs.get(ADVISER_NAME)
    return {ADVISER_FLAG: True, ADVISER_NAME: name[:60] if isinstance(name, str) else ""}


class CustomJsonSocketIOOutput(SocketIOOutput):
    """Rasa's socket.io output, whose custom payloads reach the widget as `bot_uttered` data, and whose
    advisers' messages say that a person wrote them."""

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        marker = adviser_marker(kwargs)
        if not marker:
            await super().send_text_message(recipient_id, text, **kwargs)
            return
        for part in text.strip().split("\n\n"):
            await self._send_message(recipient_id, {"text": part, **marker})

    async def send_custom_json(self, recipient_id: str, json_message: Dict[str, Any], **kwargs: Any) -> None:
        await self.sio.emit(self.bot_message_evt, json_message, room=recipient_id)


def checked_text(text: object) -> str:
    """The message text, or "" when the client sent something else (a number, an object…)."""
    return text if isinstance(text, str) else ""


def checked_event(data: object) -> Dict[str, Any]:
    """A `user_uttered` payload we can read: a dict with text, a text session id and dict metadata."""
    event = dict(data) if isinstance(data, dict) else {}
    event["message"] = checked_text(event.get("message"))
    if not isinstance(event.get("session_id"), str):
        event.pop("session_id", None)
    if not isinstance(event.get("metadata", {}), dict):
        event.pop("metadata", None)
    return event


class ValidatedSocketIOInput(SocketIOInput):
    """`socketio` channel whose conversations belong to the socket that was given them."""

    def get_output_channel(self) -> Optional[OutputChannel]:
        """For a support agent's messages (`output_channel=latest`), with the same custom payloads."""
        if self.sio is None:
            return super().get_output_channel()  # (warns: another instance holds the socket)
        return CustomJsonSocketIOOutput(self.sio, self.bot_message_evt)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(on_new_message)  # health route, connect (JWT) and disconnect
        sio: AsyncServer = blueprint.ctx.sio
        namespace = self.namespace or "/"

        async def bind(sid: str, requested: object) -> str:
            """Attach the socket to the conversation it may use, join its room and confirm it."""
            conversation = socketio_conversation(requested)
            session = await sio.get_session(sid, namespace=namespace)
            previous: Optional[str] = session.get(SESSION_KEY)
            if previous and previous != conversation:
                sio.leave_room(sid, previous, namespace=namespace)
            await sio.save_session(sid, {**session, SESSION_KEY: conversation}, namespace=namespace)
            sio.enter_room(sid, conversation, namespace=namespace)
            await sio.emit("session_confirm", conversation, room=sid, namespace=namespace)
            return conversation

        async def session_request(sid: str, data: object) -> None:
            await bind(sid, data.get("session_id") if isinstance(data, dict) else None)

        async def user_uttered(sid: str, data: object) -> None:
            event = checked_event(data)
            session = await sio.get_session(sid, namespace=namespace)
            conversation = session.get(SESSION_KEY) or await bind(sid, event.get("session_id"))
            output = CustomJsonSocketIOOutput(sio, self.bot_message_evt)
            text = event["message"]
            if len(text) > MAX_MESSAGE_CHARACTERS:
                await output.send_text_message(conversation, message_too_long(len(text)))
                return
            metadata = event.get(self.metadata_key)
            if not isinstance(metadata, dict):
                metadata = None
            if valid_message_id(event.get("message_id")):  # sent again on reconnection: answered once
                metadata = {**(metadata or {}), CLIENT_MESSAGE_ID: event["message_id"]}
            message = UserMessage(text, output, conversation, input_channel=self.name(), metadata=metadata)
            try:
                await on_new_message(message)
            except Exception:
                # The turn failed (a store or the action server restarting): never a silent nothing.
                logger.exception("Le tour de la conversation %s a échoué.", conversation)
                await output.send_text_message(conversation, RESTARTING_TEXT)

        sio.on("session_request", session_request, namespace=namespace)
        sio.on(self.user_message_evt, user_uttered, namespace=namespace)
        return blueprint
