"""Orientation sheets in the console: found by reference, the conversation shown, the PDF produced again
(asked of the sheet's door with Rasa's token, never from the browser) and audited; an unknown reference
says it expired or does not exist."""

from __future__ import annotations

from typing import Any

from conftest import Tracker
from console_app.db import audit_log
from console_app.routes import sheets as sheets_route
from sqlalchemy import select
from starlette.testclient import TestClient

REFERENCE = "7KQ2-M9XD-PW3A"


def keep_a_verdict(tracker: Tracker) -> None:
    tracker.user("socketio-" + "ab" * 16, "70 %", "inform", 0.9)
    tracker.slot("socketio-" + "ab" * 16, "last_check", {
        "reference": REFERENCE, "timestamp": 1765101600.0, "verdict": "concerne", "criterion": "refonte_plus",
        "sections": ["A3"], "organisation": "Centre national de la recherche scientifique (CNRS)",
        "answers": [{"question": "refactor_percentage", "text": "70 %",
                     "reading": "70 % : refonte de plus de 50 % de l'existant"}]})


def test_a_reference_finds_its_verdict_and_conversation(agent: tuple[TestClient, str], tracker: Tracker) -> None:
    client, _ = agent
    keep_a_verdict(tracker)
    page = client.get("/fiches", params={"reference": REFERENCE.lower()}).text
    assert "Fiche 7KQ2-M9XD-PW3A" in page and "verdict : <strong>Concerné</strong>" in page
    assert "« 70 % » : 70 % : refonte de plus de 50 % de l&#39;existant" in page
    assert f'href="/conversations/socketio-{"ab" * 16}"' in page
    assert f'href="/fiches/{REFERENCE}.pdf"' in page


def test_an_unknown_or_purged_reference_says_expired_or_unknown(agent: tuple[TestClient, str]) -> None:
    client, _ = agent
    page = client.get("/fiches", params={"reference": "0000-1111-2222"}).text
    assert "Fiche expirée ou inconnue" in page and "supprimées après 30 jours" in page
    assert "Ce n'est pas une référence" in client.get("/fiches", params={"reference": "n'importe quoi"}).text


def test_producing_the_pdf_asks_the_door_with_the_conversation_and_is_audited(
        agent: tuple[TestClient, str], tracker: Tracker, app: Any, monkeypatch: Any) -> None:
    client, _ = agent
    keep_a_verdict(tracker)
    asked: list[tuple[str, str, str, str]] = []

    async def door(sheets_url: str, token: str, sender_id: str, reference: str) -> bytes:
        asked.append((sheets_url, token, sender_id, reference))
        return b"%PDF-1.7 la fiche"

    monkeypatch.setattr(sheets_route, "fetch_sheet", door)
    response = client.get(f"/fiches/{REFERENCE}.pdf")
    assert response.status_code == 200 and response.content == b"%PDF-1.7 la fiche"
    assert response.headers["content-disposition"] == f'attachment; filename="fiche-orientation-{REFERENCE}.pdf"'
    assert asked == [("http://localhost:5057", "secret-rasa-token-never-in-browser", "socketio-" + "ab" * 16,
                      REFERENCE)]
    with app.state.engine.connect() as conn:
        rows = [dict(row._mapping) for row in conn.execute(select(audit_log))]
    assert any(row["action"] == "fiche d'orientation produite" and row["target"] == "socketio-" + "ab" * 16
               for row in rows), rows


def test_sheets_need_a_login(client: TestClient) -> None:
    assert client.get(f"/fiches/{REFERENCE}.pdf").status_code == 303
    assert client.get("/fiches").status_code == 303
