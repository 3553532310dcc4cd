"""The correction loop and the finish of the console in a real browser (Chromium), without Rasa: the
console reads a tracker store written with the real assistant's event sequences (tests/history.py).

- the inbox preselects the assistant's reading, « Correct » is one click, the list of answers is
  searchable, filters are kept when coming back;
- a transcript: French names, system events folded, a message corrected in place, tags removed and
  chosen from existing ones, erasure set apart behind a confirmation;
- the queue: the person's own last message, a long id, the conversation readable before taking it;
- axe-core finds no WCAG 2.1 A/AA violation on any of these pages, the time zone is said once on each.
"""
from __future__ import annotations

import json
import re
import shutil
import sys
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
from playwright.sync_api import Page, expect

from .conftest import CONSOLE_DIR, REPO_ROOT, console_without_rasa
from .test_statistics_page import AXE, _axe, _logged_in

sys.path.insert(0, str(CONSOLE_DIR / "tests"))
from history import History, make_engine  # noqa: E402

WAITING = "socketio-" + "ab12" * 8  # a widget conversation waiting for an adviser


def write_history(tracker: Path) -> None:
    engine = make_engine(f"sqlite:///{tracker}")
    history = History(engine)
    now = time.time()
    history.conversation("c-sure", now - 7200, "socketio").faq("financement")
    history.conversation("c-vague", now - 6000, "socketio").not_sure(text="des sous pour migrer vers le cloud ?") \
        .faq("financement")
    history.conversation("c-tchap", now - 5000, "callback").not_sure(text="la mairie doit elle héberger ailleurs")
    history.conversation("c-meteo", now - 4000, "socketio").off_topic(text="quel temps fera-t-il demain ?")
    waiting = history.conversation(WAITING, now - 30, "socketio")
    waiting.faq("financement").user("je voudrais parler à quelqu'un de mon dossier de migration", "ask_human", 0.99)
    waiting.action("action_handoff")
    waiting._handoff_events()
    history.flush()
    engine.dispose()


@pytest.fixture(scope="module")
def correction_console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    work = tmp_path_factory.mktemp("correction-console")
    project = work / "project"
    for name in ("domain", "data"):
        shutil.copytree(REPO_ROOT / name, project / name)
    shutil.copy(REPO_ROOT / "config.yml", project / "config.yml")
    (project / "actions" / "data").mkdir(parents=True)
    shutil.copytree(REPO_ROOT / "actions" / "data" / "catalog", project / "actions" / "data" / "catalog")
    shutil.copy(REPO_ROOT / "actions" / "data" / "answer_rules.yml", project / "actions" / "data" / "answer_rules.yml")
    tracker = work / "tracker.db"
    write_history(tracker)
    with console_without_rasa(work, tracker, CONSOLE_PROJECT_DIR=str(project),
                              CONSOLE_HANDOFF_TIMEOUT="100000") as url:
        yield {"url": url, "project": project}


def _examples_of(project: Path, text: str) -> str:
    found = [p.read_text(encoding="utf-8") for p in (project / "data" / "nlu").glob("*.yml")]
    return "\n".join(chunk for chunk in found if text in chunk)


def _no_violations(page: Page, what: str) -> None:
    violations = _axe(page)
    assert violations == [], what + "\n" + json.dumps(violations, ensure_ascii=False, indent=1)
    expect(page.locator("#timezone")).to_have_count(1)
    expect(page.locator("#timezone")).to_contain_text("Europe/Paris")


def test_inbox_correct_in_one_click_searchable_answers_and_kept_filters(browser: Any,
                                                                       correction_console: dict[str, Any]) -> None:
    url = correction_console["url"]
    page = _logged_in(browser, url, bypass_csp=True)  # bypass: only to inject axe-core
    page.goto(url + "/inbox")
    row = page.locator("#inbox tr", has_text="des sous pour migrer vers le cloud ?")
    # The assistant's reading (faq/financement) is preselected, and « Correct » confirms it in one click.
    row.locator("summary", has_text="Corriger").click()
    expect(row.locator("select[name=intent]")).to_have_value("faq/financement")
    _no_violations(page, "/inbox")
    page.reload()  # axe's run opened every <details>
    row.get_by_role("button", name="Correct").click()
    expect(page.locator("#flash")).to_contain_text("ajouté aux exemples de « Existe-t-il un financement pour le cloud ? »")
    expect(page.locator("#inbox")).not_to_contain_text("des sous pour migrer")
    assert "des sous pour migrer vers le cloud ?" in _examples_of(correction_console["project"], "des sous pour migrer")

    # The searchable list: typing « collectivités » keeps that question and selects it.
    row = page.locator("#inbox tr", has_text="la mairie doit elle héberger ailleurs")
    row.locator("summary").click()
    row.get_by_label("Chercher une réponse").fill("collectivites concernees")
    select = row.locator("select[name=intent]")
    expect(select).to_have_value("faq/collectivites")
    visible = select.evaluate("(s) => Array.from(s.options).filter((o) => !o.hidden && !o.disabled).length")
    assert visible == 1

    # Filters: by channel and by what the assistant answered, kept when coming back to the inbox.
    page.select_option("#canal", "callback")
    page.select_option("#reponse", "pas_sur")
    page.get_by_role("button", name="Filtrer").click()
    expect(page.locator("#inbox tbody tr")).to_have_count(1)
    page.goto(url + "/statistiques")
    page.get_by_role("link", name="Messages mal compris").click()
    expect(page.locator("#canal")).to_have_value("callback")
    expect(page.locator("#reponse")).to_have_value("pas_sur")
    expect(page.locator("#inbox tbody tr")).to_have_count(1)


