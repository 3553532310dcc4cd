"""The statistics page in a real browser (Chromium): charts drawn by the console's own Chart.js from the
tables that follow them, a click on a bar opens the conversations behind it, and axe-core finds nothing
against WCAG 2.1 A/AA. No Rasa needed: the console reads a tracker store written with a known history
(tests/history.py)."""
from __future__ import annotations

import json
import sys
from typing import Any, Iterator

import pytest
from playwright.sync_api import Page, expect

from .conftest import CONSOLE_DIR, PASSWORD, console_without_rasa

sys.path.insert(0, str(CONSOLE_DIR / "tests"))
from history import make_engine  # noqa: E402
from test_statistics import write_known_history  # noqa: E402

AXE = CONSOLE_DIR / "node_modules" / "axe-core" / "axe.min.js"
NOVEMBER = "du=2026-11-01&au=2026-11-30"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="module")
def stats_console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    work = tmp_path_factory.mktemp("stats-console")
    tracker = work / "tracker.db"
    engine = make_engine(f"sqlite:///{tracker}")
    write_known_history(engine)
    engine.dispose()
    with console_without_rasa(work, tracker) as url:
        yield url


def _logged_in(browser: Any, url: str, username: str = "alice", **context: Any) -> Page:
    page = browser.new_context(**context).new_page()
    page.goto(url + "/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(url + "/conversations")
    return page


def test_charts_drawn_from_their_tables_and_a_bar_opens_its_conversations(browser: Any, stats_console: str) -> None:
    page = _logged_in(browser, stats_console)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(f"{stats_console}/statistiques?{NOVEMBER}")
    expect(page.locator("#kf-questions")).to_have_text("23")
    drawn = page.evaluate("""() => Array.from(document.querySelectorAll('figure.stats-figure canvas'))
        .map((c) => { const chart = Chart.getChart(c);
                      return chart ? chart.data.datasets.map((d) => d.data) : null; })""")
    assert len(drawn) == 7 and all(drawn), drawn
    assert drawn[1] == [[13, 6, 2, 2]]  # channels, in the order of their table
    assert problems == []  # no script error, no CSP violation

    # The bar of the first channel (the widget, 13 questions): the conversations behind it.
    point = page.evaluate("""() => { const canvas = document.querySelector('#table-channels')
            .closest('figure').querySelector('canvas');
        canvas.scrollIntoView({ block: 'center' });
        const bar = Chart.getChart(canvas).getDatasetMeta(0).data[0];
        const box = canvas.getBoundingClientRect();
        return { x: box.left + (bar.base + bar.x) / 2, y: box.top + bar.y }; }""")
    page.mouse.click(point["x"], point["y"])
    page.wait_for_url("**/statistiques/conversations?*canal=socketio*")
    rows = page.locator("#selection-list tbody tr[data-sender]")
    expect(rows).to_have_count(7)  # w1-w4, h1-h3
    assert sorted(rows.evaluate_all("rs => rs.map((r) => r.dataset.sender)")) == \
        ["h1", "h2", "h3", "w1", "w2", "w3", "w4"]


def test_the_table_alternative_opens_the_same_conversations(browser: Any, stats_console: str) -> None:
    page = _logged_in(browser, stats_console)
    page.goto(f"{stats_console}/statistiques?{NOVEMBER}")
    table = page.get_by_role("table", name="Verdicts de la vérification du périmètre")
    expect(table).to_be_hidden()  # folded under its chart and summary
    page.get_by_text("Tableau des données : verdicts de la vérification du périmètre").click()
    expect(table.get_by_role("row")).to_have_count(3)
    table.get_by_role("link", name="Concerné", exact=True).click()
    expect(page.locator("#selection-list tbody tr[data-sender]")).to_have_count(1)
    expect(page.locator("#selection-list")).to_contain_text("t1")


def _axe(page: Page) -> list[dict[str, Any]]:
    page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = true; })")
    page.add_script_tag(path=str(AXE))
    return page.evaluate("""async (tags) => (await axe.run(document, { runOnly: { type: 'tag', values: tags } }))
        .violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
                                  nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }))""", WCAG)


def test_axe_finds_nothing_on_the_statistics_and_personal_data_pages(browser: Any, stats_console: str) -> None:
    assert AXE.is_file(), "axe-core manquant : lancez console/install.sh"
    pages = {"alice": (f"/statistiques?{NOVEMBER}", f"/statistiques/conversations?{NOVEMBER}&categorie=handoff"),
             "admin": ("/donnees-personnelles?q=h", "/effacement/h1")}
    for username, paths in pages.items():
        page = _logged_in(browser, stats_console, username, bypass_csp=True)  # bypass: only to inject axe-core
        for path in paths:
            page.goto(stats_console + path)
            violations = _axe(page)
            assert violations == [], path + "\n" + json.dumps(violations, ensure_ascii=False, indent=1)
