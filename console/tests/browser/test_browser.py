"""Real-browser tests (Chromium via Playwright) against a real Rasa stack and a real console server.

Two browser contexts: the person in a chat page on Rasa's socketio channel, the agent in the console.
"""
from __future__ import annotations

import os
import re
import uuid
from typing import Any

import httpx
from playwright.sync_api import expect

from .conftest import HANDOFF_TIMEOUT, REPO_ROOT

# What the person types to ask for a human (a developer running a tiny model may use "/ask_human").
ASK_HUMAN = os.environ.get("CONSOLE_TEST_HUMAN_MESSAGE", "je veux parler à un humain")


def _person(browser: Any, person_site: str, stack: dict[str, Any]) -> tuple[Any, str]:
    page = browser.new_context().new_page()
    page.goto(f"{person_site}/person.html?rasa={stack['url']}")
    expect(page.locator("#status")).to_have_text("connecté", timeout=20_000)
    return page, page.locator("#session").inner_text()


def _say(page: Any, text: str) -> None:
    page.fill("#input", text)
    page.press("#input", "Enter")


def _tracker(stack: dict[str, Any], session: str) -> dict[str, Any]:
    response = httpx.get(f"{stack['url']}/conversations/{session}/tracker", params={"token": stack["token"]})
    response.raise_for_status()
    return response.json()


def test_live_takeover_round_trip(browser, stack, console, person_site, login_as):
    person, session = _person(browser, person_site, stack)
    agent = browser.new_context().new_page()
    login_as(agent, "alice")
    agent.goto(console["url"] + "/queue")  # opened BEFORE the request: it must appear without reload
    expect(agent.locator(f'li[data-sender="{session}"]')).to_have_count(0)

    _say(person, ASK_HUMAN)
    bot = person.locator("li.bot")
    expect(bot.first).to_be_visible(timeout=45_000)
    item = agent.locator(f'li[data-sender="{session}"]')
    expect(item).to_contain_text("En attente", timeout=45_000)
    item.get_by_role("button", name="Prendre en charge").click()
    agent.wait_for_url(re.compile(r".*/takeover/.*"))
    expect(person.locator("li.bot").last).to_have_text("Un conseiller, alice, a rejoint la conversation.",
                                                       timeout=45_000)

    agent.fill("#reply", "Bonjour, ici Alice du support. Que puis-je faire ?")
    agent.click("#send")
    expect(person.locator("li.bot").last).to_have_text("Bonjour, ici Alice du support. Que puis-je faire ?",
                                                       timeout=45_000)
    _say(person, "Ma question porte sur SecNumCloud pour un ministère")
    expect(agent.locator("#live li.msg--user").last).to_contain_text("SecNumCloud pour un ministère",
                                                                     timeout=45_000)
    agent.click("#handback")
    expect(person.locator("li.bot").last).to_have_text("L'assistant reprend la conversation.", timeout=45_000)
    expect(agent.locator("#takeover-state")).to_have_text("L'assistant gère cette conversation.")

    count = person.locator("li.bot").count()
    _say(person, "Bonjour")
    expect(person.locator("li.bot")).not_to_have_count(count, timeout=45_000)  # the assistant answers again

    events = _tracker(stack, session)["events"]
    kinds = [(e["event"], e.get("text"), (e.get("metadata") or {}).get("agent")) for e in events]
    assert ("bot", "Bonjour, ici Alice du support. Que puis-je faire ?", "alice") in kinds  # recorded with name
    resume = kinds.index(("resume", None, None))
    assert kinds[resume - 2] == ("bot", "L'assistant reprend la conversation.", "alice")
    assert any(k[0] == "bot" and k[2] is None for k in kinds[resume:])  # the assistant answered again


def test_nobody_takes_it_person_gets_contact(browser, stack, console, person_site):
    person, _session = _person(browser, person_site, stack)
    _say(person, ASK_HUMAN)
    expect(person.locator("li.bot").last).to_contain_text("infonuage.dinum@modernisation.gouv.fr",
                                                          timeout=(HANDOFF_TIMEOUT + 30) * 1000)


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
