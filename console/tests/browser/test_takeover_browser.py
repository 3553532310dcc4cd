"""The live takeover in real Chromium, against a real Rasa stack and the console server: a person on the
socket.io chat page, an agent in the console. Each way a conversation returns to the assistant (hand-back,
nobody takes it, the agent goes silent) must leave the assistant answering the next FAQ question right,
not « je n'ai pas compris » followed by a second handoff."""
from __future__ import annotations

import json
import re
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import expect

from .conftest import (
    AGENT_IDLE_TIMEOUT,
    AGENT_NAME,
    ASK_HUMAN,
    HANDOFF_TIMEOUT,
    open_person,
    say,
    tracker_of,
)

FAQ_QUESTION = "Existe-t-il un financement pour le cloud ?"
CONTACT = "infonuage.dinum@modernisation.gouv.fr"
TURN = 45_000  # ms: one assistant turn on a loaded 2-core machine


def _ask_human(person: Any, stack: dict[str, Any], session: str) -> None:
    """Ask for a human and wait until the assistant has answered and paused the conversation."""
    say(person, ASK_HUMAN)
    expect(person.locator("li.bot").last).to_contain_text("ici même", timeout=TURN)
    deadline = time.time() + TURN / 1000
    while not tracker_of(stack, session)["paused"]:
        assert time.time() < deadline, "la conversation n'a pas été mise en pause"
        time.sleep(0.3)


def _returned_to_the_assistant(person: Any, text: str, delay: int, stack: dict[str, Any], console: dict[str, Any],
                               session: str) -> None:
    """The console's watcher gives the conversation back within `delay` seconds (and a loaded machine's
    margin): the person reads `text`. Otherwise the tracker's last events and the console's log say why."""
    try:
        expect(person.locator("li.bot").last).to_contain_text(text, timeout=(delay + 60) * 1000)
    except AssertionError as error:
        events = [{k: e.get(k) for k in ("event", "name", "text", "timestamp")}
                  for e in tracker_of(stack, session)["events"][-10:]]
        # The watcher's warnings and tracebacks, not the pages' polling (the access log drowns them).
        lines = Path(console["log"]).read_text(errors="replace").splitlines()
        log = "\n".join([line for line in lines if '" 200 OK' not in line][-60:])
        raise AssertionError(f"{error}\n--- derniers événements ---\n{json.dumps(events, ensure_ascii=False)}"
                             f"\n--- console ---\n{log}") from None


def _asks_faq_and_gets_the_financing_answer(person: Any, stack: dict[str, Any], session: str) -> None:
    """The FAQ question right after the return gets its own answer, and the conversation stays with the bot."""
    say(person, FAQ_QUESTION)
    answer = person.locator("li.bot", has_text="FTAP")
    expect(answer).to_have_count(1, timeout=TURN)
    expect(answer).to_contain_text("Adoption du Cloud de confiance")
    tracker = tracker_of(stack, session)
    events = tracker["events"]
    last_resume = max(i for i, e in enumerate(events) if e["event"] == "resume")
    after = [e.get("name") for e in events[last_resume:] if e["event"] == "action"]
    assert "action_answer_faq" in after, after
    assert "action_default_fallback" not in after and "action_handoff" not in after, after
    assert not tracker["paused"]
    question = next(e for e in events[last_resume:] if e["event"] == "user")
    assert question["parse_data"]["response_selector"]["faq"]["response"]["intent_response_key"] == "faq/financement"


