"""Takeover API: queue, take, reply, hand back, timeout. Rasa's HTTP API is replaced by a recorder that
also writes the events into the tracker store, as Rasa would (the real round trip is in tests/browser)."""
from __future__ import annotations

import asyncio
from typing import Any

import pytest
from console_app.rasa_api import RasaClient


@pytest.fixture()
def rasa_calls(monkeypatch, tracker) -> list[tuple[str, str, Any]]:
    calls: list[tuple[str, str, Any]] = []

    async def fake_request(self, method, path, timeout=None, **kwargs):
        calls.append((method, path, kwargs.get("json")))
        if path.endswith("/tracker/events"):
            assert kwargs["params"]["execute_side_effects"] == "true"
            assert kwargs["params"]["output_channel"] == "latest"
            sender = path.split("/")[2]
            for event in kwargs["json"]:
                tracker.add(sender, dict(event))
        return {}

    monkeypatch.setattr(RasaClient, "_request", fake_request)
    return calls


@pytest.fixture()
def paused(tracker):
    tracker.add("c-fallback", {"event": "pause"})
    return "c-fallback"


def test_queue_lists_paused_handoff(agent, paused, rasa_calls):
    client, _ = agent
    items = client.get("/api/queue").json()["items"]
    assert [(i["sender_id"], i["status"]) for i in items] == [("c-fallback", "waiting")]
    assert items[0]["last_text"]


def test_full_round_trip(agent, paused, rasa_calls, tracker):
    client, token = agent
    headers = {"X-CSRF-Token": token}
    assert client.post("/api/conversations/c-fallback/reply", headers=headers, json={"text": "x"}).status_code == 409
    assert client.post("/api/conversations/c-fallback/take", headers=headers).json() == {"ok": True}
    # The person reads the agent's display name, not the login « alice » (kept for the console only).
    assert rasa_calls[-1][2] == [{"event": "bot", "text": "Un conseiller, Alice M., a rejoint la conversation.",
                                  "metadata": {"agent": "alice"}}]
    assert client.get("/api/queue").json()["items"][0]["status"] == "active"
    r = client.post("/api/conversations/c-fallback/reply", headers=headers, json={"text": "Bonjour, je regarde."})
    assert r.status_code == 200
    assert rasa_calls[-1][2] == [{"event": "bot", "text": "Bonjour, je regarde.", "metadata": {"agent": "alice"}}]
    tracker.user("c-fallback", "merci beaucoup", "thanks", 0.99)
    events = client.get("/api/conversations/c-fallback/events?after=0").json()
    texts = [(e["kind"], e["text"], e["agent"]) for e in events["events"]]
    assert ("bot", "Bonjour, je regarde.", "alice") in texts and ("user", "merci beaucoup", "") == texts[-1]
    assert events["paused"] and events["agent"] == "alice"
    later = client.get(f"/api/conversations/c-fallback/events?after={events['last_id']}").json()
    assert later["events"] == []
    assert client.post("/api/conversations/c-fallback/handback", headers=headers).status_code == 200
    assert rasa_calls[-1][2] == [
        {"event": "bot", "text": "L'assistant reprend la conversation.", "metadata": {"agent": "alice"}},
        {"event": "slot", "name": "handoff_requested", "value": False}, {"event": "resume"}]
    assert client.get("/api/queue").json()["items"] == []
    audit = [a for a in ("takeover", "handback")]
    client.post("/logout", data={"csrf_token": token})
    from conftest import login
    login(client, "admin")
    page = client.get("/audit").text
    assert all(f"<td>{a}</td>" in page for a in audit)


def test_reply_validation(agent, paused, rasa_calls):
    client, token = agent
    headers = {"X-CSRF-Token": token}
    client.post("/api/conversations/c-fallback/take", headers=headers)
    for body in ({"text": ""}, {"text": 12}, {"text": "x" * 2001}, ["liste"]):
        r = client.post("/api/conversations/c-fallback/reply", headers=headers, json=body)
        assert r.status_code == 409 and r.json()["error"]
    r = client.post("/api/conversations/c-fallback/reply", headers=headers, content=b"\xff\xfe pas du json")
    assert r.status_code == 409


def test_other_agent_cannot_reply(client, paused, rasa_calls, app):
    from conftest import login
    token = login(client, "admin")
    client.post("/api/conversations/c-fallback/take", headers={"X-CSRF-Token": token})
    client.post("/logout", data={"csrf_token": token})
    token = login(client, "alice")
    r = client.post("/api/conversations/c-fallback/reply", headers={"X-CSRF-Token": token}, json={"text": "hop"})
    assert r.status_code == 409 and "admin" in r.json()["error"]
    r = client.post("/api/conversations/c-fallback/take", headers={"X-CSRF-Token": token})
    assert r.status_code == 409


def test_not_waiting_conversation_cannot_be_taken(agent, rasa_calls):
    client, token = agent
    r = client.post("/api/conversations/c-faq/take", headers={"X-CSRF-Token": token})
    assert r.status_code == 409 and "n'attend pas" in r.json()["error"]


def test_timeout_gives_contact_and_resumes(app, paused, rasa_calls):
    service = app.state.takeover
    service.timeout = 0
    assert asyncio.run(service.expire_waiting()) == ["c-fallback"]
    events = rasa_calls[-1][2]
    assert "infonuage.dinum@modernisation.gouv.fr" in events[0]["text"]
    assert events[1:] == [{"event": "slot", "name": "handoff_requested", "value": False}, {"event": "resume"}]
    assert asyncio.run(service.expire_waiting()) == []
    assert service.queue() == []


def test_rasa_down_gives_clean_error(agent, paused):
    client, token = agent
    r = client.post("/api/conversations/c-fallback/take", headers={"X-CSRF-Token": token})
    assert r.status_code == 502 and "injoignable" in r.json()["error"]


def test_rasa_down_keeps_request_waiting_for_retry(app, paused):
    service = app.state.takeover
    service.timeout = 0
    from console_app.rasa_api import RasaError
    with pytest.raises(RasaError):
        asyncio.run(service.expire_waiting())
    assert [i.status for i in service.queue()] == ["waiting"]


def test_conversation_path_keeps_matrix_and_socket_ids():
    from console_app.rasa_api import conversation_path
    assert conversation_path("!AbC:agent.tchap.gouv.fr") == "/conversations/!AbC:agent.tchap.gouv.fr"
    assert conversation_path("mattermost_ch_u") == "/conversations/mattermost_ch_u"
    assert conversation_path("a/b?c#d") == "/conversations/a%2Fb%3Fc%23d"
