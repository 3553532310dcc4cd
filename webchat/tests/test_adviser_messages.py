"""An adviser's message in the widget (Chromium, no Rasa: a stand-in socket delivers what
channels/socketio.py emits for a message the console marked as typed by an adviser).

People must know when a person is writing: the message is labelled « Conseiller · <name> (une personne) »
and announced « Le conseiller <name> (une personne) a écrit : », not « L’assistant a écrit : »; the
assistant's own messages keep theirs; axe-core finds no WCAG 2.1 A/AA violation; a reload keeps it.
"""
from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

WEBCHAT_DIR = Path(__file__).resolve().parents[1]
DSFR_CSS = WEBCHAT_DIR / "node_modules" / "@gouvfr" / "dsfr" / "dist" / "dsfr.min.css"
AXE = WEBCHAT_DIR / "node_modules" / "axe-core" / "axe.min.js"

# socket.io-client stand-in: records the handlers, confirms the session, lets the test emit events.
FAKE_IO = """
window.io = function () {
  var handlers = {};
  var socket = {
    connected: true,
    on: function (name, handler) { handlers[name] = handler; return socket; },
    emit: function (name, data) {
      if (name === 'session_request') setTimeout(function () {
        handlers.session_confirm({ session_id: 'socketio-' + '0123456789abcdef'.repeat(2) });
      }, 0);
    },
    connect: function () {}, disconnect: function () {}, close: function () {},
  };
  window.fireSocket = function (name, data) { handlers[name](data); };
  setTimeout(function () { handlers.connect(); }, 0);
  return socket;
};
"""
PAGE = ('<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Essai du widget</title></head>'
        '<body><main><h1>Page hôte</h1></main></body></html>')


def _open_widget(page: Page) -> None:
    page.route("http://hote.test/", lambda route: route.fulfill(body=PAGE, content_type="text/html"))
    page.goto("http://hote.test/")
    page.add_style_tag(path=str(DSFR_CSS))
    page.add_style_tag(path=str(WEBCHAT_DIR / "src" / "cloud-widget.css"))
    page.add_script_tag(content=FAKE_IO)
    page.add_script_tag(path=str(WEBCHAT_DIR / "src" / "widget.js"))
    page.evaluate("""() => window.CloudAuCentreWidget.init({ socketUrl: 'http://hote.test', open: true,
                                                            stylesheet: 'http://hote.test/none.css' })""")
    page.route("http://hote.test/none.css", lambda route: route.fulfill(body="", content_type="text/css"))


def test_an_advisers_message_is_marked_as_written_by_a_person(page: Page) -> None:
    _open_widget(page)
    page.evaluate("""() => {
        fireSocket('bot_uttered', { text: 'Je ne suis pas sûr d’avoir compris.' });
        fireSocket('bot_uttered', { text: 'Un conseiller, Marie D., a rejoint la conversation.' });
        fireSocket('bot_uttered', { text: 'Bonjour, je regarde votre dossier.', from_adviser: true,
                                    adviser_name: 'Marie D.' });
    }""")
    adviser = page.locator(".caw-msg--adviser")
    expect(adviser).to_have_count(1)
    expect(adviser.locator(".caw-msg__author")).to_have_text("Conseiller · Marie D. (une personne)")
    expect(adviser.locator(".fr-sr-only")).to_have_text("Le conseiller Marie D. (une personne) a écrit : ")
    expect(adviser.locator(".caw-bubble")).to_have_text("Bonjour, je regarde votre dossier.")
    # The assistant's messages, the console's notice included, stay the assistant's.
    bots = page.locator(".caw-msg--bot:not(.caw-msg--adviser) .fr-sr-only")
    expect(bots.last).to_have_text("L’assistant a écrit : ")
    expect(page.locator(".caw-msg__author")).to_have_count(1)
    # The log announces the message with its author (screen readers read the hidden prefix first).
    spoken = adviser.evaluate("(item) => item.textContent")
    assert spoken.startswith("Le conseiller Marie D. (une personne) a écrit : ")

    page.add_script_tag(path=str(AXE))
    violations = page.evaluate("""async () => (await axe.run(document, { runOnly: { type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })).violations.map((v) => v.id + ' ' +
        v.nodes.map((n) => n.target.join(' ')).join(', '))""")
    assert violations == []


def test_an_adviser_without_public_name_and_the_stored_conversation(page: Page) -> None:
    _open_widget(page)
    page.evaluate("""() => fireSocket('bot_uttered', { text: 'Je prends le relais.', from_adviser: true,
                                                       adviser_name: '' })""")
    expect(page.locator(".caw-msg--adviser .caw-msg__author")).to_have_text("Conseiller (une personne)")
    expect(page.locator(".caw-msg--adviser .fr-sr-only")).to_have_text("Un conseiller (une personne) a écrit : ")
    stored = page.evaluate("""() => Object.keys(sessionStorage).map((k) => sessionStorage.getItem(k))
        .filter((v) => v.indexOf('Je prends le relais.') >= 0)""")
    assert stored and '"from":"adviser"' in stored[0]
