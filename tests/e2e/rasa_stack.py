"""Start the real action server and Rasa server (ops/stack.sh) on free ports for end-to-end tests."""

import json
import os
import socket
import subprocess
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Stack:
    """A running assistant: its URL, API token and state folder."""

    url: str
    token: str
    state_dir: Path
    env: Dict[str, str]

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
        url = f"{self.url}/conversations/{sender}/tracker?token={self.token}"
        with urllib.request.urlopen(url, timeout=30) as response:
            return json.loads(response.read())


def start_stack(state_dir: Path, rasa_port: int, actions_port: int, extra_env: Optional[Dict[str, str]] = None) -> Stack:
    env = dict(os.environ, RASA_PORT=str(rasa_port), ACTIONS_PORT=str(actions_port), TRACKER_DB=str(state_dir / "tracker.db"))
    env.pop("HANDOFF_ENABLED", None)
    env.update(extra_env or {})
    subprocess.run([str(REPO / "ops" / "stack.sh"), "start", str(state_dir)], check=True, env=env, cwd=REPO)
    token = (state_dir / "rasa_token").read_text().strip()
    return Stack(f"http://127.0.0.1:{rasa_port}", token, state_dir, env)


def stop_stack(stack: Stack) -> None:
    subprocess.run([str(REPO / "ops" / "stack.sh"), "stop", str(stack.state_dir)], check=False, env=stack.env, cwd=REPO)
