"""Integration: the real Rasa stack (ops/stack.sh, free ports, temporary state) with the Mattermost channel
from credentials.yml, fed with Mattermost-shaped payloads and answering into a fake Mattermost API.

Needs a trained model (`make test-mattermost-stack` depends on `make train`).
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests
from fake_mattermost import FakeMattermost, buttons_of, free_port

REPO = Path(__file__).resolve().parents[2]
CHANNEL_ID = "qmd5oqtwoibz8cuzxzg5ekshgr"
TIMEOUT = 120
EXTRA_START_WAIT = 420


@dataclass
class Stack:
    rasa_url: str
    rasa_token: str
    webhook_token: str
    fake: FakeMattermost

    def webhook(self, user_id: str, text: str) -> requests.Response:
        """An outgoing webhook (form-encoded, trigger word « cloud ») as Mattermost posts it."""
        form = {
            "token": self.webhook_token,
            "team_id": "rdc9bgriktyx9p4kowh3dmgqyc",
            "team_domain": "dinum",
            "channel_id": CHANNEL_ID,
            "channel_name": "cloud-au-centre",
            "timestamp": "1732800000",
            "user_id": user_id,
            "user_name": "agent.public",
            "post_id": secrets.token_hex(13),
            "text": f"cloud {text}",
            "trigger_word": "cloud",
            "file_ids": "",
        }
        return requests.post(f"{self.rasa_url}/webhooks/mattermost/webhook", data=form, timeout=TIMEOUT)

    def click(self, user_id: str, action: dict[str, Any]) -> requests.Response:
        """What Mattermost posts to the button's integration URL when the user clicks it."""
        body = {
            "user_id": user_id,
            "user_name": "agent.public",
            "channel_id": CHANNEL_ID,
            "channel_name": "cloud-au-centre",
            "team_id": "rdc9bgriktyx9p4kowh3dmgqyc",
            "team_domain": "dinum",
            "post_id": secrets.token_hex(13),
            "trigger_id": "dHJpZ2dlcg==",
            "type": "",
            "data_source": "",
            "context": action["integration"]["context"],
        }
        return requests.post(action["integration"]["url"], json=body, timeout=TIMEOUT)


