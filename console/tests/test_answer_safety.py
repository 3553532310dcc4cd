"""The answer editor's safety: the preview is the widget's rendering and injects no HTML, invisible
characters are refused, and a domain file is replaced only once Rasa's own loader reads it back."""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from console_app import rasa_check, training_data
from console_app.answer_rules import AnswerRules
from ruamel.yaml import YAML

SOURCE = "Source : https://www.numerique.gouv.fr/services/cloud/"


def _post(admin, text, action="preview"):
    client, token = admin
    return client.post("/answers/financement", data={"csrf_token": token, "text": text, "action": action})


class _Markup(HTMLParser):
    """Every tag and attribute of a piece of HTML, as a browser's tokenizer sees them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _only_the_widget_subset(html: str) -> None:
    parser = _Markup()
    parser.feed(html)
    parser.close()
    for tag, attrs in parser.tags:
        assert tag in {"p", "br", "ul", "li", "strong", "a"}, (tag, html)
        if tag == "a":
            assert set(attrs) <= {"href", "target", "rel", "title"}, (attrs, html)
            assert re.match(r"(https?://|mailto:)", attrs["href"] or ""), (attrs, html)
        else:
            assert attrs == {}, (tag, attrs, html)


@pytest.mark.parametrize("text", [
    # The former preview turned the second URL of a link target into a link inside the href: attribute injection.
    "[x](https://a.fr/https://b.fr/onmouseover=alert(1)//)\n" + SOURCE,
    "Voir https://a.fr/\"><img src=x onerror=alert(1)>\n" + SOURCE,
    "**[a](javascript:alert(1))** [b](https://c.fr/'onfocus='x) [c](https://d.fr/\"x=\"y)\n" + SOURCE,
    "- <b>gras</b> https://e.fr/https://f.fr/\" **https://g.fr/**\n" + SOURCE,
])
def test_preview_cannot_inject_html(admin, text):
    _only_the_widget_subset(str(training_data.render_markdown(text)))
    page = _post(admin, text).text
    assert "<img" not in page and "<b>" not in page
    if 'id="preview">' in page:  # (a rule may refuse the text instead: then there is no preview at all)
        _only_the_widget_subset(page.split('id="preview">', 1)[1].split("</div>", 1)[0])


def test_preview_is_what_the_widget_shows():
    text = "Le **FTAP** finance.\n- un point\nÉcrire à infonuage.dinum@modernisation.gouv.fr.\n" + SOURCE
    assert training_data.render_markdown(text) == (
        "<p>Le <strong>FTAP</strong> finance.</p><ul><li>un point</li></ul>"
        '<p>Écrire à <a href="mailto:infonuage.dinum@modernisation.gouv.fr">infonuage.dinum@modernisation.gouv.fr</a>.'
        '<br>Source : <a href="https://www.numerique.gouv.fr/services/cloud/" target="_blank" rel="noopener noreferrer"'
        ' title="https://www.numerique.gouv.fr/services/cloud/ - nouvelle fenêtre">'
        "https://www.numerique.gouv.fr/services/cloud/</a></p>")


@pytest.mark.parametrize("char, code", [
    ("\u2028", "U+2028"), ("\u2029", "U+2029"), ("\x00", "U+0000"), ("\x0b", "U+000B"), ("\x1b", "U+001B"),
    ("\t", "U+0009"), ("\x85", "U+0085"), ("\u202e", "U+202E"), ("\u2066", "U+2066"),
])
def test_invisible_characters_are_refused(admin, project, char, code):
    before = (project / "domain" / "faq.yml").read_text()
    page = _post(admin, f"Le FTAP{char} finance la migration.\n" + SOURCE, action="save")
    assert page.status_code == 400 and "caractère invisible" in page.text and code in page.text
    assert (project / "domain" / "faq.yml").read_text() == before


def test_carriage_returns_are_just_line_breaks(admin, project):
    assert _post(admin, "Le FTAP finance la migration.\r\n" + SOURCE, action="save").status_code == 303
    doc = YAML(typ="safe").load((project / "domain" / "faq.yml").read_text())
    assert doc["responses"]["utter_faq/financement"][0]["text"] == "Le FTAP finance la migration.\n" + SOURCE


def test_rasa_reads_back_the_saved_answer(project):
    path = project / "domain" / "faq.yml"
    text = "Le FTAP finance la migration : « Adoption du Cloud de confiance ».\n" + SOURCE
    training_data.save_answer(project / "domain", "utter_faq/financement", text, AnswerRules.load(project))
    assert rasa_check.response_text(path.read_text(), "utter_faq/financement") == text


def test_file_not_replaced_when_rasa_reads_something_else(project, monkeypatch):
    path = project / "domain" / "faq.yml"
    before = path.read_text()
    monkeypatch.setattr(rasa_check, "response_text", lambda content, response: "autre chose")
    with pytest.raises(training_data.DataError, match="Rasa relirait"):
        training_data.save_answer(project / "domain", "utter_faq/financement", "Le FTAP finance.\n" + SOURCE,
                                  AnswerRules.load(project))
    assert path.read_text() == before


def test_file_not_replaced_when_rasa_cannot_read_it(project, monkeypatch):
    path = project / "domain" / "faq.yml"
    before = path.read_text()
    monkeypatch.setattr(training_data, "dump_yaml", lambda doc, style: before + "\nresponses: [pas, un, domaine\n")
    with pytest.raises(training_data.DataError, match="Rasa ne peut pas relire le fichier"):
        training_data.save_answer(project / "domain", "utter_faq/financement", "Le FTAP finance.\n" + SOURCE,
                                  AnswerRules.load(project))
    assert path.read_text() == before


def test_missing_rasa_is_said_plainly(tmp_path):
    with pytest.raises(rasa_check.RasaReadError, match="Rasa est introuvable"):
        rasa_check.response_text("version: '3.1'", "utter_x", python=tmp_path / "python")