def test_hand_back_then_the_next_faq_question_is_answered(browser, stack, console, person_site, login_as):
    person, session = open_person(browser, person_site, stack)
    agent = browser.new_context().new_page()
    login_as(agent, "alice")
    agent.goto(console["url"] + "/queue")  # opened BEFORE the request: it must appear without reload
    expect(agent.locator(f'li[data-sender="{session}"]')).to_have_count(0)

    _ask_human(person, stack, session)
    item = agent.locator(f'li[data-sender="{session}"]')
    expect(item).to_contain_text("En attente", timeout=TURN)
    expect(item).to_contain_text("Canal : Widget web")
    item.get_by_role("button", name="Prendre en charge").click()
    agent.wait_for_url(re.compile(r".*/takeover/.*"))
    # The person reads the agent's public name, never the login.
    expect(person.locator("li.bot").last).to_have_text(f"Un conseiller, {AGENT_NAME}, a rejoint la conversation.",
                                                       timeout=TURN)
    expect(agent.locator("#takeover-channel")).to_have_text("Widget web")
    expect(agent.locator("#takeover-countdown")).to_contain_text("reviendra à l'assistant dans")

    agent.fill("#reply", "Bonjour, ici Alice du support. Que puis-je faire ?")
    agent.click("#send")
    expect(person.locator("li.bot").last).to_have_text("Bonjour, ici Alice du support. Que puis-je faire ?",
                                                       timeout=TURN)
    say(person, "Ma question porte sur SecNumCloud pour un ministère")
    expect(agent.locator("#live li.msg--user").last).to_contain_text("SecNumCloud pour un ministère", timeout=TURN)
    agent.click("#handback")
    expect(person.locator("li.bot").last).to_have_text("L'assistant reprend la conversation.", timeout=TURN)
    expect(agent.locator("#takeover-state")).to_have_text("L'assistant gère cette conversation.")

    _asks_faq_and_gets_the_financing_answer(person, stack, session)
    kinds = [(e["event"], e.get("text"), (e.get("metadata") or {}).get("agent"))
             for e in tracker_of(stack, session)["events"]]
    assert ("bot", "Bonjour, ici Alice du support. Que puis-je faire ?", "alice") in kinds  # recorded with login
    # The agent's console shows the assistant's answer rendered as the widget renders it.
    answer = agent.locator("#live li.msg--bot", has_text="FTAP")
    expect(answer).to_have_count(1, timeout=TURN)
    expect(answer.locator("strong", has_text="Adoption du Cloud de confiance")).to_have_count(1)
    expect(answer.locator('a[href="mailto:infonuage.dinum@modernisation.gouv.fr"]')).to_have_count(1)


def test_nobody_takes_it_person_wrote_meanwhile_then_faq_answered(browser, stack, console, person_site):
    person, session = open_person(browser, person_site, stack)
    _ask_human(person, stack, session)
    say(person, "allô ? il y a quelqu'un ?")  # written while waiting: logged, not answered
    _returned_to_the_assistant(person, CONTACT, HANDOFF_TIMEOUT, stack, console, session)
    expect(person.locator("li.bot").last).to_contain_text("L'assistant reprend la conversation")
    _asks_faq_and_gets_the_financing_answer(person, stack, session)


def test_agent_goes_silent_conversation_returns_to_the_assistant(browser, stack, console, person_site, login_as):
    person, session = open_person(browser, person_site, stack)
    agent_context = browser.new_context()
    agent = agent_context.new_page()
    login_as(agent, "alice")
    _ask_human(person, stack, session)
    agent.goto(console["url"] + "/takeover/" + session)
    agent.click("#take", timeout=TURN)
    expect(person.locator("li.bot").last).to_contain_text("a rejoint la conversation", timeout=TURN)
    agent_context.close()  # the agent closes the browser and never comes back

    say(person, "vous êtes toujours là ?")
    _returned_to_the_assistant(person, "Le conseiller n'est plus disponible", AGENT_IDLE_TIMEOUT, stack, console,
                               session)
    expect(person.locator("li.bot").last).to_contain_text(CONTACT)
    _asks_faq_and_gets_the_financing_answer(person, stack, session)


def test_rest_caller_is_given_the_contact_not_a_promise(stack):
    """A REST caller only gets the replies to its own request: no agent could ever answer it there."""
    sender = "rest-humain-" + uuid.uuid4().hex[:8]
    replies = httpx.post(f"{stack['url']}/webhooks/rest/webhook", json={"sender": sender, "message": ASK_HUMAN},
                         timeout=60).json()
    texts = " ".join(r.get("text") or "" for r in replies)
    assert CONTACT in texts and "ici même" not in texts
    assert not tracker_of(stack, sender)["paused"]
