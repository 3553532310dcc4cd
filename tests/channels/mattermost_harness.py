"""The Mattermost channel served by a real Sanic app on a free port, fed to a stub assistant (hermetic tests)."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from fake_mattermost import FakeMattermost
from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Sanic
from teststack import free_port

from channels.mattermost import MattermostInput

WEBHOOK_TOKEN = "webhook-token-for-tests"
SLASH_TOKEN = "slash-token-for-tests"
BOT_TOKEN = "bot-personal-access-token"
_app_numbers = itertools.count()
# Several Sanic apps in one process (one per test) need test mode, else Sanic's start-up "touch-up"
# rewrites its HTTP protocol twice and fails.
Sanic.test_mode = True


@dataclass
class ChannelUnderTest:
    """The channel served by a real Sanic server, plus what the stub assistant received."""

    base_url: str
    channel: InputChannel
    received: list[UserMessage] = field(default_factory=list)
    http: aiohttp.ClientSession | None = None

    async def post(self, path: str, **kwargs: Any) -> tuple[int, Any]:
        """POST to the channel; return (status, decoded JSON body or text)."""
        assert self.http is not None
        async with self.http.post(f"{self.base_url}{path}", **kwargs) as resp:
            try:
                body: Any = await resp.json(content_type=None)
            except ValueError:
                body = await resp.text()
            return resp.status, body


async def stub_assistant(message: UserMessage) -> None:
    """Stands in for Rasa: answers through the message's output channel like the real bot would."""
    out = message.output_channel
    if message.text == "boutons":
        await out.send_response(
            message.sender_id,
            {
                "text": "Votre structure est :",
                "buttons": [
                    {
                        "title": "Administration centrale",
                        "payload": '/inform{"entity_type":"administration_centrale"}',
                    },
                    {"title": "Opérateur", "payload": '/inform{"entity_type":"operateur"}'},
                ],
            },
        )
    elif message.text == "panne":
        raise RuntimeError("simulated failure of the assistant")
    else:
        await out.send_response(message.sender_id, {"text": f"**Reçu** : {message.text}"})


def make_channel(fake: FakeMattermost, webhook_token: str = WEBHOOK_TOKEN, slash_token: str = "") -> MattermostInput:
    return MattermostInput(
        url=fake.url,
        bot_token=BOT_TOKEN,
        webhook_token=webhook_token,
        slash_token=slash_token,
        actions_url="http://rasa.example/webhooks/mattermost/actions",
    )


async def serve(
    channel: InputChannel, handler: Callable[[UserMessage], Awaitable[None]] | None = None
) -> AsyncIterator[ChannelUnderTest]:
    """Run a Sanic app with the channel blueprint at /webhooks/<name> (as Rasa mounts it)."""
    under_test = ChannelUnderTest(base_url="", channel=channel)

    async def on_new_message(message: UserMessage) -> None:
        under_test.received.append(message)
        await (handler or stub_assistant)(message)

    app = Sanic(f"channel_test_{next(_app_numbers)}")
    app.blueprint(channel.blueprint(on_new_message), url_prefix=f"/webhooks/{channel.url_prefix()}")
    port = free_port()
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True)
    assert server is not None
    await server.startup()
    await server.before_start()
    await server.after_start()
    under_test.base_url = f"http://127.0.0.1:{port}"
    under_test.http = aiohttp.ClientSession()
    try:
        yield under_test
    finally:
        await under_test.http.close()
        await server.before_stop()
        await server.close()
        await server.after_stop()
