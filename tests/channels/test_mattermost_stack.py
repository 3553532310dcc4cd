"""Integration: the run's Rasa test stack (ops/teststack.py) with the Mattermost channel from credentials.yml,
fed with Mattermost-shaped payloads and answering into a fake Mattermost API listening where the stack's
channel posts (TEST_STACK_MATTERMOST_URL).

Needs a trained model (`make test` trains it first).
"""

from __future__ import annotations

import re
import secrets
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
import requests
from fake_mattermost import FakeMattermost, buttons_of
from teststack import Stack as RasaStack

CHANNEL_ID = "qmd5oqtwoibz8cuzxzg5ekshgr"
TIMEOUT = 120


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


@pytest.fixture(scope="module")
def stack(rasa_stack: RasaStack) -> Iterator[Stack]:
    fake = FakeMattermost(rasa_stack.mattermost_bot_token, port=urlsplit(rasa_stack.mattermost_url).port).start()
    try:
        yield Stack(rasa_stack.url, rasa_stack.token, rasa_stack.mattermost_webhook_token, fake)
    finally:
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


def test_the_orientation_sheet_is_attached_to_a_post_after_the_verdict(stack: Stack) -> None:
    user = "u4sheet0000000000000000000"
    before = len(stack.fake.posts())
    for text in ("mon projet est-il concerné ?", "un ministère", "non, une refonte", "70 %"):
        assert stack.webhook(user, text).status_code == 200
    offer = stack.fake.wait_for_post(lambda p: "fiche d'orientation (PDF, référence" in p.get("message", ""),
                                     after=before, timeout=TIMEOUT)
    reference = re.search(r"référence ([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})", offer["message"]).group(1)
    def has_this_sheet(post: dict[str, Any]) -> bool:
        files = [stack.fake.files.get(file_id, {}) for file_id in post.get("file_ids") or []]
        return any(f.get("name") == f"fiche-orientation-{reference}.pdf" for f in files)

    attached = stack.fake.wait_for_post(has_this_sheet, after=before, timeout=TIMEOUT)
    assert attached["channel_id"] == CHANNEL_ID and len(attached["file_ids"]) == 1
    upload = stack.fake.files[attached["file_ids"][0]]
    assert upload["name"] == f"fiche-orientation-{reference}.pdf" and upload["channel_id"] == CHANNEL_ID
    assert upload["content_type"] == "application/pdf"
    text = " ".join(pdf_text(upload["content"]).split())
    assert "Votre projet est concerné" in text and "« 70 % »" in text and f"Référence {reference}" in text


def pdf_text(pdf: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(pdf)
        handle.flush()
        return subprocess.run(["pdftotext", handle.name, "-"], check=True, capture_output=True, text=True).stdout


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
