"""Mattermost input channel for Rasa 3.6 (replaces the built-in `rasa.core.channels.mattermost`).

Registered in credentials.yml as `channels.mattermost.MattermostInput`. Compared with the built-in channel:
- every outgoing-webhook / slash-command POST must carry the configured token (constant-time check, 401
  otherwise; no configured token = everything refused), and malformed bodies get a clean 4xx;
- replies go to the Mattermost REST API v4 (`POST /api/v4/posts`, bot personal access token) through
  aiohttp, so the Sanic event loop is never blocked;
- only the trigger word or the bot @mention at the start of the message is removed;
- buttons become interactive message actions whose callbacks come back to `/webhooks/mattermost/actions`
  with an HMAC-signed context, so forged callbacks are refused;
- `get_output_channel()` lets support agents answer a paused conversation (`output_channel=latest`):
  the conversation id `mattermost_<channel_id>_<user_id>` says where to post;
- the orientation sheet offered after a verdict is fetched from sheets/ and posted as a file attachment
  (`POST /api/v4/files`, then a post with its `file_ids`), after the turn: a turn never waits for a PDF.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs

import aiohttp
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.limits import MAX_MESSAGE_CHARACTERS, message_too_long
from channels.sheets import fetch_sheet, sheet_filename, sheet_offer

logger = logging.getLogger(__name__)

CHANNEL_NAME = "mattermost"
MAX_BODY_BYTES = 64 * 1024
# Mattermost refuses posts longer than 16383 characters: longer answers are split on paragraphs.
MAX_POST_CHARS = 16000
MAX_BUTTON_PAYLOAD_CHARS = 1000
# Mattermost ids are 26 lowercase alphanumerics. The conversation id joins them with '_', which no URL
# encoder escapes: Rasa does not unquote path parameters, so `/conversations/<id>/…` must work verbatim.
ID_PATTERN = re.compile(r"[A-Za-z0-9]{1,64}")
CONVERSATION_SEPARATOR = "_"
RETRY_STATUSES = {429, 502, 503, 504}
MAX_ATTEMPTS = 3
HTTP_TIMEOUT_SECONDS = 10
EMPTY_INVOCATION_PAYLOAD = "/greet"

MSG_UNAUTHORIZED = "Jeton du webhook Mattermost absent ou invalide."
MSG_TOO_LARGE = "Requête trop volumineuse."
MSG_BAD_CALLBACK = "Action de bouton invalide ou falsifiée."
MSG_OTHER_USER = (
    "Ces boutons s'adressent à la personne qui a posé la question. "
    "Posez votre propre question en mentionnant l'assistant."
)
MSG_SHEET_FAILED = (
    "La fiche d'orientation n'a pas pu être jointe. Réessayez la vérification dans un instant, ou écrivez à "
    "infonuage.dinum@modernisation.gouv.fr."
)
MSG_FAILURE = (
    "L'assistant rencontre un problème technique : réessayez dans un instant ou écrivez à "
    "infonuage.dinum@modernisation.gouv.fr."
)


class BadPayload(ValueError):
    """A request body that is not a well-formed Mattermost payload (answered with a 4xx)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


# --- conversation ids -------------------------------------------------------------------------------


def conversation_id(channel_id: str, user_id: str) -> str:
    """One Rasa conversation per (Mattermost channel, person)."""
    return CONVERSATION_SEPARATOR.join((CHANNEL_NAME, channel_id, user_id))


def parse_conversation_id(sender_id: str) -> tuple[str, str] | None:
    """Return (channel_id, user_id) from a conversation id built by `conversation_id`, else None."""
    parts = sender_id.split(CONVERSATION_SEPARATOR)
    if len(parts) != 3 or parts[0] != CHANNEL_NAME:
        return None
    channel_id, user_id = parts[1], parts[2]
    if not (ID_PATTERN.fullmatch(channel_id) and ID_PATTERN.fullmatch(user_id)):
        return None
    return channel_id, user_id


# --- incoming text ----------------------------------------------------------------------------------


