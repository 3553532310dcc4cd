"""The page server's own rules (no browser needed): URL validation, escaping and headers."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location("webchat_server", Path(__file__).resolve().parents[1] / "server.py")
server = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(server)


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://rasa", "localhost:5005", "", "http://"])
def test_socket_url_must_be_http(url: str) -> None:
    with pytest.raises(ValueError):
        server.validated_socket_url(url)


def test_socket_url_is_normalised() -> None:
    assert server.validated_socket_url(" https://rasa.example.gouv.fr/ ") == "https://rasa.example.gouv.fr"


def test_csp_allows_only_self_and_rasa() -> None:
    policy = server.content_security_policy("https://rasa.example.gouv.fr")
    assert "script-src 'self';" in policy
    assert "connect-src 'self' https://rasa.example.gouv.fr wss://rasa.example.gouv.fr;" in policy
    assert "unsafe" not in policy


def test_embed_config_is_a_json_string_literal() -> None:
    script = server.embed_config('http://h/"});alert(1);//')
    assert script == 'window.CloudAuCentreWidget.init({ socketUrl: "http://h/\\"});alert(1);//" });\n'


def test_the_page_states_the_retention_period_the_purge_enforces() -> None:
    assert server.retention_days({}) == 30
    assert server.retention_days({"CONVERSATION_RETENTION_DAYS": "90"}) == 90
    for wrong in ("184", "0", "trente", "-5"):
        with pytest.raises(ValueError):
            server.retention_days({"CONVERSATION_RETENTION_DAYS": wrong})
    page = (Path(__file__).resolve().parents[1] / "src" / "index.html").read_text(encoding="utf-8")
    assert "Vos messages sont conservés {{RETENTION_DAYS}} jours" in page
