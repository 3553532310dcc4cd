"""Real-browser tests (Chromium via Playwright) against a real Rasa stack and a real console server:
the inbox, and retraining (the live takeover is in test_takeover_browser.py)."""
from __future__ import annotations

import re
import uuid

import httpx
import pytest
from playwright.sync_api import expect


def test_annotate_misunderstood_message(browser, stack, console, project, login_as):
    text = "blorp zwingle quantique " + uuid.uuid4().hex[:6]
    response = httpx.post(f"{stack['url']}/webhooks/rest/webhook", json={"sender": "rest-" + uuid.uuid4().hex[:8],
                                                                         "message": text}, timeout=60)
    assert response.status_code == 200
    agent = browser.new_context().new_page()
    login_as(agent, "alice")
    agent.goto(console["url"] + "/inbox")
    row = agent.locator("#inbox tr", has_text=text)
    expect(row).to_have_count(1)
    row.locator("select").select_option("faq/financement")
    row.get_by_role("button", name="Ajouter aux données").click()
    expect(agent.locator("#flash")).to_contain_text("Exemple ajouté à « faq/financement »")
    written = [p for p in (project / "data" / "nlu").glob("*.yml") if text in p.read_text()]
    assert len(written) == 1
    assert re.search(rf"^ +- {re.escape(text)}$", written[0].read_text(), re.M)


@pytest.mark.changes_live_model
def test_retrain_and_deploy_tiny_model(browser, stack, console, login_as):
    before = httpx.get(f"{stack['url']}/status", params={"token": stack["token"]}).json()["model_file"]
    admin = browser.new_context().new_page()
    login_as(admin, "admin")
    admin.goto(console["url"] + "/models")
    expect(admin.locator("#live-model")).to_have_text(before.rsplit("/", 1)[-1])
    admin.click("#train")
    expect(admin.locator("#training-status")).to_have_text("en service", timeout=1_200_000)
    live = admin.locator("#live-model").inner_text()
    assert live.startswith("console-") and live.endswith(".tar.gz")
    expect(admin.locator("#models tr", has_text=live)).to_contain_text("en service")
    status = httpx.get(f"{stack['url']}/status", params={"token": stack["token"]}).json()
    assert status["model_file"].endswith(live)
    assert (console["models_dir"] / live).is_file()
    # The new model answers.
    reply = httpx.post(f"{stack['url']}/webhooks/rest/webhook", json={"sender": "after-deploy", "message": "Bonjour"},
                       timeout=60)
    assert reply.status_code == 200 and reply.json()