def wait_until_up(url: str, seconds: float) -> bool:
    """Poll a health URL until it answers 200 or the time is up."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if requests.get(url, timeout=5).status_code == 200:
                return True
        except requests.RequestException:
            pass
        if time.monotonic() >= deadline:
            return False
        time.sleep(1)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    bot_token = secrets.token_hex(16)
    fake = FakeMattermost(bot_token).start()
    state = tmp_path_factory.mktemp("mattermost-stack")
    rasa_port, actions_port = free_port(), free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("MATTERMOST_", "RASA_URL", "STATE_DIR", "ACTION_ENDPOINT_URL"))
    }
    env.update(
        RASA_PORT=str(rasa_port),
        ACTIONS_PORT=str(actions_port),
        RASA_AUTH_TOKEN=secrets.token_hex(16),
        TRACKER_DB=str(state / "tracker.db"),
        MATTERMOST_URL=fake.url,
        MATTERMOST_BOT_TOKEN=bot_token,
        MATTERMOST_WEBHOOK_TOKEN=secrets.token_hex(16),
        MATTERMOST_ACTIONS_URL=f"http://127.0.0.1:{rasa_port}/webhooks/mattermost/actions",
    )
    started = subprocess.run(["ops/stack.sh", "start", str(state)], cwd=REPO, env=env, timeout=600)
    try:
        if started.returncode != 0:  # on a busy machine loading the model outlasts the script's own wait
            wait_until_up(f"http://127.0.0.1:{rasa_port}/status?token={env['RASA_AUTH_TOKEN']}", EXTRA_START_WAIT)
        assert wait_until_up(f"http://127.0.0.1:{actions_port}/health", 5), f"serveur d'actions absent ({state})"
        assert wait_until_up(f"http://127.0.0.1:{rasa_port}/status?token={env['RASA_AUTH_TOKEN']}", 5), (
            f"la pile Rasa n'a pas démarré (journaux dans {state})"
        )
        yield Stack(f"http://127.0.0.1:{rasa_port}", env["RASA_AUTH_TOKEN"], env["MATTERMOST_WEBHOOK_TOKEN"], fake)
    finally:
        subprocess.run(["ops/stack.sh", "stop", str(state)], cwd=REPO, env=env, timeout=120)
        fake.stop()


def test_wrong_token_is_refused_by_the_running_channel(stack: Stack) -> None:
    good = stack.webhook_token
    stack.webhook_token = "pas-le-bon-jeton"
    try:
        assert stack.webhook("u0wrongtoken00000000000000", "Bonjour").status_code == 401
    finally:
        stack.webhook_token = good


def test_faq_question_gets_the_sourced_answer_in_mattermost(stack: Stack) -> None:
    before = len(stack.fake.posts())
    resp = stack.webhook("u1faq000000000000000000000", "Les collectivités sont-elles concernées ?")
    assert resp.status_code == 200
    answer = stack.fake.wait_for_post(lambda p: "Source" in p.get("message", ""), after=before, timeout=TIMEOUT)
    assert answer["channel_id"] == CHANNEL_ID
    assert "collectivit" in answer["message"].lower()
    # The first answer of a conversation starts with the AI Act notice (actions/session.py).
    first = stack.fake.posts()[before]["message"]
    assert "assistant automatique" in first and "données personnelles" in first, first


def pick(actions: list[dict[str, Any]], *preferred: str) -> dict[str, Any]:
    """The button whose title starts with one of the preferred words, else the first one."""
    for word in preferred:
        for action in actions:
            if action["name"].lower().startswith(word):
                return action
    return actions[0]


def test_scope_check_by_button_clicks(stack: Stack) -> None:
    user = "u2scope00000000000000000000"[:26]
    before = len(stack.fake.posts())
    assert stack.webhook(user, "mon projet est-il concerné ?").status_code == 200
    question = stack.fake.wait_for_post(lambda p: bool(buttons_of(p)), after=before, timeout=TIMEOUT)
    chosen_titles = []
    for preferred in (("administration",), ("oui",)):
        action = pick(buttons_of(question), *preferred)
        before = len(stack.fake.posts())
        clicked = stack.click(user, action)
        assert clicked.status_code == 200, clicked.text
        update = clicked.json()["update"]
        assert action["name"] in update["message"] and update["props"] == {}
        chosen_titles.append(action["name"])
        if preferred == ("oui",):
            break
        question = stack.fake.wait_for_post(lambda p: bool(buttons_of(p)), after=before, timeout=TIMEOUT)
    verdict = stack.fake.wait_for_post(
        lambda p: re.search(r"concerné|hors du champ", p.get("message", "")) is not None,
        after=before,
        timeout=TIMEOUT,
    )
    assert verdict["channel_id"] == CHANNEL_ID
    assert chosen_titles[0].lower().startswith("administration")


def test_support_agent_takeover_reply_reaches_mattermost(stack: Stack) -> None:
    user = "u3takeover0000000000000000"
    assert stack.webhook(user, "Bonjour").status_code == 200
    # Encoded the way a JavaScript console would (encodeURIComponent): the id must survive it unchanged.
    conversation = quote(f"mattermost_{CHANNEL_ID}_{user}", safe="")
    assert conversation == f"mattermost_{CHANNEL_ID}_{user}"
    events_url = f"{stack.rasa_url}/conversations/{conversation}/tracker/events"
    auth = {"token": stack.rasa_token}
    assert requests.post(events_url, params=auth, json={"event": "pause"}, timeout=TIMEOUT).ok
    before = len(stack.fake.posts())
    reply = {"event": "bot", "text": "Bonjour, ici Alice du support DINUM.", "metadata": {"agent": "Alice"}}
    params = dict(auth, execute_side_effects="true", output_channel="latest")
    resp = requests.post(events_url, params=params, json=reply, timeout=TIMEOUT)
    assert resp.ok, resp.text
    post = stack.fake.wait_for_post(lambda p: "ici Alice" in p.get("message", ""), after=before, timeout=30)
    assert post["channel_id"] == CHANNEL_ID
    assert requests.post(events_url, params=auth, json={"event": "resume"}, timeout=TIMEOUT).ok
