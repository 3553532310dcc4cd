"""RGAA 4.1 checks of the console that a browser can make (docs/accessibilite/grille-console.csv cites them): a live
takeover with the keyboard only, every audited page's code, focus, 200 % zoom and 320 px reflow, text spacing and
axe-core, the contrast of every state, the charts' text alternatives and colours, the tables' headers, the names
and roles of Chromium's accessibility tree, the public statement and the site map. In real Chromium; the takeover
against the run's Rasa test stack, the rest on the known history of tests/history.py (test_statistics_page)."""
from __future__ import annotations

import json
import re
import sys
from typing import Any

from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from . import test_statistics_page
from .conftest import PASSWORD, REPO_ROOT, open_person, say
from .test_statistics_page import AXE, NOVEMBER, _axe, _logged_in
from .test_takeover_browser import TURN, _ask_human

sys.path.insert(0, str(REPO_ROOT / "accessibility"))
from browser_checks import CONTRAST, ax_find, ax_text, ax_tree, check_well_formed, contrast, press_until  # noqa: E402

# The console on the known history (tests/history.py), as the statistics page's tests start it.
stats_console = test_statistics_page.stats_console

FOOTER = "Accessibilité : partiellement conforme"  # what docs/accessibilite/grille-console.csv gives (tests/accessibility)
SIZES = ({"width": 320, "height": 640}, {"width": 640, "height": 400}, {"width": 640, "height": 320})


def _tab_to(page: Page, matches: Any, limit: int = 60) -> dict[str, Any]:
    return press_until(page, "Tab", matches, limit=limit)


# --- a live takeover, keyboard only --------------------------------------------------------------------------


def test_a_takeover_with_the_keyboard_only(browser: Any, stack: dict[str, Any], console: dict[str, Any],
                                           person_site: str) -> None:
    # The agent reaches the queue first: a request nobody takes returns to the assistant after HANDOFF_TIMEOUT
    # seconds, which a loaded machine could spend logging in and tabbing.
    agent = browser.new_context().new_page()
    agent.goto(console["url"] + "/login")
    first = _tab_to(agent, lambda e: True)
    assert first["text"] == "Contenu", first  # the skip link first
    _tab_to(agent, lambda e: e["id"] == "username")
    agent.keyboard.type("alice")
    agent.keyboard.press("Tab")
    agent.keyboard.type(PASSWORD)
    agent.keyboard.press("Enter")
    agent.wait_for_url(console["url"] + "/conversations")
    _tab_to(agent, lambda e: e["text"].startswith("En attente"))
    agent.keyboard.press("Enter")
    agent.wait_for_url(console["url"] + "/queue")
    person, session = open_person(browser, person_site, stack)
    _ask_human(person, stack, session)
    mine = agent.locator(f"li[data-sender='{session}'] button", has_text="Prendre en charge")
    expect(mine).to_be_visible(timeout=TURN)
    _tab_to(agent, lambda e: e["text"] == "Prendre en charge" and agent.evaluate(
        "(s) => document.activeElement.closest('li').dataset.sender === s", session))
    agent.wait_for_timeout(2500)  # the queue refreshes every second: the focus stays on the button
    assert agent.evaluate("(s) => document.activeElement.closest('li')?.dataset.sender === s", session)
    agent.keyboard.press("Enter")
    agent.wait_for_url(re.compile(r"/takeover/"))
    expect(agent.locator("#reply")).to_be_focused(timeout=10_000)  # where the answer is typed
    agent.keyboard.type("Bonjour, je regarde votre question.")
    agent.keyboard.press("Enter")
    expect(person.locator("li.bot", has_text="je regarde votre question")).to_have_count(1, timeout=TURN)
    expect(agent.locator("#live li", has_text="je regarde votre question")).to_have_count(1)
    assert agent.locator("#live").get_attribute("aria-live") == "polite"
    _tab_to(agent, lambda e: e["text"] == "Rendre la main à l'assistant", limit=30)  # past the menu's 16 links
    agent.keyboard.press("Enter")
    expect(agent.locator("#takeover-state")).to_be_focused()
    expect(agent.locator("#takeover-state")).to_have_text("L'assistant gère cette conversation.")
    expect(person.locator("li.bot", has_text="L'assistant reprend la conversation")).to_have_count(1, timeout=TURN)
    say(person, "merci")


# --- every audited page ---------------------------------------------------------------------------------------

MEDIA = "img, svg, object, embed, area, iframe, frame, audio, video"
PRESENTATION = "font, center, [align], [bgcolor], [border]:not(table), [width]:not(canvas), [height]:not(canvas)"


