"""Transcripts render messages as the widget does (webchat/src/widget.js renderText), safely.
The browser test compares both renderings on the same texts in Chromium."""
from __future__ import annotations

import pytest
from console_app.markdown import is_long, render_message

NEW_TAB = ' target="_blank" rel="noopener noreferrer" title="{} - nouvelle fenêtre"'


def test_paragraphs_line_breaks_and_lists():
    text = "Première ligne\nsuite\n\nDeuxième paragraphe\n- un\n* deux\n• trois\nfin"
    assert render_message(text) == (
        "<p>Première ligne<br>suite</p><p>Deuxième paragraphe</p>"
        "<ul><li>un</li><li>deux</li><li>trois</li></ul><p>fin</p>")


def test_bold_and_links():
    source = "https://www.numerique.gouv.fr/services/cloud/"
    text = f"Le programme **Adoption du Cloud de confiance** finance.\nSource : {source}"
    assert render_message(text) == (
        "<p>Le programme <strong>Adoption du Cloud de confiance</strong> finance.<br>"
        f'Source : <a href="{source}"{NEW_TAB.format(source)}>{source}</a></p>')


def test_markdown_link_email_and_trailing_punctuation():
    assert render_message("Voir [la FAQ](https://numerique.gouv.fr/faq).") == (
        f'<p>Voir <a href="https://numerique.gouv.fr/faq"{NEW_TAB.format("la FAQ")}>la FAQ</a>.</p>')
    assert render_message("Écrivez à infonuage.dinum@modernisation.gouv.fr.") == (
        '<p>Écrivez à <a href="mailto:infonuage.dinum@modernisation.gouv.fr">'
        "infonuage.dinum@modernisation.gouv.fr</a>.</p>")
    assert render_message("(voir https://a.fr/x).") == (
        f'<p>(voir <a href="https://a.fr/x"{NEW_TAB.format("https://a.fr/x")}>https://a.fr/x</a>).</p>')


@pytest.mark.parametrize("text, expected", [
    ("<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"),
    ("[clic](javascript:alert(1))", "<p>[clic](javascript:alert(1))</p>"),
    ("[clic](data:text/html,x)", "<p>[clic](data:text/html,x)</p>"),
    ('**<img src=x onerror="a()">**', "<p><strong>&lt;img src=x onerror=\"a()\"&gt;</strong></p>"),
    ('[x](https://a.fr/"onmouseover="alert(1))',
     f'<p><a href="https://a.fr/&quot;onmouseover=&quot;alert(1"{NEW_TAB.format("x")}>x</a>)</p>'),
])
def test_nothing_becomes_markup_but_the_subset(text, expected):
    assert render_message(text) == expected


def test_long_messages_are_folded():
    assert not is_long("court")
    assert is_long("x" * 601)
    assert is_long("\n".join(["ligne"] * 11))
