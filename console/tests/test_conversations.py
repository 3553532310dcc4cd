"""Conversations list, filters, transcript, review and tags (read from a Rasa-schema tracker store)."""
from __future__ import annotations

import re
from datetime import date, timedelta


def _listed(page: str) -> set[str]:
    return set(re.findall(r'<tr data-sender="([^"]+)"', page))


def test_list_shows_every_conversation(agent):
    client, _ = agent
    page = client.get("/conversations")
    assert page.status_code == 200
    assert _listed(page.text) == {"c-faq", "c-fallback", "c-scope", "c-other", "c-faqfail"}
    assert "5 conversations" in page.text


def test_filters(agent):
    client, _ = agent
    assert _listed(client.get("/conversations?repli=oui").text) == {"c-fallback", "c-other", "c-faqfail"}
    assert _listed(client.get("/conversations?repli=non").text) == {"c-faq", "c-scope"}
    assert _listed(client.get("/conversations?humain=oui").text) == {"c-fallback"}
    assert _listed(client.get("/conversations?verdict=concerne").text) == {"c-scope"}
    assert "c-scope" not in _listed(client.get("/conversations?verdict=aucun").text)
    assert _listed(client.get("/conversations?canal=rest").text) == {"c-faq"}
    assert _listed(client.get("/conversations?q=LICORNE").text) == {"c-fallback", "c-other"}
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    assert _listed(client.get(f"/conversations?du={tomorrow}").text) == set()
    today = (date.today() - timedelta(days=1)).isoformat()
    assert len(_listed(client.get(f"/conversations?du={today}&au={tomorrow}").text)) == 5


def test_bad_filter_values_are_harmless(agent):
    client, _ = agent
    page = client.get("/conversations?du=pas-une-date&verdict=<b>&repli=peut-etre&q=<script>x" + "y" * 5000)
    assert page.status_code == 200
    assert "&lt;script&gt;x" in page.text and "<script>x" not in page.text
    assert "0 conversation" in page.text


def test_transcript_shows_intents_faq_keys_confidence_slots_verdict(agent):
    client, _ = agent
    page = client.get("/conversations/c-fallback").text
    assert "ma licorne administrative veut du cloud" in page
    assert "nlu_fallback" in page and "0.31" in page
    assert "faq/collectivites" in page and "0.22" in page  # FAQ key with the selector's confidence
    assert "Je n&#39;ai pas compris." in page
    assert "handoff_requested" in page
    scope = client.get("/conversations/c-scope").text
    assert 'id="verdict">Concerné<' in scope
    assert "administration_centrale" in scope


def test_transcript_escapes_html(agent, tracker):
    tracker.user("c-xss", "<img src=x onerror=alert(1)>", "out_of_scope", 0.9)
    client, _ = agent
    page = client.get("/conversations/c-xss").text
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


def test_unknown_conversation_404(agent):
    client, _ = agent
    assert client.get("/conversations/inconnue").status_code == 404


def test_mark_reviewed_and_filter(agent):
    client, token = agent
    response = client.post("/conversations/c-faq/review", data={"csrf_token": token, "reviewed": "1"})
    assert response.status_code == 303
    assert "Revue par alice" in client.get("/conversations/c-faq").text
    assert _listed(client.get("/conversations?revue=oui").text) == {"c-faq"}
    assert "c-faq" not in _listed(client.get("/conversations?revue=non").text)
    client.post("/conversations/c-faq/review", data={"csrf_token": token, "reviewed": "0"})
    assert _listed(client.get("/conversations?revue=oui").text) == set()


def test_add_tag(agent):
    client, token = agent
    client.post("/conversations/c-scope/tags", data={"csrf_token": token, "tag": "  à   suivre "})
    client.post("/conversations/c-scope/tags", data={"csrf_token": token, "tag": "à suivre"})  # duplicate ignored
    page = client.get("/conversations/c-scope").text
    assert page.count('<p class="fr-tag">à suivre</p>') == 1
    assert _listed(client.get("/conversations?etiquette=à suivre").text) == {"c-scope"}
    empty = client.post("/conversations/c-scope/tags", data={"csrf_token": token, "tag": "   "})
    assert empty.status_code == 303
    assert "L&#39;étiquette est vide." in client.get("/conversations/c-scope").text


def test_empty_tracker_store(agent, settings, tmp_path):
    client, _ = agent
    settings_missing = tmp_path / "absent.db"
    from console_app.tracker import TrackerReader, make_tracker_engine
    client.app.state.reader = TrackerReader(make_tracker_engine(f"sqlite:///{settings_missing}"), 0.5)
    page = client.get("/conversations")
    assert page.status_code == 200 and "Aucune conversation enregistrée" in page.text


def test_audit_records_actions_and_is_admin_only(client):
    from conftest import login
    token = login(client)
    client.post("/conversations/c-faq/review", data={"csrf_token": token, "reviewed": "1"})
    client.post("/logout", data={"csrf_token": token})
    login(client, "admin")
    page = client.get("/audit").text
    for action in ("login", "review", "logout"):
        assert f"<td>{action}</td>" in page
    assert "<td>alice</td>" in page