def test_list_and_transcript_in_french_with_corrections_tags_and_erasure_apart(
        browser: Any, correction_console: dict[str, Any]) -> None:
    url = correction_console["url"]
    page = _logged_in(browser, url, "admin", bypass_csp=True)
    page.select_option("#pas_sur", "oui")
    page.get_by_role("button", name="Filtrer").click()
    expect(page.locator("#conversation-list tbody tr[data-sender]")).to_have_count(2)  # c-vague, c-tchap
    _no_violations(page, "/conversations")
    page.get_by_role("link", name="c-tchap").click()

    # French names; the system events folded (closed) by default.
    transcript = page.locator("#transcript")
    expect(transcript).to_contain_text("« Pas sûr » : suggestions de questions")
    expect(transcript).not_to_contain_text("utter_low_confidence")
    group = transcript.locator("details.ev-group").first
    expect(group).not_to_have_attribute("open", re.compile(".*"))
    expect(group.locator("summary")).to_contain_text("événement")
    assert not group.locator("li").first.is_visible()
    _no_violations(page, "transcript")
    page.reload()  # axe's run opened every <details>

    # A message corrected from the transcript, back on the transcript.
    message = transcript.locator("li.msg--user", has_text="la mairie doit elle héberger ailleurs")
    message.locator("summary", has_text="Corriger").click()
    message.get_by_label("Chercher une réponse").fill("collectivites")
    message.get_by_role("button", name="Ajouter aux données").click()
    expect(page.locator("#flash")).to_contain_text("ajouté aux exemples de « Les collectivités sont-elles concernées ? »")
    assert "/conversations/c-tchap" in page.url

    # Tags: chosen from existing ones, removable.
    page.fill("#tag", "à rappeler")
    page.get_by_role("button", name="Ajouter", exact=True).click()
    page.goto(url + "/conversations/c-vague")
    options = page.locator("#known-tags option")
    expect(options).to_have_count(1)
    expect(options.first).to_have_attribute("value", "à rappeler")
    page.goto(url + "/conversations/c-tchap")
    page.get_by_role("button", name="Retirer l'étiquette à rappeler").click()
    expect(page.locator("#flash")).to_contain_text("Étiquette « à rappeler » retirée.")
    expect(page.locator("#tags button")).to_have_count(0)

    # Erasure: in its own section, far from « Ajouter », and confirmed on the next page.
    danger = page.locator("#danger-zone")
    expect(danger).to_contain_text("Effacement (définitif)")
    page.wait_for_load_state("load")  # the stylesheets too: a loaded machine measured an unstyled page
    add_box = page.get_by_role("button", name="Ajouter", exact=True).bounding_box()
    erase_box = page.locator("#erase-link").bounding_box()
    assert add_box and erase_box and erase_box["y"] - (add_box["y"] + add_box["height"]) > 100
    page.locator("#erase-link").click()
    expect(page.locator("#confirm-erase")).to_be_visible()
    expect(page.locator("h1")).to_contain_text("c-tchap")

    # Back to the list: the filters are still there.
    page.goto(url + "/conversations/c-vague")
    page.locator("#back-to-list").click()
    expect(page.locator("#pas_sur")).to_have_value("oui")
    expect(page.locator("#conversation-list tbody tr[data-sender]")).to_have_count(2)


def test_queue_card_reads_the_person_and_opens_the_conversation_before_taking_it(
        browser: Any, correction_console: dict[str, Any]) -> None:
    url = correction_console["url"]
    page = _logged_in(browser, url, bypass_csp=True)
    page.goto(url + "/queue")
    card = page.locator("#queue-list li", has_text=WAITING)
    expect(card).to_contain_text("« je voudrais parler à quelqu'un de mon dossier de migration »")
    expect(card).not_to_contain_text("Je vous mets en relation")
    expect(card).to_contain_text(WAITING)  # the whole id (41 characters), not a prefix shared by every widget id
    _no_violations(page, "/queue")
    card.get_by_role("link", name="Lire la conversation avant de la prendre").click()
    expect(page.locator("h1")).to_contain_text(WAITING)
    expect(page.locator("#transcript")).to_contain_text("je voudrais parler à quelqu'un")
    page.goto(url + "/queue")
    expect(page.locator("#queue-list li", has_text=WAITING).get_by_role("button", name="Prendre en charge")).to_be_visible()


def test_insights_page_has_no_violation(browser: Any, correction_console: dict[str, Any]) -> None:
    assert AXE.is_file(), "axe-core manquant : lancez console/install.sh"
    url = correction_console["url"]
    page = _logged_in(browser, url, bypass_csp=True)
    page.goto(url + "/analyse")
    expect(page.locator("#few-examples")).to_be_visible()
    _no_violations(page, "/analyse")
