"""The bridge: a Matrix bot (matrix-nio) on one side, Rasa's `callback` channel on the other.

Matrix → Rasa: each new text message meant for the bot is POSTed to
`$RASA_URL/webhooks/callback/webhook` as {"sender": "tchap:<room>:<user>", "message": text}.
Rasa → Matrix: Rasa POSTs every bot message (also support-agent takeover replies) to our HTTP
endpoint; `recipient_id` tells which room and person it is for. The orientation sheet offered after a
verdict (custom payload `orientation_sheet`) is fetched from sheets/ and sent into the room as an
`m.file`, encrypted in an encrypted room (after the callback is answered: a turn never waits for a PDF).
"""

from __future__ import annotations

import asyncio
import hmac
import io
import logging
import re
from typing import Any

import aiohttp
from aiohttp import web
from nio import (
    AsyncClient,
    AsyncClientConfig,
    LoginResponse,
    MatrixRoom,
    MegolmEvent,
    RoomEncryptedMedia,
    RoomMemberEvent,
    RoomMessageMedia,
    RoomMessageText,
    SyncError,
    SyncResponse,
    WhoamiResponse,
)
from nio.crypto import ENCRYPTION_ENABLED

from .config import BridgeConfig, ConfigError, server_name_of
from .formatting import choose_button, clean_buttons, message_content
from .keystore import store_key
from .state import BridgeState

logger = logging.getLogger("tchap.bridge")

CONVERSATION_PREFIX = "tchap:"
MAX_CALLBACK_TEXT = 20000
SYNC_FILTER = {"room": {"timeline": {"limit": 100}}}

MESSAGE_TOO_LONG = "Votre message est trop long ({length} caractères ; {limit} au maximum). Pouvez-vous le raccourcir ?"
MESSAGE_NOT_TEXT = "Je ne sais lire que les messages texte : écrivez-moi votre question."
MESSAGE_UNDECRYPTABLE = (
    "Je n'ai pas pu déchiffrer votre message (il a sans doute été envoyé avant mon arrivée "
    "dans le salon). Pouvez-vous le renvoyer ?"
)
MESSAGE_EMPTY_MENTION = "Oui ? Posez-moi votre question sur la doctrine « cloud au centre » en me mentionnant."
MESSAGE_SHEET_FAILED = (
    "La fiche d'orientation n'a pas pu être envoyée. Refaites la vérification dans un instant, ou écrivez à "
    "infonuage.dinum@modernisation.gouv.fr."
)
SHEET_KEY = "orientation_sheet"
# Waits before asking sheets/ again while the verdict's turn is not saved yet (about 45 s in all, as
# channels/sheets.py: on a loaded machine a turn was still unsaved after 15 s).
SHEET_NOT_SAVED_YET_DELAYS = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 15.0)
SHEET_REFERENCE = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")
MESSAGE_RASA_DOWN = (
    "L'assistant est momentanément indisponible. Réessayez dans quelques minutes, ou écrivez à "
    "infonuage.dinum@modernisation.gouv.fr."
)
# The first message in a room (AI Act, art. 50): an automated assistant, an orientation, no personal data.
WELCOME_DIRECT = (
    "Bonjour, je suis un assistant automatique, pas une personne : posez-moi vos questions sur la doctrine "
    "« Cloud au centre » de l'État, ou demandez-moi si votre projet est concerné. Mes réponses s'appuient sur "
    "la FAQ et les pages officielles liées et donnent une orientation, pas un avis juridique. "
    "N'écrivez pas de données personnelles."
)
WELCOME_GROUP = (
    "Bonjour, je suis un assistant automatique sur la doctrine « Cloud au centre » de l'État. Dans ce salon, "
    "mentionnez-moi ({name}) pour me poser une question ; je réponds à chacun séparément. Mes réponses donnent "
    "une orientation, pas un avis juridique. N'écrivez pas de données personnelles."
)


class LoginExpired(RuntimeError):
    """The homeserver no longer accepts our access token."""