def _audited_pages(page: Page, url: str) -> list[str]:
    """The console's sample: the pages of the audit, with a real conversation and a real answer."""
    page.goto(url + "/conversations?essais=inclus")
    transcript = page.locator("#conversation-list tbody a").first.get_attribute("href")
    page.goto(url + "/answers")
    answer = page.locator("a", has_text="Modifier").first.get_attribute("href")
    return ["/conversations", transcript, "/queue", transcript.replace("/conversations/", "/takeover/"), "/inbox",
            "/answers", answer, f"/statistiques?{NOVEMBER}", "/models", "/audit", "/plan", "/accessibilite"]


def _check_page(page: Page, url: str, path: str, logged_in: bool) -> None:
    page.set_viewport_size({"width": 1100, "height": 800})
    page.goto(url + path)
    source = page.request.get(url + path).text()
    assert source.lower().startswith("<!doctype html>"), path
    assert check_well_formed(source) == [] and check_well_formed(page.content()) == [], path
    dom = page.evaluate("""([media, presentation]) => {
      const ids = [...document.querySelectorAll('[id]')].map((el) => el.id);
      return { doubled: ids.filter((id, i) => ids.indexOf(id) !== i), media: document.querySelectorAll(media).length,
               presentation: [...document.querySelectorAll(presentation)].map((el) => el.outerHTML.slice(0, 60)),
               h1: document.querySelectorAll('h1').length, lang: document.documentElement.lang,
               title: document.title,
               bareHeaders: [...document.querySelectorAll('th:not([scope]):not([id])')].length,
               captions: [...document.querySelectorAll('table')].filter((t) => !(t.caption && t.caption.textContent.trim())).length };
    }""", [MEDIA, PRESENTATION])
    assert dom["doubled"] == [] and dom["media"] == 0 and dom["presentation"] == [], (path, dom)
    assert dom["h1"] == 1 and dom["lang"] == "fr" and dom["title"].endswith("Console de support « Cloud au centre »"), dom
    assert dom["bareHeaders"] == 0 and dom["captions"] == 0, (path, dom)  # RGAA 5.4, 5.6, 5.7
    expect(page.locator("#pied-de-page a", has_text="Accessibilité")).to_have_text(FOOTER)
    # Keyboard: the skip link first, then every stop shows its focus ring (press_until checks it): the header,
    # the menu and the page from the top, the footer from the bottom (Shift+Tab from the start wraps to the end).
    first = press_until(page, "Tab", lambda e: True)
    assert first["text"] == "Contenu", (path, first)
    seen = {first["text"]}
    for _ in range(60):
        element = press_until(page, "Tab", lambda e: e["tag"] != "BODY", limit=3)
        if element["text"] == "Contenu" and len(seen) > 1:
            break  # round trip
        seen.add(element["text"] or element["id"])
    page.goto(url + path)
    last = press_until(page, "Shift+Tab", lambda e: e["tag"] != "BODY", limit=3)
    assert last["id"] in ("accessibility-link", "") or last["href"].startswith("mailto:"), (path, last)
    for _ in range(3):
        press_until(page, "Shift+Tab", lambda e: e["tag"] != "BODY", limit=3)
    # 200 % and 320 px: no page-wide horizontal scroll; the account links and the footer are still there.
    for size in SIZES:
        page.set_viewport_size(size)
        try:  # Chart.js redraws its canvases at the new width a frame or two later
            page.wait_for_function("(w) => document.documentElement.scrollWidth <= w", arg=size["width"], timeout=3000)
        except PlaywrightTimeout:
            pass  # the assertion below says what is wrong
        assert page.evaluate("document.documentElement.scrollWidth") <= size["width"], (path, size)
        shown = ["#accessibility-link"] + (["#whoami", "button:text-is('Se déconnecter')", "#menu-principal"]
                                           if logged_in else [])
        for selector in shown:
            target = page.locator(selector).first
            target.scroll_into_view_if_needed()
            expect(target).to_be_in_viewport()
    page.set_viewport_size({"width": 1100, "height": 800})


def test_every_page_code_zoom_reflow_and_axe(browser: Any, stats_console: str) -> None:
    assert AXE.is_file(), "axe-core manquant : lancez console/install.sh"
    visitor = browser.new_context(bypass_csp=True).new_page()  # bypass: only to inject axe-core
    for path in ("/login", "/accessibilite"):
        _check_page(visitor, stats_console, path, logged_in=False)
        assert _axe(visitor) == [], path
    page = _logged_in(browser, stats_console, "admin", bypass_csp=True)
    for path in _audited_pages(page, stats_console):
        _check_page(page, stats_console, path, logged_in=True)
        violations = _axe(page)
        assert violations == [], path + "\n" + json.dumps(violations, ensure_ascii=False, indent=1)


