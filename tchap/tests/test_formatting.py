"""Fast tests of the message formatting and of the bridge's pure helpers (no server needed)."""

from __future__ import annotations

from matrix_bridge.bridge import (
    conversation_id,
    is_mentioned,
    parse_conversation_id,
    strip_mention,
    strip_reply_fallback,
)
from matrix_bridge.config import ConfigError, load_config
from matrix_bridge.formatting import choose_button, clean_buttons, markdown_to_html, message_content

BUTTONS = [{"title": "Oui, un nouveau projet", "payload": "/affirm"}, {"title": "Non", "payload": "/deny"}]


def test_html_is_escaped_before_markdown_is_rendered():
    html = markdown_to_html('**Attention** <script>alert("x")</script> <img src=x onerror=1>')
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;" in html and "<strong>Attention</strong>" in html


def test_links_lists_and_source_line():
    text = "Deux cas :\n- [la doctrine](https://www.numerique.gouv.fr/services/cloud/doctrine/)\n- autre\n\nSource : https://www.numerique.gouv.fr/services/cloud/"
    html = markdown_to_html(text)
    assert (
        '<ul><li><a href="https://www.numerique.gouv.fr/services/cloud/doctrine/">la doctrine</a></li>'
        "<li>autre</li></ul>" in html
    )
    assert (
        '<a href="https://www.numerique.gouv.fr/services/cloud/">https://www.numerique.gouv.fr/services/cloud/</a>'
        in html
    )


def test_javascript_links_are_not_rendered_as_links():
    html = markdown_to_html("[cliquez](javascript:alert(1))")
    assert "<a" not in html


def test_buttons_become_numbered_choices():
    content = message_content("Votre projet est-il nouveau ?", BUTTONS)
    assert content["body"].startswith("Votre projet est-il nouveau ?\n\n1. Oui, un nouveau projet  2. Non")
    assert content["format"] == "org.matrix.custom.html"
    assert "<ol><li>Oui, un nouveau projet</li><li>Non</li></ol>" in content["formatted_body"]


def test_reply_by_number_or_title():
    assert choose_button("1", BUTTONS) == "/affirm"
    assert choose_button(" 2. ", BUTTONS) == "/deny"
    assert choose_button("oui un nouveau projet", BUTTONS) == "/affirm"
    assert choose_button("3", BUTTONS) is None
    assert choose_button("Les collectivités sont-elles concernées ?", BUTTONS) is None
    assert choose_button("1", []) is None


def test_bad_buttons_are_dropped():
    assert clean_buttons([{"title": "A", "payload": "/a"}, {"title": 3}, "x", {"title": " ", "payload": "/b"}]) == [
        {"title": "A", "payload": "/a"}
    ]
    assert clean_buttons("not a list") == []


def test_conversation_id_round_trip_and_rejects_foreign_ids():
    conv = conversation_id("!abc:agents.tchap.localhost:8448", "@jean.dupont:agents.tchap.localhost:8448")
    assert parse_conversation_id(conv) == (
        "!abc:agents.tchap.localhost:8448",
        "@jean.dupont:agents.tchap.localhost:8448",
    )
    for bad in (None, 3, "socketio-123", "tchap:nothing", "tchap:!room:server"):
        assert parse_conversation_id(bad) is None


def test_mentions_in_group_rooms():
    bot, name = "@assistant-cloud:serveur", "assistant-cloud"
    assert is_mentioned({}, "assistant-cloud : quelles règles ?", bot, name)
    assert is_mentioned(
        {"formatted_body": '<a href="https://matrix.to/#/@assistant-cloud:serveur">x</a>'}, "x", bot, name
    )
    assert is_mentioned({"m.mentions": {"user_ids": [bot]}}, "bonjour", bot, name)
    assert not is_mentioned({}, "bonjour à tous", bot, name)
    assert strip_mention("assistant-cloud : quelles règles ?", bot, name) == "quelles règles ?"
    assert strip_reply_fallback("> <@a:b> citation\n\nma question") == "ma question"


def test_config_requires_homeserver_and_user_and_derives_listen_address():
    try:
        load_config({})
    except ConfigError as error:
        assert "TCHAP_HOMESERVER" in str(error)
    else:
        raise AssertionError("a missing homeserver must be refused")
    config = load_config(
        {
            "TCHAP_HOMESERVER": "https://matrix.example.gouv.fr/",
            "TCHAP_BOT_USER": "@bot:example.gouv.fr",
            "TCHAP_CALLBACK_URL": "http://localhost:5999/rasa/callback",
            "TCHAP_CALLBACK_TOKEN": "abc",
        }
    )
    assert config.homeserver == "https://matrix.example.gouv.fr"
    assert config.allowed_servers == frozenset({"example.gouv.fr"})
    assert (config.listen_port, config.callback_path, config.callback_token) == (5999, "/rasa/callback", "abc")
