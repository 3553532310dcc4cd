"""Turn Rasa bot messages into Matrix message contents, and numbered replies back into payloads.

The assistant's answers use a small markdown subset (**bold**, `-` lists, bare URLs and
[text](url) links). We render that subset ourselves, after escaping the text, so that nothing a
message contains can inject HTML into Tchap clients.
"""

from __future__ import annotations

import html
import re
import unicodedata
from typing import Any

MAX_BUTTONS = 20
MAX_BUTTON_TEXT = 300

_LINK_PATTERN = re.compile(
    r"\[(?P<label>[^\]\n]{1,300})\]\((?P<target>(?:https?://|mailto:)[^\s)]{1,2000})\)"
    r"|(?P<bare>https?://[^\s<>\"]*[^\s<>\".,;:!?)»])"
    r"|(?P<mail>\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b)"
)
_BOLD_PATTERN = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_ITALIC_PATTERN = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_CODE_PATTERN = re.compile(r"`([^`\n]+)`")
_BULLET_PATTERN = re.compile(r"^\s*[-*•]\s+(.*)$")
_ORDERED_PATTERN = re.compile(r"^\s*\d{1,3}[.)]\s+(.*)$")


def _emphasis_html(escaped: str) -> str:
    """Apply bold, italic and inline code to an already-escaped text fragment."""
    escaped = _CODE_PATTERN.sub(r"<code>\1</code>", escaped)
    escaped = _BOLD_PATTERN.sub(r"<strong>\1</strong>", escaped)
    return _ITALIC_PATTERN.sub(r"<em>\1</em>", escaped)


def inline_html(text: str) -> str:
    """Render one line of markdown to safe HTML (links first, so URLs are never re-formatted)."""
    out: list[str] = []
    position = 0
    for match in _LINK_PATTERN.finditer(text):
        out.append(_emphasis_html(html.escape(text[position : match.start()], quote=False)))
        if match.group("label"):
            target, label = (
                match.group("target"),
                _emphasis_html(html.escape(match.group("label"), quote=False)),
            )
        elif match.group("bare"):
            target, label = match.group("bare"), html.escape(match.group("bare"), quote=False)
        else:
            target, label = "mailto:" + match.group("mail"), html.escape(match.group("mail"), quote=False)
        out.append(f'<a href="{html.escape(target, quote=True)}">{label}</a>')
        position = match.end()
    out.append(_emphasis_html(html.escape(text[position:], quote=False)))
    return "".join(out)


def markdown_to_html(text: str) -> str:
    """Render the markdown subset to HTML: paragraphs, line breaks, bullet and numbered lists."""
    blocks: list[str] = []
    lines: list[str] = []
    list_kind: str | None = None
    items: list[str] = []

    def flush_lines() -> None:
        if lines:
            blocks.append("<p>" + "<br/>".join(lines) + "</p>")
            lines.clear()

    def flush_list() -> None:
        nonlocal list_kind
        if list_kind:
            blocks.append(f"<{list_kind}>" + "".join(f"<li>{item}</li>" for item in items) + f"</{list_kind}>")
            items.clear()
            list_kind = None

    for raw_line in text.replace("\r\n", "\n").split("\n"):
        bullet, ordered = _BULLET_PATTERN.match(raw_line), _ORDERED_PATTERN.match(raw_line)
        kind, match = ("ul", bullet) if bullet else ("ol", ordered) if ordered else (None, None)
        if kind and match:
            flush_lines()
            if list_kind != kind:
                flush_list()
                list_kind = kind
            items.append(inline_html(match.group(1)))
        elif not raw_line.strip():
            flush_lines()
            flush_list()
        else:
            flush_list()
            lines.append(inline_html(raw_line.strip()))
    flush_lines()
    flush_list()
    return "".join(blocks)


def markdown_to_plain(text: str) -> str:
    """Plain-text fallback for `body`: keep the text, drop markdown markers, spell out links."""
    text = re.sub(r"\[([^\]\n]+)\]\(((?:https?://|mailto:)[^\s)]+)\)", r"\1 (\2)", text)
    text = _BOLD_PATTERN.sub(r"\1", text)
    return _CODE_PATTERN.sub(r"\1", text)


def clean_buttons(buttons: Any) -> list[dict[str, str]]:
    """Keep only well-formed buttons (title and payload strings), bounded in number and size."""
    if not isinstance(buttons, list):
        return []
    cleaned: list[dict[str, str]] = []
    for button in buttons[:MAX_BUTTONS]:
        if not isinstance(button, dict):
            continue
        title, payload = button.get("title"), button.get("payload")
        if isinstance(title, str) and isinstance(payload, str) and title.strip() and payload.strip():
            cleaned.append({"title": title.strip()[:MAX_BUTTON_TEXT], "payload": payload.strip()[:MAX_BUTTON_TEXT]})
    return cleaned


def numbered_choices_plain(buttons: list[dict[str, str]]) -> str:
    """« 1. Oui  2. Non »: what a plain-text client shows."""
    return "  ".join(f"{index}. {button['title']}" for index, button in enumerate(buttons, start=1))


def message_content(text: str, buttons: list[dict[str, str]], mention: tuple[str, str] | None = None) -> dict[str, Any]:
    """Build an m.room.message content: plain `body` plus `formatted_body` HTML.

    `mention` = (user id, display name) prefixes the message with a pill, used in group rooms so the
    person knows the answer is for them.
    """
    body = markdown_to_plain(text).strip()
    formatted = markdown_to_html(text)
    if buttons:
        choices_html = "".join(f"<li>{inline_html(button['title'])}</li>" for button in buttons)
        body = (body + "\n\n" if body else "") + numbered_choices_plain(buttons)
        body += "\n(Répondez par le numéro ou le texte du choix.)"
        formatted += f"<ol>{choices_html}</ol><p><em>Répondez par le numéro ou le texte du choix.</em></p>"
    content: dict[str, Any] = {"msgtype": "m.text", "body": body}
    if mention:
        user_id, name = mention
        content["body"] = f"{name} : {content['body']}"
        href = html.escape(f"https://matrix.to/#/{user_id}", quote=True)
        pill = f'<a href="{href}">{html.escape(name, quote=False)}</a>'
        formatted = f"<p>{pill} :</p>{formatted}"
        content["m.mentions"] = {"user_ids": [user_id]}
    content["format"] = "org.matrix.custom.html"
    content["formatted_body"] = formatted
    return content


def _normalise(text: str) -> str:
    """Lower-case, strip accents, punctuation and extra spaces, for lenient title matching."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    without_accents = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(re.sub(r"[^\w%]+", " ", without_accents).split())


def choose_button(reply: str, buttons: list[dict[str, str]]) -> str | None:
    """Return the payload of the button the reply designates (its number or its title), else None."""
    if not buttons:
        return None
    stripped = reply.strip()
    number = re.fullmatch(r"(\d{1,2})\s*[.)]?", stripped)
    if number:
        index = int(number.group(1))
        return buttons[index - 1]["payload"] if 1 <= index <= len(buttons) else None
    wanted = _normalise(stripped)
    for button in buttons:
        if wanted and _normalise(button["title"]) == wanted:
            return button["payload"]
    return None