def conversation_id(room_id: str, user_id: str) -> str:
    """One Rasa conversation per (room, person)."""
    return f"{CONVERSATION_PREFIX}{room_id}:{user_id}"


def parse_conversation_id(value: Any) -> tuple[str, str] | None:
    """Inverse of conversation_id: (room id, user id), or None when it is not one of ours."""
    if not isinstance(value, str) or not value.startswith(CONVERSATION_PREFIX):
        return None
    room_id, sep, user_local = value[len(CONVERSATION_PREFIX) :].partition(":@")
    if not sep or not room_id.startswith("!") or ":" not in user_local:
        return None
    return room_id, "@" + user_local


def bearer_token(request: web.Request) -> str:
    """The token of an `Authorization: Bearer <token>` header, or ""."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def secret_matches(given: str, expected: str) -> bool:
    """Constant-time comparison; an unset secret matches nothing."""
    return bool(expected) and hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def strip_reply_fallback(body: str) -> str:
    """Drop the quoted « > <@someone> … » lines that clients put in front of a reply."""
    lines = body.split("\n")
    while lines and lines[0].startswith(">"):
        lines.pop(0)
    return "\n".join(lines).strip()


def is_mentioned(content: dict[str, Any], body: str, bot_user: str, display_name: str) -> bool:
    """True when a group-room message is addressed to the bot (m.mentions, pill, MXID or name)."""
    mentions = content.get("m.mentions")
    if isinstance(mentions, dict) and bot_user in (mentions.get("user_ids") or []):
        return True
    formatted = content.get("formatted_body")
    if isinstance(formatted, str) and (
        f"matrix.to/#/{bot_user}" in formatted or f"matrix.to/#/{bot_user.replace('@', '%40')}" in formatted
    ):
        return True
    if bot_user.lower() in body.lower():
        return True
    return bool(display_name) and re.search(rf"(?<!\w){re.escape(display_name)}(?!\w)", body, re.IGNORECASE) is not None


def strip_mention(body: str, bot_user: str, display_name: str) -> str:
    """Remove the bot's MXID anywhere and its display name at the start (« Assistant : … »)."""
    text = re.sub(re.escape(bot_user), " ", body, flags=re.IGNORECASE)
    if display_name:
        text = re.sub(rf"^\s*{re.escape(display_name)}(?!\w)", " ", text, flags=re.IGNORECASE)
    return re.sub(r"^[\s:,;.!-]+", "", text).strip()


