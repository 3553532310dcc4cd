"""Fixtures: a COPY of the project's domain/ and data/ (the real ones are never written), a tracker
store built with Rasa's `events` schema, a console app with its own temporary database."""
from __future__ import annotations

import json
import re
import shutil
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
from starlette.testclient import TestClient

CONSOLE_DIR = Path(__file__).resolve().parents[1]
REPO_ROOT = CONSOLE_DIR.parent
sys.path.insert(0, str(CONSOLE_DIR))
sys.path.insert(0, str(REPO_ROOT / "ops"))

# The run's Rasa test stack (fixture `rasa_stack`) for the browser tests; tests using it are marked `stack`.
pytest_plugins = ["teststack"]

from argon2 import PasswordHasher  # noqa: E402
from console_app import security  # noqa: E402
from console_app.db import make_engine  # noqa: E402
from console_app.security import create_user  # noqa: E402
from console_app.settings import Settings  # noqa: E402
from console_app.web import create_app  # noqa: E402

PASSWORD = "mot-de-passe-solide-1"

# argon2id is slow on purpose in service (0.2 s a hash or a login here); these tests hash and log in hundreds of
# times, so they use the same algorithm at its lowest cost. The console servers of tests/browser, started as
# processes, keep the service's.
security._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
security._DUMMY_HASH = security._hasher.hash("invalid-user")

# Same columns as rasa.core.tracker_store.SQLTrackerStore.SQLEvent.
EVENTS_SCHEMA = """CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY AUTOINCREMENT, sender_id VARCHAR(255) NOT NULL, type_name VARCHAR(255) NOT NULL,
  timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT)"""


