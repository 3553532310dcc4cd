"""Console hardening (docs/security.md): login throttling that cannot lock the owner out, sessions that
really end, body limits everywhere, HTTPS-only cookies and HSTS in production, private database file."""
from __future__ import annotations

import asyncio
import sqlite3
import stat
import subprocess
from pathlib import Path
from typing import Any, Iterator

import pytest
from conftest import PASSWORD, csrf_of, login
from console_app.db import make_engine
from console_app.security import LoginThrottle, set_password
from console_app.settings import Settings
from console_app.web import MAX_BODY_BYTES, create_app
from starlette.testclient import TestClient

REPO_ROOT = Path(__file__).resolve().parents[2]


def client_from(app: Any, address: str) -> TestClient:
    return TestClient(app, follow_redirects=False, client=(address, 40000))


def try_login(client: TestClient, password: str, name: str = "alice") -> Any:
    return client.post("/login", data={"username": name, "password": password, "csrf_token": csrf_of(client)})


# --- login throttling -------------------------------------------------------------------------------


def test_failures_from_one_address_never_lock_the_owner_out_from_another(app: Any) -> None:
    with client_from(app, "203.0.113.66") as stranger, client_from(app, "198.51.100.7") as owner:
        statuses = [try_login(stranger, "devine-" + str(i)).status_code for i in range(8)]
        assert statuses[:3] == [401, 401, 401] and 429 in statuses
        refused = try_login(stranger, PASSWORD)
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
        assert "réessayez dans" in refused.text
        assert try_login(owner, PASSWORD).status_code == 303


def test_the_wait_doubles_with_each_failure_and_a_success_clears_it() -> None:
    now = [1000.0]
    throttle = LoginThrottle(free=3, base=1.0, cap=900.0, clock=lambda: now[0])
    for _ in range(3):
        assert throttle.retry_after("10.0.0.1", "alice") == 0
        throttle.fail("10.0.0.1", "alice")
    waits = []
    for _ in range(5):
        waits.append(throttle.retry_after("10.0.0.1", "alice"))
        now[0] += waits[-1]
        throttle.fail("10.0.0.1", "alice")
    assert waits == [1.0, 2.0, 4.0, 8.0, 16.0]
    assert throttle.retry_after("10.0.0.2", "alice") == 0, "another address is not slowed"
    now[0] += 32
    throttle.succeed("10.0.0.1", "alice")
    assert throttle.retry_after("10.0.0.1", "alice") == 0


def test_an_address_spraying_names_is_slowed_and_memory_stays_bounded() -> None:
    now = [0.0]
    throttle = LoginThrottle(free=3, address_free=20, max_entries=100, clock=lambda: now[0])
    for i in range(20):
        throttle.fail("10.0.0.9", f"nom-{i}")
    assert throttle.retry_after("10.0.0.9", "un-autre-nom") == 1.0
    assert throttle.retry_after("10.0.0.10", "nom-1") == 0
    for i in range(500):
        throttle.fail(f"10.1.{i // 250}.{i % 250}", "admin")
    assert len(throttle._failures) <= 100


# --- sessions ---------------------------------------------------------------------------------------


def test_logout_ends_every_session_of_the_account_even_a_copied_cookie(app: Any) -> None:
    with client_from(app, "10.0.0.1") as laptop, client_from(app, "10.0.0.2") as phone:
        token = login(laptop)
        login(phone)
        stolen = dict(laptop.cookies)
        assert laptop.post("/logout", data={"csrf_token": token}).status_code == 303
        assert phone.get("/conversations").status_code == 303
        with client_from(app, "10.0.0.3") as thief:
            thief.cookies.update(stolen)
            assert thief.get("/conversations").status_code == 303


def test_a_new_password_ends_every_open_session(app: Any, settings: Settings) -> None:
    with client_from(app, "10.0.0.1") as browser:
        login(browser)
        assert browser.get("/conversations").status_code == 200
        set_password(make_engine(settings.console_db_url), "alice", "un-tout-nouveau-mot-de-passe")
        assert browser.get("/conversations").status_code == 303
        assert try_login(browser, "un-tout-nouveau-mot-de-passe").status_code == 303