def strip_invocation(text: str, trigger_word: str = "", bot_username: str = "") -> str:
    """Remove the trigger word or the bot @mention at the very start of the message, nothing else."""
    stripped = text.strip()
    prefixes = [p for p in (trigger_word.strip(), f"@{bot_username}" if bot_username else "") if p]
    for prefix in prefixes:
        if stripped.lower().startswith(prefix.lower()):
            rest = stripped[len(prefix) :]
            # "@bot question", "@bot: question", "@bot, question" — but not "@botanique".
            if not rest or rest[0].isspace() or rest[0] in ",:;":
                stripped = rest.lstrip(",:; \t\r\n")
                break
    return stripped


def split_for_posts(text: str, limit: int = MAX_POST_CHARS) -> list[str]:
    """Split an over-long answer on paragraph boundaries so each part fits in one Mattermost post."""
    if len(text) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    for paragraph in text.split("\n\n"):
        candidate = f"{current}\n\n{paragraph}" if current else paragraph
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            parts.append(current)
        while len(paragraph) > limit:
            parts.append(paragraph[:limit])
            paragraph = paragraph[limit:]
        current = paragraph
    if current:
        parts.append(current)
    return parts


def parse_body(request: Request) -> dict[str, Any]:
    """Decode a JSON or form-encoded body into a dict, or raise BadPayload (never a 500)."""
    body = request.body or b""
    if len(body) > MAX_BODY_BYTES:
        raise BadPayload(MSG_TOO_LARGE, 413)
    content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadPayload("Le corps de la requête n'est pas de l'UTF-8.") from error
    if content_type == "application/x-www-form-urlencoded":
        return {key: values[0] for key, values in parse_qs(text, keep_blank_values=True).items()}
    if content_type in ("application/json", ""):
        try:
            data = json.loads(text)
        except ValueError as error:
            raise BadPayload("JSON invalide.") from error
        if not isinstance(data, dict):
            raise BadPayload("Le corps JSON doit être un objet.")
        return data
    raise BadPayload("Type de contenu non pris en charge.", 415)


def require_str(data: dict[str, Any], field: str, pattern: re.Pattern[str] | None = None) -> str:
    """Return a mandatory string field, checking its type (and shape for ids)."""
    value = data.get(field)
    if not isinstance(value, str) or (pattern is not None and not pattern.fullmatch(value)):
        raise BadPayload(f"Champ « {field} » absent ou invalide.")
    return value


