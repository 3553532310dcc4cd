"""A conversation belongs to its channel (channels/conversations.py): no public caller can write into,
or read the replies of, a conversation of another channel or of another widget visitor.

Each channel is served by a real Sanic server (as Rasa mounts it) with a stub assistant that records the
messages it gets and answers through the message's output channel.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
import socketio
from aiohttp import web
from mattermost_harness import ChannelUnderTest, serve
from rasa.core.channels.channel import UserMessage
from teststack import free_port

from channels.callback import TchapCallbackInput
from channels.conversations import MATTERMOST_PREFIX, owner_of
from channels.limits import MAX_MESSAGE_CHARACTERS
from channels.mattermost import conversation_id as mattermost_conversation
from channels.rest import ValidatedRestInput
from channels.socketio import ValidatedSocketIOInput

VICTIM_TCHAP = "tchap:!salon:agents.tchap.gouv.fr:@victime:agents.tchap.gouv.fr"
VICTIM_MATTERMOST = mattermost_conversation("4yf5b8gkxfg1mb3yhr5k9w9dxa", "9s6qkb8cpjbxjdrpaz5huxg1ne")
VICTIM_WIDGET = "socketio-" + "0123456789abcdef" * 2
WIDGET_ID = re.compile(r"socketio-[0-9a-f]{32}")
SECRET = "secret-partage-du-pont-tchap"


async def echo(message: UserMessage) -> None:
    await message.output_channel.send_text_message(message.sender_id, f"Reçu : {message.text}")


# --- REST -------------------------------------------------------------------------------------------


@pytest_asyncio.fixture
async def rest() -> AsyncIterator[ChannelUnderTest]:
    async for under_test in serve(ValidatedRestInput(), echo):
        yield under_test


@pytest.mark.parametrize("sender", [VICTIM_TCHAP, VICTIM_MATTERMOST, VICTIM_WIDGET])
async def test_rest_cannot_write_into_another_channel_s_conversation(rest: ChannelUnderTest, sender: str) -> None:
    status, body = await rest.post("/webhooks/rest/webhook", json={"sender": sender, "message": "hors sujet"})
    assert status == 403
    assert "réservé à un autre canal" in body["erreur"]
    assert rest.received == []


async def test_rest_keeps_its_own_conversations(rest: ChannelUnderTest) -> None:
    status, body = await rest.post("/webhooks/rest/webhook", json={"sender": "agent-42", "message": "Bonjour"})
    assert status == 200 and body == [{"recipient_id": "agent-42", "text": "Reçu : Bonjour"}]
    assert [(m.sender_id, m.input_channel) for m in rest.received] == [("agent-42", "rest")]


async def test_rest_refuses_a_message_longer_than_a_question_in_french(rest: ChannelUnderTest) -> None:
    status, body = await rest.post(
        "/webhooks/rest/webhook", json={"sender": "a", "message": "x" * (MAX_MESSAGE_CHARACTERS + 1)}
    )
    assert status == 413
    assert body["erreur"].startswith("Votre message est trop long (2\u00a0001 caractères ; 2\u00a0000 au maximum)")
    status, _ = await rest.post("/webhooks/rest/webhook", json={"sender": "a", "message": "x" * MAX_MESSAGE_CHARACTERS})
    assert status == 200


# --- Mattermost -------------------------------------------------------------------------------------


def test_mattermost_conversations_are_in_the_mattermost_namespace() -> None:
    assert VICTIM_MATTERMOST.startswith(MATTERMOST_PREFIX)
    assert owner_of(VICTIM_MATTERMOST) == "mattermost"
    assert owner_of(VICTIM_TCHAP) == "callback" and owner_of(VICTIM_WIDGET) == "socketio"
    assert owner_of("agent-42") is None


# --- callback (Tchap bridge) ------------------------------------------------------------------------


class FakeBridge:
    """Where Rasa's callback channel posts the bot's messages: records the headers and URL of each call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict[str, Any]]] = []
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> FakeBridge:
        app = web.Application()
        app.router.add_post("/rasa/callback", self.receive)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        port = free_port()
        await web.TCPSite(self.runner, "127.0.0.1", port).start()
        self.url = f"http://127.0.0.1:{port}/rasa/callback"
        return self

    async def receive(self, request: web.Request) -> web.Response:
        self.calls.append((request.path_qs, request.headers.get("Authorization", ""), await request.json()))
        return web.json_response({"status": "envoyé"})


@pytest_asyncio.fixture
async def fake_bridge() -> AsyncIterator[FakeBridge]:
    bridge = await FakeBridge().start()
    yield bridge
    assert bridge.runner is not None
    await bridge.runner.cleanup()


@pytest_asyncio.fixture
async def callback(fake_bridge: FakeBridge) -> AsyncIterator[ChannelUnderTest]:
    async for under_test in serve(TchapCallbackInput(fake_bridge.url, SECRET), echo):
        yield under_test


