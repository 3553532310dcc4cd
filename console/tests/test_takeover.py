"""Takeover API: queue, take, reply, hand back, timeout. Rasa's HTTP API is replaced by a recorder that
also writes the events into the tracker store, as Rasa would (the real round trip is in tests/browser)."""
from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from console_app.rasa_api import RasaClient
from console_app.takeover import CONTACT

# Before `resume`: without it the next message follows the handoff action and no rule matches it.
LISTEN = {"event": "action", "name": "action_listen"}


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
                tracker.add(sender, dict(event, timestamp=time.time()))  # Rasa stamps them on arrival
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
    assert rasa_calls[-1][2] == [{"event": "bot", "text": "Un conseiller, Alice Martin, a rejoint la conversation.",
                                  "metadata": {"agent": "alice"}}]
    assert client.get("/api/queue").json()["items"][0]["status"] == "active"
    r = client.post("/api/conversations/c-fallback/reply", headers=headers, json={"text": "Bonjour, je regarde."})
    assert r.status_code == 200
    # Marked as written by a person (the widget shows and announces it so), with the public name.
    assert rasa_calls[-1][2] == [{"event": "bot", "text": "Bonjour, je regarde.", "metadata": {
        "agent": "alice", "from_adviser": True, "adviser_name": "Alice Martin"}}]
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
        {"event": "slot", "name": "handoff_requested", "value": False}, LISTEN, {"event": "resume"}]
    assert client.get("/api/queue").json()["items"] == []
    client.post("/logout", data={"csrf_token": token})
    from conftest import login
    login(client, "admin")
    page = client.get("/audit").text
    assert "<td>Conversation prise en charge</td>" in page and "<td>Main rendue à l&#39;assistant</td>" in page


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
    assert events[1:] == [{"event": "slot", "name": "handoff_requested", "value": False}, LISTEN, {"event": "resume"}]
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


def test_agent_without_public_name_is_announced_without_login(client, paused, rasa_calls):
    from conftest import login
    token = login(client, "admin")
    client.post("/api/conversations/c-fallback/take", headers={"X-CSRF-Token": token})
    assert rasa_calls[-1][2][0]["text"] == "Un conseiller a rejoint la conversation."


def _take(client, token, sender="c-fallback"):
    assert client.post(f"/api/conversations/{sender}/take", headers={"X-CSRF-Token": token}).status_code == 200


def test_silent_agent_gives_the_conversation_back(agent, app, paused, rasa_calls, monkeypatch):
    client, token = agent
    _take(client, token)
    service = app.state.takeover
    assert asyncio.run(service.expire_idle()) == []  # just taken
    item = client.get("/api/queue").json()["items"][0]
    assert item["status"] == "active" and 590 <= item["returns_in_seconds"] <= 600
    clock = time.time()
    monkeypatch.setattr("console_app.takeover.time.time", lambda: clock + 601)
    assert asyncio.run(service.expire_idle()) == ["c-fallback"]
    events = rasa_calls[-1][2]
    assert "Le conseiller n'est plus disponible" in events[0]["text"] and CONTACT in events[0]["text"]
    assert events[1:] == [{"event": "slot", "name": "handoff_requested", "value": False}, LISTEN, {"event": "resume"}]
    assert service.queue() == []
    r = client.post("/api/conversations/c-fallback/reply", headers={"X-CSRF-Token": token}, json={"text": "trop tard"})
    assert r.status_code == 409
    assert asyncio.run(service.expire_idle()) == []  # once


def test_each_agent_message_restarts_the_idle_clock(agent, app, paused, rasa_calls, monkeypatch):
    client, token = agent
    _take(client, token)
    clock = time.time()
    monkeypatch.setattr("console_app.takeover.time.time", lambda: clock + 500)
    client.post("/api/conversations/c-fallback/reply", headers={"X-CSRF-Token": token}, json={"text": "je cherche"})
    monkeypatch.setattr("console_app.takeover.time.time", lambda: clock + 700)
    service = app.state.takeover
    assert asyncio.run(service.expire_idle()) == []  # last message 200 s ago (tracker clock = real time)
    assert 0 < client.get("/api/conversations/c-fallback/events").json()["returns_in_seconds"] <= 600


def test_idle_timeout_is_configurable(settings):
    from console_app.settings import Settings
    env = {"CONSOLE_AGENT_IDLE_TIMEOUT": "90", "CONSOLE_SECRET_KEY": "x"}
    assert Settings.from_env(env).agent_idle_timeout == 90
    assert Settings.from_env({"CONSOLE_SECRET_KEY": "x"}).agent_idle_timeout == 600


def test_rasa_down_keeps_the_agent_in_charge(agent, app, paused, rasa_calls, monkeypatch):
    client, token = agent
    _take(client, token)
    from console_app.rasa_api import RasaError

    async def down(self, *args, **kwargs):
        raise RasaError("Le serveur Rasa est injoignable (ConnectError).")

    monkeypatch.setattr(RasaClient, "_request", down)
    clock = time.time()
    monkeypatch.setattr("console_app.takeover.time.time", lambda: clock + 601)
    assert asyncio.run(app.state.takeover.expire()) == []  # logged, retried at the next tick
    assert [(i.status, i.agent) for i in app.state.takeover.queue()] == [("active", "alice")]


