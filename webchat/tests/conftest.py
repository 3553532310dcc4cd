"""Fixtures of the web chat browser tests: headless Debian Chromium driven by Playwright.

webchat/test.sh starts Rasa, the action server and the page server on free ports and passes their
addresses in WEBCHAT_URL, WEBCHAT_RASA_URL and WEBCHAT_RASA_TOKEN_FILE.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1100, "height": 800}


def required_env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.exit(f"{name} n'est pas défini : lancez ces tests avec « make test-webchat ».", returncode=2)
    return value


@pytest.fixture(scope="session")
def page_url() -> str:
    return required_env("WEBCHAT_URL")


@pytest.fixture(scope="session")
def rasa_url() -> str:
    return required_env("WEBCHAT_RASA_URL")


@pytest.fixture(scope="session")
def rasa_token() -> str:
    return Path(required_env("WEBCHAT_RASA_TOKEN_FILE")).read_text(encoding="utf-8").strip()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield chromium
    chromium.close()


@pytest.fixture()
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser context per test: empty storage, so a new conversation."""
    context = browser.new_context(viewport=DESKTOP, locale="fr-FR")
    context.set_default_timeout(30_000)
    new_page = context.new_page()
    errors: list[str] = []
    new_page.on("pageerror", lambda error: errors.append(str(error)))
    yield new_page
    context.close()
    assert not errors, f"erreurs JavaScript dans la page : {errors}"
