"""End to end over REST: after a verdict the caller gets a link to the orientation sheet, fetches the PDF with its
own conversation, and another conversation cannot open it with the reference alone (sheets/ in the test stack)."""

import json
import subprocess
import tempfile
import urllib.error
import urllib.request
import uuid
from typing import Any, Dict, Tuple


def fetch(url: str, body: Dict[str, Any]) -> Tuple[int, bytes]:
    request = urllib.request.Request(url, data=json.dumps(body).encode("utf-8"), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def pdf_text(pdf: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(pdf)
        handle.flush()
        return subprocess.run(["pdftotext", handle.name, "-"], check=True, capture_output=True, text=True).stdout


def test_a_rest_caller_fetches_its_sheet_and_no_one_else_can(stack):
    sender = f"e2e-fiche-{uuid.uuid4().hex}"
    for message in ("Mon projet est-il concerné ?", "une collectivité territoriale"):
        replies = stack.say(sender, message)
    offers = [reply["custom"]["orientation_sheet"] for reply in replies if "orientation_sheet" in (reply.get("custom") or {})]
    assert len(offers) == 1, replies
    offer = offers[0]
    assert offer["url"] == f"{stack.stack.sheets_url}/fiches/{offer['reference']}"
    assert any(f"référence {offer['reference']}" in (reply.get("text") or "") for reply in replies)

    status, pdf = fetch(offer["url"], {"conversation_id": sender})
    assert status == 200 and pdf.startswith(b"%PDF-")
    text = " ".join(pdf_text(pdf).split())
    assert "Les collectivités territoriales sont hors du champ de la circulaire" in text
    assert "Critère décisif : le type d'entité (collectivité territoriale)." in text
    assert "« une collectivité territoriale »" in text and f"Référence {offer['reference']}" in text

    someone_else = f"e2e-autre-{uuid.uuid4().hex}"
    stack.say(someone_else, "Bonjour")
    status, body = fetch(offer["url"], {"conversation_id": someone_else})
    assert status == 404 and "Aucune fiche d'orientation ne porte cette référence" in body.decode("utf-8")
    status, body = fetch(offer["url"], {"conversation_id": "tchap:!salon:example.org:@agent:example.org"})
    assert status == 403
