"""The web chat page, in real headless Chromium, against the run's Rasa test stack (webchat/tests/conftest.py).

Each test opens the page in a fresh browser context (empty storage: a new conversation) and acts as
a person would: clicks buttons, types and presses keys, reloads. Assertions are on what the page
shows and, for the payloads, on the tracker Rasa recorded.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

from playwright.sync_api import Page, expect

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = Path(os.environ.get("WEBCHAT_SCREENSHOT", REPO_ROOT / "docs" / "img" / "webchat.png"))
WIDGET = "#cloud-au-centre-widget"
BOT_MESSAGES = f"{WIDGET} .caw-msg--bot"
USER_MESSAGES = f"{WIDGET} .caw-msg--user"
USER_BUBBLES = f"{USER_MESSAGES} .caw-bubble"
FAQ_QUESTION = "Les collectivités sont-elles concernées ?"
HOSTILE_TEXT = "<img src=x onerror=alert(1)>"
REPLY_TIMEOUT_MS = 30_000


# --- helpers ----------------------------------------------------------------------------------


def open_widget(page: Page, url: str) -> None:
    """Load the page and wait until the widget is open and connected to Rasa."""
    page.goto(url)
    expect(page.locator(WIDGET)).to_have_attribute("data-connection", "connected", timeout=REPLY_TIMEOUT_MS)
    expect(page.locator("#caw-panel")).to_be_visible()


def message_texts(page: Page, selector: str) -> list[str]:
    return [text.strip() for text in page.locator(f"{selector} .caw-bubble").all_inner_texts()]


def wait_for_bot_text(page: Page, before: int, text: str) -> str:
    """Wait for a bot message, among those after the first `before` ones, containing `text`."""
    page.wait_for_function(
        """([selector, before, text]) => [...document.querySelectorAll(selector)].slice(before)
             .some((message) => message.innerText.includes(text))""",
        arg=[BOT_MESSAGES, before, text],
        timeout=REPLY_TIMEOUT_MS,
    )
    new_texts = message_texts(page, BOT_MESSAGES)[before:]
    return "\n".join(new_texts)


def wait_for_any_bot_reply(page: Page, before: int) -> None:
    expect(page.locator(BOT_MESSAGES)).not_to_have_count(before, timeout=REPLY_TIMEOUT_MS)


def bot_count(page: Page) -> int:
    return page.locator(BOT_MESSAGES).count()


def reply_button(page: Page, title_pattern: str):
    """The active quick-reply button whose title matches, once it is shown."""
    button = page.locator(f"{WIDGET} .caw-reply:enabled", has_text=re.compile(title_pattern)).first
    expect(button).to_be_visible(timeout=REPLY_TIMEOUT_MS)
    return button


def click_reply(page: Page, title_pattern: str) -> str:
    """Click the active quick-reply button whose title matches; return its title."""
    button = reply_button(page, title_pattern)
    title = button.inner_text().strip()
    button.click()
    expect(page.locator(USER_BUBBLES).last).to_have_text(title)
    return title


def type_message(page: Page, text: str) -> None:
    page.locator("#caw-input").fill(text)
    page.locator("#caw-input").press("Enter")
    expect(page.locator(USER_BUBBLES).last).to_have_text(text)


def session_id(page: Page) -> str:
    return page.evaluate("sessionStorage.getItem('cloudAuCentre.sessionId')")


def tracker_user_texts(rasa_url: str, token: str, sender: str) -> list[str]:
    """The user messages Rasa recorded for this conversation (all of them, across restarts).
    Rasa does not percent-decode the id in the path: the characters of Tchap ids stay as they are."""
    url = f"{rasa_url}/conversations/{quote(sender, safe='!:@')}/tracker?include_events=ALL&token={quote(token)}"
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (local test server)
        events = json.load(response)["events"]
    return [event.get("text") or "" for event in events if event.get("event") == "user"]


def tracker_event_names(rasa_url: str, token: str, sender: str) -> list[str]:
    url = f"{rasa_url}/conversations/{quote(sender)}/tracker?include_events=ALL&token={quote(token)}"
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (local test server)
        return [event.get("event") for event in json.load(response)["events"]]


def run_axe(page: Page, page_url: str) -> list[dict]:
    """Inject the vendored axe-core (served by the page server) and return WCAG 2.1 A/AA violations."""
    page.add_script_tag(url=f"{page_url.rstrip('/')}/vendor/axe.min.js")
    return page.evaluate(
        """async () => {
             const result = await axe.run(document, {
               runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
             });
             return result.violations.map((v) => ({
               id: v.id, impact: v.impact, help: v.help,
               nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')),
             }));
           }"""
    )


def serious(violations: list[dict]) -> list[dict]:
    return [violation for violation in violations if violation["impact"] in ("serious", "critical")]


def focused_description(page: Page) -> dict:
    return page.evaluate(
        """() => {
             const el = document.activeElement;
             const style = getComputedStyle(el);
             return { id: el.id, tag: el.tagName, text: (el.innerText || '').trim(),
                      outline: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth) || 0,
                      disabled: !!el.disabled };
           }"""
    )


def tab_until(page: Page, matches, limit: int = 60, key: str = "Tab") -> dict:
    """Press Tab until the focused element satisfies `matches`; fail after `limit` presses."""
    seen = []
    for _ in range(limit):
        page.keyboard.press(key)
        focused = focused_description(page)
        seen.append(focused["id"] or focused["text"][:30] or focused["tag"])
        if matches(focused):
            return focused
    raise AssertionError(f"élément jamais atteint au clavier ; ordre du focus : {seen}")


# --- tests ------------------------------------------------------------------------------------


def test_welcome_offers_three_example_questions(page: Page, page_url: str) -> None:
    open_widget(page, page_url)
    welcome = page.locator(BOT_MESSAGES).first
    expect(welcome).to_contain_text("Bonjour")
    expect(welcome.locator(".caw-reply")).to_have_count(3)
    expect(welcome.locator(".caw-reply").first).to_be_enabled()
    expect(page.locator("html")).to_have_attribute("lang", "fr")


def test_faq_question_gets_the_sourced_answer(page: Page, page_url: str) -> None:
    open_widget(page, page_url)
    before = bot_count(page)
    type_message(page, FAQ_QUESTION)
    answer = wait_for_bot_text(page, before, "Source")
    assert "collectivit" in answer.lower(), answer
    source_link = page.locator(f"{BOT_MESSAGES} a[href*='numerique.gouv.fr']").last
    expect(source_link).to_be_visible()
    assert source_link.get_attribute("href").startswith("https://www.numerique.gouv.fr/")
    expect(page.locator(f"{WIDGET} .caw-typing")).not_to_have_class(re.compile("caw-typing--on"))


def test_scope_check_by_buttons_only_sends_payloads_and_shows_titles(
    page: Page, page_url: str, rasa_url: str, rasa_token: str
) -> None:
    open_widget(page, page_url)
    titles = [
        click_reply(page, r"^Mon projet est-il concerné \?$"),
        click_reply(page, r"^Administration centrale"),
        click_reply(page, r"^Non"),
    ]
    # The screenshot of the docs: a conversation in progress, the last question's buttons shown.
    reply_button(page, r"^Plus de 50")
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))
    assert SCREENSHOT.stat().st_size < 300_000
    before = bot_count(page)
    titles.append(click_reply(page, r"^Plus de 50"))
    verdict = wait_for_bot_text(page, before, "concerné")
    assert "pas concerné" not in verdict and "hors du champ" not in verdict, verdict
    # The user sees the button titles; Rasa received the payloads.
    assert message_texts(page, USER_MESSAGES) == titles
    sent = tracker_user_texts(rasa_url, rasa_token, session_id(page))
    assert sent[:4] == ["/check_scope", "administration centrale", "non, refonte de l'existant", "plus de 50 %"], sent


def test_the_orientation_sheet_is_downloaded_after_the_verdict(page: Page, page_url: str, tmp_path) -> None:
    open_widget(page, page_url)
    click_reply(page, r"^Mon projet est-il concerné \?$")
    click_reply(page, r"^Opérateur")
    click_reply(page, r"^Non")
    before = bot_count(page)
    click_reply(page, r"^Plus de 50")
    offer = wait_for_bot_text(page, before, "fiche d'orientation")
    reference = re.search(r"référence ([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})", offer).group(1)
    button = page.get_by_role("button", name="Télécharger la fiche d'orientation (PDF)")
    expect(button).to_be_visible(timeout=30_000)
    with page.expect_download(timeout=30_000) as download_info:
        button.click()
    download = download_info.value
    assert download.suggested_filename == f"fiche-orientation-{reference}.pdf"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    text = " ".join(subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True,
                                   text=True).stdout.split())
    today = time.strftime("%Y")
    assert "Votre projet est concerné au sens de la FAQ" in text, text
    assert "« Plus de 50 % »" in text or "plus de 50 %" in text, text
    assert "Règle R1 de la doctrine : https://www.numerique.gouv.fr/services/cloud/regles-doctrine/" in text, text
    assert re.search(r"le \d{1,2}(er)? \w+ " + today + r" à \d{2} h \d{2} \(heure de Paris\)", text), text
    assert f"Référence {reference}, vérifiable" in text, text
    expect(page.locator(".caw-sheet__detail").last).to_contain_text("Fiche téléchargée")
    if os.environ.get("SHEET_SCREENSHOT"):
        page.screenshot(path=os.environ["SHEET_SCREENSHOT"])
    assert serious(run_axe(page, page_url)) == []


def test_reload_shows_and_continues_the_same_conversation(page: Page, page_url: str) -> None:
    open_widget(page, page_url)
    before = bot_count(page)
    click_reply(page, r"^Mon projet est-il concerné \?$")
    wait_for_bot_text(page, before, "entité")
    transcript = page.locator(f"{WIDGET} .caw-msg").all_inner_texts()
    conversation = session_id(page)

    page.reload()
    expect(page.locator(WIDGET)).to_have_attribute("data-connection", "connected", timeout=REPLY_TIMEOUT_MS)
    assert page.locator(f"{WIDGET} .caw-msg").all_inner_texts() == transcript
    assert session_id(page) == conversation
    # Rasa kept the same conversation: the pending question of the scope check is still answered.
    before = bot_count(page)
    click_reply(page, r"^Administration centrale")
    wait_for_bot_text(page, before, "nouveau projet")


def test_a_session_id_planted_in_storage_never_opens_someone_else_s_conversation(
    page: Page, page_url: str, rasa_url: str, rasa_token: str
) -> None:
    """A session id written into the page's storage (another channel's id, a chosen name) is replaced
    by an unguessable widget id: the visitor's messages never land in that other conversation."""
    victim = "tchap:!salon:agents.tchap.gouv.fr:@victime:agents.tchap.gouv.fr"
    page.add_init_script(f"sessionStorage.setItem('cloudAuCentre.sessionId', {json.dumps(victim)})")
    open_widget(page, page_url)
    assert re.fullmatch(r"socketio-[0-9a-f]{32}", session_id(page)), session_id(page)
    before = bot_count(page)
    type_message(page, FAQ_QUESTION)
    wait_for_bot_text(page, before, "Source")
    assert tracker_user_texts(rasa_url, rasa_token, session_id(page))[-1] == FAQ_QUESTION
    assert tracker_user_texts(rasa_url, rasa_token, victim) == []