async def test_callback_refuses_callers_without_the_shared_secret(callback: ChannelUnderTest) -> None:
    body = {"sender": VICTIM_TCHAP, "message": "hors sujet"}
    for headers in ({}, {"Authorization": "Bearer devine"}, {"Authorization": SECRET}, {"Authorization": "Bearer "}):
        status, answer = await callback.post("/webhooks/callback/webhook", json=body, headers=headers)
        assert status == 401, headers
        assert "Secret du canal callback" in answer["erreur"]
    assert callback.received == []


@pytest.mark.parametrize("sender", ["agent-42", VICTIM_MATTERMOST, VICTIM_WIDGET, "tchap:pas-un-salon", None])
async def test_callback_serves_only_tchap_conversations(callback: ChannelUnderTest, sender: str | None) -> None:
    headers = {"Authorization": f"Bearer {SECRET}"}
    status, _ = await callback.post(
        "/webhooks/callback/webhook", json={"sender": sender, "message": "Bonjour"}, headers=headers
    )
    assert status == 403
    assert callback.received == []


@pytest.mark.parametrize("room", ["!salon:agents.tchap.gouv.fr", "!C1it643Ko-uZ4SbF6JkI1DTTpXM6m5g_R3TZx5JGZ24"])
async def test_tchap_rooms_of_every_version_are_served(callback: ChannelUnderTest, room: str) -> None:
    """Room version 12 ids have no server part."""
    sender = f"tchap:{room}:@agent:agents.tchap.gouv.fr"
    headers = {"Authorization": f"Bearer {SECRET}"}
    status, _ = await callback.post("/webhooks/callback/webhook", json={"sender": sender, "message": "Bonjour"},
                                    headers=headers)
    assert status == 200
    assert [m.sender_id for m in callback.received] == [sender]


async def test_the_bridge_s_messages_go_through_and_replies_carry_the_secret(
    callback: ChannelUnderTest, fake_bridge: FakeBridge
) -> None:
    headers = {"Authorization": f"Bearer {SECRET}"}
    status, answer = await callback.post(
        "/webhooks/callback/webhook", json={"sender": VICTIM_TCHAP, "message": "Bonjour"}, headers=headers
    )
    assert (status, answer) == (200, "success")
    assert [(m.sender_id, m.input_channel) for m in callback.received] == [(VICTIM_TCHAP, "callback")]
    [(url, authorization, body)] = fake_bridge.calls
    assert authorization == f"Bearer {SECRET}"
    assert url == "/rasa/callback", "the secret never travels in the URL"
    assert body == {"recipient_id": VICTIM_TCHAP, "text": "Reçu : Bonjour"}


async def test_a_bridge_that_is_down_does_not_turn_the_message_into_a_500() -> None:
    unreachable = f"http://127.0.0.1:{free_port()}/rasa/callback"
    async for channel in serve(TchapCallbackInput(unreachable, SECRET), echo):
        status, answer = await channel.post(
            "/webhooks/callback/webhook",
            json={"sender": VICTIM_TCHAP, "message": "Bonjour"},
            headers={"Authorization": f"Bearer {SECRET}"},
        )
        assert (status, answer) == (200, "success")
        assert [m.text for m in channel.received] == ["Bonjour"]


def test_credentials_yml_gives_the_callback_channel_its_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rasa's own `callback` channel would accept anyone: credentials.yml must name ours, with the secret."""
    from pathlib import Path

    from rasa.shared.utils.io import read_config_file

    for name in ("MATTERMOST_URL", "MATTERMOST_BOT_TOKEN", "MATTERMOST_WEBHOOK_TOKEN", "MATTERMOST_SLASH_TOKEN",
                 "MATTERMOST_ACTIONS_URL"):
        monkeypatch.setenv(name, "")
    monkeypatch.setenv("TCHAP_CALLBACK_URL", "http://localhost:5056/rasa/callback")
    monkeypatch.setenv("TCHAP_CALLBACK_TOKEN", SECRET)
    credentials = read_config_file(str(Path(__file__).resolve().parents[2] / "credentials.yml"))
    assert "callback" not in credentials
    channel = TchapCallbackInput.from_credentials(credentials["channels.callback.TchapCallbackInput"])
    assert channel.token == SECRET
    assert channel.callback_endpoint.url == "http://localhost:5056/rasa/callback"


async def test_callback_without_a_configured_secret_refuses_everything(fake_bridge: FakeBridge) -> None:
    async for channel in serve(TchapCallbackInput(fake_bridge.url, ""), echo):
        for headers in ({}, {"Authorization": "Bearer "}):
            status, _ = await channel.post(
                "/webhooks/callback/webhook", json={"sender": VICTIM_TCHAP, "message": "x"}, headers=headers
            )
            assert status == 401
        assert channel.received == []


# --- socket.io (web widget) -------------------------------------------------------------------------


@pytest_asyncio.fixture
async def widget_channel() -> AsyncIterator[ChannelUnderTest]:
    channel = ValidatedSocketIOInput("user_uttered", "bot_uttered", session_persistence=True)
    async for under_test in serve(channel, echo):
        yield under_test


