"""Real servers for the browser tests: the run's Rasa test stack (fixture `rasa_stack`, ops/teststack.py:
handoff enabled, its own tracker store), the console (uvicorn, temporary DB, a COPY of the project data, tiny
training config, temporary models dir), a static server for the person's chat page, and Debian's Chromium.

The console on the shared stack never puts a model in service (its deploy command refuses): a test that
does starts its own stack and console (`running_console`, test_deploy_browser.py)."""
from __future__ import annotations

import contextlib
import functools
import http.server
import os
import secrets
import shlex
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from teststack import Stack, free_port, start_and_wait, stop_process

BROWSER_DIR = Path(__file__).resolve().parent
CONSOLE_DIR = BROWSER_DIR.parents[1]
REPO_ROOT = CONSOLE_DIR.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
PASSWORD = "mot-de-passe-solide-1"
HANDOFF_TIMEOUT = 25  # a request nobody takes returns to the assistant after this many seconds
AGENT_IDLE_TIMEOUT = 40  # a taken conversation whose agent stays silent, likewise
AGENT_NAME = "Alice Martin"  # alice's public name


@pytest.fixture(scope="session")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("console-browser")


@pytest.fixture(scope="session")
def stack(rasa_stack: Stack) -> dict[str, Any]:
    return {"url": rasa_stack.url, "token": rasa_stack.token, "tracker_db": str(rasa_stack.tracker_db),
            "state": rasa_stack.state_dir}


@pytest.fixture(scope="session")
def project(workdir: Path) -> Path:
    root = workdir / "project"
    root.mkdir()
    for name in ("domain", "data"):
        shutil.copytree(REPO_ROOT / name, root / name)
    shutil.copy(REPO_ROOT / "config.yml", root / "config.yml")
    return root


# The shared stack's console refuses to put a model in service: other parts' tests use that Rasa.
REFUSE_DEPLOY = ["sh", "-c", "echo 'Pas de mise en service sur la pile de test partagée.' >&2; exit 1", "--"]


@contextlib.contextmanager
def running_console(workdir: Path, stack: dict[str, Any], project: Path,
                    deploy_command: list[str]) -> Iterator[dict[str, Any]]:
    """A console (accounts alice and admin) on `stack`, its state in `workdir`, putting models in service
    with `deploy_command` (the model's path appended)."""
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = dict(os.environ, CONSOLE_PROJECT_DIR=str(project), CONSOLE_DB_URL=f"sqlite:///{workdir / 'console.db'}",
               TRACKER_DB=stack["tracker_db"], RASA_URL=stack["url"], RASA_AUTH_TOKEN=stack["token"],
               CONSOLE_SECRET_KEY=secrets.token_urlsafe(32), CONSOLE_MODELS_DIR=str(workdir / "models"),
               CONSOLE_TRAIN_CONFIG=str(BROWSER_DIR / "tiny-config.yml"), CONSOLE_WORK_DIR=str(workdir / "work"),
               CONSOLE_HANDOFF_TIMEOUT=str(HANDOFF_TIMEOUT), CONSOLE_AGENT_IDLE_TIMEOUT=str(AGENT_IDLE_TIMEOUT),
               CONSOLE_POLL_SECONDS="1", CONSOLE_DEPLOY_COMMAND=shlex.join(deploy_command))
    env.pop("TRACKER_STORE_URL", None)
    python = sys.executable
    for name, role, shown in (("alice", "agent", AGENT_NAME), ("admin", "admin", "")):
        subprocess.run([python, "-m", "console_app.manage", "create-user", name, "--role", role,
                        "--display-name", shown], input=PASSWORD + "\n", text=True, env=env, cwd=CONSOLE_DIR,
                       check=True)
    process = start_and_wait(
        [python, "-m", "uvicorn", "console_app.web:create_app", "--factory", "--host", "127.0.0.1",
         "--port", str(port)], "la console", f"http://127.0.0.1:{port}/login", workdir / "console.log",
        env=env, cwd=CONSOLE_DIR, timeout=60)
    try:
        yield {"url": f"http://127.0.0.1:{port}", "models_dir": workdir / "models", "log": workdir / "console.log"}
    finally:
        stop_process(process)