def test_html_in_a_message_is_shown_as_text_and_runs_nothing(page: Page, page_url: str) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    open_widget(page, page_url)
    before = bot_count(page)
    type_message(page, HOSTILE_TEXT)
    wait_for_any_bot_reply(page, before)
    page.reload()
    expect(page.locator(USER_BUBBLES).last).to_have_text(HOSTILE_TEXT)
    page.wait_for_timeout(500)
    assert dialogs == []
    assert page.locator("img").count() == 0
    assert page.locator("[onerror]").count() == 0


def test_stored_markdown_renders_safe_links_only(page: Page, page_url: str) -> None:
    """A tampered transcript in storage cannot inject markup nor a javascript: link."""
    open_widget(page, page_url)
    hostile = {
        "from": "bot",
        "text": "**Important** : voir [la doctrine](https://www.numerique.gouv.fr/services/cloud/doctrine/)\n"
        "- [piège](javascript:alert(1))\n- <script>alert(2)</script> et https://example.org/page.\n"
        "Contact : infonuage.dinum@modernisation.gouv.fr",
        "buttons": [],
    }
    page.evaluate("(m) => sessionStorage.setItem('cloudAuCentre.messages', JSON.stringify([m]))", hostile)
    page.reload()
    bubble = page.locator(f"{BOT_MESSAGES} .caw-bubble").first
    expect(bubble.locator("strong")).to_have_text("Important")
    hrefs = bubble.locator("a").evaluate_all("(links) => links.map((a) => a.getAttribute('href'))")
    assert hrefs == [
        "https://www.numerique.gouv.fr/services/cloud/doctrine/",
        "https://example.org/page",
        "mailto:infonuage.dinum@modernisation.gouv.fr",
    ]
    expect(bubble).to_contain_text("[piège](javascript:alert(1))")
    expect(bubble).to_contain_text("<script>alert(2)</script>")
    assert bubble.locator("script").count() == 0
    expect(bubble.locator("li")).to_have_count(2)


