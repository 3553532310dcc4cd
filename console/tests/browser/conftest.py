"""Real stack for the browser tests: Rasa + action server (ops/stack.sh, free ports, temporary tracker
store, HANDOFF_ENABLED=true), the console (uvicorn, temporary DB, a COPY of the project data, tiny training
config, temporary models dir), a static server for the person's chat page, and Debian's Chromium."""
from __future__ import annotations

import functools
import http.server
import os
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest

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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that put another model in service run last: the others expect the project's model."""
    items.sort(key=lambda item: item.get_closest_marker("changes_live_model") is not None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, seconds: float = 60) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} ne répond pas")


@pytest.fixture(scope="session")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("console-browser")


@pytest.fixture(scope="session")
def stack(workdir: Path) -> Iterator[dict[str, Any]]:
    if os.environ.get("CONSOLE_TEST_RASA_URL"):  # developer shortcut: a stack already running
        yield {"url": os.environ["CONSOLE_TEST_RASA_URL"], "token": os.environ["CONSOLE_TEST_RASA_TOKEN"],
               "tracker_db": os.environ["CONSOLE_TEST_TRACKER_DB"], "state": workdir}
        return
    if not list((REPO_ROOT / "models").glob("*.tar.gz")):
        pytest.fail("Aucun modèle dans models/ : lancez d'abord 'make train'.")
    state = workdir / "stack"
    env = dict(os.environ, RASA_PORT=str(free_port()), ACTIONS_PORT=str(free_port()),
               TRACKER_DB=str(state / "tracker.db"), HANDOFF_ENABLED="true",
               RASA_AUTH_TOKEN=secrets.token_hex(24), RASA_CORS="*")
    env.pop("STATE_DIR", None)
    info = {"url": f"http://localhost:{env['RASA_PORT']}", "token": env["RASA_AUTH_TOKEN"],
            "tracker_db": env["TRACKER_DB"], "state": state}
    try:
        started = subprocess.run([str(REPO_ROOT / "ops" / "stack.sh"), "start", str(state)], env=env, timeout=900)
        if started.returncode != 0:
            # stack.sh waits 180 s; on a loaded machine Rasa can take longer: give it more time if it is alive.
            pid = int((state / "rasa.pid").read_text())
            os.kill(pid, 0)
            wait_http(f"{info['url']}/status?token={info['token']}", seconds=600)
        yield info
    finally:
        subprocess.run([str(REPO_ROOT / "ops" / "stack.sh"), "stop", str(state)], env=env, timeout=120)


@pytest.fixture(scope="session")
def project(workdir: Path) -> Path:
    root = workdir / "project"
    root.mkdir()
    for name in ("domain", "data"):
        shutil.copytree(REPO_ROOT / name, root / name)
    shutil.copy(REPO_ROOT / "config.yml", root / "config.yml")
    return root


@pytest.fixture(scope="session")
def console(workdir: Path, stack: dict[str, Any], project: Path) -> Iterator[dict[str, Any]]:
    port = free_port()
    env = dict(os.environ, CONSOLE_PROJECT_DIR=str(project), CONSOLE_DB_URL=f"sqlite:///{workdir / 'console.db'}",
               TRACKER_DB=stack["tracker_db"], RASA_URL=stack["url"], RASA_AUTH_TOKEN=stack["token"],
               CONSOLE_SECRET_KEY=secrets.token_urlsafe(32), CONSOLE_MODELS_DIR=str(workdir / "models"),
               CONSOLE_TRAIN_CONFIG=str(BROWSER_DIR / "tiny-config.yml"), CONSOLE_WORK_DIR=str(workdir / "work"),
               CONSOLE_HANDOFF_TIMEOUT=str(HANDOFF_TIMEOUT), CONSOLE_AGENT_IDLE_TIMEOUT=str(AGENT_IDLE_TIMEOUT),
               CONSOLE_POLL_SECONDS="1")
    env.pop("TRACKER_STORE_URL", None)
    python = sys.executable
    for name, role, shown in (("alice", "agent", AGENT_NAME), ("admin", "admin", "")):
        subprocess.run([python, "-m", "console_app.manage", "create-user", name, "--role", role,
                        "--display-name", shown], input=PASSWORD + "\n", text=True, env=env, cwd=CONSOLE_DIR,
                       check=True)
    log = (workdir / "console.log").open("w")
    process = subprocess.Popen(
        [python, "-m", "uvicorn", "console_app.web:create_app", "--factory", "--host", "127.0.0.1",
         "--port", str(port)], env=env, cwd=CONSOLE_DIR, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_http(f"http://127.0.0.1:{port}/login")
        yield {"url": f"http://127.0.0.1:{port}", "models_dir": workdir / "models", "log": workdir / "console.log"}
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


@pytest.fixture(scope="session")
def person_site(workdir: Path) -> Iterator[str]:
    """Static server for the person's chat page (person.html + the vendored socket.io client)."""
    site = workdir / "site"
    site.mkdir()
    shutil.copy(BROWSER_DIR / "person.html", site / "person.html")
    shutil.copy(CONSOLE_DIR / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js", site)
    handler = functools.partial(QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


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


@pytest.fixture(scope="session")
def login_as(console: dict[str, Any]) -> Any:
    def login(page: Any, username: str) -> None:
        page.goto(console["url"] + "/login")
        page.fill("#username", username)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(console["url"] + "/conversations")
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