class Visitor:
    """A socket.io client behaving like the widget: session_request, then messages."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.client = socketio.AsyncClient()
        self.confirmed: asyncio.Queue[str] = asyncio.Queue()
        self.replies: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.client.on("session_confirm", self.confirmed.put)
        self.client.on("bot_uttered", self.replies.put)

    async def open(self, session_id: Any) -> str:
        await self.client.connect(self.url, socketio_path="/socket.io", transports=["polling"])
        await self.client.emit("session_request", {"session_id": session_id})
        return await asyncio.wait_for(self.confirmed.get(), 10)

    async def say(self, text: Any, session_id: Any = None) -> None:
        await self.client.emit("user_uttered", {"message": text, "session_id": session_id})

    async def reply(self, timeout: float = 10) -> dict[str, Any]:
        return await asyncio.wait_for(self.replies.get(), timeout)

    async def close(self) -> None:
        await self.client.disconnect()


async def until_received(channel: ChannelUnderTest, count: int) -> list[UserMessage]:
    for _ in range(100):
        if len(channel.received) >= count:
            break
        await asyncio.sleep(0.05)
    return channel.received


@pytest.mark.parametrize("requested", [VICTIM_TCHAP, VICTIM_MATTERMOST, "agent-42", "sio-1234", "1", None, 42])
async def test_a_session_id_that_is_not_an_unguessable_widget_id_is_replaced(
    widget_channel: ChannelUnderTest, requested: Any
) -> None:
    visitor = Visitor(widget_channel.base_url)
    try:
        confirmed = await visitor.open(requested)
        assert WIDGET_ID.fullmatch(confirmed)
        await visitor.say("Bonjour", session_id=requested)
        assert (await visitor.reply())["text"] == "Reçu : Bonjour"
    finally:
        await visitor.close()
    assert [(m.sender_id, m.input_channel) for m in widget_channel.received] == [(confirmed, "socketio")]


async def test_issued_session_ids_are_all_different(widget_channel: ChannelUnderTest) -> None:
    issued = set()
    for _ in range(5):
        visitor = Visitor(widget_channel.base_url)
        issued.add(await visitor.open(None))
        await visitor.close()
    assert len(issued) == 5


async def test_the_widget_resumes_its_own_conversation(widget_channel: ChannelUnderTest) -> None:
    generated_by_the_widget = "89abcdef01234567" * 2
    first = Visitor(widget_channel.base_url)
    confirmed = await first.open(generated_by_the_widget)
    await first.close()
    assert confirmed == "socketio-" + generated_by_the_widget
    again = Visitor(widget_channel.base_url)
    try:
        assert await again.open(confirmed) == confirmed
    finally:
        await again.close()


async def test_a_message_goes_to_its_socket_s_conversation_whatever_session_id_it_names(
    widget_channel: ChannelUnderTest,
) -> None:
    victim, intruder = Visitor(widget_channel.base_url), Visitor(widget_channel.base_url)
    try:
        victim_conversation = await victim.open(None)
        intruder_conversation = await intruder.open(None)
        await intruder.say("je lis vos réponses ?", session_id=victim_conversation)
        assert (await intruder.reply())["text"] == "Reçu : je lis vos réponses ?"
        with pytest.raises(asyncio.TimeoutError):
            await victim.reply(timeout=1.5)
    finally:
        await victim.close()
        await intruder.close()
    assert [m.sender_id for m in await until_received(widget_channel, 1)] == [intruder_conversation]


async def test_a_too_long_widget_message_gets_a_french_answer_and_never_reaches_the_assistant(
    widget_channel: ChannelUnderTest,
) -> None:
    visitor = Visitor(widget_channel.base_url)
    try:
        await visitor.open(None)
        await visitor.say("x" * (MAX_MESSAGE_CHARACTERS + 1))
        assert "Votre message est trop long" in (await visitor.reply())["text"]
        await visitor.say({"html": "<b>x</b>"})
        assert (await visitor.reply())["text"].strip() == "Reçu :"  # an object became an empty message
    finally:
        await visitor.close()
    assert [m.text for m in widget_channel.received] == [""]


async def test_a_message_sent_before_any_session_request_gets_its_own_conversation(
    widget_channel: ChannelUnderTest,
) -> None:
    visitor = Visitor(widget_channel.base_url)
    try:
        await visitor.client.connect(widget_channel.base_url, socketio_path="/socket.io", transports=["polling"])
        await visitor.say("Bonjour", session_id=VICTIM_TCHAP)
        confirmed = await asyncio.wait_for(visitor.confirmed.get(), 10)
        assert (await visitor.reply())["text"] == "Reçu : Bonjour"
    finally:
        await visitor.close()
    assert WIDGET_ID.fullmatch(confirmed)
    assert [m.sender_id for m in widget_channel.received] == [confirmed]


async def test_http_health_routes_still_answer(rest: ChannelUnderTest) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{rest.base_url}/webhooks/rest/") as response:
            assert response.status == 200