def test_restart_clears_the_conversation(page: Page, page_url: str, rasa_url: str, rasa_token: str) -> None:
    open_widget(page, page_url)
    before = bot_count(page)
    click_reply(page, "^" + re.escape(FAQ_QUESTION))
    wait_for_bot_text(page, before, "Source")
    page.get_by_role("button", name="Recommencer").click()
    expect(page.locator(USER_MESSAGES)).to_have_count(0)
    expect(page.locator(BOT_MESSAGES).first).to_contain_text("Bonjour")
    expect(page.locator(f"{BOT_MESSAGES} .caw-reply:enabled")).to_have_count(3)
    stored = page.evaluate("JSON.parse(sessionStorage.getItem('cloudAuCentre.messages'))")
    assert [message["from"] for message in stored] == ["bot"] and stored[0]["welcome"], stored
    sender = session_id(page)
    page.wait_for_timeout(1000)
    assert "restart" in tracker_event_names(rasa_url, rasa_token, sender)


def wait_for_the_websocket(page: Page, upgraded: list) -> None:
    """Until the route has seen the page switch to the websocket (the upgrade packet "5")."""
    for _ in range(50):
        if upgraded:
            break
        page.wait_for_timeout(200)
    assert upgraded, "le client socket.io n'est jamais passé en websocket"


