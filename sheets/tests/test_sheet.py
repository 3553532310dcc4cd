"""The sheet's content, its PDF read back as a person's tools read it, and its door's access rules."""

from __future__ import annotations

import asyncio
import re
import subprocess
import time
import zlib
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sheet_service.content import build_sheet, french_date, valid_until
from sheet_service.conversation import Tokens, may_read
from sheet_service.render import sheet_pdf
from sheet_service.server import Settings, create_app

REFERENCE = "7KQ2-M9XD-PW3A"
ISSUED = 1765101600.0  # 7 December 2025, 11:00 in Paris
RECORD: dict[str, Any] = {
    "reference": REFERENCE, "timestamp": ISSUED, "verdict": "concerne", "criterion": "refonte_plus",
    "sections": ["A3", "C", "A1", "B1-R1", "A4", "A12"], "entity_type": "operateur",
    "organisation": "Centre national de la recherche scientifique (CNRS)", "new_project": False,
    "refactor_percentage": 70.0,
    "answers": [
        {"question": "entity_type", "text": "je suis au CNRS",
         "reading": "opérateur ou organisme sous tutelle de l'État : Centre national de la recherche scientifique (CNRS)"},
        {"question": "new_project", "text": "non, une refonte", "reading": "refonte d'un système existant"},
        {"question": "refactor_percentage", "text": "70 %", "reading": "70 % : refonte de plus de 50 % de l'existant"},
    ],
}
WIDGET = "socketio-" + "ab" * 16


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "fiche.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout


def pdf_objects(pdf: bytes) -> bytes:
    """The PDF with its compressed streams (object streams included) inflated, to read its dictionaries."""
    parts = [pdf]
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            parts.append(zlib.decompress(stream))
        except zlib.error:
            pass
    return b"\n".join(parts)