def optional_str(data: dict[str, Any], field: str) -> str:
    """Return an optional string field ('' when absent), refusing other types."""
    value = data.get(field, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadPayload(f"Champ « {field} » invalide.")
    return value


def token_is_valid(given: str, accepted: list[str]) -> bool:
    """Constant-time comparison against every configured (non-empty) token."""
    valid = False
    for expected in accepted:
        if expected and hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8")):
            valid = True
    return valid


# --- signed button context --------------------------------------------------------------------------


def derive_action_key(*secrets: str) -> bytes:
    """Key that signs button contexts; derived from the webhook tokens, which only Mattermost shares."""
    material = "\0".join(secrets).encode("utf-8")
    return hashlib.sha256(b"cloud-au-centre/mattermost-actions\0" + material).digest()


def sign_context(key: bytes, fields: dict[str, str]) -> str:
    """HMAC over the canonical JSON of the button fields."""
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hmac.new(key, canonical, hashlib.sha256).hexdigest()


CONTEXT_FIELDS = ("payload", "title", "recipient", "text")


def verify_context(key: bytes, context: Any) -> dict[str, str]:
    """Return the button fields when the context is well-formed and its signature matches."""
    if not isinstance(context, dict):
        raise BadPayload(MSG_BAD_CALLBACK)
    fields: dict[str, Any] = {name: context.get(name) for name in CONTEXT_FIELDS}
    signature = context.get("sig")
    if not all(isinstance(value, str) for value in fields.values()) or not isinstance(signature, str):
        raise BadPayload(MSG_BAD_CALLBACK)
    if not any(key) or not hmac.compare_digest(sign_context(key, fields), signature):
        raise BadPayload(MSG_BAD_CALLBACK, 401)
    return fields


# --- Mattermost REST API client ---------------------------------------------------------------------


class MattermostApi:
    """Minimal async client of the Mattermost REST API v4 (only what the channel needs)."""

    def __init__(self, url: str, bot_token: str) -> None:
        base = (url or "").rstrip("/")
        self.base = base[: -len("/api/v4")] if base.endswith("/api/v4") else base
        self.bot_token = bot_token or ""

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.bot_token}", "Content-Type": "application/json"}

    async def _request(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """Send one request, retrying on rate limits / gateway errors; None when it finally fails."""
        timeout = aiohttp.ClientTimeout(total=HTTP_TIMEOUT_SECONDS)
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                async with aiohttp.ClientSession(timeout=timeout) as session:
                    async with session.request(
                        method, f"{self.base}{path}", json=body, headers=self._headers()
                    ) as resp:
                        if resp.status < 300:
                            return await resp.json(content_type=None)
                        if resp.status not in RETRY_STATUSES or attempt == MAX_ATTEMPTS:
                            logger.error("Mattermost %s %s a répondu %s", method, path, resp.status)
                            return None
                        delay = retry_delay(resp.headers.get("Retry-After"), attempt)
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
                if attempt == MAX_ATTEMPTS:
                    logger.error("Mattermost %s %s injoignable : %s", method, path, error)
                    return None
                delay = retry_delay(None, attempt)
            await asyncio.sleep(delay)
        return None

    async def create_post(self, post: dict[str, Any]) -> dict[str, Any] | None:
        """POST /api/v4/posts as the bot."""
        return await self._request("POST", "/api/v4/posts", post)

    async def upload_file(self, channel_id: str, filename: str, content: bytes) -> str | None:
        """POST /api/v4/files (multipart: channel_id, files): the new file's id, or None (logged)."""
        timeout = aiohttp.ClientTimeout(total=HTTP_TIMEOUT_SECONDS)
        form = aiohttp.FormData()
        form.add_field("channel_id", channel_id)
        form.add_field("files", content, filename=filename, content_type="application/pdf")
        try:
            async with aiohttp.ClientSession(timeout=timeout) as session:
                async with session.post(f"{self.base}/api/v4/files", data=form,
                                        headers={"Authorization": f"Bearer {self.bot_token}"}) as resp:
                    body = await resp.json(content_type=None) if resp.status < 300 else None
                    infos = body.get("file_infos") if isinstance(body, dict) else None
                    if infos and isinstance(infos[0], dict) and isinstance(infos[0].get("id"), str):
                        return str(infos[0]["id"])
                    logger.error("Mattermost POST /api/v4/files a répondu %s", resp.status)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            logger.error("Mattermost POST /api/v4/files injoignable : %s", error)
        return None

    async def me(self) -> dict[str, Any] | None:
        """GET /api/v4/users/me: the bot's own id and username."""
        return await self._request("GET", "/api/v4/users/me")


def retry_delay(retry_after: str | None, attempt: int) -> float:
    """Honour Retry-After (capped) or back off exponentially."""
    try:
        return min(max(float(retry_after), 0.0), 5.0) if retry_after else 0.5 * 2 ** (attempt - 1)
    except ValueError:
        return 0.5 * 2 ** (attempt - 1)


# --- output channel ---------------------------------------------------------------------------------


class MattermostOutput(OutputChannel):
    """Posts bot messages into the Mattermost channel named by the conversation id."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL_NAME

    def __init__(self, api: MattermostApi, actions_url: str, action_key: bytes) -> None:
        super().__init__()
        self.api = api
        self.actions_url = actions_url
        self.action_key = action_key

    def _channel_of(self, recipient_id: str) -> str | None:
        target = parse_conversation_id(recipient_id)
        if target is None:
            logger.warning("Conversation %r : pas une conversation Mattermost, message ignoré", recipient_id)
            return None
        return target[0]

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        channel_id = self._channel_of(recipient_id)
        if channel_id is None:
            return
        for part in split_for_posts(text.strip()):
            await self.api.create_post({"channel_id": channel_id, "message": part})

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        channel_id = self._channel_of(recipient_id)
        if channel_id is None:
            return
        parts = split_for_posts((text or "").strip())
        for part in parts[:-1]:
            await self.api.create_post({"channel_id": channel_id, "message": part})
        actions = [self._action(index, button, recipient_id, parts[-1]) for index, button in enumerate(buttons)]
        await self.api.create_post(
            {"channel_id": channel_id, "message": parts[-1], "props": {"attachments": [{"actions": actions}]}}
        )

    def _action(self, index: int, button: dict[str, Any], recipient_id: str, text: str) -> dict[str, Any]:
        """One interactive button whose signed context says what to send and for whom."""
        title = str(button.get("title", ""))
        fields = {
            "payload": str(button.get("payload", title)),
            "title": title,
            "recipient": recipient_id,
            "text": text,
        }
        context = dict(fields, sig=sign_context(self.action_key, fields))
        integration = {"url": self.actions_url, "context": context}
        return {"id": f"btn{index}", "name": title, "integration": integration}

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        channel_id = self._channel_of(recipient_id)
        if channel_id is not None:
            await self.api.create_post(
                {"channel_id": channel_id, "message": "", "props": {"attachments": [{"image_url": image}]}}
            )

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        channel_id = self._channel_of(recipient_id)
        offer = sheet_offer(json_message)
        if channel_id is not None and offer is not None:
            task = asyncio.create_task(self.post_sheet(channel_id, recipient_id, offer))
            _BACKGROUND.add(task)
            task.add_done_callback(_BACKGROUND.discard)
        elif channel_id is not None:
            post = dict(json_message)
            post["channel_id"] = channel_id
            post.setdefault("message", "")
            await self.api.create_post(post)


    async def post_sheet(self, channel_id: str, recipient_id: str, offer: dict[str, Any]) -> None:
        """The orientation sheet as a file attached to a post of the bot (after the turn)."""
        content = await fetch_sheet(recipient_id, offer)
        file_id = await self.api.upload_file(channel_id, sheet_filename(offer), content) if content else None
        if file_id is None:
            await self.api.create_post({"channel_id": channel_id, "message": MSG_SHEET_FAILED})
            return
        await self.api.create_post({"channel_id": channel_id, "message": str(offer.get("title") or ""),
                                    "file_ids": [file_id]})


# Sheets being fetched and posted after their turn (a reference keeps each task alive until it ends).
_BACKGROUND: set[asyncio.Task[None]] = set()


# --- input channel ----------------------------------------------------------------------------------


class MattermostInput(InputChannel):
    """Receives outgoing webhooks / slash commands and button callbacks from Mattermost."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL_NAME

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        settings = credentials or {}
        if not settings:
            cls.raise_missing_credentials_exception()
        return cls(
            url=str(settings.get("url") or ""),
            bot_token=str(settings.get("bot_token") or ""),
            webhook_token=str(settings.get("webhook_token") or ""),
            slash_token=str(settings.get("slash_token") or ""),
            actions_url=str(settings.get("actions_url") or ""),
        )

    def __init__(self, url: str, bot_token: str, webhook_token: str, actions_url: str, slash_token: str = "") -> None:
        self.api = MattermostApi(url, bot_token)
        self.accepted_tokens = [t for t in (webhook_token, slash_token) if t]
        self.actions_url = actions_url
        self.action_key = derive_action_key(webhook_token, slash_token) if self.accepted_tokens else b""
        self._bot_identity: dict[str, Any] | None = None
        if not self.accepted_tokens:
            logger.warning("Canal Mattermost : aucun jeton de webhook configuré, tout sera refusé")

    def get_output_channel(self) -> OutputChannel | None:
        return MattermostOutput(self.api, self.actions_url, self.action_key)

    async def bot_identity(self) -> dict[str, Any]:
        """The bot's id and username (cached once fetched), to ignore its own posts and strip @mentions."""
        if self._bot_identity is None:
            me = await self.api.me()
            if isinstance(me, dict) and isinstance(me.get("id"), str):
                self._bot_identity = me
        return self._bot_identity or {}

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = Blueprint("custom_mattermost_webhook", __name__)

        @blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @blueprint.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            try:
                return await self.handle_webhook(request, on_new_message)
            except BadPayload as error:
                return response.json({"error": str(error)}, status=error.status)

        @blueprint.route("/actions", methods=["POST"])
        async def actions(request: Request) -> HTTPResponse:
            try:
                return await self.handle_action(request, on_new_message)
            except BadPayload as error:
                return response.json({"error": str(error)}, status=error.status)

        return blueprint

    async def handle_webhook(
        self, request: Request, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> HTTPResponse:
        """An outgoing-webhook or slash-command POST: authenticate, clean the text, hand it to Rasa."""
        data = parse_body(request)
        token = data.get("token")
        if not isinstance(token, str) or not token_is_valid(token, self.accepted_tokens):
            raise BadPayload(MSG_UNAUTHORIZED, 401)
        channel_id = require_str(data, "channel_id", ID_PATTERN)
        user_id = require_str(data, "user_id", ID_PATTERN)
        is_slash_command = "command" in data
        text = require_str(data, "text")
        trigger_word = optional_str(data, "trigger_word")
        identity = await self.bot_identity()
        if identity.get("id") == user_id:
            return response.json({})  # never answer our own posts
        message = (
            text.strip()
            if is_slash_command
            else strip_invocation(text, trigger_word, str(identity.get("username") or ""))
        )
        if len(message) > MAX_MESSAGE_CHARACTERS:
            return response.json({"text": message_too_long(len(message)), "response_type": "ephemeral"})
        metadata: dict[str, Any] = {
            "mattermost": {
                key: optional_str(data, key)
                for key in ("team_id", "team_domain", "channel_name", "user_name", "post_id")
            }
        }
        # A bare mention gets the greeting, which already says what the assistant is (actions/session.py).
        metadata["mattermost"]["invocation_only"] = not message
        ok = await self.dispatch(message or EMPTY_INVOCATION_PAYLOAD, channel_id, user_id, metadata, on_new_message)
        if not ok:
            return response.json({"text": MSG_FAILURE, "response_type": "ephemeral"})
        if is_slash_command:
            # A slash command is not posted in the channel: show the person what was asked.
            echo = f"Question : {message}" if message else "Bonjour !"
            return response.json({"response_type": "ephemeral", "text": echo})
        return response.json({})

    async def handle_action(
        self, request: Request, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> HTTPResponse:
        """A button click forwarded by Mattermost: check the signed context, send the payload to Rasa."""
        data = parse_body(request)
        user_id = require_str(data, "user_id", ID_PATTERN)
        channel_id = require_str(data, "channel_id", ID_PATTERN)
        fields = verify_context(self.action_key, data.get("context"))
        target = parse_conversation_id(fields["recipient"])
        if target is None or target[0] != channel_id:
            raise BadPayload(MSG_BAD_CALLBACK, 401)
        if target[1] != user_id:
            return response.json({"ephemeral_text": MSG_OTHER_USER})
        payload = fields["payload"][:MAX_BUTTON_PAYLOAD_CHARS]
        metadata = {"mattermost": {"post_id": optional_str(data, "post_id"), "button": fields["title"]}}
        ok = await self.dispatch(payload, channel_id, user_id, metadata, on_new_message)
        if not ok:
            return response.json({"ephemeral_text": MSG_FAILURE})
        chosen = f"{fields['text']}\n\n➡️ Choix : **{fields['title']}**".strip()
        # An empty `props` removes the buttons (Mattermost keeps old props otherwise).
        return response.json({"update": {"message": chosen, "props": {}}})

    async def dispatch(
        self,
        text: str,
        channel_id: str,
        user_id: str,
        metadata: dict[str, Any],
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> bool:
        """Hand one user message to Rasa; False (logged) when processing failed."""
        message = UserMessage(
            text,
            self.get_output_channel(),
            conversation_id(channel_id, user_id),
            input_channel=self.name(),
            metadata=metadata,
        )
        try:
            await on_new_message(message)
        except Exception:  # noqa: BLE001 - the user gets a French message instead of a 500
            logger.exception("Échec du traitement d'un message Mattermost")
            return False
        return True
