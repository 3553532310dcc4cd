"""Server-side client of Rasa's HTTP API. The token stays here: it is never sent to a browser."""
from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

# Rasa (Sanic) does not percent-decode /conversations/<id>: keep every character legal in a path segment
# as is (Tchap room ids "!abc:server", Mattermost ids) and only encode what would change the URL.
_PATH_SAFE = "!$&'()*+,;=:@-._~"


def conversation_path(sender_id: str) -> str:
    return "/conversations/" + quote(sender_id, safe=_PATH_SAFE)


class RasaError(RuntimeError):
    """Rasa could not be reached or refused the call (message in French for the agent)."""


class RasaClient:
    def __init__(self, base_url: str, token: str, timeout: float = 15.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout

    async def _request(self, method: str, path: str, timeout: float | None = None, **kwargs: Any) -> Any:
        params = dict(kwargs.pop("params", {}) or {})
        if self.token:
            params["token"] = self.token
        try:
            async with httpx.AsyncClient(base_url=self.base_url, timeout=timeout or self.timeout) as client:
                response = await client.request(method, path, params=params, **kwargs)
        except httpx.HTTPError as exc:
            raise RasaError(f"Le serveur Rasa est injoignable ({type(exc).__name__}).") from exc
        if response.status_code >= 400:
            raise RasaError(f"Rasa a refusé la demande (HTTP {response.status_code}) : {response.text[:300]}")
        return response.json() if response.content else None

    async def status(self) -> dict[str, Any]:
        return await self._request("GET", "/status")

    async def tracker(self, sender_id: str) -> dict[str, Any]:
        return await self._request("GET", conversation_path(sender_id) + "/tracker")

    async def append_events(self, sender_id: str, events: list[dict[str, Any]]) -> Any:
        """Append events; bot events are also delivered on the person's latest channel (side effects)."""
        return await self._request(
            "POST", conversation_path(sender_id) + "/tracker/events",
            params={"execute_side_effects": "true", "output_channel": "latest"}, json=events)

    async def send_message(self, sender_id: str, text: str) -> list[dict[str, Any]]:
        """Talk to the assistant as a person would, on the REST channel; returns its replies."""
        replies = await self._request("POST", "/webhooks/rest/webhook", timeout=60,
                                      json={"sender": sender_id, "message": text})
        return [r for r in replies or [] if isinstance(r, dict)]
