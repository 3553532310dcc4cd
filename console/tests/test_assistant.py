"""« Parler à l'assistant »: messages go to Rasa's REST channel, the page gets the replies (rendered) and
what the NLU understood. Rasa's HTTP API is faked here; the real one is in tests/browser."""
from __future__ import annotations

from typing import Any

import pytest
from console_app.rasa_api import RasaClient, RasaError

PARSE = {
    "text": "Existe-t-il un financement pour le cloud ?",
    "intent": {"name": "faq", "confidence": 0.994},
    "intent_ranking": [{"name": "faq", "confidence": 0.994}, {"name": "check_scope", "confidence": 0.004}],
    "response_selector": {"faq": {
        "response": {"intent_response_key": "faq/financement", "confidence": 0.97},
        "ranking": [{"intent_response_key": "faq/financement", "confidence": 0.97},
                    {"intent_response_key": "faq/accompagnement", "confidence": 0.02}]}},
}


@pytest.fixture()
def rasa(monkeypatch) -> list[tuple[str, str, Any]]:
    calls: list[tuple[str, str, Any]] = []

    async def fake_request(self, method, path, timeout=None, **kwargs):
        calls.append((method, path, kwargs.get("json")))
        if path == "/webhooks/rest/webhook":
            return [{"recipient_id": kwargs["json"]["sender"], "text": "Oui : le programme **FTAP**.\n<i>x</i>",
                     "buttons": [{"title": "Par où commencer ?", "payload": "/faq{\"faq_key\":\"par_ou_commencer\"}"}]}]
        return {"latest_message": PARSE}

    monkeypatch.setattr(RasaClient, "_request", fake_request)
    return calls


def test_message_gives_replies_and_understanding(agent, rasa):
    client, token = agent
    page = client.get("/assistant").text
    assert "<h1>Parler à l'assistant</h1>" in page
    r = client.post("/api/assistant/say", headers={"X-CSRF-Token": token}, json={"text": PARSE["text"]})
    assert r.status_code == 200
    data = r.json()
    sender = data["sender_id"]
    assert sender.startswith("console-essai-alice-")
    assert rasa[0] == ("POST", "/webhooks/rest/webhook", {"sender": sender, "message": PARSE["text"]})
    assert rasa[1][1] == f"/conversations/{sender}/tracker"
    nlu = data["nlu"]
    assert (nlu["intent"], nlu["confidence"]) == ("faq", 0.994)
    assert (nlu["faq_key"], nlu["faq_label"], nlu["faq_confidence"]) == (
        "faq/financement", "Existe-t-il un financement pour le cloud ?", 0.97)
    assert nlu["ranking"] == [{"name": "faq/accompagnement", "label": "Accompagnement technique, communauté, formation ?",
                               "confidence": 0.02}]
    [reply] = data["replies"]
    assert reply["html"] == "<p>Oui : le programme <strong>FTAP</strong>.<br>&lt;i&gt;x&lt;/i&gt;</p>"
    assert reply["buttons"][0]["title"] == "Par où commencer ?"
    again = client.post("/api/assistant/say", headers={"X-CSRF-Token": token}, json={"text": "merci"}).json()
    assert again["sender_id"] == sender  # same conversation until « Nouvelle conversation »
    fresh = client.post("/api/assistant/restart", headers={"X-CSRF-Token": token}).json()["sender_id"]
    assert fresh != sender and fresh.startswith("console-essai-alice-")


def test_other_intents_show_their_french_name(agent, rasa, monkeypatch):
    client, token = agent
    PARSE_GREET = {"intent": {"name": "greet", "confidence": 0.91},
                   "intent_ranking": [{"name": "greet", "confidence": 0.91}, {"name": "thanks", "confidence": 0.05}]}
    monkeypatch.setitem(PARSE, "intent", PARSE_GREET["intent"])
    monkeypatch.setitem(PARSE, "intent_ranking", PARSE_GREET["intent_ranking"])
    nlu = client.post("/api/assistant/say", headers={"X-CSRF-Token": token}, json={"text": "salut"}).json()["nlu"]
    assert (nlu["intent_label"], nlu["faq_key"]) == ("Salutation", "")
    assert nlu["ranking"] == [{"name": "thanks", "label": "Remerciement", "confidence": 0.05}]


@pytest.mark.parametrize("body", [{"text": ""}, {"text": "   "}, {"text": 3}, ["x"], {"text": "x" * 1001}])
def test_bad_messages_get_a_french_error(agent, rasa, body):
    client, token = agent
    r = client.post("/api/assistant/say", headers={"X-CSRF-Token": token}, json=body)
    assert r.status_code == 400 and r.json()["error"]
    assert rasa == []


def test_rasa_down_is_a_clean_502(agent, monkeypatch):
    async def down(self, *args, **kwargs):
        raise RasaError("Le serveur Rasa est injoignable (ConnectError).")

    monkeypatch.setattr(RasaClient, "_request", down)
    client, token = agent
    r = client.post("/api/assistant/say", headers={"X-CSRF-Token": token}, json={"text": "bonjour"})
    assert r.status_code == 502 and "injoignable" in r.json()["error"]


def test_button_payload_shows_the_question_it_names(agent, rasa, monkeypatch):
    """A button sends `/faq{"faq_key": …}`: no ResponseSelector output, the key comes from the entity."""
    client, token = agent
    monkeypatch.setitem(PARSE, "intent", {"name": "faq", "confidence": 1.0})
    monkeypatch.setitem(PARSE, "response_selector", {})
    monkeypatch.setitem(PARSE, "entities", [{"entity": "faq_key", "value": "par_ou_commencer"}])
    nlu = client.post("/api/assistant/say", headers={"X-CSRF-Token": token},
                      json={"text": '/faq{"faq_key":"par_ou_commencer"}'}).json()["nlu"]
    assert (nlu["faq_key"], nlu["faq_label"], nlu["faq_confidence"]) == (
        "faq/par_ou_commencer", "Par où commencer ?", 1.0)
