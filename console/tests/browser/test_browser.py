"""Real-browser tests (Chromium via Playwright) against a real Rasa stack and a real console server:
the inbox, and retraining (the live takeover is in test_takeover_browser.py)."""
from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from .conftest import REPO_ROOT


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


def _live_model(stack: dict[str, Any]) -> str:
    return httpx.get(f"{stack['url']}/status", params={"token": stack["token"]}).json()["model_file"]


@pytest.mark.changes_live_model
def test_retrain_deploy_tiny_model_then_put_the_previous_one_back(browser, stack, console, login_as):
    """The stack is shared with every part's tests: it ends with the model it started with."""
    before_name = _live_model(stack).rsplit("/", 1)[-1]
    before_file = REPO_ROOT / "models" / before_name  # the stack serves the latest model of models/
    # The admin's models folder holds the model in service, as in production (models/).
    console["models_dir"].mkdir(parents=True, exist_ok=True)
    (console["models_dir"] / before_name).symlink_to(before_file)
    admin = browser.new_context().new_page()
    login_as(admin, "admin")
    try:
        admin.goto(console["url"] + "/models")
        expect(admin.locator("#live-model")).to_have_text(before_name)
        admin.click("#train")
        expect(admin.locator("#training-status")).to_have_text("en service", timeout=1_200_000)
        live = admin.locator("#live-model").inner_text()
        assert live.startswith("console-") and live.endswith(".tar.gz")
        expect(admin.locator("#models tr", has_text=live)).to_contain_text("en service")
        assert _live_model(stack).endswith(live)
        assert (console["models_dir"] / live).is_file()
        # The new model answers.
        reply = httpx.post(f"{stack['url']}/webhooks/rest/webhook",
                           json={"sender": "after-deploy", "message": "Bonjour"}, timeout=60)
        assert reply.status_code == 200 and reply.json()

        # The previous model put back in service from the list (Rasa loads it before the page comes back).
        row = admin.locator("#models tr", has_text=before_name)
        row.get_by_role("button", name="Mettre en service").click(no_wait_after=True)
        expect(admin.locator("#live-model")).to_have_text(before_name, timeout=900_000)
        expect(admin.locator("#flash")).to_have_text(f"Modèle {before_name} mis en service.")
        assert _live_model(stack).endswith(before_name)
        answer = httpx.post(f"{stack['url']}/webhooks/rest/webhook", timeout=120, json={
            "sender": "after-rollback", "message": "Qui contrôle l'application de la doctrine ?"}).json()
        assert "Source : https://" in "\n".join(m.get("text", "") for m in answer)
    finally:
        if not _live_model(stack).endswith(before_name):  # never leave the shared stack on the tiny model
            httpx.put(f"{stack['url']}/model", params={"token": stack["token"]},
                      json={"model_file": str(before_file)}, timeout=900)