def test_lost_connection_is_shown_and_recovered(page: Page, page_url: str) -> None:
    open_widget(page, page_url)
    # engine.io opens with long polling, probes a websocket, then switches to it when the page sends
    # the upgrade packet "5". Closing the websocket before that only fails the probe: the client
    # stays connected by polling. So the test waits for the upgrade itself.
    upgraded = []

    def through_route(ws) -> None:
        server = ws.connect_to_server()

        def page_to_server(message) -> None:
            if message == "5":
                upgraded.append(ws)
            server.send(message)

        ws.on_message(page_to_server)

    page.route_web_socket(re.compile(r"/socket\.io/"), through_route)
    page.reload()  # so that the socket goes through the route
    expect(page.locator(WIDGET)).to_have_attribute("data-connection", "connected", timeout=REPLY_TIMEOUT_MS)
    wait_for_the_websocket(page, upgraded)

    page.route(re.compile(r"/socket\.io/"), lambda route: route.abort())  # no reconnection for now
    upgraded[-1].close()
    status = page.locator(f"{WIDGET} .caw-status")
    expect(status).to_contain_text("Connexion perdue")
    expect(page.locator(WIDGET)).to_have_attribute("data-connection", "lost")
    page.locator("#caw-input").fill("Bonjour")
    page.locator("#caw-input").press("Enter")
    expect(page.locator("#caw-input-error")).to_contain_text("n’a pas été envoyé")
    expect(page.locator("#caw-input")).to_have_value("Bonjour")  # nothing typed is lost
    expect(page.locator(USER_MESSAGES)).to_have_count(0)
    page.get_by_role("button", name="Recommencer").click()  # would desynchronise from Rasa: refused
    expect(page.locator("#caw-input-error")).to_contain_text("impossible de recommencer")

    page.unroute(re.compile(r"/socket\.io/"))
    expect(page.locator(WIDGET)).to_have_attribute("data-connection", "connected", timeout=REPLY_TIMEOUT_MS)
    before = bot_count(page)
    page.locator("#caw-input").press("Enter")
    expect(page.locator(USER_BUBBLES).last).to_have_text("Bonjour")
    wait_for_any_bot_reply(page, before)


