"""Messages rendered as the web widget renders them (webchat/src/widget.js, `renderText`).

The widget shows a tiny markdown subset: paragraphs (consecutive lines joined by a line break), "- ",
"* " or "• " lists, **bold**, [label](url), bare http(s) URLs and e-mail addresses. Only http(s) and
mailto URLs become links. This module is a line-by-line port of that function producing HTML text:
every piece of message text is escaped, so a message can never inject markup into a console page
(and the console's CSP forbids inline scripts on top of that). console/tests/browser checks that
both renderings give the same document.
"""
from __future__ import annotations

import re
from html import escape
from urllib.parse import urlsplit

from markupsafe import Markup

SAFE_SCHEMES = ("http", "https", "mailto")
# [label](url) | **bold** | bare URL | e-mail address  (INLINE_PATTERN in widget.js)
_INLINE = re.compile(
    r"\[([^\]\n]+)\]\(([^)\s]+)\)|\*\*([^*\n]+)\*\*|(https?://[^\s<>\"]+)"
    r"|([A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})")
_TRAILING_PUNCTUATION = re.compile(r"[.,;:!?)»]+$")
# JavaScript's "." stops at every line terminator, Python's only at "\n".
_LIST_ITEM = re.compile(r"^\s*[-*•]\s+([^\r\n\u2028\u2029]*)$")
_LINES = re.compile(r"\r?\n")
# A message longer than this (characters or lines) is shown folded, with « Afficher tout ».
FOLD_CHARACTERS = 600
FOLD_LINES = 10


def safe_url(candidate: str) -> str | None:
    """The URL when it is absolute http(s) or mailto, else None (javascript:, data:, relative…)."""
    url = candidate.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in SAFE_SCHEMES:
        return None
    if parts.scheme.lower() != "mailto" and not parts.netloc:
        return None
    return url


def _link(href: str, label: str) -> str:
    """A link that opens in a new tab and says so (mailto links stay in place), as the widget builds it."""
    attributes = f'href="{escape(href, quote=True)}"'
    if not href.startswith("mailto:"):
        title = escape(f"{label} - nouvelle fenêtre", quote=True)
        attributes += f' target="_blank" rel="noopener noreferrer" title="{title}"'
    return f"<a {attributes}>{escape(label, quote=False)}</a>"


def _inline_node(match: re.Match[str], whole: str) -> str:
    label, target, bold, url, email = match.groups()
    if label is not None:
        href = safe_url(target)
        return _link(href, label) if href else escape(match.group(0), quote=False)
    if bold is not None:
        return f"<strong>{_inline(bold)}</strong>"
    if url is not None:
        href = safe_url(whole)
        return _link(href, whole) if href else escape(whole, quote=False)
    return _link("mailto:" + email, email)


def _inline(text: str) -> str:
    out: list[str] = []
    last = 0
    for match in _INLINE.finditer(text):
        whole, trailing = match.group(0), ""
        if match.group(4):
            found = _TRAILING_PUNCTUATION.search(whole)
            trailing = found.group(0) if found else ""
            whole = whole[: len(whole) - len(trailing)]
        out.append(escape(text[last:match.start()], quote=False))
        out.append(_inline_node(match, whole))
        out.append(escape(trailing, quote=False))
        last = match.end()
    out.append(escape(text[last:], quote=False))
    return "".join(out)


def render_message(text: str) -> Markup:
    """A message as block HTML: paragraphs and bullet lists, with bold and safe links inside."""
    blocks: list[list[str]] = []  # each block: [kind, part, part…]
    in_list = in_paragraph = False
    for line in _LINES.split(str(text)):
        item = _LIST_ITEM.match(line)
        if item:
            in_paragraph = False
            if not in_list:
                blocks.append(["ul"])
                in_list = True
            blocks[-1].append(f"<li>{_inline(item.group(1))}</li>")
        elif line.strip() == "":
            in_list = in_paragraph = False
        else:
            in_list = False
            if in_paragraph:
                blocks[-1].append("<br>")
            else:
                blocks.append(["p"])
                in_paragraph = True
            blocks[-1].append(_inline(line))
    return Markup("".join(f"<{kind}>{''.join(parts)}</{kind}>" for kind, *parts in blocks))


def is_long(text: str) -> bool:
    """Long enough to be folded in a transcript."""
    return len(text) > FOLD_CHARACTERS or text.count("\n") >= FOLD_LINES
