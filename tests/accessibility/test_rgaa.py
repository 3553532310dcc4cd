"""The RGAA 4.1 grids of docs/accessibilite/ and their rates (accessibility/rgaa.py), and the statements and
footers that quote them: a grid changed without its statement, or a wording that does not follow the rate,
fails here."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "accessibility"))

import rgaa  # noqa: E402

GRIDS = REPO / "docs" / "accessibilite"
WIDGET_GRID = GRIDS / "grille-widget.csv"
CONSOLE_GRID = GRIDS / "grille-console.csv"


def rows(*spec: tuple[str, str, str]) -> list[rgaa.Row]:
    return [rgaa.Row(page, criterion, status, "test", "preuve") for page, criterion, status in spec]


# --- the method --------------------------------------------------------------------------------------------


def test_the_106_criteria_of_rgaa_4_1_in_13_themes() -> None:
    criteria = rgaa.load_criteria()
    assert len(criteria) == 106
    per_theme = {}
    for criterion in criteria:
        per_theme[criterion.number.split(".")[0]] = per_theme.get(criterion.number.split(".")[0], 0) + 1
    assert per_theme == {"1": 9, "2": 2, "3": 3, "4": 13, "5": 8, "6": 2, "7": 5, "8": 10, "9": 4, "10": 14,
                         "11": 13, "12": 11, "13": 12}


def test_a_criterion_is_nc_for_the_sample_when_one_page_fails_it() -> None:
    grid = rows(("accueil", "1.1", "C"), ("contact", "1.1", "NC"), ("accueil", "3.2", "C"), ("contact", "3.2", "NA"),
                ("accueil", "4.1", "NA"), ("contact", "4.1", "NA"))
    assert rgaa.criterion_statuses(grid) == {"1.1": "NC", "3.2": "C", "4.1": "NA"}
    assert rgaa.global_rate(grid) == 50.0


def test_the_global_rate_is_not_the_average_of_the_pages() -> None:
    """Two pages: one passes 3 of 3 criteria, the other fails 1 of its 3. Global: 2 criteria C out of 3 (66 %);
    average: (100 + 66.7) / 2 = 83 %."""
    grid = rows(("a", "1.1", "C"), ("a", "3.2", "C"), ("a", "6.1", "C"),
                ("b", "1.1", "C"), ("b", "3.2", "C"), ("b", "6.1", "NC"))
    assert rgaa.shown(rgaa.global_rate(grid)) == "66 %"
    assert rgaa.shown(rgaa.average_rate(grid)) == "83 %"


@pytest.mark.parametrize("value, wording", [(100.0, "totalement conforme"), (99.9, "partiellement conforme"),
                                            (50.0, "partiellement conforme"), (49.9, "non conforme"),
                                            (0.0, "non conforme")])
def test_the_wording_follows_the_rate(value: float, wording: str) -> None:
    assert rgaa.conformity(value) == wording


def test_a_rate_is_never_rounded_up_to_a_better_one() -> None:
    assert rgaa.shown(99.6) == "99 %" and rgaa.shown(100.0) == "100 %" and rgaa.shown(87.5) == "87 %"


def test_an_incomplete_or_unclear_grid_is_refused(tmp_path: Path) -> None:
    criteria = rgaa.load_criteria()[:2]
    with pytest.raises(rgaa.GridError, match="manquant 1.2"):
        rgaa.check_grid(rows(("a", "1.1", "C")), criteria)
    with pytest.raises(rgaa.GridError, match="statut 'OK'"):
        rgaa.check_grid(rows(("a", "1.1", "OK"), ("a", "1.2", "C")), criteria)
    with pytest.raises(rgaa.GridError, match="en double 1.1"):
        rgaa.check_grid(rows(("a", "1.1", "C"), ("a", "1.1", "C"), ("a", "1.2", "C")), criteria)
    no_evidence = [rgaa.Row("a", "1.1", "C", "test", ""), rgaa.Row("a", "1.2", "NA", "lecture", "rien")]
    with pytest.raises(rgaa.GridError, match="preuve absente"):
        rgaa.check_grid(no_evidence, criteria)
    bad = tmp_path / "grille.csv"
    bad.write_text("page;critère;statut\n", encoding="utf-8")
    assert rgaa.main([str(bad)]) == 1


# --- the project's grids, statements and footers ------------------------------------------------------------


@pytest.mark.parametrize("grid", [WIDGET_GRID, CONSOLE_GRID], ids=["widget", "console"])
def test_the_grid_marks_every_criterion_on_every_page(grid: Path) -> None:
    rows_ = rgaa.load_grid(grid)
    rgaa.check_grid(rows_, rgaa.load_criteria())
    assert len(rgaa.pages_of(rows_)) >= 2
    # A criterion marked C says how it was verified; NC says what fails.
    for row in rows_:
        assert len(row.evidence) >= 10, row


def test_the_summary_is_the_one_the_grids_give() -> None:
    """docs/accessibilite/synthese.md is written by `python accessibility/rgaa.py --summary`: never by hand."""
    written = (GRIDS / "synthese.md").read_text(encoding="utf-8")
    assert written == rgaa.summary_document(), "synthese.md ne correspond plus aux grilles : python accessibility/rgaa.py --summary"


def statement_figures(text: str) -> tuple[str, str, str]:
    state = re.search(r"est (totalement conforme|partiellement conforme|non conforme)", text)
    global_ = re.search(r"(\d+) % des critères du RGAA version 4\.1 sont respectés", text)
    average = re.search(r"taux moyen de conformité[^0-9]*(\d+) %", text)
    assert state and global_ and average, "état, taux global ou taux moyen absent de la déclaration"
    return state.group(1), global_.group(1) + " %", average.group(1) + " %"


def footer_wording(text: str) -> str:
    found = re.findall(r"Accessibilité : (totalement conforme|partiellement conforme|non conforme)", text)
    assert found, "aucune mention « Accessibilité : … conforme »"
    assert len(set(found)) == 1, found
    return found[0]


@pytest.mark.parametrize("grid, statement, footers", [
    (WIDGET_GRID, REPO / "webchat" / "src" / "accessibilite.html",
     [REPO / "webchat" / "src" / "partials" / "pied-de-page.html", REPO / "webchat" / "src" / "widget.js"]),
    (CONSOLE_GRID, REPO / "console" / "console_app" / "templates" / "accessibility.html",
     [REPO / "console" / "console_app" / "templates" / "base.html"]),
], ids=["widget", "console"])
def test_the_statement_and_the_footers_say_what_the_grid_gives(grid: Path, statement: Path,
                                                                footers: list[Path]) -> None:
    grid_rows = rgaa.load_grid(grid)
    value = rgaa.global_rate(grid_rows)
    text = re.sub(r"\s+", " ", statement.read_text(encoding="utf-8"))
    assert statement_figures(text) == (rgaa.conformity(value), rgaa.shown(value),
                                       rgaa.shown(rgaa.average_rate(grid_rows)))
    statuses = list(rgaa.criterion_statuses(grid_rows).values())
    counts = re.search(r"(\d+) critères conformes sur (\d+) applicables, (\d+) non applicables", text)
    assert counts and tuple(map(int, counts.groups())) == (
        statuses.count("C"), statuses.count("C") + statuses.count("NC"), statuses.count("NA")), counts
    for footer in footers:
        assert footer_wording(footer.read_text(encoding="utf-8")) == rgaa.conformity(value), footer
    # What the law asks the statement to hold (décret n° 2019-768, art. 7 ; RGAA 4.1, modèle de déclaration).
    for required in ("État de conformité", "Résultats des tests", "Contenus non accessibles",
                     "Établissement de cette déclaration", "Retour d’information et contact", "Voies de recours",
                     "infonuage.dinum@modernisation.gouv.fr", "Défenseur des droits",
                     "https://formulaire.defenseurdesdroits.fr/", "Libre réponse 71120"):
        assert required in text, required
    for number, status in rgaa.criterion_statuses(grid_rows).items():
        if status == "NC":
            assert re.search(rf"critère {re.escape(number)}\b", text), \
                f"critère non conforme {number} absent des contenus non accessibles"


@pytest.mark.parametrize("grid", [WIDGET_GRID, CONSOLE_GRID], ids=["widget", "console"])
def test_every_test_the_grid_cites_exists(grid: Path) -> None:
    """Evidence « path::test_name » names a test that exists: a renamed or removed test shows here."""
    cited = set()
    for row in rgaa.load_grid(grid):
        cited |= set(re.findall(r"([\w/]+\.py)::(test_\w+)", row.evidence))
        for path in re.findall(r"([\w/]+/test_\w+\.py)", row.evidence):
            assert (REPO / path).is_file(), (row.page, row.criterion, path)
    assert cited
    for path, name in cited:
        assert re.search(rf"^def {name}\(", (REPO / path).read_text(encoding="utf-8"), re.M), f"{path}::{name}"