class TchapBridge:
    """Owns the Matrix client, the persistent state and the HTTP endpoint Rasa calls back."""

    def __init__(self, config: BridgeConfig) -> None:
        if not ENCRYPTION_ENABLED:
            raise ConfigError("Le chiffrement (python-olm) n'est pas disponible : relancez tchap/install.sh.")
        self.config = config
        store_dir = config.state_dir / "store"
        # Access token, encryption keys and conversations: readable by the bridge's account only.
        for folder in (config.state_dir, store_dir):
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            folder.chmod(0o700)
        self.state = BridgeState(config.state_dir)
        client_config = AsyncClientConfig(
            store_sync_tokens=False,
            encryption_enabled=True,
            pickle_key=store_key(config.state_dir, store_dir, self.state.load_credentials()),
            max_timeout_retry_wait_time=15,
            request_timeout=config.sync_timeout_ms / 1000 + 30,
        )
        self.client = AsyncClient(config.homeserver, config.bot_user, store_path=str(store_dir), config=client_config)
        self.display_name = config.bot_user[1:].split(":", 1)[0]
        self.synced = asyncio.Event()
        # Set while no batch is being handled: a stop waits for it so no message is cut in half.
        self.idle = asyncio.Event()
        self.idle.set()
        self.stopping = False
        self.http: aiohttp.ClientSession | None = None
        self._locks: dict[str, asyncio.Lock] = {}
        self._web_runner: web.AppRunner | None = None
        self._sheet_tasks: set[asyncio.Task[None]] = set()

    # ------------------------------------------------------------------ login
    async def login(self) -> None:
        """Reuse the saved access token and device (and so the encryption store); log in only once."""
        saved = self.state.load_credentials()
        if saved.get("user_id") == self.config.bot_user and saved.get("homeserver") == self.config.homeserver:
            self.client.restore_login(saved["user_id"], saved["device_id"], saved["access_token"])
            whoami = await self.client.whoami()
            if isinstance(whoami, WhoamiResponse):
                logger.info("Session reprise (appareil %s), sans nouvelle connexion.", saved["device_id"])
                return
            if getattr(whoami, "status_code", None) != "M_UNKNOWN_TOKEN":
                raise ConfigError(f"Le serveur Matrix refuse la session enregistrée : {whoami}")
            logger.warning("Le jeton enregistré n'est plus valable : nouvelle connexion.")
            self.state.forget_credentials()
        if not self.config.password:
            raise ConfigError("Aucune session enregistrée : renseignez TCHAP_BOT_PASSWORD pour la première connexion.")
        response = await self.client.login(self.config.password, device_name=self.config.device_name)
        if not isinstance(response, LoginResponse):
            raise ConfigError(f"Connexion refusée par le serveur Matrix : {response}")
        self.state.save_credentials(response.user_id, response.device_id, response.access_token, self.config.homeserver)
        logger.info("Connecté comme %s (nouvel appareil %s).", response.user_id, response.device_id)

    async def load_display_name(self) -> None:
        response = await self.client.get_displayname(self.config.bot_user)
        name = getattr(response, "displayname", None)
        if isinstance(name, str) and name.strip():
            self.display_name = name.strip()

    # ------------------------------------------------------------------ sync loop
    async def run_sync_loop(self) -> None:
        """Sync forever; the position is saved only after a batch is handled, so nothing is lost."""
        first_of_run = True
        backoff = 1.0
        while not self.stopping:
            try:
                response = await self.client.sync(
                    timeout=0 if first_of_run else self.config.sync_timeout_ms,
                    sync_filter=SYNC_FILTER,
                    since=self.state.sync_token,
                    full_state=True if first_of_run else None,
                )
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001 - a network or parsing failure must not kill the bot
                logger.warning("Synchronisation impossible (%s) ; nouvel essai dans %.0f s.", error, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 60)
                continue
            if isinstance(response, SyncError):
                if response.status_code == "M_UNKNOWN_TOKEN":
                    raise LoginExpired(str(response))
                logger.warning("Erreur de synchronisation (%s) ; nouvel essai dans %.0f s.", response, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 60)
                continue
            backoff = 1.0
            # nio has updated its room list: Rasa's callbacks can be delivered from now on (they
            # arrive while handle_sync waits for Rasa, so they must not wait for it).
            self.synced.set()
            self.idle.clear()
            try:
                await self.handle_sync(response)
                first_of_run = False
                await self.maintain_keys()
            finally:
                self.idle.set()

    async def handle_sync(self, response: SyncResponse) -> None:
        """Handle one sync batch, then persist its position."""
        first_ever = self.state.sync_token is None
        await self.handle_invites(response)
        if first_ever:
            logger.info("Premier démarrage : l'historique existant est ignoré.")
        else:
            await self.handle_timelines(response)
        self.state.sync_token = response.next_batch
        self.state.save()

    async def maintain_keys(self) -> None:
        """What nio's sync_forever does between syncs: upload, query and claim keys, send to-device."""
        client = self.client
        try:
            if client.should_upload_keys:
                await client.keys_upload()
            if client.should_query_keys:
                await client.keys_query()
            if client.should_claim_keys:
                await client.keys_claim(client.get_users_for_key_claiming())
            await client.send_to_device_messages()
        except Exception as error:  # noqa: BLE001 - retried after the next sync
            logger.warning("Gestion des clés de chiffrement reportée : %s", error)

    # ------------------------------------------------------------------ invites
    async def handle_invites(self, response: SyncResponse) -> None:
        """Join when the inviter's homeserver is allowed; otherwise reject the invite."""
        for room_id, info in response.rooms.invite.items():
            inviter = ""
            for event in info.invite_state:
                if (
                    getattr(event, "state_key", None) == self.config.bot_user
                    and getattr(event, "membership", "") == "invite"
                ):
                    inviter = event.sender
            server = server_name_of(inviter)
            if server and server in self.config.allowed_servers:
                result = await self.client.join(room_id)
                logger.info("Invitation de %s dans %s acceptée : %s", inviter, room_id, type(result).__name__)
            else:
                await self.client.room_leave(room_id)
                logger.warning(
                    "Invitation de %s dans %s refusée : serveur %r hors de la liste autorisée %s.",
                    inviter or "?",
                    room_id,
                    server,
                    sorted(self.config.allowed_servers),
                )

    # ------------------------------------------------------------------ messages
    def is_direct(self, room: MatrixRoom) -> bool:
        """A room with the bot and one person is a direct chat."""
        return room.member_count <= 2

    async def handle_timelines(self, response: SyncResponse) -> None:
        """Dispatch new events; conversations run in parallel, each one in order."""
        per_conversation: dict[str, list[tuple[MatrixRoom, Any]]] = {}
        welcomes: list[str] = []
        for room_id, info in response.rooms.join.items():
            room = self.client.rooms.get(room_id)
            if room is None:
                continue
            for event in info.timeline.events:
                if self.note_membership(room, event):
                    welcomes.append(room_id)
                if self.is_new_message(room, event):
                    per_conversation.setdefault(conversation_id(room_id, event.sender), []).append((room, event))
        for room_id in welcomes:
            room = self.client.rooms.get(room_id)
            if room is not None:
                text = WELCOME_DIRECT if self.is_direct(room) else WELCOME_GROUP.format(name=self.display_name)
                await self.send(room_id, message_content(text, []))
        await asyncio.gather(*(self.run_conversation(events) for events in per_conversation.values()))
        await self.leave_empty_rooms(response)

    def note_membership(self, room: MatrixRoom, event: Any) -> bool:
        """Record when the bot joined a room (older messages are history); True on a fresh join."""
        if not isinstance(event, RoomMemberEvent) or event.state_key != self.config.bot_user:
            return False
        if event.membership != "join" or event.prev_membership == "join":
            return False
        self.state.joined_at[room.room_id] = event.server_timestamp
        return True

    def is_new_message(self, room: MatrixRoom, event: Any) -> bool:
        """A message event from someone else, not yet handled and not older than our arrival."""
        if not isinstance(event, (RoomMessageText, RoomMessageMedia, RoomEncryptedMedia, MegolmEvent)):
            return False
        if event.sender == self.config.bot_user or self.state.is_handled(event.event_id):
            return False
        joined_at = self.state.joined_at.get(room.room_id, 0)
        return event.server_timestamp >= joined_at

    async def leave_empty_rooms(self, response: SyncResponse) -> None:
        """Leave rooms where nobody is left to talk to."""
        for room_id in response.rooms.join:
            room = self.client.rooms.get(room_id)
            if room is not None and room.joined_count <= 1 and room.invited_count == 0:
                logger.info("Salon %s vide : je le quitte.", room_id)
                await self.client.room_leave(room_id)

    async def run_conversation(self, events: list[tuple[MatrixRoom, Any]]) -> None:
        for room, event in events:
            try:
                await self.handle_message(room, event)
            except Exception:  # noqa: BLE001 - one bad event must not stop the others
                logger.exception("Échec du traitement de l'événement %s", event.event_id)

    async def handle_message(self, room: MatrixRoom, event: Any) -> None:
        """Answer one message: checks, mention handling, numbered choices, then Rasa."""
        direct = self.is_direct(room)
        conv = conversation_id(room.room_id, event.sender)
        if isinstance(event, MegolmEvent):
            logger.warning(
                "Message %s indéchiffrable dans %s (session %s).",
                event.event_id,
                room.room_id,
                event.session_id,
            )
            try:
                await self.client.request_room_key(event)
            except Exception:  # noqa: BLE001 - key request already pending
                pass
            if direct:
                await self.reply(room, event.sender, MESSAGE_UNDECRYPTABLE)
            self.state.mark_handled(event.event_id)
            return
        if not isinstance(event, RoomMessageText):
            if direct:
                await self.reply(room, event.sender, MESSAGE_NOT_TEXT)
            self.state.mark_handled(event.event_id)
            return
        content = event.source.get("content", {})
        if isinstance(content.get("m.relates_to"), dict) and content["m.relates_to"].get("rel_type") == "m.replace":
            return  # an edit of an earlier message: the original was already answered
        text = strip_reply_fallback(event.body or "")
        if not direct:
            if not is_mentioned(content, text, self.config.bot_user, self.display_name):
                return
            text = strip_mention(text, self.config.bot_user, self.display_name)
            if not text:
                await self.reply(room, event.sender, MESSAGE_EMPTY_MENTION)
                self.state.mark_handled(event.event_id)
                return
        if not text.strip():
            return
        async with self._locks.setdefault(conv, asyncio.Lock()):
            if len(text) > self.config.max_message_chars:
                await self.reply(
                    room,
                    event.sender,
                    MESSAGE_TOO_LONG.format(length=len(text), limit=self.config.max_message_chars),
                )
            else:
                offered = self.state.buttons.pop(conv, [])
                message = choose_button(text, offered) or text
                if not await self.forward_to_rasa(room.room_id, conv, message):
                    await self.reply(room, event.sender, MESSAGE_RASA_DOWN)
            self.state.mark_handled(event.event_id)

    async def forward_to_rasa(self, room_id: str, conv: str, message: str) -> bool:
        """POST the message to Rasa's callback channel; retry only when Rasa could not be reached."""
        assert self.http is not None
        url = f"{self.config.rasa_url}/webhooks/callback/webhook"
        await self.set_typing(room_id, True)
        try:
            for attempt in range(6):
                try:
                    async with self.http.post(
                        url,
                        json={"sender": conv, "message": message},
                        headers={"Authorization": f"Bearer {self.config.callback_token}"},
                        timeout=aiohttp.ClientTimeout(total=self.config.rasa_timeout_s),
                    ) as response:
                        if response.status < 300:
                            return True
                        logger.error("Rasa a répondu %s : %s", response.status, (await response.text())[:500])
                        if response.status not in (502, 503, 504):
                            return False  # Rasa got the message (or refused it): resending could duplicate it
                except aiohttp.ClientConnectionError as error:
                    logger.warning("Rasa injoignable (%s), essai %d.", error, attempt + 1)
                except asyncio.TimeoutError:
                    logger.error("Rasa n'a pas répondu à temps pour %s.", conv)
                    return False  # it may have processed the message: never send it twice
                await asyncio.sleep(min(2**attempt, 16))
            return False
        finally:
            await self.set_typing(room_id, False)

    async def set_typing(self, room_id: str, typing: bool) -> None:
        try:
            await self.client.room_typing(room_id, typing, timeout=30000)
        except Exception:  # noqa: BLE001 - typing notifications are cosmetic
            pass

    # ------------------------------------------------------------------ sending
    async def reply(
        self, room: MatrixRoom, user_id: str, text: str, buttons: list[dict[str, str]] | None = None
    ) -> bool:
        """Send a message for one person; in a group room it starts with a mention of that person."""
        mention = None if self.is_direct(room) else (user_id, room.user_name(user_id) or user_id)
        return await self.send(room.room_id, message_content(text, buttons or [], mention))

    async def send(self, room_id: str, content: dict[str, Any]) -> bool:
        """Send (encrypting when the room is encrypted); nio waits out rate limits (429) itself."""
        try:
            response = await self.client.room_send(room_id, "m.room.message", content, ignore_unverified_devices=True)
        except Exception as error:  # noqa: BLE001
            logger.error("Envoi impossible dans %s : %s", room_id, error)
            return False
        if not hasattr(response, "event_id"):
            logger.error("Envoi refusé dans %s : %s", room_id, response)
            return False
        return True

    # ------------------------------------------------------------------ orientation sheet
    async def fetch_sheet(self, conv: str, reference: str) -> bytes | None:
        """The sheet's PDF for this Tchap conversation, asked with the bridge's secret (sheets/ serves a
        `tchap:` conversation to that secret only)."""
        assert self.http is not None
        status = None
        try:
            # Rasa saves the verdict once its turn ends, after sending us the offer: a 404 is asked again.
            for delay in (*SHEET_NOT_SAVED_YET_DELAYS, None):
                async with self.http.post(
                    f"{self.config.sheets_url}/fiches/{reference}",
                    json={"conversation_id": conv},
                    headers={"Authorization": f"Bearer {self.config.callback_token}"},
                    timeout=aiohttp.ClientTimeout(total=30),
                ) as response:
                    status = response.status
                    if status == 200 and response.content_type == "application/pdf":
                        return await response.read()
                if status != 404 or delay is None:
                    break
                await asyncio.sleep(delay)
            logger.error("Fiche %s : le service des fiches a répondu %s.", reference, status)
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            logger.error("Fiche %s : service des fiches injoignable (%s).", reference, error)
        return None

    async def send_sheet(self, room: MatrixRoom, user_id: str, reference: str) -> None:
        """Upload the PDF (encrypted in an encrypted room, as clients expect) and send it as an m.file."""
        pdf = await self.fetch_sheet(conversation_id(room.room_id, user_id), reference)
        filename = f"fiche-orientation-{reference}.pdf"
        uploaded = None
        if pdf is not None:
            response, keys = await self.client.upload(
                io.BytesIO(pdf), content_type="application/pdf", filename=filename,
                encrypt=room.encrypted, filesize=len(pdf))
            uploaded = getattr(response, "content_uri", None)
            if not uploaded:
                logger.error("Fiche %s : envoi du fichier refusé par le serveur Matrix (%s).", reference, response)
        if not uploaded:
            await self.reply(room, user_id, MESSAGE_SHEET_FAILED)
            return
        content: dict[str, Any] = {"msgtype": "m.file", "body": filename, "filename": filename,
                                   "info": {"mimetype": "application/pdf", "size": len(pdf or b"")}}
        if room.encrypted and keys is not None:
            content["file"] = {**keys, "url": uploaded, "mimetype": "application/pdf"}
        else:
            content["url"] = uploaded
        await self.send(room.room_id, content)

    def start_sheet(self, room: MatrixRoom, user_id: str, offer: Any) -> bool:
        """Send the offered sheet in the background; False when the payload is not a sheet's offer."""
        reference = offer.get("reference") if isinstance(offer, dict) else None
        if not isinstance(reference, str) or not SHEET_REFERENCE.fullmatch(reference):
            return False
        task = asyncio.create_task(self.send_sheet(room, user_id, reference))
        self._sheet_tasks.add(task)
        task.add_done_callback(self._sheet_tasks.discard)
        return True

    # ------------------------------------------------------------------ Rasa callback endpoint
    def web_app(self) -> web.Application:
        app = web.Application(client_max_size=256 * 1024)
        app.router.add_post(self.config.callback_path, self.handle_rasa_callback)
        app.router.add_get("/health", self.handle_health)
        return app

    async def handle_health(self, _: web.Request) -> web.Response:
        if not self.synced.is_set():
            return web.json_response({"status": "starting"}, status=503)
        return web.json_response({"status": "ok", "user_id": self.config.bot_user})

    async def handle_rasa_callback(self, request: web.Request) -> web.Response:
        """Deliver one bot message from Rasa to the room of its conversation."""
        if not secret_matches(bearer_token(request), self.config.callback_token):
            return web.json_response({"error": "jeton invalide"}, status=401)
        try:
            data = await request.json()
        except ValueError:
            return web.json_response({"error": "JSON invalide"}, status=400)
        if not isinstance(data, dict):
            return web.json_response({"error": "un objet JSON est attendu"}, status=400)
        target = parse_conversation_id(data.get("recipient_id"))
        if target is None:
            return web.json_response({"error": "recipient_id inconnu"}, status=400)
        try:
            await asyncio.wait_for(self.synced.wait(), timeout=30)
        except asyncio.TimeoutError:
            return web.json_response({"error": "pont pas encore synchronisé"}, status=503)
        room_id, user_id = target
        room = self.client.rooms.get(room_id)
        if room is None:
            return web.json_response({"error": "salon inconnu"}, status=404)
        custom = data.get("custom")
        if isinstance(custom, dict) and self.start_sheet(room, user_id, custom.get(SHEET_KEY)):
            return web.json_response({"status": "fiche en cours d'envoi"})
        given = data.get("text")
        text = given if isinstance(given, str) else ""
        if isinstance(data.get("image"), str):
            text = (text + "\n" if text else "") + data["image"]
        buttons = clean_buttons(data.get("buttons"))
        if not text.strip() and not buttons:
            return web.json_response({"status": "ignoré"})
        conv = conversation_id(room_id, user_id)
        if buttons:
            self.state.buttons[conv] = buttons
            self.state.save()
        if not await self.reply(room, user_id, text[:MAX_CALLBACK_TEXT], buttons):
            return web.json_response({"error": "envoi vers Tchap impossible"}, status=502)
        return web.json_response({"status": "envoyé"})

    async def start_web(self) -> None:
        self._web_runner = web.AppRunner(self.web_app(), access_log=None)
        await self._web_runner.setup()
        site = web.TCPSite(self._web_runner, self.config.listen_host, self.config.listen_port)
        await site.start()
        logger.info(
            "Rappels de Rasa attendus sur http://%s:%d%s",
            self.config.listen_host,
            self.config.listen_port,
            self.config.callback_path,
        )

    # ------------------------------------------------------------------ lifecycle
    async def finish_current_batch(self, timeout_s: float = 25) -> None:
        """On stop, let the batch in progress finish (messages forwarded, position saved).

        Cutting it would leave Rasa's request cancelled half-way and the message unmarked, so it
        would be sent again after the restart.
        """
        self.stopping = True
        try:
            await asyncio.wait_for(self.idle.wait(), timeout=timeout_s)
        except asyncio.TimeoutError:
            logger.warning("Arrêt : le traitement en cours n'a pas fini en %.0f s.", timeout_s)

    async def run(self, stop: asyncio.Event) -> None:
        """Log in, serve the callback endpoint and sync until `stop` is set."""
        self.http = aiohttp.ClientSession()
        try:
            await self.login()
            await self.load_display_name()
            await self.start_web()
            while not stop.is_set():
                sync_task = asyncio.create_task(self.run_sync_loop())
                stop_task = asyncio.create_task(stop.wait())
                done, _ = await asyncio.wait({sync_task, stop_task}, return_when=asyncio.FIRST_COMPLETED)
                if stop_task in done:
                    await self.finish_current_batch()
                    sync_task.cancel()
                    await asyncio.gather(sync_task, return_exceptions=True)
                    break
                stop_task.cancel()
                error = sync_task.exception()
                if isinstance(error, LoginExpired):
                    logger.warning("Session expirée : nouvelle connexion.")
                    self.state.forget_credentials()
                    await self.login()
                    continue
                raise error if error else RuntimeError("boucle de synchronisation terminée")
        finally:
            self.state.save()
            if self._web_runner is not None:
                await self._web_runner.cleanup()
            await self.http.close()
            await self.client.close()
