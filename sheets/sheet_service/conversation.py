"""Which conversation a caller may ask a sheet of, and the verdict it holds under a reference.

The conversation is read through Rasa's HTTP API (with its token), never stored here: a sheet exists as long
as the conversation keeps the verdict's `last_check` event (the retention period, docs/donnees-personnelles.md).

« The conversation's own secret » (docs/security.md), per channel:
- widget: its session id `socketio-<32 hex>` (128 random bits, only in the person's tab);
- REST: the `sender` the calling application chose (unprefixed ids: the REST channel's own);
- Tchap: the bridge's secret (TCHAP_CALLBACK_TOKEN), for `tchap:` conversations only, each file going to its room;
- Mattermost and the console: Rasa's API token, which reads any conversation anyway.
A reference alone opens nothing: it must be found in the conversation the caller proved to hold.
"""

from __future__ import annotations

import asyncio
import hmac
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import aiohttp

REFERENCE = re.compile(r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}")
WIDGET_CONVERSATION = re.compile(r"socketio-[0-9a-f]{32}")
RESERVED_PREFIXES = ("tchap:", "mattermost_", "socketio-")
TCHAP_PREFIX = "tchap:"
MAX_CONVERSATION_ID = 200
LAST_CHECK = "last_check"
OFFER_KEY = "orientation_sheet"
# Rasa (Sanic) does not percent-decode /conversations/<id>: keep what is legal in a path segment as it is.
_PATH_SAFE = "!$&'()*+,;=:@-._~"


class RasaUnavailable(RuntimeError):
    """Rasa could not be reached or refused the call."""


@dataclass(frozen=True)
class Tokens:
    """The secrets a caller may present (`Authorization: Bearer …`)."""

    rasa: str
    tchap: str


def normalized_reference(value: str) -> str | None:
    """« 7kq2-m9xd-pw3a » → « 7KQ2-M9XD-PW3A »; None when it is not a reference."""
    reference = value.strip().upper()
    return reference if REFERENCE.fullmatch(reference) else None


def _same(given: str, expected: str) -> bool:
    return bool(expected) and hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def may_read(conversation_id: str, bearer: str, tokens: Tokens) -> bool:
    """Whether a caller proving `bearer` (or nothing) may ask for sheets of `conversation_id`."""
    if not conversation_id or len(conversation_id) > MAX_CONVERSATION_ID or not conversation_id.isprintable():
        return False
    if _same(bearer, tokens.rasa):
        return True
    if _same(bearer, tokens.tchap):
        return conversation_id.startswith(TCHAP_PREFIX)
    if conversation_id.startswith("socketio-"):
        return WIDGET_CONVERSATION.fullmatch(conversation_id) is not None
    return not conversation_id.startswith(RESERVED_PREFIXES)


@dataclass(frozen=True)
class FoundVerdict:
    record: dict[str, Any]
    version: str | None  # the fact base's fingerprint written in the sheet's offer, if any


def find_verdict(events: list[dict[str, Any]], reference: str) -> FoundVerdict | None:
    """The verdict record kept under `reference` (each verdict of the conversation has its own)."""
    record = None
    version = None
    for event in events:
        if event.get("event") == "slot" and event.get("name") == LAST_CHECK:
            value = event.get("value")
            if isinstance(value, dict) and value.get("reference") == reference:
                record = value
        elif event.get("event") == "bot":
            offer = ((event.get("data") or {}).get("custom") or {}).get(OFFER_KEY)
            if isinstance(offer, dict) and offer.get("reference") == reference:
                version = str(offer.get("version") or "") or None
    return FoundVerdict(record, version) if record is not None else None


class RasaReader:
    """Reads a conversation's events through Rasa's HTTP API."""

    def __init__(self, base_url: str, token: str, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def events(self, conversation_id: str) -> list[dict[str, Any]]:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self.timeout)
        url = f"{self.base_url}/conversations/{quote(conversation_id, safe=_PATH_SAFE)}/tracker"
        try:
            async with self._session.get(url, params={"token": self.token, "include_events": "ALL"}) as response:
                if response.status != 200:
                    raise RasaUnavailable(f"Rasa a répondu {response.status}")
                tracker = await response.json()
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            raise RasaUnavailable(str(error) or type(error).__name__) from error
        events = tracker.get("events") if isinstance(tracker, dict) else None
        return [event for event in events or [] if isinstance(event, dict)]

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
