"""The workbench in a real browser (Chromium): an agent corrects the training data of an FAQ question (add,
refused evaluation question, move), sees it on « Modifications en attente » in French and undoes it; an
admin edits a text beside the fact-base sections it rests on; a candidate is shown beside the model in
service; axe-core finds nothing against WCAG 2.1 A/AA on these pages. No Rasa needed (none answers: the
model in service is unknown); the console works on a plain copy of the data, put under Git in place."""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any, Iterator

import pytest
from playwright.sync_api import expect
from ruamel.yaml import YAML

from .conftest import REPO_ROOT, console_without_rasa
from .test_statistics_page import AXE, _logged_in
from .test_statistics_page import _axe as axe_violations

FINANCEMENT = "Existe-t-il un financement pour le cloud ?"
NEW_EXAMPLE = "la DINUM paie-t-elle une partie de notre migration"


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    work = tmp_path_factory.mktemp("workbench-console")
    project = work / "project"
    for name in ("domain", "data", "actions/data"):
        shutil.copytree(REPO_ROOT / name, project / name)
    shutil.copy(REPO_ROOT / "config.yml", project / "config.yml")
    models = work / "models"
    models.mkdir()
    (models / "console-candidat.tar.gz").write_bytes(b"model")
    (work / "work" / "candidates").mkdir(parents=True)
    (work / "work" / "candidates" / "console-candidat.json").write_text(json.dumps({
        "model": "console-candidat.tar.gz", "commit": "", "created": 0,
        "checks": [{"name": "Validation des données (rasa data validate)", "ok": True, "detail": ""}],
        "figures": {"blind": {"faq_accuracy": 0.9, "oos_rejection": 0.95, "confidently_wrong": 2}},
        "answers": {}}))
    with console_without_rasa(work, work / "tracker.db", alice_shown="Alice Martin",
                              CONSOLE_PROJECT_DIR=str(project)) as url:
        yield {"url": url, "project": project}


def _examples(project: Path, intent: str) -> list[str]:
    found = []
    for path in sorted((project / "data" / "nlu").glob("*.yml")):
        for item in YAML(typ="safe").load(path.read_text(encoding="utf-8"))["nlu"]:
            if item.get("intent") == intent:
                found += [line[2:].strip() for line in item["examples"].splitlines() if line.startswith("- ")]
    return found


def test_correct_an_example_see_it_pending_and_undo_it(browser: Any, bench: dict[str, Any]) -> None:
    url, project = bench["url"], bench["project"]
    page = _logged_in(browser, url, "alice")
    page.get_by_role("link", name="Données", exact=True).click()
    page.get_by_role("link", name=FINANCEMENT).click()
    expect(page.locator("h1")).to_contain_text(FINANCEMENT)
    page.fill("#new-example", NEW_EXAMPLE)
    page.get_by_role("button", name="Ajouter", exact=True).click()
    expect(page.locator("#flash")).to_have_text(f"Exemple ajouté à « {FINANCEMENT} ».")
    assert NEW_EXAMPLE in _examples(project, "faq/financement")

    # An evaluation question (dev set, other case and punctuation) is refused, and the page says why.
    page.fill("#new-example", "QUI doit se conformer a la doctrine cloud au centre")
    page.get_by_role("button", name="Ajouter", exact=True).click()
    expect(page.locator("#flash")).to_contain_text("fausserait la mesure")

    # The example is moved to the question it belongs to.
    page.fill("#q", "paie-t-elle")
    page.get_by_role("button", name="Chercher").click()
    expect(page.locator("#examples li.examples__item")).to_have_count(1)
    page.get_by_text("Modifier, déplacer ou supprimer").click()
    page.locator("#move-1").select_option("faq/accompagnement")
    page.get_by_role("button", name="Déplacer").click()
    expect(page.locator("#flash")).to_contain_text("Exemple déplacé vers")
    assert NEW_EXAMPLE in _examples(project, "faq/accompagnement")

    page.get_by_role("link", name="Modifications en attente").click()
    expect(page.locator("#pending-summary")).to_contain_text(f"Exemple ajouté à {FINANCEMENT}")
    expect(page.locator("#pending-summary")).to_contain_text("Exemple déplacé vers")
    row = page.locator("#pending-list tr", has_text="Exemple déplacé")
    expect(row).to_contain_text("Alice Martin")
    row.get_by_role("button", name="Annuler").click()
    expect(page.locator("#flash")).to_contain_text("Modification annulée : Exemple déplacé")
    assert NEW_EXAMPLE in _examples(project, "faq/financement")
    assert NEW_EXAMPLE not in _examples(project, "faq/accompagnement")


def test_an_admin_edits_a_text_beside_its_fact_base_sections(browser: Any, bench: dict[str, Any]) -> None:
    url, project = bench["url"], bench["project"]
    page = _logged_in(browser, url, "admin")
    page.get_by_role("link", name="Textes", exact=True).click()
    page.get_by_role("link", name="Modifier Repli : « je n'ai pas compris »").click()
    sections = page.locator("#text-sections")
    expect(sections).to_contain_text("C — Ce que l'assistant ne doit pas faire")
    expect(sections).to_contain_text("A12 — Autres questions")
    text = ("Désolé, je n'ai pas compris votre message. Je réponds aux questions sur la doctrine « Cloud au centre ».\n"
            "Reformulez, ou écrivez à infonuage.dinum@modernisation.gouv.fr.")
    page.fill("#text", text)
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("#flash")).to_contain_text("avec ses sections (C, A12)")
    variation = YAML(typ="safe").load((project / "domain" / "core.yml").read_text())["responses"]["utter_default"][0]
    assert variation == {"metadata": {"sections": ["C", "A12"]}, "text": text}


def test_a_candidate_below_its_floor_is_shown_and_refused(browser: Any, bench: dict[str, Any]) -> None:
    page = _logged_in(browser, bench["url"], "admin")
    page.goto(bench["url"] + "/models")
    page.get_by_role("link", name="candidat sous les seuils").click()
    expect(page.locator("#gate-verdict")).to_contain_text(
        "Exactitude FAQ sur le jeu aveugle : 90,0 %, sous le plancher de 93,0 %.")
    page.locator("label[for=confirm]").click()  # (DSFR: the label covers the box)
    page.click("#promote")
    expect(page.locator("#flash")).to_contain_text("Mise en service refusée : Exactitude FAQ sur le jeu aveugle")


def test_axe_finds_nothing_on_the_workbench_pages(browser: Any, bench: dict[str, Any]) -> None:
    assert AXE.is_file(), "axe-core manquant : lancez console/install.sh"
    page = _logged_in(browser, bench["url"], "admin", bypass_csp=True)  # bypass: only to inject axe-core
    for path in ("/donnees", "/donnees?q=cloud", "/donnees/intention?intent=faq/financement", "/modifications",
                 "/answers", "/answers/financement", "/textes/utter_greet", "/donnees/questions/nouvelle",
                 "/models", "/models/candidat/console-candidat.tar.gz"):
        page.goto(bench["url"] + path)
        violations = axe_violations(page)
        assert violations == [], path + "\n" + json.dumps(violations, ensure_ascii=False, indent=1)