def test_changing_ones_own_password_keeps_this_session_and_ends_the_others(app: Any) -> None:
    with client_from(app, "10.0.0.1") as laptop, client_from(app, "10.0.0.2") as phone:
        token = login(laptop)
        login(phone)
        response = laptop.post("/account", data={"csrf_token": token, "current": PASSWORD,
                                                 "new": "un-tout-nouveau-mot-de-passe",
                                                 "confirm": "un-tout-nouveau-mot-de-passe"})
        assert response.status_code == 303
        assert laptop.get("/conversations").status_code == 200
        assert phone.get("/conversations").status_code == 303


# --- body size --------------------------------------------------------------------------------------


def chunks(total: int) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        yield b"a" * 8192
        sent += 8192


def test_a_chunked_body_over_the_limit_is_refused_on_login_too(client: TestClient) -> None:
    response = client.post("/login", content=chunks(MAX_BODY_BYTES * 3),
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413


def test_a_declared_body_over_the_limit_is_refused_before_reading_it(client: TestClient) -> None:
    response = client.post("/login", content=b"a" * (MAX_BODY_BYTES + 1),
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413


def raw_post(app: Any, path: str, headers: list[tuple[bytes, bytes]], body: bytes) -> int:
    """Call the ASGI app directly: HTTP clients refuse to send a malformed Content-Length."""
    statuses: list[int] = []
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
             "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": headers, "client": ("10.0.0.1", 4000), "server": ("testserver", 80)}

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    async def run() -> None:
        async with app.router.lifespan_context(app):
            await app(scope, receive, send)

    asyncio.run(run())
    return statuses[0]


@pytest.mark.parametrize("value", [b"abc", b"-1", b"1e3", b"12, 12"])
def test_a_bad_content_length_gets_400_not_500(app: Any, value: bytes) -> None:
    for path in ("/login", "/api/conversations/c-fallback/take", "/logout"):
        headers = [(b"content-type", b"application/x-www-form-urlencoded"), (b"content-length", value)]
        assert raw_post(app, path, headers, b"username=a") == 400, path


# --- production profile: HTTPS-only cookie, HSTS ------------------------------------------------------


def production_settings(settings: Settings) -> Settings:
    done = subprocess.run(["bash", "-c", '. deploy/prod-env.sh >/dev/null && printf %s "$CONSOLE_COOKIE_SECURE"'],
                          cwd=REPO_ROOT, capture_output=True, text=True, check=True,
                          env={"PATH": "/usr/bin:/bin", "PROD_DIR": str(settings.work_dir / "prod")})
    secure = Settings.from_env({"CONSOLE_COOKIE_SECURE": done.stdout}).cookie_secure
    settings.cookie_secure = secure
    return settings


def test_the_production_profile_sends_secure_cookies_and_hsts(settings: Settings, users_db: Path) -> None:
    import shutil

    shutil.copy(users_db, settings.console_db_url.removeprefix("sqlite:///"))
    app = create_app(production_settings(settings))
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        response = try_login(client, PASSWORD)
        assert response.status_code == 303
        assert "secure" in response.headers["set-cookie"].lower()
        assert response.headers["strict-transport-security"].startswith("max-age=")


def test_the_default_profile_sends_no_hsts(client: TestClient) -> None:
    assert "strict-transport-security" not in client.get("/login").headers


# --- the database file ------------------------------------------------------------------------------


def test_the_console_database_is_private(tmp_path: Path) -> None:
    path = tmp_path / "var" / "console.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.exec_driver_sql("SELECT 1")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_database_from_an_earlier_version_gets_the_new_columns(tmp_path: Path) -> None:
    path = tmp_path / "console.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, username VARCHAR(64) UNIQUE NOT NULL, "
                     "password_hash VARCHAR(255) NOT NULL, role VARCHAR(16) NOT NULL, created_at FLOAT NOT NULL)")
        conn.execute("INSERT INTO users (username, password_hash, role, created_at) VALUES ('bob', 'x', 'agent', 0)")
    make_engine(f"sqlite:///{path}")
    with sqlite3.connect(path) as conn:
        row = conn.execute("SELECT display_name, session_version FROM users WHERE username = 'bob'").fetchone()
    assert row == ("", 0)
