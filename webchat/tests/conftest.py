"""Fixtures of the web chat browser tests: headless Debian Chromium driven by Playwright, the page
server (webchat/server.py) on a free port, talking to the run's Rasa test stack (fixture `rasa_stack`,
ops/teststack.py; a stack of their own when the tests run alone).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

WEBCHAT_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(WEBCHAT_DIR.parent / "ops"))
pytest.register_assert_rewrite("teststack")

from playwright.sync_api import Browser, Page, Playwright, sync_playwright  # noqa: E402
from teststack import Stack, start_and_wait, stop_process  # noqa: E402

pytest_plugins = ["teststack"]

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


@pytest.fixture(scope="session")
def page_url(rasa_stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The chat page, served like `make run` serves it, its widget connected to the stack's Rasa."""
    if not (WEBCHAT_DIR / "build" / "index.html").is_file():
        pytest.fail("La page n'est pas construite : lancez « webchat/install.sh ».")
    port = urlsplit(rasa_stack.page_url).port  # the origin Rasa's CORS allows
    url = f"http://127.0.0.1:{port}/"
    server = start_and_wait(
        [sys.executable, str(WEBCHAT_DIR / "server.py"), "--port", str(port), "--socket-url", rasa_stack.url,
         "--sheets-url", rasa_stack.sheets_url],
        "le serveur de la page", url, tmp_path_factory.mktemp("webchat") / "page.log", timeout=30,
    )
    yield url
    stop_process(server)


@pytest.fixture(scope="session")
def rasa_url(rasa_stack: Stack) -> str:
    return rasa_stack.url


@pytest.fixture(scope="session")
def rasa_token(rasa_stack: Stack) -> str:
    return rasa_stack.token


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
