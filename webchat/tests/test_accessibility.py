"""RGAA 4.1 checks of the widget page that a browser can make (docs/accessibilite/grille-widget.csv cites them):
keyboard only, visible focus, 200 % zoom and 320 px reflow, text spacing, contrast of every state, names and
roles read from Chromium's accessibility tree, new messages announced once, the page without its stylesheets,
well-formed code, and the footer that leads to the accessibility statement. Against the run's Rasa test stack,
in real headless Chromium (webchat/tests/conftest.py)."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any, Callable

from playwright.sync_api import Page, expect

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "accessibility"))
from browser_checks import (  # noqa: E402
    CONTRAST,
    ax_descendants,
    ax_find,
    ax_text,
    ax_tree,
    check_well_formed,
    contrast,
    focused,
    press_until,
)
from test_webchat import (  # noqa: E402
    BOT_MESSAGES,
    FAQ_QUESTION,
    USER_BUBBLES,
    WIDGET,
    bot_count,
    click_reply,
    open_widget,
    reply_button,
    run_axe,
    serious,
    type_message,
    wait_for_any_bot_reply,
    wait_for_bot_text,
)

STATEMENT_TITLE = "Déclaration d’accessibilité"
FOOTER_WORDING = re.compile(r"^Accessibilité : (totalement|partiellement|non) conforme$")
ZOOM_200 = {"width": 640, "height": 400}  # a 1280 × 800 window at 200 %


# --- helpers ------------------------------------------------------------------------------------------------

def text_starting(pattern: str) -> Callable[[dict[str, Any]], bool]:
    regex = re.compile(pattern)
    return lambda element: bool(regex.search(element["text"])) and not element["disabled"]


def choose_with_keyboard(page: Page, pattern: str) -> None:
    """From the field (where the focus goes after each choice), Shift+Tab back to the reply, then Enter."""
    reply_button(page, pattern)  # shown
    before = page.locator(USER_BUBBLES).count()
    press_until(page, "Shift+Tab", text_starting(pattern), limit=25)
    page.keyboard.press("Enter")
    expect(page.locator(USER_BUBBLES)).to_have_count(before + 1)
    expect(page.locator("#caw-input")).to_be_focused()


def from_the_top(page: Page) -> None:
    """Reload (the conversation stays): the next Tab starts at the top of the page."""
    page.reload()
    expect(page.locator(WIDGET)).to_have_attribute("data-connection", "connected")


def faq_answer(page: Page, url: str) -> None:
    """The widget open with a conversation: an example chosen, its sourced answer (with a link) shown."""
    open_widget(page, url)
    before = bot_count(page)
    click_reply(page, "^" + re.escape(FAQ_QUESTION))
    wait_for_bot_text(page, before, "Source")
    expect(page.locator(f"{BOT_MESSAGES} .caw-bubble a").first).to_be_visible()


def settled_bot_count(page: Page) -> int:
    """The number of bot messages once the turn is over (a turn may send several messages)."""
    count = -1
    while count != bot_count(page):
        count = bot_count(page)
        page.wait_for_timeout(1500)
    return count


def statement_url(page_url: str) -> str:
    return page_url.rstrip("/") + "/accessibilite.html"


# --- tests --------------------------------------------------------------------------------------------------


def test_the_whole_scope_check_with_the_keyboard_only(page: Page, page_url: str) -> None:
    open_widget(page, page_url)
    page.evaluate("() => document.activeElement.blur()")
    press_until(page, "Tab", text_starting(r"^Mon projet est-il concerné \?$"))
    page.keyboard.press("Enter")
    expect(page.locator("#caw-input")).to_be_focused()
    choose_with_keyboard(page, r"^Administration centrale")
    choose_with_keyboard(page, r"^Non")
    before = bot_count(page)
    choose_with_keyboard(page, r"^Plus de 50")
    verdict = wait_for_bot_text(page, before, "concerné")
    assert "pas concerné" not in verdict, verdict
    # The orientation sheet offered after the verdict: reached from the field, readable.
    press_until(page, "Shift+Tab", lambda e: e["text"].startswith("Télécharger la fiche"), limit=30)
    for part in (".caw-sheet__download", ".caw-sheet__detail"):
        assert contrast(page, f"{WIDGET} {part}")["text"] >= 4.5, part
    page.locator("#caw-input").focus()
    # A question typed after the verdict, sent with Enter.
    page.keyboard.type("Qu'est-ce que SecNumCloud ?")
    before = bot_count(page)
    page.keyboard.press("Enter")
    expect(page.locator(USER_BUBBLES).last).to_have_text("Qu'est-ce que SecNumCloud ?")
    wait_for_any_bot_reply(page, before)
    # « Recommencer », then « Réduire » and the launcher, all from the keyboard.
    press_until(page, "Shift+Tab", lambda e: e["text"] == "Recommencer", limit=80)
    page.keyboard.press("Enter")
    expect(page.locator(USER_BUBBLES)).to_have_count(0)
    expect(page.locator("#caw-input")).to_be_focused()
    press_until(page, "Shift+Tab", lambda e: e["text"] == "Réduire", limit=20)
    page.keyboard.press("Enter")
    launcher = page.get_by_role("button", name="Poser une question à l’assistant")
    expect(launcher).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#caw-input")).to_be_focused()


def test_every_focusable_element_shows_its_focus_and_the_tab_order_leaves_no_trap(page: Page, page_url: str) -> None:
    faq_answer(page, page_url)
    from_the_top(page)
    order: list[dict[str, Any]] = []
    first = press_until(page, "Tab", lambda e: True)
    assert first["text"] == "Contenu", first  # the skip link comes first (RGAA 12.7)
    order.append(first)
    for _ in range(80):
        element = press_until(page, "Tab", lambda e: e["tag"] != "BODY", limit=3)
        if element["text"] == "Contenu" and element["href"] == "#contenu":
            break  # round trip: out of the widget and back to the top, no trap (RGAA 12.9)
        order.append(element)
    else:
        raise AssertionError("la tabulation ne revient jamais au début de la page : " + str([e["text"] for e in order]))
    names = [e["label"] or e["text"] or e["id"] for e in order]
    # The page before the widget, then the widget in its visual order.
    widget = [e for e in order if e["inWidget"]]
    assert order.index(widget[0]) == len(order) - len(widget), names  # the widget's stops are together, last
    widget_names = [e["label"] or e["text"] or e["id"] for e in widget]
    expected = ["Recommencer", "Réduire", "Conversation avec l’assistant", "caw-input", "Envoyer",
                "infonuage.dinum@modernisation.gouv.fr"]
    positions = [widget_names.index(want) for want in expected]
    assert positions == sorted(positions), widget_names
    assert any(e["tag"] == "A" and "numerique.gouv.fr" in e["href"] for e in widget), widget_names  # answer's link
    assert any(FOOTER_WORDING.match(e["text"]) for e in widget), widget_names
    assert {"Assistant", "Pied de page"} <= set(names), names  # the other skip links
    # Backwards too: Shift+Tab from the field leaves the widget for the page (no trap either way).
    page.locator("#caw-input").focus()
    press_until(page, "Shift+Tab", lambda e: not e["inWidget"] and e["tag"] != "BODY", limit=40)


def test_zoom_200_and_320_px_lose_nothing(page: Page, page_url: str) -> None:
    faq_answer(page, page_url)
    controls = [f"{WIDGET} button:text-is('Recommencer')", f"{WIDGET} button:text-is('Réduire')", "#caw-input",
                f"{WIDGET} .caw-send", f"{BOT_MESSAGES} .caw-bubble a >> nth=-1", f"{WIDGET} .caw-footer__a11y"]
    for size in (ZOOM_200, {"width": 320, "height": 640}, {"width": 320, "height": 256}, {"width": 640, "height": 320}):
        page.set_viewport_size(size)
        assert page.evaluate("document.documentElement.scrollWidth") <= size["width"], size  # no horizontal scroll
        for selector in controls:
            control = page.locator(selector)
            control.scroll_into_view_if_needed()
            expect(control).to_be_in_viewport()
            # Shown, not hidden under something else or cut by the panel's edge.
            assert control.evaluate("""(el) => { const r = el.getClientRects()[0];
                const top = document.elementFromPoint(r.left + r.width / 2, r.top + Math.min(r.height / 2, 8));
                return top === el || el.contains(top); }"""), (size, selector)
        last = page.locator(f"{BOT_MESSAGES} .caw-bubble").last
        assert last.evaluate("(el) => el.scrollWidth <= el.clientWidth + 1"), size  # the answer's text is not cut
    page.goto(statement_url(page_url))
    for size in (ZOOM_200, {"width": 320, "height": 640}):
        page.set_viewport_size(size)
        assert page.evaluate("document.documentElement.scrollWidth") <= size["width"], size


def test_text_spacing_loses_nothing(page: Page, page_url: str) -> None:
    """WCAG 1.4.12 / RGAA 10.12: line height 1.5, paragraphs 2 em apart, letters 0.12 em, words 0.16 em."""
    faq_answer(page, page_url)
    # Through the CSSOM (the page's CSP refuses a <style> element, as it should).
    page.evaluate("""() => { const sheet = [...document.styleSheets].find((s) => (s.href || '').includes('cloud-widget.css'));
      sheet.insertRule('* { line-height: 1.5 !important; letter-spacing: 0.12em !important; word-spacing: 0.16em !important; }', sheet.cssRules.length);
      sheet.insertRule('p { margin-bottom: 2em !important; }', sheet.cssRules.length); }""")
    for size in ({"width": 1100, "height": 800}, {"width": 320, "height": 640}):
        page.set_viewport_size(size)
        cut = page.evaluate("""() => [...document.querySelectorAll('#cloud-au-centre-widget *')]
          .filter((el) => el.offsetParent !== null && el.children.length === 0 && el.textContent.trim())
          .filter((el) => !el.classList.contains('fr-sr-only'))  // clipped on purpose: for screen readers only
          .filter((el) => { const s = getComputedStyle(el); const clips = (v) => v === 'hidden' || v === 'clip';
             return (clips(s.overflowX) && el.scrollWidth > el.clientWidth + 1) ||
                    (clips(s.overflowY) && el.scrollHeight > el.clientHeight + 1); })
          .map((el) => el.tagName + ' ' + el.textContent.trim().slice(0, 40))""")
        assert cut == [], (size, cut)
        buttons = page.evaluate("""() => [...document.querySelectorAll('#cloud-au-centre-widget button')]
          .filter((b) => b.offsetParent !== null)
          .filter((b) => { const range = document.createRange(); range.selectNodeContents(b);
             const t = range.getBoundingClientRect(), r = b.getBoundingClientRect();
             return t.right > r.right + 1 || t.bottom > r.bottom + 1; })
          .map((b) => b.textContent.trim())""")
        assert buttons == [], (size, buttons)
        assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]


def test_every_text_state_has_enough_contrast(page: Page, page_url: str) -> None:
    faq_answer(page, page_url)
    texts = {
        "réponse de l'assistant": f"{BOT_MESSAGES} .caw-bubble p",
        "lien dans une réponse": f"{BOT_MESSAGES} .caw-bubble a",
        "message de la personne": f"{USER_BUBBLES} p",
        "aide du champ": f"{WIDGET} .fr-hint-text",
        "sous-titre": f"{WIDGET} .caw-subtitle",
        "pied du widget": f"{WIDGET} .caw-footer",
        "lien du pied du widget": f"{WIDGET} .caw-footer__a11y",
        "état de connexion": f"{WIDGET} .caw-status",
    }
    ratios = {name: contrast(page, selector) for name, selector in texts.items()}
    # The earlier message's choices, retired (disabled) once the person moved on: still readable.
    retired = contrast(page, f"{WIDGET} .caw-reply:disabled")
    ratios["bouton de réponse retiré (désactivé)"] = retired
    assert retired["border"] is not None and retired["border"] >= 3, retired
    # Active choices, at rest and hovered; the field's error; the typing indicator; a lost connection.
    before = bot_count(page)
    page.locator("#caw-input").fill("Quelles sont les règles de la doctrine ?")
    page.locator("#caw-input").press("Enter")
    wait_for_any_bot_reply(page, before)
    # The typing indicator lives only until the reply comes, which a loaded machine's browser may not catch:
    # put in its state as the widget's setTyping(true) does, measured, taken back.
    page.evaluate("""() => { const t = document.querySelector('.caw-typing'); t.classList.add('caw-typing--on');
                             t.querySelector('.caw-typing__text').textContent = 'L’assistant rédige une réponse…'; }""")
    ratios["indicateur de rédaction"] = contrast(page, f"{WIDGET} .caw-typing--on .caw-typing__text")
    page.evaluate("""() => { const t = document.querySelector('.caw-typing'); t.classList.remove('caw-typing--on');
                             t.querySelector('.caw-typing__text').textContent = ''; }""")
    active = page.locator(f"{WIDGET} .caw-reply:enabled").first
    if active.count():
        ratios["bouton de réponse"] = contrast(page, f"{WIDGET} .caw-reply:enabled")
        assert ratios["bouton de réponse"]["border"] >= 3, ratios["bouton de réponse"]
        active.hover()
        ratios["bouton de réponse survolé"] = contrast(page, f"{WIDGET} .caw-reply:enabled:hover")
    page.locator("#caw-input").press("Enter")  # empty: the error line
    ratios["erreur du champ"] = contrast(page, "#caw-input-error")
    # The field's bottom border, and the links within text told apart from it (RGAA 3.3, 10.6; the footers' lists of
    # links and the logo are links by their place).
    assert contrast(page, "#caw-input")["border"] >= 3
    underlined = page.evaluate("""() => [...document.querySelectorAll('.caw-bubble a, .caw-footer a, main p a')]
      .filter((a) => a.offsetParent !== null)
      .filter((a) => { const s = getComputedStyle(a);  // the DSFR underlines with a gradient of non-zero width
                       const drawn = s.backgroundImage.includes('gradient')
                         && s.backgroundSize.split(',').some((layer) => parseFloat(layer) > 0);
                       return !s.textDecorationLine.includes('underline') && !drawn; })
      .map((a) => a.textContent.trim())""")
    assert underlined == [], underlined
    page.evaluate("""() => { const s = document.querySelector('.caw-status');
                             s.className = 'caw-status caw-status--lost'; s.textContent = 'Connexion perdue.'; }""")
    ratios["connexion perdue"] = contrast(page, f"{WIDGET} .caw-status--lost")
    weak = {name: r for name, r in ratios.items() if r["text"] < 4.5}
    assert weak == {}, json.dumps(weak, ensure_ascii=False, indent=1)
    # The focus ring against what is around it (RGAA 3.3).
    page.locator("#caw-input").focus()
    page.keyboard.press("Tab")
    assert page.evaluate_handle("document.activeElement").evaluate(CONTRAST)["outline"] >= 3


def test_names_and_roles_in_the_accessibility_tree(page: Page, page_url: str) -> None:
    faq_answer(page, page_url)
    tree = ax_tree(page)
    ax_find(tree, "complementary", "Assistant")
    ax_find(tree, "region", "Assistant « Cloud au centre »")
    ax_find(tree, "heading", "Assistant « Cloud au centre »")
    log = ax_find(tree, "log", "Conversation avec l’assistant")
    assert log["props"].get("live") == "polite" and log["props"].get("relevant") == "additions", log
    inside = ax_descendants(tree, log)
    said = ax_text(tree, log)
    assert "L’assistant a écrit :" in said and "Vous avez écrit :" in said, said
    replies = ax_find(tree, "list", "Réponses proposées")
    assert [n["name"] for n in ax_descendants(tree, replies) if n["role"] == "button"][:3] == [
        "Mon projet est-il concerné ?", FAQ_QUESTION, "Comment financer le passage au cloud ?"]
    assert any(n["role"] == "link" and n["name"] for n in inside), "aucun lien nommé dans la réponse"
    field = ax_find(tree, "textbox", re.compile(r"^Votre question"))
    assert field["props"].get("required") is True, field
    assert "Entrée pour envoyer" in field["name"] + field["description"], field
    for name in ("Envoyer", "Recommencer", "Réduire"):
        ax_find(tree, "button", name)
    assert ax_find(tree, "button", "Recommencer")["description"] == "Recommencer : effacer la conversation et repartir de zéro"
    statuses = [n for n in tree if n["role"] == "status" and not n["ignored"]]
    connection = [n for n in statuses if "Connecté à l’assistant" in ax_text(tree, n)]
    assert connection and connection[0]["props"].get("live") == "polite", statuses
    ax_find(tree, "link", FOOTER_WORDING)
    ax_find(tree, "navigation", "Accès rapide")
    for name in ("Contenu", "Assistant", "Pied de page"):
        ax_find(tree, "link", name)
    ax_find(tree, "main", "")
    ax_find(tree, "contentinfo", "")
    # Closed, the widget is one button that says it opens the panel.
    page.get_by_role("button", name="Réduire").click()
    launcher = ax_find(ax_tree(page), "button", "Poser une question à l’assistant")
    assert launcher["props"].get("expanded") is False, launcher


RECORDER = """
window.__announced = [];
const LIVE_ROLES = { log: 'polite', status: 'polite', alert: 'assertive' };
const politeness = (el) => {
  for (let n = el; n && n.nodeType === 1; n = n.parentElement) {
    const live = n.getAttribute('aria-live');
    if (live) return live === 'off' ? null : { region: n, level: live };
    const role = n.getAttribute('role');
    if (LIVE_ROLES[role]) return { region: n, level: LIVE_ROLES[role] };
  }
  return null;
};
new MutationObserver((records) => {
  for (const record of records) {
    for (const node of record.addedNodes) {
      const parent = node.parentElement;
      const live = parent && politeness(parent);
      if (!live || !node.textContent.trim()) continue;
      window.__announced.push({ region: live.region.id || live.region.className, level: live.level,
                                text: node.textContent.trim() });
    }
  }
}).observe(document, { childList: true, subtree: true });
"""


def announced(page: Page) -> list[dict[str, str]]:
    return page.evaluate("window.__announced")


def test_a_new_bot_message_is_announced_once(page: Page, page_url: str) -> None:
    """What a screen reader reads from the live regions, recorded as Chromium sees them change: each new message
    of the assistant once, in the polite log; the conversation restored by a reload is not read again."""
    page.add_init_script(RECORDER)
    open_widget(page, page_url)
    before = bot_count(page)
    type_message(page, FAQ_QUESTION)
    answer = wait_for_bot_text(page, before, "Source")
    key = answer.strip().splitlines()[0][:40]
    with_answer = [a for a in announced(page) if key in a["text"]]
    assert len(with_answer) == 1, with_answer
    assert with_answer[0]["level"] == "polite" and "caw-log" in with_answer[0]["region"], with_answer
    assert with_answer[0]["text"].startswith("L’assistant a écrit :"), with_answer
    # No live region inside the log that would read a message a second time as it is added.
    nested = page.evaluate("""() => [...document.querySelectorAll('.caw-log [aria-live], .caw-log [role=status],'
                                     + '.caw-log [role=log], .caw-log [role=alert]')]
                                     .filter((el) => !el.classList.contains('caw-sheet__detail')).length""")
    assert nested == 0
    shown = settled_bot_count(page)
    page.reload()
    expect(page.locator(BOT_MESSAGES)).to_have_count(shown)  # the conversation is back, all of it
    expect(page.locator(WIDGET)).to_have_attribute("data-connection", "connected")
    restored = [a for a in announced(page) if key in a["text"] or FAQ_QUESTION in a["text"]]
    assert restored == [], restored
    # The field's error is a live region already in the page when it speaks (RGAA 7.5, 11.10).
    tree = ax_tree(page)
    assert any(n["props"].get("live") == "assertive" for n in tree), "région d'erreur absente de l'arbre"
    page.locator("#caw-input").fill("")
    page.locator("#caw-input").press("Enter")
    error = page.locator("#caw-input-error")
    expect(error).to_have_text("Écrivez votre question avant d’envoyer.")
    expect(page.locator("#caw-input")).to_have_attribute("aria-describedby", "caw-input-error")
    expect(page.locator("#caw-input")).to_have_attribute("aria-invalid", "true")
    assert [a for a in announced(page) if a["text"].startswith("Écrivez")][0]["level"] == "assertive"


def test_without_stylesheets_nothing_is_lost(page: Page, page_url: str) -> None:
    faq_answer(page, page_url)
    page.evaluate("() => { for (const sheet of document.styleSheets) sheet.disabled = true; }")
    text = page.locator("body").inner_text()
    order = ["Une question sur la doctrine", "L’assistant a écrit :", "Bonjour !", "Vous avez écrit :" + FAQ_QUESTION,
             "Source", "Votre question", "Envoyer"]
    flat, position, positions = text.replace("\n", ""), 0, []
    for part in order:  # each one after the one before
        position = flat.find(part, position)
        positions.append(position)
    assert -1 not in positions, list(zip(order, positions, strict=True))
    assert re.search(r"Accessibilité : (totalement|partiellement|non) conforme", text)


def test_the_generated_code_is_well_formed(page: Page, page_url: str) -> None:
    for url in (page_url, statement_url(page_url)):
        source = page.request.get(url).text()
        assert source.lower().startswith("<!doctype html>"), url
        assert check_well_formed(source) == [], url
    faq_answer(page, page_url)
    for url in (None, statement_url(page_url)):
        if url:
            page.goto(url)
        dom = page.evaluate("""() => {
          const ids = [...document.querySelectorAll('[id]')].map((el) => el.id);
          return { doubled: ids.filter((id, i) => ids.indexOf(id) !== i),
                   styled: [...document.querySelectorAll('[style], [align], [bgcolor], [border], [width], [height], font, center')]
                           .map((el) => el.outerHTML.slice(0, 80)),
                   media: document.querySelectorAll('img, svg, canvas, object, embed, area, iframe, frame, audio, video, table').length };
        }""")
        assert dom == {"doubled": [], "styled": [], "media": 0}, dom
        assert check_well_formed(page.content()) == []
        violations = serious(run_axe(page, page_url))
        assert violations == [], json.dumps(violations, ensure_ascii=False, indent=1)


def test_the_footers_lead_to_the_accessibility_statement(page: Page, page_url: str) -> None:
    open_widget(page, page_url)
    page_footer = page.locator("#pied-de-page a", has_text="Accessibilité")
    widget_footer = page.locator(f"{WIDGET} .caw-footer__a11y")
    wording = page_footer.inner_text().strip()
    assert FOOTER_WORDING.match(wording), wording
    expect(widget_footer).to_have_text(wording)
    widget_footer.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(statement_url(page_url))
    expect(page.locator("h1")).to_have_text(STATEMENT_TITLE)
    state = wording.removeprefix("Accessibilité : ")
    expect(page.locator("#etat-de-conformite")).to_contain_text(f"est {state} avec le RGAA version 4.1")
    for heading in ("État de conformité", "Résultats des tests", "Contenus non accessibles",
                    "Établissement de cette déclaration", "Retour d’information et contact", "Voies de recours"):
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
    expect(page.get_by_role("link", name="infonuage.dinum@modernisation.gouv.fr").first).to_be_visible()
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "Contenu"  # its own skip link first
    stops = 0
    while stops < 40:  # every link shows its focus ring, and the tab order leaves the page
        element = press_until(page, "Tab", lambda e: True, limit=1)
        if element["tag"] == "BODY" or element["text"] == "Contenu":
            break
        stops += 1
    assert stops >= 5
    tree = ax_tree(page)
    for role, name in (("banner", ""), ("main", ""), ("contentinfo", ""), ("navigation", "Accès rapide"),
                       ("heading", STATEMENT_TITLE), ("link", "https://formulaire.defenseurdesdroits.fr/"),
                       ("link", "https://www.defenseurdesdroits.fr/saisir/delegues"),
                       ("link", "infonuage.dinum@modernisation.gouv.fr")):
        ax_find(tree, role, name)
    page.go_back()
    expect(page.locator(WIDGET)).to_have_attribute("data-connection", "connected")


def test_bonjour_after_the_welcome_gets_one_short_line(page: Page, page_url: str) -> None:
    """The widget opens with its welcome: « bonjour » is answered with one short line, not a second welcome."""
    open_widget(page, page_url)
    before = bot_count(page)
    type_message(page, "bonjour")
    wait_for_any_bot_reply(page, before)
    page.wait_for_timeout(1500)  # a second message of the same turn would be there by now
    new = page.locator(BOT_MESSAGES).all_inner_texts()[before:]
    assert len(new) == 1, new
    line = new[0].replace("L’assistant a écrit :", "").strip()
    assert "\n" not in line and len(line) < 90, line
    assert "assistant automatique" not in line, line


def test_the_handoff_message_is_read_and_readable(page: Page, page_url: str) -> None:
    """Asking for a person: the assistant's answer is announced in the log like any other, and readable."""
    page.add_init_script(RECORDER)
    open_widget(page, page_url)
    before = bot_count(page)
    type_message(page, "je veux parler à un humain")
    wait_for_bot_text(page, before, "ici même")
    told = [a for a in announced(page) if "ici même" in a["text"]]
    assert len(told) == 1 and told[0]["level"] == "polite", told
    assert contrast(page, f"{BOT_MESSAGES} >> nth=-1")["text"] >= 4.5
