"""Answer editing (admin): preview, validation, save into a COPY of domain/."""
from __future__ import annotations

from ruamel.yaml import YAML

NEW = ("Le financement passe par le **fonds de transformation**.\n- premier point\n"
       "Voir [le site](https://www.numerique.gouv.fr/).\n"
       "Source : https://www.numerique.gouv.fr/services/cloud/doctrine/")


def test_list_and_edit_form(admin):
    client, _ = admin
    page = client.get("/answers").text
    assert "utter_faq/financement" in page
    edit = client.get("/answers/financement")
    assert edit.status_code == 200 and "Prévisualiser" in edit.text
    assert client.get("/answers/inexistante").status_code == 404


def test_preview_renders_markdown_safely_and_does_not_save(admin, project):
    client, token = admin
    before = (project / "domain" / "faq.yml").read_text()
    text = NEW.replace("premier point", "<script>alert(1)</script>")
    page = client.post("/answers/financement", data={"csrf_token": token, "text": text, "action": "preview"}).text
    assert "<strong>fonds de transformation</strong>" in page
    assert '<a href="https://www.numerique.gouv.fr/" target="_blank" rel="noopener noreferrer"' in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert (project / "domain" / "faq.yml").read_text() == before


def test_save_writes_domain_copy_keeping_block_style(admin, project):
    client, token = admin
    response = client.post("/answers/financement", data={"csrf_token": token, "text": NEW, "action": "save"})
    assert response.status_code == 303
    raw = (project / "domain" / "faq.yml").read_text()
    assert "fonds de transformation" in raw and "text: |-" in raw
    doc = YAML(typ="safe").load(raw)
    assert doc["responses"]["utter_faq/financement"][0]["text"] == NEW
    assert "answer_edit" in client.get("/audit").text


def test_invalid_answers_rejected(admin):
    client, token = admin
    for text, message in [("", "vide"), ("Sans source.", "Source :"), ("Avec {slot}.\nSource : https://x.fr", "accolades")]:
        page = client.post("/answers/financement", data={"csrf_token": token, "text": text, "action": "save"})
        assert page.status_code == 400 and message in page.text
