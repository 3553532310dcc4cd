"""A small client of the running assistant for end-to-end tests: REST channel and HTTP API."""

import json
import urllib.error
import urllib.request
from typing import Any, Dict, List, Tuple

from teststack import Stack


class RasaClient:
    """Talks to the run's Rasa test stack (ops/teststack.py) like a REST channel user and an API client."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack

    @property
    def url(self) -> str:
        return self.stack.url

    def post(self, path: str, body: bytes, content_type: str = "application/json") -> Tuple[int, Any]:
        request = urllib.request.Request(
            self.url + path, data=body, method="POST", headers={"Content-Type": content_type}
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                raw = response.read()
                return response.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as error:
            raw = error.read()
            try:
                return error.code, json.loads(raw)
            except ValueError:
                return error.code, raw.decode("utf-8", "replace")

    def say(self, sender: str, message: Any) -> List[Dict[str, Any]]:
        """Send one message over the REST channel and return the bot's replies (asserting HTTP 200)."""
        status, replies = self.post(
            "/webhooks/rest/webhook", json.dumps({"sender": sender, "message": message}).encode("utf-8")
        )
        assert status == 200, replies
        return replies

    def tracker(self, sender: str) -> Dict[str, Any]:
        url = f"{self.url}/conversations/{sender}/tracker?token={self.stack.token}"
        with urllib.request.urlopen(url, timeout=30) as response:
            return json.loads(response.read())