class Tracker:
    """Writes events the way Rasa's SQL tracker store does."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with sqlite3.connect(path) as conn:
            conn.execute(EVENTS_SCHEMA)
        self.clock = time.time() - 3600

    def add(self, sender: str, event: dict[str, Any]) -> None:
        self.clock += 1
        event.setdefault("timestamp", self.clock)
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        action = event.get("name") if event["event"] == "action" else None
        with sqlite3.connect(self.path) as conn:
            conn.execute("INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data) "
                         "VALUES (?, ?, ?, ?, ?, ?)",
                         (sender, event["event"], event["timestamp"], intent, action, json.dumps(event)))

    def user(self, sender: str, text: str, intent: str, confidence: float, faq_key: str = "",
             faq_confidence: float = 0.0, channel: str = "socketio") -> None:
        parse: dict[str, Any] = {"text": text, "intent": {"name": intent, "confidence": confidence}}
        if faq_key:
            parse["response_selector"] = {"faq": {"response": {
                "intent_response_key": faq_key, "confidence": faq_confidence}, "ranking": []}}
        self.add(sender, {"event": "user", "text": text, "parse_data": parse, "input_channel": channel})

    def bot(self, sender: str, text: str, **metadata: Any) -> None:
        self.add(sender, {"event": "bot", "text": text, "data": {}, "metadata": metadata})

    def slot(self, sender: str, name: str, value: Any) -> None:
        self.add(sender, {"event": "slot", "name": name, "value": value})

    def action(self, sender: str, name: str) -> None:
        self.add(sender, {"event": "action", "name": name})


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    """A copy of config.yml, domain/ and data/ (what the console may write) and the answer rules it reads."""
    root = tmp_path / "project"
    root.mkdir()
    (root / "actions" / "data").mkdir(parents=True)
    shutil.copy(REPO_ROOT / "actions" / "data" / "answer_rules.yml", root / "actions" / "data" / "answer_rules.yml")
    shutil.copytree(REPO_ROOT / "domain", root / "domain")
    shutil.copytree(REPO_ROOT / "data", root / "data")
    shutil.copy(REPO_ROOT / "config.yml", root / "config.yml")
    return root


@pytest.fixture()
def tracker(tmp_path: Path) -> Tracker:
    t = Tracker(tmp_path / "tracker.db")
    # c-faq: understood FAQ question, reviewed later in tests.
    t.user("c-faq", "Qui finance la migration vers le cloud ?", "faq", 0.97, "faq/financement", 0.93, "rest")
    t.action("c-faq", "action_answer_faq")
    t.bot("c-faq", "Le plan de relance finance… Source : https://www.numerique.gouv.fr/services/cloud/")
    # c-fallback: not understood twice (fallback), then asks for a human.
    t.user("c-fallback", "ma licorne administrative veut du cloud", "nlu_fallback", 0.31)
    t.action("c-fallback", "action_default_fallback")
    t.bot("c-fallback", "Je n'ai pas compris.")
    t.user("c-fallback", "sekurité du claud pour les mairies ??", "faq", 0.81, "faq/collectivites", 0.22)
    t.user("c-fallback", "je veux parler à un humain", "ask_human", 0.98)
    t.action("c-fallback", "action_handoff")
    t.slot("c-fallback", "handoff_requested", True)
    # c-scope: scope check with a verdict.
    t.user("c-scope", "mon projet est-il concerné ?", "check_scope", 0.95)
    t.slot("c-scope", "entity_type", "administration_centrale")
    t.slot("c-scope", "scope_verdict", "concerne")
    t.bot("c-scope", "Votre projet est concerné par la doctrine.")
    # c-faqfail: intent understood but action_answer_faq counted a failed question (low selector margin).
    t.user("c-faqfail", "le cloud c'est combien de sous", "faq", 0.9, "faq/financement", 0.6)
    t.action("c-faqfail", "action_answer_faq")
    t.slot("c-faqfail", "fallback_count", 1)
    t.bot("c-faqfail", "Je ne suis pas sûr d'avoir compris. Vouliez-vous dire…", utter_action="utter_low_confidence")
    # c-other: same misunderstood text as above, to be grouped in the inbox.
    t.user("c-other", "ma licorne administrative veut du cloud", "out_of_scope", 0.88)
    return t


@pytest.fixture()
def settings(tmp_path: Path, project: Path, tracker: Tracker) -> Settings:
    return Settings(
        project_dir=project,
        console_db_url=f"sqlite:///{tmp_path / 'console.db'}",
        tracker_url=f"sqlite:///{tracker.path}",
        rasa_url="http://127.0.0.1:9",  # nothing listens: Rasa calls are faked per test
        rasa_token="secret-rasa-token-never-in-browser",
        secret_key="test-secret-key",
        models_dir=tmp_path / "models",
        work_dir=tmp_path / "work",
        handoff_timeout=120,
    )


@pytest.fixture(scope="session")
def users_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A console database with accounts alice (agent, shown to the public as « Alice Martin ») and admin
    (no public name), hashed once."""
    path = tmp_path_factory.mktemp("users") / "console.db"
    engine = make_engine(f"sqlite:///{path}")
    create_user(engine, "alice", PASSWORD, "agent", "Alice Martin")
    create_user(engine, "admin", PASSWORD, "admin")
    engine.dispose()
    return path


@pytest.fixture()
def app(settings: Settings, users_db: Path) -> Any:
    shutil.copy(users_db, settings.console_db_url.removeprefix("sqlite:///"))
    return create_app(settings)


@pytest.fixture()
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app, follow_redirects=False) as c:
        yield c


def csrf_of(client: TestClient, url: str = "/login") -> str:
    page = client.get(url).text
    match = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def login(client: TestClient, username: str = "alice", password: str = PASSWORD) -> str:
    """Log in and return the session's CSRF token."""
    token = csrf_of(client)
    response = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    assert response.status_code == 303, response.text
    return csrf_of(client, "/conversations")


@pytest.fixture()
def agent(client: TestClient) -> tuple[TestClient, str]:
    return client, login(client)


@pytest.fixture()
def admin(client: TestClient) -> tuple[TestClient, str]:
    return client, login(client, "admin")


@pytest.fixture(scope="session")
def postgres() -> Iterator[Any]:
    """A real PostgreSQL server for the whole session (statistics and retention tests, tests/stores.py)."""
    from stores import postgres_server
    yield from postgres_server()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.prod)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty tracker database, on each of the two stores. The PostgreSQL runs are marked `prod` (they
    need the production profile's Debian packages): `make check` leaves them to `make test`."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return request.getfixturevalue("postgres").fresh_url()
