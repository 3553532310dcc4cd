"""The training data in reach: examples listed, searched, added, edited, moved and deleted per FAQ question
and intent; evaluation questions refused with the reason; a new FAQ question created whole; every text
the assistant says editable under the answer rules, its fact-base sections shown and kept."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO_ROOT, csrf_of
from ruamel.yaml import YAML

# Each change is a commit of a Git copy of the whole data: hermetic, but slow (make test runs them, not make check).
pytestmark = pytest.mark.workbench

FINANCEMENT = "faq/financement"


@pytest.fixture(autouse=True)
def catalog_in_the_copy(project: Path) -> None:
    """The working copy holds the FAQ catalog (question titles) too, as a clone of the project does."""
    shutil.copytree(REPO_ROOT / "actions" / "data" / "catalog", project / "actions" / "data" / "catalog")
TITLE = "Existe-t-il un financement pour le cloud ?"


def load(path: Path) -> Any:
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


def examples_of(project: Path, intent: str) -> list[str]:
    found = []
    for path in sorted((project / "data" / "nlu").glob("*.yml")):
        for item in load(path)["nlu"]:
            if item.get("intent") == intent:
                found += [line[2:].strip() for line in item["examples"].splitlines() if line.startswith("- ")]
    return found


def last_commit(project: Path) -> str:
    return subprocess.run(["git", "log", "-1", "--format=%an|%s"], cwd=project, capture_output=True, text=True,
                          check=True).stdout.strip()


def post(client: Any, action: str, **data: str) -> str:
    token = csrf_of(client, "/donnees")
    response = client.post(f"/donnees/exemples/{action}", data={"csrf_token": token, **data})
    assert response.status_code in (200, 303), response.text
    if response.status_code == 200:
        return response.text
    return client.get(response.headers["location"]).text


def test_questions_are_listed_by_title_with_their_examples_and_searchable(agent, project):
    client, _ = agent
    page = client.get("/donnees").text
    count = len(examples_of(project, FINANCEMENT))
    assert f"{TITLE}</a></td><td><code>{FINANCEMENT}</code></td><td>{count}</td>" in page
    found = client.get("/donnees", params={"q": "FINANCEMENT CLOUD"}).text
    assert "« financement cloud »" in found
    one = client.get("/donnees/intention", params={"intent": FINANCEMENT, "q": "accompagnement financier"}).text
    assert "« Existe-t-il un accompagnement financier ? »" in one and f"sur {count} contenant" in one
    assert "« financement cloud »" not in one
    assert client.get("/donnees/intention", params={"intent": "faq/inexistante"}).status_code == 404


def test_add_edit_move_delete_an_example(agent, project):
    client, _ = agent
    page = post(client, "ajouter", intent=FINANCEMENT, text="la DINUM aide-t-elle à payer la migration")
    assert "Exemple ajouté à « Existe-t-il un financement pour le cloud ? »" in page
    assert "la DINUM aide-t-elle à payer la migration" in examples_of(project, FINANCEMENT)
    assert last_commit(project).startswith("Alice Martin|Exemple ajouté à « Existe-t-il un financement")

    post(client, "modifier", intent=FINANCEMENT, text="la DINUM aide-t-elle à payer la migration",
         new="la DINUM aide-t-elle à financer la migration")
    assert "la DINUM aide-t-elle à financer la migration" in examples_of(project, FINANCEMENT)
    assert "la DINUM aide-t-elle à payer la migration" not in examples_of(project, FINANCEMENT)

    page = post(client, "deplacer", intent=FINANCEMENT, text="la DINUM aide-t-elle à financer la migration",
                to="faq/accompagnement")
    assert "Exemple déplacé vers" in page
    assert "la DINUM aide-t-elle à financer la migration" in examples_of(project, "faq/accompagnement")
    assert "la DINUM aide-t-elle à financer la migration" not in examples_of(project, FINANCEMENT)

    before = examples_of(project, "faq/accompagnement")
    confirm = post(client, "supprimer", intent="faq/accompagnement", text="la DINUM aide-t-elle à financer la migration")
    assert "Supprimer cet exemple ?" in confirm and examples_of(project, "faq/accompagnement") == before
    post(client, "supprimer", intent="faq/accompagnement", text="la DINUM aide-t-elle à financer la migration",
         confirm="oui")
    assert "la DINUM aide-t-elle à financer la migration" not in examples_of(project, "faq/accompagnement")
    assert last_commit(project).startswith("Alice Martin|Exemple supprimé de")
    assert "Exemple supprimé" in client.get("/modifications").text


def test_an_evaluation_question_is_refused_and_the_page_says_why(agent, project):
    client, token = agent
    before = {p.name: p.read_text() for p in (project / "data" / "nlu").glob("*.yml")}
    # A dev question, written with other case and punctuation: the leak test's folding finds it.
    page = post(client, "ajouter", intent="faq/champ_application",
                text="QUI doit se conformer a la doctrine cloud au centre")
    assert "questions de mise au point (dev)" in page and "fausserait la mesure" in page
    # A blind question: refused without its text being shown back.
    blind = next(iter(load(REPO_ROOT / "eval" / "blind" / "faq.yml").values()))[0]
    blind = blind["text"] if isinstance(blind, dict) else blind
    page = post(client, "ajouter", intent=FINANCEMENT, text=blind)
    assert "questions aveugles" in page, "blind question not refused"
    assert blind not in page, "blind text shown"
    # From the inbox too.
    client.post("/inbox/annotate", data={"csrf_token": token, "text": "qui doit se conformer à la doctrine cloud "
                                         "au centre ?", "intent": "faq/champ_application"})
    assert "fausserait la mesure" in client.get("/inbox").text
    assert {p.name: p.read_text() for p in (project / "data" / "nlu").glob("*.yml")} == before
    # An edit into an evaluation question is refused the same way.
    page = post(client, "modifier", intent=FINANCEMENT, text="financement cloud",
                new="qui doit se conformer à la doctrine cloud au centre")
    assert "fausserait la mesure" in page and "financement cloud" in examples_of(project, FINANCEMENT)


def test_an_example_already_under_another_question_is_refused(agent, project):
    client, _ = agent
    page = post(client, "ajouter", intent="faq/accompagnement", text="Financement   CLOUD")
    assert "figure déjà dans les données sous « faq/financement »" in page
    assert "Financement   CLOUD" not in examples_of(project, "faq/accompagnement")


NEW_QUESTION = {
    "title": "Le cloud peut-il héberger des archives ?",
    "topic": "premiers_pas",
    "answer": "La doctrine ne traite pas des archives à part : elles suivent les mêmes règles que les autres "
              "données.\nPour une question précise, écrivez à infonuage.dinum@modernisation.gouv.fr.",
    "source": "https://www.numerique.gouv.fr/services/cloud/",
    "sections": "A12 A1",
    "examples": "peut-on mettre nos archives dans le cloud\narchives et cloud au centre\n"
                "nos fonds d'archives peuvent-ils aller sur un cloud",
}


def test_an_admin_creates_a_faq_question_with_answer_source_sections_and_examples(admin, project):
    client, _ = admin
    token = csrf_of(client, "/donnees/questions/nouvelle")
    response = client.post("/donnees/questions/nouvelle", data={"csrf_token": token, **NEW_QUESTION})
    assert response.status_code == 303, response.text
    key = "le_cloud_peut_il_heberger_des_archives"
    response_doc = load(project / "domain" / "faq.yml")["responses"][f"utter_faq/{key}"][0]
    assert response_doc["metadata"] == {"sections": ["A12", "A1"]}
    assert response_doc["text"].endswith("\nSource : https://www.numerique.gouv.fr/services/cloud/")
    assert load(project / "actions" / "data" / "catalog" / "faq.yml")["faq"][key]["title"] == NEW_QUESTION["title"]
    assert examples_of(project, f"faq/{key}") == NEW_QUESTION["examples"].splitlines()
    page = client.get(response.headers["location"]).text
    assert "<h1>Le cloud peut-il héberger des archives ?" in page and "3 exemple(s)" in page
    assert last_commit(project) == f"admin|Question créée : {NEW_QUESTION['title']} (faq/{key})"
    assert "Question créée : Le cloud peut-il héberger des archives ?" in client.get("/modifications").text


def test_a_new_question_breaking_a_rule_is_refused_with_every_reason_and_nothing_written(admin, project):
    client, _ = admin
    before = (project / "domain" / "faq.yml").read_text()
    token = csrf_of(client, "/donnees/questions/nouvelle")
    bad = {**NEW_QUESTION, "sections": "A99", "source": "https://exemple.fr/",
           "examples": "qui doit se conformer à la doctrine cloud au centre ?\narchives"}
    page = client.post("/donnees/questions/nouvelle", data={"csrf_token": token, **bad})
    assert page.status_code == 400
    for reason in ("Sections inexistantes dans la base de faits : A99", "Source non reconnue : https://exemple.fr/",
                   "fausserait la mesure", "au moins 3 exemples"):
        assert reason in page.text
    assert (project / "domain" / "faq.yml").read_text() == before
    assert client.post("/donnees/questions/nouvelle", data={"csrf_token": token, **NEW_QUESTION},
                       ).status_code == 303


def test_only_admins_create_questions_and_edit_texts(agent):
    client, _ = agent
    assert client.get("/donnees/questions/nouvelle").status_code == 403
    assert client.get("/textes/utter_default").status_code == 403


def test_every_text_is_listed_with_its_sections(admin):
    client, _ = admin
    page = client.get("/answers").text
    for heading in ("Réponses de la FAQ", "Accueil, repli et passage à un conseiller", "Vérification du périmètre"):
        assert heading in page
    assert "Repli : « je n&#39;ai pas compris »" in page and "utter_handoff_started" in page
    assert 'href="/textes/utter_default"' in page and 'href="/answers/financement"' in page
    assert '<abbr title="Accompagnement financier">A10</abbr>' in page


def test_the_editor_shows_the_sections_and_keeps_them_when_the_text_changes(admin, project):
    client, _ = admin
    page = client.get("/answers/financement").text
    assert "<strong>A10</strong> — Accompagnement financier</summary>" in page
    # The section's own words, from the fact base, beside the text.
    assert "la DINUM pilote le guichet de financement « Adoption du Cloud de confiance »" in \
        page.split('id="text-sections"')[1].split("</section>")[0]
    page = client.get("/textes/utter_default").text
    assert "<strong>C</strong> — Ce que l&#39;assistant ne doit pas faire" in page
    assert "<strong>A12</strong> — Autres questions" in page
    token = csrf_of(client, "/textes/utter_default")
    new = ("Désolé, je n'ai pas compris votre message. Je réponds aux questions sur la doctrine « Cloud au centre ».\n"
           "Reformulez, ou écrivez à infonuage.dinum@modernisation.gouv.fr.")
    response = client.post("/textes/utter_default", data={"csrf_token": token, "text": new, "action": "save"})
    assert response.status_code == 303
    variation = load(project / "domain" / "core.yml")["responses"]["utter_default"][0]
    assert variation == {"metadata": {"sections": ["C", "A12"]}, "text": new}
    assert "{sections: [C, A12]}" in (project / "domain" / "core.yml").read_text()
    assert last_commit(project) == "admin|Texte modifié : Repli : « je n'ai pas compris »"


def test_other_texts_follow_the_rules_of_every_text(admin, project):
    client, _ = admin
    token = csrf_of(client, "/textes/utter_greet")
    before = (project / "domain" / "core.yml").read_text()
    cases = {
        "utter_greet": ("Bonjour ! Posez votre question.", "il manque : « assistant automatique »"),
        "utter_default": ("Désolé {organisation}, je n'ai pas compris.", "sont permises (aucune)"),
        "utter_handoff_started": ("Le support va te répondre.", "Mots à éviter : support, te"),
        "utter_goodbye": ("<b>Au revoir</b>", "pas du HTML"),
    }
    for name, (text, reason) in cases.items():
        page = client.post(f"/textes/{name}", data={"csrf_token": token, "text": text, "action": "save"})
        assert page.status_code == 400 and reason in page.text, (name, page.text[-2000:])
    assert (project / "domain" / "core.yml").read_text() == before
    # A FAQ answer keeps every answer rule (its source line).
    page = client.post("/answers/financement", data={"csrf_token": token, "text": "Une aide existe.",
                                                    "action": "save"})
    assert page.status_code == 400 and "Source : … »" in page.text


def test_every_current_text_passes_the_console_rules(project):
    """An admin can open any text and save it unchanged: the console's rules are the data tests' own."""
    from console_app.answer_rules import AnswerRules
    from console_app.training_data import DataError
    from console_app.training_data.texts import assistant_texts, check_text
    rules = AnswerRules.load(project)
    texts = assistant_texts(project / "domain")
    assert len(texts) > 100 and {"utter_greet", "utter_default", "utter_ask_entity_type"} <= set(texts)
    failing = {}
    for name, text in texts.items():
        try:
            check_text(text, text.text, rules)
        except DataError as exc:
            failing[name] = str(exc)
    assert failing == {}
    assert all(text.sections for text in texts.values())


def test_the_fact_base_is_read_as_actions_fact_base_reads_it():
    """The same section ids as the traceability test (tests/data/test_traceability.py), and a rule keeps the
    B1 reading that names it (R7 and R8 read with A8)."""
    from console_app.training_data.facts import fact_sections
    sections = fact_sections(REPO_ROOT, REPO_ROOT)
    expected = ({"P", "C"} | {f"A{n}" for n in range(1, 13)} | {f"B{n}" for n in range(1, 7)}
                | {f"B1-R{n}" for n in range(1, 16)})
    assert set(sections) == expected
    assert sections["B1-R8"].text.startswith("- R8 : au-delà de 9 M€, contrôle dans la procédure des grands projets")
    assert "Lecture de R7 et R8 avec A8 : ce sont deux procédures distinctes." in sections["B1-R8"].text
    assert "Lecture de R7 et R8" in sections["B1-R7"].text and "Lecture de R7" not in sections["B1-R9"].text
    assert sections["A10"].title == "Accompagnement financier"