def test_queue_and_takeover_page_show_the_channel(agent, tracker, paused, rasa_calls):
    client, _ = agent
    tracker.user("c-fallback", "toujours là ?", "nlu_fallback", 0.2, channel="socketio")
    item = client.get("/api/queue").json()["items"][0]
    assert (item["channel"], item["live_replies"]) == ("Widget web", True)
    page = client.get("/takeover/c-fallback").text
    assert 'id="takeover-channel">Widget web<' in page and "channel-warning" not in page
    tracker.user("c-fallback", "via l'API", "nlu_fallback", 0.2, channel="rest")
    item = client.get("/api/queue").json()["items"][0]
    assert (item["channel"], item["live_replies"]) == ("API REST", False)
    assert "ne reçoit pas les réponses d'un conseiller" in client.get("/takeover/c-fallback").text


def test_bot_messages_come_with_their_rendering(agent, tracker, paused, rasa_calls):
    client, _ = agent
    tracker.bot("c-fallback", "Voir **ceci** : https://a.fr/x <b>")
    event = client.get("/api/conversations/c-fallback/events").json()["events"][-1]
    assert event["html"].startswith("<p>Voir <strong>ceci</strong> : <a href=\"https://a.fr/x\"")
    assert "&lt;b&gt;" in event["html"] and "<b>" not in event["html"]


def test_queue_card_shows_the_persons_own_last_message(agent, tracker, paused, rasa_calls):
    tracker.bot("c-fallback", "Je vous mets en relation avec un conseiller.", utter_action="utter_handoff_started")
    client, _ = agent
    item = client.get("/api/queue").json()["items"][0]
    assert item["last_text"] == "je veux parler à un humain"  # not the handoff boilerplate
    assert item["messages"] == 3
    page = client.get("/queue").text
    assert "Lire la conversation avant de la prendre" in client.get("/static/console.js").text and "queue" in page


def test_queue_reads_the_index_and_only_the_newer_events(agent, app, tracker, paused, rasa_calls):
    """At a year of traffic the queue (polled every 2 s) must not read the whole events table: it starts
    from the index's state and reads only the pause/resume events written after its watermark."""
    from sqlalchemy import event

    app.state.stats_indexer.refresh()  # the pause is now indexed (stats_senders.paused)
    tracker.user("c-scope", "une autre question", "faq", 0.9, "faq/financement", 0.9)
    tracker.add("c-scope", {"event": "pause"})  # newer than the index: read from the tail
    tracker.slot("c-scope", "handoff_requested", True)
    statements: list[str] = []
    engine = app.state.reader.engine
    listen = lambda conn, cursor, statement, *rest: statements.append(" ".join(statement.split()))  # noqa: E731
    event.listen(engine, "before_cursor_execute", listen)
    try:
        client, _ = agent
        assert {i["sender_id"] for i in client.get("/api/queue").json()["items"]} == {"c-fallback", "c-scope"}
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    on_events = [s for s in statements if " FROM events" in s]
    assert on_events and all("WHERE id > " in s or "WHERE sender_id = " in s for s in on_events), on_events
    # A resume written after the watermark takes the conversation out of the queue.
    tracker.add("c-fallback", {"event": "resume"})
    assert [i["sender_id"] for i in client.get("/api/queue").json()["items"]] == ["c-scope"]


def test_a_slow_rasa_answer_for_one_conversation_does_not_hold_another_s_return(agent, app, tracker, paused,
                                                                                 rasa_calls, monkeypatch):
    """Under load, Rasa may take seconds to take one conversation back: the watcher gives the others back
    meanwhile. Here the unanswered request's call waits for the silent agent's one (at most 3 s, then
    fails as a timed-out Rasa would): one after the other, neither comes back."""
    client, token = agent
    _take(client, token)  # c-fallback: taken, its agent silent
    tracker.user("c-waiting", "je veux parler à quelqu'un", "human_handoff", 0.99)
    tracker.slot("c-waiting", "handoff_requested", True)
    tracker.add("c-waiting", {"event": "pause"})  # nobody takes it
    other_given_back = asyncio.Event()
    from console_app.rasa_api import RasaError
    recorded = RasaClient._request

    async def slow_for_the_waiting_one(self, method, path, timeout=None, **kwargs):
        if "c-waiting" in path:
            try:
                await asyncio.wait_for(other_given_back.wait(), 3)
            except asyncio.TimeoutError:
                raise RasaError("Le serveur Rasa est injoignable (ReadTimeout).") from None
        else:
            other_given_back.set()
        return await recorded(self, method, path, timeout=timeout, **kwargs)

    monkeypatch.setattr(RasaClient, "_request", slow_for_the_waiting_one)
    service = app.state.takeover
    service.timeout = 0
    clock = time.time()
    monkeypatch.setattr("console_app.takeover.time.time", lambda: clock + 601)
    assert sorted(asyncio.run(service.expire())) == ["c-fallback", "c-waiting"]
    assert service.queue() == []