@pytest.fixture(scope="session")
def console(workdir: Path, stack: dict[str, Any], project: Path) -> Iterator[dict[str, Any]]:
    with running_console(workdir, stack, project, REFUSE_DEPLOY) as running:
        yield running


@contextlib.contextmanager
def console_without_rasa(work: Path, tracker: Path, alice_shown: str = "", **settings: str) -> Iterator[str]:
    """A console (accounts alice, agent shown as `alice_shown`, and admin) reading the tracker store `tracker`,
    with no Rasa behind it, its state in `work`; `settings` add to its environment. Yields its URL."""
    port = free_port()
    env = dict(os.environ, CONSOLE_DB_URL=f"sqlite:///{work / 'console.db'}", TRACKER_DB=str(tracker),
               CONSOLE_SECRET_KEY=secrets.token_urlsafe(32), RASA_URL="http://127.0.0.1:9",
               CONSOLE_WORK_DIR=str(work / "work"), CONSOLE_MODELS_DIR=str(work / "models"), **settings)
    env.pop("TRACKER_STORE_URL", None)
    for name, role, shown in (("alice", "agent", alice_shown), ("admin", "admin", "")):
        subprocess.run([sys.executable, "-m", "console_app.manage", "create-user", name, "--role", role,
                        "--display-name", shown], input=PASSWORD + "\n", text=True, env=env, cwd=CONSOLE_DIR,
                       check=True)
    process = start_and_wait([sys.executable, "-m", "uvicorn", "console_app.web:create_app", "--factory",
                              "--host", "127.0.0.1", "--port", str(port)], "la console",
                             f"http://127.0.0.1:{port}/login", work / "console.log", env=env, cwd=CONSOLE_DIR,
                             timeout=60)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_process(process)


@pytest.fixture(scope="session")
def person_site(workdir: Path, rasa_stack: Stack) -> Iterator[str]:
    """Static server for the person's chat page (person.html + the vendored socket.io client), at the
    origin the stack's Rasa accepts (CORS)."""
    site = workdir / "site"
    site.mkdir()
    shutil.copy(BROWSER_DIR / "person.html", site / "person.html")
    shutil.copy(CONSOLE_DIR / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js", site)
    handler = functools.partial(QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", urlsplit(rasa_stack.page_url).port or 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


def log_in(page: Any, console_url: str, username: str) -> None:
    page.goto(console_url + "/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(console_url + "/conversations")


@pytest.fixture(scope="session")
def login_as(console: dict[str, Any]) -> Any:
    def login(page: Any, username: str) -> None:
        log_in(page, console["url"], username)
    return login


# --- the person's side -----------------------------------------------------------------------------

# What the person types to ask for a human (a developer running a tiny model may use "/ask_human").
ASK_HUMAN = os.environ.get("CONSOLE_TEST_HUMAN_MESSAGE", "je veux parler à un humain")


def open_person(browser: Any, person_site: str, stack: dict[str, Any]) -> tuple[Any, str]:
    """A person on the chat page (Rasa's socket.io channel); returns the page and the conversation id."""
    from playwright.sync_api import expect
    page = browser.new_context().new_page()
    page.goto(f"{person_site}/person.html?rasa={stack['url']}")
    expect(page.locator("#status")).to_have_text("connecté", timeout=20_000)
    return page, page.locator("#session").inner_text()


def say(page: Any, text: str) -> None:
    page.fill("#input", text)
    page.press("#input", "Enter")


def tracker_of(stack: dict[str, Any], session: str) -> dict[str, Any]:
    response = httpx.get(f"{stack['url']}/conversations/{session}/tracker", params={"token": stack["token"]})
    response.raise_for_status()
    return response.json()
