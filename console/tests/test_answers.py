"""Answer editing (admin): preview, validation against actions/data/answer_rules.yml, save into a COPY of domain/."""
from __future__ import annotations

import pytest
from console_app.answer_rules import AnswerRules
from console_app.settings import REPO_ROOT
from ruamel.yaml import YAML

SOURCE = "Source : https://www.numerique.gouv.fr/services/cloud/"
NEW = ("Le financement passe par le **fonds de transformation**.\n- premier point\n"
       "Voir [le site](https://www.numerique.gouv.fr/).\n" + SOURCE)


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
    page = client.post("/answers/financement", data={"csrf_token": token, "text": NEW, "action": "preview"}).text
    assert "<strong>fonds de transformation</strong>" in page
    assert '<a href="https://www.numerique.gouv.fr/" target="_blank" rel="noopener noreferrer"' in page
    assert (project / "domain" / "faq.yml").read_text() == before


def test_html_is_refused_and_echoed_escaped(admin, project):
    client, token = admin
    text = NEW.replace("premier point", "<script>alert(1)</script>")
    page = client.post("/answers/financement", data={"csrf_token": token, "text": text, "action": "preview"})
    assert page.status_code == 400 and "pas du HTML" in page.text
    assert "<script>alert(1)</script>" not in page.text and "&lt;script&gt;" in page.text


def test_save_writes_domain_copy_keeping_block_style(admin, project):
    client, token = admin
    response = client.post("/answers/financement", data={"csrf_token": token, "text": NEW, "action": "save"})
    assert response.status_code == 303
    raw = (project / "domain" / "faq.yml").read_text()
    assert "fonds de transformation" in raw and "text: |-" in raw
    doc = YAML(typ="safe").load(raw)
    assert doc["responses"]["utter_faq/financement"][0]["text"] == NEW
    assert "answer_edit" in client.get("/audit").text


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "vide"),
        ("Sans source.", "Source :"),
        ("Avec {slot}.\n" + SOURCE, "accolades"),
        ("Trop long. " * 70 + "\n" + SOURCE, "650 au plus"),
        ("\n".join(["Une ligne."] * 6) + "\n" + SOURCE, "6 au plus"),
        ("Une réponse.\nSource : https://www.numerique.gouv.fr/services/cloud/doctrine/", "Source non reconnue"),
        ("Une réponse.\nSource : https://exemple.fr/", "Source non reconnue"),
        ("Non : elles ne sont pas concernées.\n" + SOURCE, "Ne commencez pas par"),
        ("**Oui.** Le FTAP finance.\n" + SOURCE, "Ne commencez pas par"),
        ("Écris à l'équipe support si tu veux.\n" + SOURCE, "Mots à éviter"),
    ],
)
def test_answers_breaking_the_assistant_rules_are_refused(admin, project, text, message):
    client, token = admin
    before = (project / "domain" / "faq.yml").read_text()
    page = client.post("/answers/financement", data={"csrf_token": token, "text": text, "action": "save"})
    assert page.status_code == 400 and message in page.text
    assert (project / "domain" / "faq.yml").read_text() == before


def test_two_allowed_sources_and_a_legal_text_are_accepted():
    rules = AnswerRules.load(REPO_ROOT)
    both = "Sources : https://www.numerique.gouv.fr/services/cloud/ ; https://www.numerique.gouv.fr/services/cloud/demarrer/"
    assert rules.problems("Une réponse.\n" + both) == []
    assert rules.problems("La loi SREN.\nSource : loi n° 2024-449 du 21 mai 2024, article 31") == []
    assert rules.problems("Si votre entité est soumise à la doctrine, oui.\n" + SOURCE) == []


def test_every_current_answer_passes_the_console_rules(project):
    """The console and the data tests read the same file: what the repository ships can be saved as is."""
    from console_app.training_data import faq_answers

    rules = AnswerRules.load(project)
    failing = {name: rules.problems(text) for name, (_path, text) in faq_answers(project / "domain").items()}
    assert not {name: problems for name, problems in failing.items() if problems}


def test_the_rules_are_read_from_the_project_not_hard_coded(admin, project):
    client, token = admin
    rules_file = project / "actions" / "data" / "answer_rules.yml"
    rules_file.write_text(rules_file.read_text().replace("max_characters: 650", "max_characters: 60"))
    page = client.post("/answers/financement", data={"csrf_token": token, "text": NEW, "action": "preview"})
    assert page.status_code == 400 and "60 au plus" in page.text
    rules_file.unlink()
    page = client.post("/answers/financement", data={"csrf_token": token, "text": NEW, "action": "preview"})
    assert page.status_code == 400 and "Règles des réponses introuvables" in page.text
