"""Browser checks of the RGAA audit shared by the widget's and the console's browser suites
(docs/accessibilite/): the focus ring of the focused element, contrast ratios measured on the page, Chromium's
accessibility tree, and a well-formedness check of the HTML. Standard library only; the helpers take a
Playwright page (each suite's own venv provides Playwright)."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from typing import Any, Callable

# The focus ring: the element's outline, or (DSFR « enlarge link » blocks) its pseudo-element's or the outline
# its block gets while the focus is within.
FOCUSED = """() => {
  const el = document.activeElement;
  const ring = (style) => style.outlineStyle !== 'none' && (parseFloat(style.outlineWidth) || 0) >= 2;
  let shown = null;
  for (const style of [getComputedStyle(el), getComputedStyle(el, '::before'), getComputedStyle(el, '::after')]) {
    if (ring(style)) { shown = style; break; }
  }
  for (let n = el.parentElement, depth = 0; !shown && n && depth < 4; n = n.parentElement, depth++) {
    if (ring(getComputedStyle(n))) shown = getComputedStyle(n);
  }
  return { id: el.id, tag: el.tagName, text: (el.innerText || el.value || '').trim().slice(0, 80),
           label: el.getAttribute('aria-label') || '', href: el.getAttribute('href') || '',
           outlineStyle: shown ? shown.outlineStyle : 'none', outlineWidth: shown ? parseFloat(shown.outlineWidth) : 0,
           outlineColor: shown ? shown.outlineColor : '', inWidget: !!el.closest('#cloud-au-centre-widget'),
           disabled: !!el.disabled };
}"""


def focused(page: Any) -> dict[str, Any]:
    return page.evaluate(FOCUSED)


def press_until(page: Any, key: str, matches: Callable[[dict[str, Any]], bool], limit: int = 60) -> dict[str, Any]:
    """Press `key` until the focused element matches; every element met on the way must show its focus."""
    seen = []
    for _ in range(limit):
        page.keyboard.press(key)
        element = focused(page)
        seen.append(element["text"] or element["label"] or element["id"] or element["tag"])
        if element["tag"] != "BODY":
            assert element["outlineStyle"] != "none" and element["outlineWidth"] >= 2, f"focus invisible : {element}"
        if matches(element):
            return element
    raise AssertionError(f"jamais atteint au clavier ({key}) ; éléments rencontrés : {seen}")


def ax_tree(page: Any) -> list[dict[str, Any]]:
    """Chromium's accessibility tree (what screen readers get), flattened: role, name, properties, ids."""
    session = page.context.new_cdp_session(page)
    try:
        nodes = session.send("Accessibility.getFullAXTree")["nodes"]
    finally:
        session.detach()
    flat = []
    for node in nodes:
        props = {p["name"]: p["value"].get("value") for p in node.get("properties", [])}
        flat.append({"id": node["nodeId"], "parent": node.get("parentId"), "children": node.get("childIds", []),
                     "role": (node.get("role") or {}).get("value"), "name": (node.get("name") or {}).get("value", ""),
                     "description": (node.get("description") or {}).get("value", ""), "props": props,
                     "ignored": bool(node.get("ignored"))})
    return flat


def ax_find(tree: list[dict[str, Any]], role: str, name: str | re.Pattern[str]) -> dict[str, Any]:
    def named(node: dict[str, Any]) -> bool:
        return bool(name.search(node["name"])) if isinstance(name, re.Pattern) else node["name"] == name
    found = [node for node in tree if not node["ignored"] and node["role"] == role and named(node)]
    assert found, f"aucun {role} nommé {name!r} dans l'arbre d'accessibilité : " + json.dumps(
        sorted({(n['role'], n['name'][:50]) for n in tree if n['name']}), ensure_ascii=False)
    return found[0]


def ax_text(tree: list[dict[str, Any]], node: dict[str, Any]) -> str:
    return " ".join(n["name"] for n in ax_descendants(tree, node) if n["role"] == "StaticText")


def ax_descendants(tree: list[dict[str, Any]], node: dict[str, Any]) -> list[dict[str, Any]]:
    by_id = {n["id"]: n for n in tree}
    out, todo = [], list(node["children"])
    while todo:
        child = by_id.get(todo.pop(0))
        if child:
            if not child["ignored"]:
                out.append(child)
            todo.extend(child["children"])
    return out


CONTRAST = """(el) => {
  const rgba = (value) => {
    const m = value.match(/[\\d.]+/g) || ['0', '0', '0', '0'];
    return m.map(Number).concat([1]).slice(0, 4);
  };
  const lum = ([r, g, b]) => [r, g, b]
    .map((c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; })
    .reduce((sum, c, i) => sum + c * [0.2126, 0.7152, 0.0722][i], 0);
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const background = (node) => {
    for (let n = node; n; n = n.parentElement) {
      const c = rgba(getComputedStyle(n).backgroundColor);
      if (c[3] > 0.5) return c;
    }
    return [255, 255, 255, 1];
  };
  const style = getComputedStyle(el);
  const bg = background(el);
  const parentBg = background(el.parentElement);
  const shadow = style.boxShadow.match(/rgba?\\([^)]*\\)/);
  const borderColour = style.borderTopStyle !== 'none' && parseFloat(style.borderTopWidth) > 0
    ? rgba(style.borderTopColor) : (shadow ? rgba(shadow[0]) : null);
  return { text: ratio(rgba(style.color), bg), border: borderColour ? ratio(borderColour, parentBg) : null,
           outline: ratio(rgba(style.outlineColor), parentBg), color: style.color,
           background: 'rgb(' + bg.slice(0, 3) + ')' };
}"""


def contrast(page: Any, selector: str) -> dict[str, Any]:
    locator = page.locator(selector).first
    locator.wait_for(state="visible")
    return locator.evaluate(CONTRAST)


class WellFormed(HTMLParser):
    """Tags opened and closed in order, no attribute twice (RGAA 8.2, as far as a parser can tell)."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
    OPTIONAL_END = {"p", "li", "dt", "dd", "option", "tr", "td", "th", "thead", "tbody"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = [name for name, _ in attrs]
        doubled = {name for name in names if names.count(name) > 1}
        if doubled:
            self.problems.append(f"<{tag}> : attribut en double {doubled}")
        self.ids += [value or "" for name, value in attrs if name == "id"]
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        while self.stack and self.stack[-1] != tag and self.stack[-1] in self.OPTIONAL_END:
            self.stack.pop()
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> ferme {self.stack[-1:] or 'rien'}")
            return
        self.stack.pop()


def check_well_formed(html: str) -> list[str]:
    parser = WellFormed()
    parser.feed(html)
    parser.close()
    problems = parser.problems + [f"balise non fermée <{tag}>" for tag in parser.stack]
    problems += [f"id en double : {i}" for i in sorted({i for i in parser.ids if parser.ids.count(i) > 1})]
    return problems
