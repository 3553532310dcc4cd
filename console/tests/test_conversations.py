"""Conversations list, filters, transcript, review and tags (read from a Rasa-schema tracker store)."""
from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape


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
    # « Pas sûr »: the assistant answered that it was not sure (here Rasa's fallback), as the statistics count it.
    assert _listed(client.get("/conversations?pas_sur=oui").text) == {"c-fallback", "c-faqfail"}
    assert _listed(client.get("/conversations?pas_sur=non").text) == {"c-faq", "c-scope", "c-other"}
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
    page = client.get("/conversations?du=pas-une-date&verdict=<b>&pas_sur=peut-etre&q=<script>x" + "y" * 5000)
    assert page.status_code == 200
    assert "&lt;script&gt;x" in page.text and "<script>x" not in page.text
    assert "0 conversation" in page.text


def test_transcript_shows_intents_faq_keys_confidence_slots_verdict(agent):
    client, _ = agent
    page = client.get("/conversations/c-fallback").text
    assert "ma licorne administrative veut du cloud" in page
    # French names, not identifiers: the reading, the FAQ question's title with the selector's confidence.
    assert 'Lu comme : <span class="msg__label">Non compris</span> <span class="confidence">0.31' in page
    assert "Les collectivités sont-elles concernées ?</span> <span class=\"confidence\">0.22" in page
    assert "nlu_fallback</" not in page and ">faq/collectivites<" not in page
    assert "<p>Je n'ai pas compris.</p>" in page
    # System events are folded in a group, named in French.
    assert "<summary>2 événements techniques</summary>" in page
    assert "Repli : message non compris" in page and "variable « Conseiller demandé » = Oui" in page
    assert "handoff_requested" not in page and "action_default_fallback" not in page
    scope = client.get("/conversations/c-scope").text
    assert 'id="verdict">Concerné<' in scope
    assert "<dt>Type d'organisme</dt><dd>administration_centrale</dd>" in unescape(scope)
    assert "<dt>Verdict du test d'éligibilité</dt><dd>Concerné</dd>" in unescape(scope)


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
    client.post("/conversations/c-faq/tags", data={"csrf_token": token, "tag": "urgent"})
    page = unescape(client.get("/conversations/c-scope").text)
    assert page.count('aria-label="Retirer l\'étiquette à suivre">à suivre</button>') == 1
    # Existing tags are offered (the ones it does not have yet).
    assert '<datalist id="known-tags"><option value="urgent"></option></datalist>' in page
    assert _listed(client.get("/conversations?etiquette=à suivre").text) == {"c-scope"}
    empty = client.post("/conversations/c-scope/tags", data={"csrf_token": token, "tag": "   "})
    assert empty.status_code == 303
    assert "L&#39;étiquette est vide." in client.get("/conversations/c-scope").text
    client.post("/conversations/c-scope/tags/remove", data={"csrf_token": token, "tag": "à suivre"})
    page = unescape(client.get("/conversations/c-scope").text)
    assert "Étiquette « à suivre » retirée." in page and "Retirer l'étiquette à suivre" not in page
    assert _listed(client.get("/conversations?etiquette=à suivre").text) == set()
    again = client.post("/conversations/c-scope/tags/remove", data={"csrf_token": token, "tag": "à suivre"})
    assert again.status_code == 303
    assert "n&#39;a pas l&#39;étiquette « à suivre »" in client.get("/conversations/c-scope").text


def test_empty_tracker_store(agent, settings, tmp_path):
    client, _ = agent
    settings_missing = tmp_path / "absent.db"
    from console_app.tracker import TrackerReader, make_tracker_engine
    client.app.state.reader = TrackerReader(make_tracker_engine(f"sqlite:///{settings_missing}"), 0.5)
    page = client.get("/conversations")
    assert page.status_code == 200 and "Aucune conversation enregistrée" in page.text