def test_text_spacing_loses_nothing(browser: Any, stats_console: str) -> None:
    visitor = browser.new_context().new_page()
    page = _logged_in(browser, stats_console, "admin")
    for viewer, path in [(visitor, "/login")] + [(page, path) for path in _audited_pages(page, stats_console)]:
        page = viewer
        page.goto(stats_console + path)
        page.evaluate("""() => { const sheet = [...document.styleSheets].find((s) => (s.href || '').includes('console.css'));
          sheet.insertRule('* { line-height: 1.5 !important; letter-spacing: 0.12em !important; word-spacing: 0.16em !important; }', sheet.cssRules.length);
          sheet.insertRule('p { margin-bottom: 2em !important; }', sheet.cssRules.length); }""")
        cut = page.evaluate("""() => [...document.querySelectorAll('main *, header *, footer *')]
          .filter((el) => el.offsetParent !== null && el.textContent.trim())
          .filter((el) => !el.closest('.fr-sr-only, .is-folded, .log, .fr-table--no-caption caption'))  // clipped on purpose
          .filter((el) => el.matches('button, a, label, .fr-badge') || el.children.length === 0)
          .filter((el) => { const s = getComputedStyle(el); const clips = (v) => v === 'hidden' || v === 'clip';
             return (clips(s.overflowX) && el.scrollWidth > el.clientWidth + 1) ||
                    (clips(s.overflowY) && el.scrollHeight > el.clientHeight + 1); })
          .map((el) => el.tagName + ' ' + el.textContent.trim().slice(0, 40))""")
        assert cut == [], (path, cut)


# --- contrast, charts, tree, without styles ---------------------------------------------------------------------


def test_contrast_of_every_state(browser: Any, stats_console: str) -> None:
    page = _logged_in(browser, stats_console, "admin")
    pages = _audited_pages(page, stats_console)
    page.goto(stats_console + pages[1])  # a transcript: answers with their links, badges
    measured = {"lien d'une réponse": contrast(page, ".msg--bot .msg__text--rich a"),
                "mention d'un message": contrast(page, ".msg--user > .msg__meta"),
                "lien du pied de page": contrast(page, "#accessibility-link"),
                "page courante du menu": contrast(page, ".fr-nav__link[aria-current]")}
    page.goto(stats_console + "/conversations?essais=inclus")
    measured["badge"] = contrast(page, "#conversation-list .fr-badge")
    page.goto(stats_console + "/models")
    page.evaluate("document.querySelector('#train').disabled = true")  # as while a training runs
    measured["bouton désactivé"] = contrast(page, "#train")
    page.goto(stats_console + "/inbox")
    page.locator("#inbox .correct__other summary").first.click()  # « Corriger » opens the list of answers
    select = contrast(page, "#inbox select")
    weak = {name: r for name, r in measured.items() if r["text"] < 4.5}
    assert weak == {}, json.dumps(weak, ensure_ascii=False, indent=1)
    assert select["border"] is None or select["border"] >= 3, select
    page.locator("#inbox select").first.focus()
    assert page.evaluate_handle("document.activeElement").evaluate(CONTRAST)["outline"] >= 3


def test_charts_text_alternatives_and_colours(browser: Any, stats_console: str) -> None:
    page = _logged_in(browser, stats_console)
    page.goto(f"{stats_console}/statistiques?{NOVEMBER}")
    tree = ax_tree(page)
    images = [n for n in tree if n["role"] == "image" and not n["ignored"]]
    assert len(images) == 7 and all(n["name"].startswith("Graphique en") and "tableau" in n["name"] for n in images), \
        [n["name"] for n in images]
    charts = page.evaluate("""() => [...document.querySelectorAll('figure.stats-figure')].map((figure) => {
      const chart = Chart.getChart(figure.querySelector('canvas'));
      const table = figure.querySelector('table');
      const rows = [...table.querySelectorAll('tbody tr[data-label]')];
      return { kind: figure.dataset.chart, summary: figure.querySelector('.stats-summary').textContent.trim(),
               caption: table.caption.textContent.trim(), heading: figure.querySelector('h2').textContent.trim(),
               datasets: chart.data.datasets.map((d) => ({
                 colours: [].concat(d.backgroundColor), point: d.pointStyle, dash: JSON.stringify(d.borderDash || []),
                 data: d.data,
                 table: rows.map((r) => { const th = [...table.querySelectorAll('thead th')].findIndex((h) => h.dataset.series === d.label);
                                          const v = r.children[th].dataset.value; return v === '' || v === undefined ? null : Number(v); }) })) };
    })""")
    for chart in charts:
        assert chart["summary"] and chart["caption"], chart  # the text before, the table after (RGAA 1.6, 5.4)
        for dataset in chart["datasets"]:
            assert dataset["data"] == dataset["table"], chart["heading"]  # the table holds every value (RGAA 1.7)
            for colour in dataset["colours"]:
                ratio = page.evaluate("""(c) => { const el = document.createElement('span'); el.style.color = c;
                    document.body.append(el); const v = getComputedStyle(el).color; el.remove(); return v; }""", colour)
                assert _ratio_to_white(ratio) >= 3, (chart["heading"], colour)  # RGAA 3.3
        if chart["kind"] == "line":  # several lines: told apart without colour (RGAA 3.1)
            looks = [(d["point"], d["dash"]) for d in chart["datasets"]]
            assert len(set(looks)) == len(looks) and len({p for p, _ in looks}) == len(looks), looks
    # Each table is reached and opened with the keyboard, and its links lead where the bars lead.
    summary = page.get_by_text("Tableau des données : questions par canal")
    summary.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("table", name="Questions par canal")).to_be_visible()


