"""Real-browser tests (Chromium via Playwright) against the run's Rasa test stack and a real console server: a
misunderstood message annotated from the inbox (the live takeover is in test_takeover_browser.py, a model put in
service in test_deploy_browser.py)."""
from __future__ import annotations

import re
import uuid

import httpx
from playwright.sync_api import expect


def test_annotate_misunderstood_message(browser, stack, console, project, login_as):
    text = "blorp zwingle quantique " + uuid.uuid4().hex[:6]
    response = httpx.post(f"{stack['url']}/webhooks/rest/webhook", json={"sender": "rest-" + uuid.uuid4().hex[:8],
                                                                         "message": text}, timeout=60)
    assert response.status_code == 200
    agent = browser.new_context().new_page()
    login_as(agent, "alice")
    # Searched, as an agent would: the inbox puts the most frequent texts first, and the tests running beside
    # this one (the evaluation's conversations) leave repeated texts that could fill the first page.
    agent.goto(console["url"] + "/inbox?q=" + text.rsplit(" ", 1)[1])
    row = agent.locator("#inbox tr", has_text=text)
    expect(row).to_have_count(1)
    row.locator("summary").click()  # « Classer » / « Corriger »: the searchable list of answers
    row.locator("select").select_option("faq/financement")
    row.get_by_role("button", name="Ajouter aux données").click()
    expect(agent.locator("#flash")).to_contain_text("ajouté aux exemples de « Existe-t-il un financement pour le cloud ? »")
    written = [p for p in (project / "data" / "nlu").glob("*.yml") if text in p.read_text()]
    assert len(written) == 1
    assert re.search(rf"^ +- {re.escape(text)}$", written[0].read_text(), re.M)