def test_audit_records_actions_in_french_and_is_admin_only(client):
    from conftest import login
    token = login(client)
    client.post("/conversations/c-faq/review", data={"csrf_token": token, "reviewed": "1"})
    client.post("/logout", data={"csrf_token": token})
    login(client, "admin")
    page = client.get("/audit").text
    for label in ("Connexion", "Revue d&#39;une conversation", "Déconnexion"):
        assert f"<td>{label}</td>" in page
    assert "<td>alice</td>" in page
    assert "4 actions" in page  # login, review, logout, login


def test_audit_is_paginated(admin, app):
    from console_app.queries import audit
    for n in range(120):
        audit(app.state.engine, "alice", "tag", f"c-{n}", "x")
    client, _ = admin
    first = client.get("/audit").text
    assert "1 à 50 sur 121 actions" in first and ">c-119<" in first and ">c-69<" not in first
    last = client.get("/audit?page=3").text
    assert "101 à 121 sur 121 actions" in last and ">c-0<" in last
    assert 'aria-label="Pagination : journal"' in first


def test_list_is_paginated_keeping_filters(agent, tracker):
    for n in range(55):
        tracker.user(f"c-many-{n:02d}", "Bonjour", "greet", 0.99)
    client, _ = agent
    first = client.get("/conversations").text
    assert "1 à 50 sur 60 conversations" in first and len(_listed(first)) == 50
    second = client.get("/conversations?page=2").text
    assert "51 à 60 sur 60 conversations" in second and len(_listed(second)) == 10
    assert not _listed(first) & _listed(second)
    filtered = client.get("/conversations?q=bonjour").text
    assert "1 à 50 sur 55 conversations" in filtered
    assert "q=bonjour&amp;page=2" in filtered  # page links keep the filters


def test_console_tries_hidden_unless_asked(agent, tracker):
    tracker.user("console-essai-alice-42", "Bonjour", "greet", 0.99, channel="rest")
    client, _ = agent
    assert "console-essai-alice-42" not in _listed(client.get("/conversations").text)
    assert _listed(client.get("/conversations?essais=seuls").text) == {"console-essai-alice-42"}


def test_transcript_renders_bold_and_links_like_the_widget_and_titles(agent, tracker):
    tracker.bot("c-faq", "Le programme **Adoption du Cloud de confiance**.\nSource : https://www.numerique.gouv.fr/x")
    client, _ = agent
    page = client.get("/conversations/c-faq").text
    assert "<strong>Adoption du Cloud de confiance</strong>" in page
    assert '<a href="https://www.numerique.gouv.fr/x" target="_blank" rel="noopener noreferrer"' in page
    assert 'Lu comme : <span class="msg__label">Existe-t-il un financement pour le cloud ?</span>' in page
    assert 'id="channel">API REST<' in page


def test_user_messages_stay_plain_text_and_long_ones_fold(agent, tracker):
    tracker.user("c-long", "**pas du gras** " + "mot " * 200, "nlu_fallback", 0.1)
    client, _ = agent
    page = client.get("/conversations/c-long").text
    assert "<strong>pas du gras" not in page and "**pas du gras**" in page
    assert '<div class="msg__text" data-fold>**pas du gras**' in page


def test_button_clicks_are_understood_not_flagged(agent, tracker):
    """A click on a question button (`/faq{"faq_key": …}`) is the FAQ question it names, with certainty."""
    tracker.add("c-button", {"event": "user", "text": '/faq{"faq_key":"collectivites"}', "input_channel": "socketio",
                             "parse_data": {"intent": {"name": "faq", "confidence": 1.0},
                                            "entities": [{"entity": "faq_key", "value": "collectivites"}]}})
    client, _ = agent
    assert "c-button" in _listed(client.get("/conversations?pas_sur=non").text)
    page = client.get("/conversations/c-button").text
    assert 'Lu comme : <span class="msg__label">Les collectivités sont-elles concernées ?</span> <span class="confidence">1.00' in page
