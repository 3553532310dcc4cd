"""Rasa's REST channel with its input checked before anything reaches the assistant.

The built-in `rest` channel trusts the body: a JSON list, a number as message or a non-JSON body end in
a 500 error. This subclass keeps the same URL (/webhooks/rest/webhook) and replies, and answers bad
requests with a 4xx and a French explanation. `input_channel` cannot be chosen by the client, so a
support agent's reply (output_channel=latest) always goes back through the channel really used, and a
`sender` in another channel's namespace (Tchap, Mattermost, widget: channels/conversations.py) is
refused with 403, so a REST caller can never write into someone else's conversation.

A turn that fails (the tracker store unreachable while PostgreSQL restarts, the action server gone) is
answered 503 with « Le service redémarre, réessayez dans un instant. » in the channel's reply shape:
Rasa's channel answered 200 with whatever had been said before the failure, so the person read an
answer that was never stored (docs/reliability.md).
"""

import re
import unicodedata
from contextvars import ContextVar
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.conversations import OWNERS, owner_of
from channels.limits import MAX_MESSAGE_CHARACTERS, message_too_long

# Where a client's name for its message is kept in the message's metadata (stored with the user event);
# rasa_patches/message_replay.py reads it under the same key.
CLIENT_MESSAGE_ID = "client_message_id"
# What a person reads when their turn failed (the same words as nginx's reply when no instance answers).
RESTARTING_TEXT = "Le service redémarre, réessayez dans un instant."
# Set by the turn of the request being handled (one Sanic task: the handler and its response middleware).
_TURN_FAILED: ContextVar[bool] = ContextVar("turn_failed", default=False)

MAX_SENDER_CHARACTERS = 200
RESERVED_SENDER = (
    "Cet identifiant de conversation (« sender ») est réservé à un autre canal ; les identifiants "
    "commençant par " + ", ".join(f"« {prefix} »" for prefix in OWNERS) + " ne peuvent pas être utilisés ici."
)


def has_control_characters(text: str) -> bool:
    """NUL and other control characters have no place in a conversation id (PostgreSQL refuses NUL)."""
    return any(unicodedata.category(char) == "Cc" for char in text)


def _bad_request(message: str, status: int = 400) -> HTTPResponse:
    return response.json({"erreur": message}, status=status)


def message_problem(body: Any) -> Optional[HTTPResponse]:
    """The 4xx answer for a body that is not a well-formed {"sender", "message"} request, or None."""
    if not isinstance(body, dict):
        return _bad_request("Le corps de la requête doit être un objet JSON : {\"sender\": \"…\", \"message\": \"…\"}.")
    sender = body.get("sender")
    if sender is not None and (not isinstance(sender, str) or not sender.strip()):
        return _bad_request("« sender » doit être une chaîne de caractères non vide.")
    if isinstance(sender, str) and len(sender) > MAX_SENDER_CHARACTERS:
        return _bad_request(f"« sender » ne doit pas dépasser {MAX_SENDER_CHARACTERS} caractères.")
    if isinstance(sender, str) and has_control_characters(sender):
        return _bad_request("« sender » ne doit pas contenir de caractères de contrôle.")
    message = body.get("message")
    if not isinstance(message, str):
        return _bad_request("« message » doit être une chaîne de caractères (le texte de la question).")
    if len(message) > MAX_MESSAGE_CHARACTERS:
        return _bad_request(message_too_long(len(message)), status=413)
    metadata = body.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        return _bad_request("« metadata » doit être un objet JSON.")
    message_id = body.get("message_id")
    if message_id is not None and not valid_message_id(message_id):
        return _bad_request("« message_id » doit être une chaîne de 1 à 64 lettres, chiffres, « - » ou « _ ».")
    return None


def valid_message_id(value: Any) -> bool:
    """A client's name for its message (sent again unchanged when no answer came: rasa_patches/message_replay.py)."""
    return isinstance(value, str) and re.fullmatch(r"[A-Za-z0-9_-]{1,64}", value) is not None


def body_problem(body: Any) -> Optional[HTTPResponse]:
    """The 4xx answer for a body the REST channel must refuse, or None when it is usable."""
    problem = message_problem(body)
    if problem is None and owner_of(body.get("sender") or "") is not None:
        return _bad_request(RESERVED_SENDER, status=403)
    return problem


class ValidatedRestInput(RestInput):
    """`rest` channel that refuses malformed requests with a clean 4xx instead of a 500."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    def _extract_input_channel(self, req: Request) -> Text:
        return self.name()

    def get_metadata(self, request: Request) -> Optional[Dict[Text, Any]]:
        """The client's name for the message, if it gave one: a message sent again is answered once."""
        body = request.json if isinstance(request.json, dict) else {}
        message_id = body.get("message_id")
        return {CLIENT_MESSAGE_ID: message_id} if valid_message_id(message_id) else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        async def turn(message: UserMessage) -> None:
            try:
                await on_new_message(message)
            except Exception:
                _TURN_FAILED.set(True)
                raise  # Rasa's channel logs it, then answers what was collected: replaced below

        blueprint = super().blueprint(turn)

        @blueprint.middleware("response")
        async def failed_turn(request: Request, answer: HTTPResponse) -> Optional[HTTPResponse]:
            if not _TURN_FAILED.get():
                return None
            body = request.json if isinstance(request.json, dict) else {}
            return response.json([{"recipient_id": body.get("sender", ""), "text": RESTARTING_TEXT}], status=503,
                                 headers={"Retry-After": "5"})

        @blueprint.middleware("request")
        async def check_body(request: Request) -> Optional[HTTPResponse]:
            _TURN_FAILED.set(False)  # a keep-alive connection serves its requests in one task, one context
            if request.method != "POST":
                return None
            try:
                body: Dict[Text, Any] = request.json
            except Exception:  # Sanic raises InvalidUsage for bodies that are not JSON (or not UTF-8)
                return _bad_request("Le corps de la requête n'est pas du JSON valide.")
            return body_problem(body)

        return blueprint
