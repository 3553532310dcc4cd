"""Fixtures: a fake Mattermost API server, and the channel served by a Sanic app (mattermost_harness.py); serve() takes any channel."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
from fake_mattermost import FakeMattermost
from mattermost_harness import BOT_TOKEN, SLASH_TOKEN, ChannelUnderTest, make_channel, serve


@pytest.fixture
def fake_mattermost() -> Iterator[FakeMattermost]:
    server = FakeMattermost(BOT_TOKEN).start()
    yield server
    server.stop()


@pytest_asyncio.fixture
async def mattermost_channel(fake_mattermost: FakeMattermost) -> AsyncIterator[ChannelUnderTest]:
    async for under_test in serve(make_channel(fake_mattermost, slash_token=SLASH_TOKEN)):
        yield under_test