def _ratio_to_white(rgb: str) -> float:
    channels = [int(v) / 255 for v in re.findall(r"\d+", rgb)[:3]]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    return 1.05 / (luminance + 0.05)


def test_names_and_roles_in_the_accessibility_tree(browser: Any, stats_console: str) -> None:
    page = _logged_in(browser, stats_console, "admin")
    page.goto(stats_console + "/conversations")
    tree = ax_tree(page)
    for role, name in (("navigation", "Accès rapide"), ("navigation", "Menu principal"), ("banner", ""), ("main", ""),
                       ("contentinfo", ""), ("link", FOOTER), ("link", "Plan de la console"), ("table", "Conversations"),
                       ("button", "Se déconnecter"), ("button", "Filtrer"), ("combobox", "Canal")):
        ax_find(tree, role, name)
    ax_find(tree, "Date", re.compile(r"^Du \(début de la période\)"))
    assert page.locator("#menu-principal a[aria-current=page]").all_inner_texts() == ["Conversations"]
    page.goto(stats_console + "/queue")
    tree = ax_tree(page)
    statuses = [n for n in tree if n["role"] == "status" and not n["ignored"]]
    assert statuses and all(n["props"].get("live") == "polite" for n in statuses), statuses
    assert not any(n["props"].get("live") for n in tree if n["role"] in ("list", "generic") and "queue" in ax_text(tree, n))
    takeover = _audited_pages(page, stats_console)[3]
    page.goto(stats_console + takeover)
    tree = ax_tree(page)
    ax_find(tree, "list", "Messages de la conversation")
    ax_find(tree, "status", "")


def test_without_stylesheets_nothing_is_lost(browser: Any, stats_console: str) -> None:
    page = _logged_in(browser, stats_console, "admin")
    for path, expected in ((f"/statistiques?{NOVEMBER}", ["Statistiques d'usage", "En bref", "Questions par canal",
                                                          "Tableau des données : questions par canal", FOOTER]),
                           ("/conversations", ["Conversations", "Filtrer", "Dernier message", FOOTER])):
        page.goto(stats_console + path)
        page.evaluate("() => { for (const sheet of document.styleSheets) sheet.disabled = true; }")
        text, position = page.locator("body").inner_text(), 0
        for part in expected:  # present, in reading order
            position = text.find(part, position)
            assert position >= 0, (path, part)


# --- the statement and the site map ------------------------------------------------------------------------------


def test_the_statement_is_public_and_the_site_map_follows_the_role(browser: Any, stats_console: str) -> None:
    visitor = browser.new_context().new_page()
    visitor.goto(stats_console + "/accessibilite")
    expect(visitor.locator("h1")).to_have_text("Déclaration d’accessibilité")
    expect(visitor.locator("#etat-de-conformite")).to_contain_text("est partiellement conforme avec le RGAA version 4.1")
    expect(visitor.locator("#menu-principal")).to_have_count(0)  # not logged in: no menu
    visitor.goto(stats_console + "/plan")
    visitor.wait_for_url(re.compile(r"/login"))
    agent = _logged_in(browser, stats_console, "alice")
    agent.get_by_role("link", name=FOOTER).click()
    agent.wait_for_url(stats_console + "/accessibilite")
    expect(agent.locator("#menu-principal")).to_be_visible()
    agent.get_by_role("link", name="Plan de la console").click()
    links = agent.locator("#sitemap a")
    titles = links.all_inner_texts()
    assert "Statistiques d'usage" in titles and "Réponses de la FAQ" not in titles, titles  # an agent's pages
    for href in links.evaluate_all("as => as.map((a) => a.getAttribute('href'))"):
        assert agent.request.get(stats_console + href).status == 200, href
    admin = _logged_in(browser, stats_console, "admin")
    admin.goto(stats_console + "/plan")
    assert {"Réponses de la FAQ", "Journal des actions", "Entraînement et modèles"} <= set(admin.locator("#sitemap a").all_inner_texts())
    menu = set(admin.locator("#menu-principal a").evaluate_all("as => as.map((a) => a.getAttribute('href'))"))
    assert menu <= set(admin.locator("#sitemap a").evaluate_all("as => as.map((a) => a.getAttribute('href'))"))
