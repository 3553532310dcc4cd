"""Rasa's `callback` channel, used by the Tchap bridge only, closed to everyone else.

Rasa's built-in channel accepts a message from anyone who can reach `/webhooks/callback/webhook`, for
any conversation id. This one (same name, URL and replies):

- requires the shared secret TCHAP_CALLBACK_TOKEN (`Authorization: Bearer …`, compared in constant
  time; no secret configured = everything refused), which ops/env.sh generates on first run into
  .secrets/tchap_callback_token, like the Rasa token;
- accepts only Tchap conversation ids (`tchap:<room>:<person>`, channels/conversations.py);
- sends Rasa's replies to TCHAP_CALLBACK_URL with the same secret in the same header (the bridge
  refuses any call without it), never in the URL; a bridge that cannot be reached is logged, and the
  turn is still recorded (Rasa's output channel let the connection error end the turn with a 500).
"""

import asyncio
import hmac
import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Text

import aiohttp
from rasa.core.channels.callback import CallbackInput, CallbackOutput
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.utils.endpoints import EndpointConfig
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.conversations import TCHAP_CONVERSATION
from channels.rest import message_problem

logger = logging.getLogger(__name__)

UNAUTHORIZED = "Secret du canal callback absent ou invalide."
NOT_A_TCHAP_CONVERSATION = "Le canal callback ne sert qu'aux conversations Tchap (tchap:<salon>:<personne>)."


def bearer_token(request: Request) -> str:
    """The token of an `Authorization: Bearer <token>` header, or ""."""
    scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def secret_matches(given: str, expected: str) -> bool:
    """Constant-time comparison; an unset secret matches nothing."""
    return bool(expected) and hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


class TchapCallbackOutput(CallbackOutput):
    """Rasa's callback output, which survives a bridge that is down."""

    async def _persist_message(self, message: Dict[Text, Any]) -> None:
        try:
            await super()._persist_message(message)
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            logger.error("Pont Tchap injoignable (%s) : message non remis à %s", error, message.get("recipient_id"))


class TchapCallbackInput(CallbackInput):
    """`callback` channel that only the Tchap bridge, holding the shared secret, can use."""

    @classmethod
    def name(cls) -> Text:
        return "callback"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        credentials = credentials or {}
        return cls(str(credentials.get("url") or ""), str(credentials.get("token") or ""))

    def __init__(self, url: str, token: str) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        super().__init__(EndpointConfig(url=url, headers=headers))
        self.token = token
        if not token:
            logger.warning("Canal callback : aucun secret (TCHAP_CALLBACK_TOKEN), tout appel sera refusé")

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        callback_webhook = Blueprint("tchap_callback_webhook", __name__)

        @callback_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @callback_webhook.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            if not secret_matches(bearer_token(request), self.token):
                return response.json({"erreur": UNAUTHORIZED}, status=401)
            try:
                body = request.json
            except Exception:  # Sanic raises InvalidUsage for bodies that are not JSON (or not UTF-8)
                return response.json({"erreur": "Le corps de la requête n'est pas du JSON valide."}, status=400)
            problem = message_problem(body)
            if problem is not None:
                return problem
            sender = body.get("sender")
            if not isinstance(sender, str) or not TCHAP_CONVERSATION.fullmatch(sender):
                return response.json({"erreur": NOT_A_TCHAP_CONVERSATION}, status=403)
            await on_new_message(
                UserMessage(body["message"], self.get_output_channel(), sender, input_channel=self.name())
            )
            return response.text("success")

        return callback_webhook

    def get_output_channel(self) -> TchapCallbackOutput:
        return TchapCallbackOutput(self.callback_endpoint)