def pdf_info(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "info.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout


def test_the_sheet_says_when_who_what_was_answered_and_why() -> None:
    sheet = build_sheet(RECORD, 30, "abc123abc123")
    assert sheet.checked_on == ("Vérification faite avec l'assistant « Cloud au centre » le 7 décembre 2025 à "
                                "11 h 00 (heure de Paris).")
    assert sheet.who.startswith("Organisme reconnu : Centre national de la recherche scientifique (CNRS), d'après "
                                "la liste des opérateurs de l'État annexée au PLF 2025")
    assert [(a.question, a.given) for a in sheet.answers] == [
        ("Type d'entité", "je suis au CNRS"), ("Nouveau projet ?", "non, une refonte"),
        ("Part de l'existant refondue", "70 %")]
    assert sheet.answers[2].reading == "70 % : refonte de plus de 50 % de l'existant"
    assert sheet.verdict == ("Votre projet est concerné au sens de la FAQ (première orientation, pas un avis "
                             "juridique) : la refonte porte sur plus de 50 % de l'existant.")
    assert sheet.criterion == "Critère décisif : la refonte porte sur plus de 50 % de l'existant."
    assert [b.id for b in sheet.basis] == ["A3", "A1", "B1-R1", "A4", "A12"]
    assert sheet.basis[2].url == "https://www.numerique.gouv.fr/services/cloud/regles-doctrine/"
    assert "version abc123abc123" in sheet.knowledge
    assert sheet.reference_line.endswith("jusqu'au 6 janvier 2026.")


def test_a_verdict_decided_by_the_entity_names_it_as_its_criterion() -> None:
    record = {**RECORD, "verdict": "hors_circulaire_collectivite", "criterion": "collectivite",
              "entity_type": "collectivite", "organisation": None, "answers": [], "sections": ["A2", "C", "A12"]}
    sheet = build_sheet(record, 30)
    assert sheet.who == "Type d'entité indiqué : collectivité territoriale."
    assert sheet.criterion == "Critère décisif : le type d'entité (collectivité territoriale)."
    assert sheet.verdict.startswith("Les collectivités territoriales sont hors du champ de la circulaire")


def test_dates_are_french_and_the_sheet_is_verifiable_for_the_retention_period() -> None:
    assert french_date(valid_until(ISSUED, 30)) == "6 janvier 2026"
    assert french_date(valid_until(1767135600.0, 1)) == "1er janvier 2026"  # 31 Dec 2025 at 00:00 in Paris


def test_the_pdf_is_one_tagged_a4_page_in_french_whose_text_reads_in_order(tmp_path: Path) -> None:
    pdf = sheet_pdf(build_sheet(RECORD, 30))
    info = pdf_info(pdf, tmp_path)
    assert "Tagged:          yes" in info and "Pages:           1" in info and "(A4)" in info
    assert "Title:           Fiche d'orientation : mon projet est-il concerné" in info
    objects = pdf_objects(pdf)
    assert b"/Lang (fr)" in objects and b"/MarkInfo" in objects and b"/StructTreeRoot" in objects
    assert b"/DisplayDocTitle true" in objects
    assert b'pdfuaid:part="1"' in objects  # PDF/UA-1 identification in the XMP metadata
    text = " ".join(pdf_text(pdf, tmp_path).split())
    in_order = ["Fiche d'orientation", "7 décembre 2025 à 11 h 00", "Centre national de la recherche scientifique",
                "Vos réponses et leur lecture", "« 70 % »", "refonte de plus de 50 % de l'existant", "Verdict",
                "Votre projet est concerné", "Critère décisif", "Règles et questions de la FAQ",
                "Règle R1 de la doctrine : https://www.numerique.gouv.fr/services/cloud/regles-doctrine/",
                "Prochaines étapes", "cherchez une solution cloud", "Cette fiche est une première orientation, pas un avis juridique",
                "infonuage.dinum@modernisation.gouv.fr", f"Référence {REFERENCE}", "jusqu'au 6 janvier 2026"]
    positions = [text.find(piece) for piece in in_order]
    assert -1 not in positions, [piece for piece, at in zip(in_order, positions, strict=True) if at == -1]
    assert positions == sorted(positions)


def test_what_a_person_typed_is_text_on_the_sheet_never_markup(tmp_path: Path) -> None:
    record = {**RECORD, "answers": [{"question": "entity_type", "text": "<b>x</b><img src=http://evil/>",
                                     "reading": "autre"}]}
    assert "<b>x</b><img src=http://evil/>" in pdf_text(sheet_pdf(build_sheet(record, 30)), tmp_path)


TOKENS = Tokens(rasa="r" * 32, tchap="t" * 32)


@pytest.mark.parametrize("conversation,bearer,allowed", [
    (WIDGET, "", True),
    ("socketio-abc", "", False),  # not a session the server issues
    ("mon-integration-8f2e", "", True),  # a REST caller's own sender
    ("tchap:!room:example.org:@agent:example.org", "", False),
    ("tchap:!room:example.org:@agent:example.org", TOKENS.tchap, True),
    ("mattermost_abc_def", TOKENS.tchap, False),
    ("mattermost_abc_def", "", False),
    ("mattermost_abc_def", TOKENS.rasa, True),
    ("ligne\nbrisée", "", False),
    ("x" * 201, "", False),
])
def test_who_may_ask_for_a_conversations_sheets(conversation: str, bearer: str, allowed: bool) -> None:
    assert may_read(conversation, bearer, TOKENS) is allowed


# --- the door, against a Rasa that serves trackers ----------------------------------------------------


def fake_rasa(trackers: dict[str, list[dict[str, Any]]], token: str) -> web.Application:
    async def tracker(request: web.Request) -> web.Response:
        if request.query.get("token") != token:
            return web.json_response({}, status=401)
        return web.json_response({"events": trackers.get(request.match_info["cid"], [])})

    app = web.Application()
    app.router.add_get("/conversations/{cid}/tracker", tracker)
    return app


def slot_event(record: dict[str, Any]) -> dict[str, Any]:
    return {"event": "slot", "name": "last_check", "value": record, "timestamp": record["timestamp"]}


async def door_answers(trackers: dict[str, list[dict[str, Any]]], reference: str, body: Any,
                       headers: dict[str, str] | None = None) -> tuple[int, bytes, dict[str, str]]:
    rasa = TestServer(fake_rasa(trackers, TOKENS.rasa))
    await rasa.start_server()
    settings = Settings(rasa_url=str(rasa.make_url("")), tokens=TOKENS, retention_days=30,
                        cors_origins=("http://page.test",))
    client = TestClient(TestServer(create_app(settings)))
    await client.start_server()
    try:
        response = await client.post(f"/fiches/{reference}", json=body, headers=headers or {})
        return response.status, await response.read(), dict(response.headers)
    finally:
        await client.close()
        await rasa.close()


def test_the_widget_gets_the_pdf_of_its_own_conversation() -> None:
    trackers = {WIDGET: [slot_event(RECORD)]}
    status, body, headers = asyncio.run(door_answers(trackers, REFERENCE.lower(), {"conversation_id": WIDGET},
                                                     {"Origin": "http://page.test"}))
    assert status == 200 and body.startswith(b"%PDF-")
    assert headers["Content-Disposition"] == f'attachment; filename="fiche-orientation-{REFERENCE}.pdf"'
    assert headers["Access-Control-Allow-Origin"] == "http://page.test"
    assert headers["Cache-Control"] == "no-store"


def test_a_reference_from_another_conversation_is_refused() -> None:
    other = "socketio-" + "cd" * 16
    trackers = {WIDGET: [slot_event(RECORD)], other: []}
    status, body, _ = asyncio.run(door_answers(trackers, REFERENCE, {"conversation_id": other}))
    assert status == 404
    assert "Aucune fiche d'orientation ne porte cette référence" in body.decode()


def test_an_expired_sheet_says_so_in_french() -> None:
    issued = time.time() - 31 * 86400
    status, body, _ = asyncio.run(door_answers({WIDGET: []}, REFERENCE, {"conversation_id": WIDGET,
                                                                        "issued": issued}))
    assert status == 410
    assert "Cette fiche d'orientation a expiré : les conversations sont supprimées après 30 jours" in body.decode()


@pytest.mark.parametrize("reference,body,headers,status", [
    ("pas-une-reference", {"conversation_id": WIDGET}, {}, 400),
    (REFERENCE, ["liste"], {}, 400),
    (REFERENCE, {"conversation_id": 12}, {}, 400),
    (REFERENCE, {"conversation_id": "tchap:!r:s:@a:s"}, {}, 403),
    (REFERENCE, {"conversation_id": "tchap:!r:s:@a:s"}, {"Authorization": "Bearer faux"}, 403),
    (REFERENCE, {"conversation_id": WIDGET, "bourrage": "x" * 5000}, {}, 400),
])
def test_bad_requests_get_a_clean_error(reference: str, body: Any, headers: dict[str, str], status: int) -> None:
    answer_status, answer, _ = asyncio.run(door_answers({WIDGET: [slot_event(RECORD)]}, reference, body, headers))
    assert answer_status == status
    assert answer.startswith(b'{"erreur": "')


def test_the_tchap_bridge_gets_a_tchap_conversations_sheet_with_its_secret() -> None:
    conversation = "tchap:!room:example.org:@agent:example.org"
    status, body, _ = asyncio.run(door_answers({conversation: [slot_event(RECORD)]}, REFERENCE,
                                               {"conversation_id": conversation},
                                               {"Authorization": f"Bearer {TOKENS.tchap}"}))
    assert status == 200 and body.startswith(b"%PDF-")


def test_rasa_down_is_said_in_french() -> None:
    async def ask() -> tuple[int, str]:
        settings = Settings(rasa_url="http://127.0.0.1:9", tokens=TOKENS, retention_days=30, cors_origins=())
        client = TestClient(TestServer(create_app(settings)))
        await client.start_server()
        try:
            response = await client.post(f"/fiches/{REFERENCE}", json={"conversation_id": WIDGET})
            return response.status, await response.text()
        finally:
            await client.close()

    status, text = asyncio.run(ask())
    assert status == 503 and "ne peut pas être produite pour l'instant" in text