def test_keyboard_only_reaches_buttons_and_input_and_sends(page: Page, page_url: str) -> None:
    open_widget(page, page_url)
    example = tab_until(page, lambda f: f["text"] == FAQ_QUESTION and not f["disabled"])
    assert example["outline"] != "none" and example["outlineWidth"] >= 1, example  # visible focus
    before = bot_count(page)
    page.keyboard.press("Enter")
    expect(page.locator(USER_BUBBLES).last).to_have_text(FAQ_QUESTION)
    wait_for_bot_text(page, before, "Source")

    page.locator("body").focus()
    page.evaluate("() => document.activeElement.blur()")
    field = tab_until(page, lambda f: f["id"] == "caw-input")
    assert field["outline"] != "none", field
    page.keyboard.type("Comment financer le passage au cloud ?")
    before = bot_count(page)
    page.keyboard.press("Enter")
    expect(page.locator(USER_BUBBLES).last).to_have_text("Comment financer le passage au cloud ?")
    wait_for_any_bot_reply(page, before)
    send = tab_until(page, lambda f: f["text"] == "Envoyer")
    assert send["outline"] != "none", send


def test_axe_finds_no_serious_violation_with_the_widget_open(page: Page, page_url: str) -> None:
    open_widget(page, page_url)
    before = bot_count(page)
    click_reply(page, "^" + re.escape(FAQ_QUESTION))
    wait_for_bot_text(page, before, "Source")
    desktop = serious(run_axe(page, page_url))
    assert desktop == [], json.dumps(desktop, ensure_ascii=False, indent=1)

    page.set_viewport_size({"width": 320, "height": 640})
    expect(page.locator("#caw-input")).to_be_visible()
    expect(page.locator(f"{WIDGET} .caw-send")).to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320  # no horizontal scrolling
    narrow = serious(run_axe(page, page_url))
    assert narrow == [], json.dumps(narrow, ensure_ascii=False, indent=1)


def test_embed_snippet_with_the_javascript_api(page: Page, page_url: str) -> None:
    """embed-example.html starts the widget with CloudAuCentreWidget.init() from a script file."""
    page.goto(f"{page_url.rstrip('/')}/embed-example.html")
    launcher = page.get_by_role("button", name="Poser une question à l’assistant")
    expect(launcher).to_have_attribute("aria-expanded", "false")
    launcher.click()
    expect(page.locator("#caw-input")).to_be_focused()
    expect(page.locator(WIDGET)).to_have_attribute("data-connection", "connected", timeout=REPLY_TIMEOUT_MS)
    page.get_by_role("button", name="Réduire").click()
    expect(launcher).to_be_focused()
    expect(page.locator("link[data-cloud-widget-css]")).to_have_count(1)  # stylesheet loaded by the script


def test_a_message_lost_with_the_connection_is_sent_again_once_on_reconnection(
    page: Page, page_url: str, rasa_url: str, rasa_token: str
) -> None:
    """Rasa restarting (docs/reliability.md): the message leaves, the connection drops before it reaches
    Rasa. The person reads that the service restarts; on reconnection the widget sends it again, once,
    and the answer comes: Rasa holds the message exactly once."""
    open_widget(page, page_url)
    upgraded: list[object] = []
    dropped: list[str] = []

    def through_route(ws) -> None:
        server = ws.connect_to_server()

        def page_to_server(message) -> None:
            if message == "5":  # the switch to the websocket (see the test of a lost connection above)
                upgraded.append(ws)
            if isinstance(message, str) and "user_uttered" in message and not dropped:
                dropped.append(message)  # lost with the connection, as when Rasa dies mid-turn
                ws.close()
                return
            server.send(message)

        ws.on_message(page_to_server)

    page.route_web_socket(re.compile(r"/socket\.io/"), through_route)
    page.reload()
    expect(page.locator(WIDGET)).to_have_attribute("data-connection", "connected", timeout=REPLY_TIMEOUT_MS)
    wait_for_the_websocket(page, upgraded)
    sender = session_id(page)
    before = bot_count(page)
    page.locator("#caw-input").fill("Qu'est-ce que SecNumCloud ?")
    page.locator("#caw-input").press("Enter")
    expect(page.locator(f"{WIDGET} .caw-status")).to_contain_text("Le service redémarre", timeout=10_000)
    assert dropped
    wait_for_any_bot_reply(page, before)
    expect(page.locator(f"{WIDGET} .caw-status")).to_contain_text("votre dernier message a été renvoyé")
    expect(page.locator(USER_BUBBLES)).to_have_count(1)
    assert tracker_user_texts(rasa_url, rasa_token, sender).count("Qu'est-ce que SecNumCloud ?") == 1
