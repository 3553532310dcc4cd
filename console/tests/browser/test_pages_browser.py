"""Console pages in real Chromium against the real stack: « Parler à l'assistant », the accounts page,
transcripts rendered exactly as the widget renders messages, long messages folded."""
from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
from console_app.markdown import render_message
from playwright.sync_api import expect
from ruamel.yaml import YAML

from .conftest import REPO_ROOT

WIDGET_JS = REPO_ROOT / "webchat" / "src" / "widget.js"
TURN = 45_000


def test_talk_to_the_assistant_shows_answer_intent_and_confidence(browser, console, login_as):
    page = browser.new_context().new_page()
    login_as(page, "alice")
    page.goto(console["url"] + "/assistant")
    page.fill("#assistant-input", "Existe-t-il un financement pour le cloud ?")
    page.click("#assistant-send")
    mine = page.locator("#assistant-log li.msg--user").last
    expect(mine.locator(".msg__nlu")).to_contain_text("Existe-t-il un financement pour le cloud ?", timeout=TURN)
    expect(mine.locator(".msg__nlu code")).to_have_text("faq/financement")
    confidence = float(mine.locator(".msg__nlu .confidence").inner_text())
    assert 0.5 <= confidence <= 1
    answer = page.locator("#assistant-log li.msg--bot").first
    expect(answer.locator("strong", has_text="Adoption du Cloud de confiance")).to_have_count(1)
    # A button of the answer sends its payload, like the widget's buttons.
    answer.get_by_role("button").first.click()
    expect(page.locator("#assistant-log li.msg--user")).to_have_count(2)
    expect(page.locator("#assistant-log li.msg--user").last.locator(".msg__nlu")).to_contain_text("faq/",
                                                                                                 timeout=TURN)
    # The try is a conversation of its own, hidden from the list unless asked for.
    sender = page.locator("#assistant-sender").inner_text()
    assert sender.startswith("console-essai-alice-")
    page.goto(console["url"] + "/conversations")
    expect(page.locator(f'tr[data-sender="{sender}"]')).to_have_count(0)
    page.goto(console["url"] + "/conversations?essais=seuls")
    expect(page.locator(f'tr[data-sender="{sender}"]')).to_have_count(1)


def test_admin_creates_then_disables_an_account(browser, console, login_as):
    admin = browser.new_context().new_page()
    login_as(admin, "admin")
    admin.goto(console["url"] + "/users")
    name = "marc" + uuid.uuid4().hex[:4]
    admin.fill("#new-username", name)
    admin.fill("#new-display-name", "Marc Dupont")
    admin.select_option("#new-role", "agent")
    admin.click("#create-user button[type=submit]")
    password = admin.locator("#new-password-value").inner_text()
    assert len(password) >= 12

    marc = browser.new_context().new_page()
    marc.goto(console["url"] + "/login")
    marc.fill("#username", name)
    marc.fill("#password", password)
    marc.click("button[type=submit]")
    marc.wait_for_url(console["url"] + "/conversations")

    admin.goto(console["url"] + "/users")
    admin.locator(f'tr[data-user="{name}"]').get_by_role("button", name="Désactiver").click()
    expect(admin.locator(f'tr[data-user="{name}"] .user-state')).to_have_text("désactivé")
    marc.goto(console["url"] + "/inbox")
    expect(marc).to_have_url(re.compile(r".*/login\?next=/inbox$"))
    admin.goto(console["url"] + "/audit")
    expect(admin.locator("#audit")).to_contain_text("Compte désactivé")
    expect(admin.locator("#audit")).to_contain_text("Compte créé")
    assert password not in admin.content()  # never in the log


def _canonical_dom(page: Any, html_or_text: str, via_widget: bool) -> Any:
    """The rendered tree as data (tags, link attributes with the browser-normalised href, merged text)."""
    return page.evaluate(
        """([value, viaWidget]) => {
            const box = document.createElement("div");
            if (viaWidget) box.appendChild(renderText(value)); else box.innerHTML = value;
            box.normalize();
            const walk = (node) => node.nodeType === Node.TEXT_NODE ? node.data : {
                tag: node.tagName, href: node.tagName === "A" ? node.href : null,
                target: node.getAttribute("target"), rel: node.getAttribute("rel"), title: node.getAttribute("title"),
                children: Array.from(node.childNodes).map(walk)};
            return Array.from(box.childNodes).map(walk);
        }""", [html_or_text, via_widget])


def test_console_renders_messages_exactly_as_the_widget(browser):
    """Every FAQ answer of the domain and tricky texts: widget.js's renderText and console_app.markdown
    give the same document in Chromium."""
    answers = []
    for path in sorted((REPO_ROOT / "domain").glob("*.yml")):
        for variations in (YAML(typ="safe").load(path.read_text()).get("responses") or {}).values():
            answers += [v["text"] for v in variations if isinstance(v, dict) and v.get("text")]
    tricky = [
        "<script>alert(1)</script> **gras** [lien](https://a.fr/x?y=1&z=2).",
        "[js](javascript:alert(1)) [data](data:text/html,x) [rel](/relatif) https://ok.fr/a), fin.",
        "- un\n* deux\n  • trois\n\n\nparagraphe\nligne 2\n- [x](https://b.fr) **c** d@e.fr",
        '**gras [lien](https://c.fr)** et "guillemets" <b>&amp;</b>',
        "Écrire à infonuage.dinum@modernisation.gouv.fr.\r\nSource : https://www.numerique.gouv.fr/services/cloud/",
    ]
    assert len(answers) > 30
    page = browser.new_context().new_page()
    page.set_content("<!doctype html><html lang='fr'><body></body></html>")
    page.add_script_tag(content=WIDGET_JS.read_text(encoding="utf-8"))
    for text in answers + tricky:
        widget = _canonical_dom(page, text, via_widget=True)
        console = _canonical_dom(page, str(render_message(text)), via_widget=False)
        assert console == widget, text


def test_long_message_is_folded_in_the_transcript(browser, stack, console, login_as):
    sender = "rest-long-" + uuid.uuid4().hex[:8]
    long_text = "Bonjour, " + "voici le détail de mon projet de migration vers le cloud interministériel. " * 12
    httpx.post(f"{stack['url']}/webhooks/rest/webhook", json={"sender": sender, "message": long_text}, timeout=60)
    page = browser.new_context().new_page()
    login_as(page, "alice")
    page.goto(console["url"] + "/conversations/" + sender)
    message = page.locator("li.msg--user .msg__text").first
    expect(message).to_have_class(re.compile(r"\bis-folded\b"))
    folded_height = message.bounding_box()["height"]
    page.get_by_role("button", name="Afficher tout").first.click()
    expect(message).not_to_have_class(re.compile(r"\bis-folded\b"))
    assert message.bounding_box()["height"] > folded_height
