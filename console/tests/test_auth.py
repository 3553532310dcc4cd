"""Authentication, roles and CSRF."""
from __future__ import annotations

import re

import pytest
from conftest import PASSWORD, csrf_of, login
from console_app.security import AccountError, create_user
from starlette.routing import Route


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x", path)


# The login page, and the accessibility statement: whoever cannot use the console must be able to read it.
PUBLIC_PAGES = ("/login", "/accessibilite")


def _routes(app):  # every non-static route with each of its methods
    for route in app.routes:
        if isinstance(route, Route) and route.path not in PUBLIC_PAGES:
            for method in sorted(route.methods - {"HEAD"}):
                yield method, _concrete(route.path)


def test_no_route_reachable_without_login(client, app):
    checked = 0
    for method, path in _routes(app):
        response = client.request(method, path)
        if path.startswith("/api/"):
            assert response.status_code == 401, (method, path)
            assert response.json()["error"] == "Authentification requise."
        else:
            assert response.status_code == 303, (method, path)
            assert response.headers["location"].startswith("/login")
        checked += 1
    assert checked >= 20


def test_login_page_is_french_and_has_csrf(client):
    page = client.get("/login")
    assert page.status_code == 200
    assert "Connexion" in page.text and 'name="csrf_token"' in page.text


def test_wrong_password_rejected(client):
    token = csrf_of(client)
    response = client.post("/login", data={"username": "alice", "password": "faux", "csrf_token": token})
    assert response.status_code == 401
    assert "Identifiant ou mot de passe incorrect" in response.text
    assert client.get("/conversations").status_code == 303


def test_unknown_user_rejected_same_message(client):
    token = csrf_of(client)
    response = client.post("/login", data={"username": "mallory", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 401
    assert "Identifiant ou mot de passe incorrect" in response.text


def test_login_without_csrf_rejected(client):
    csrf_of(client)
    response = client.post("/login", data={"username": "alice", "password": PASSWORD})
    assert response.status_code == 403
    assert client.get("/conversations").status_code == 303


def test_login_throttled_after_repeated_failures(client):
    token = csrf_of(client)
    for _ in range(5):
        client.post("/login", data={"username": "alice", "password": "faux", "csrf_token": token})
    response = client.post("/login", data={"username": "alice", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 429


def test_session_cookie_flags(client):
    token = csrf_of(client)
    response = client.post("/login", data={"username": "alice", "password": PASSWORD, "csrf_token": token})
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


def test_session_changes_on_login(client):
    before = csrf_of(client)
    after = login(client)
    assert before != after


def test_every_post_route_rejects_missing_or_wrong_csrf(agent, app):
    client, _token = agent
    client.post("/logout")  # without token: must not log out
    for method, path in _routes(app):
        if method != "POST":
            continue
        for headers in ({}, {"X-CSRF-Token": "faux"}):
            response = client.post(path, headers=headers, data={"csrf_token": headers.get("X-CSRF-Token", "")})
            assert response.status_code in (403,), (path, response.status_code)
    assert client.get("/conversations").status_code == 200  # still logged in


def test_admin_pages_refused_to_agents(agent):
    client, token = agent
    for path in ("/answers", "/models", "/audit", "/answers/financement"):
        assert client.get(path).status_code == 403, path
    response = client.post("/models/train", data={"csrf_token": token})
    assert response.status_code == 403


def test_logout(agent):
    client, token = agent
    assert client.post("/logout", data={"csrf_token": token}).status_code == 303
    assert client.get("/conversations").status_code == 303


def test_rasa_token_never_sent_to_browser(admin, settings):
    client, _ = admin
    for path in ("/conversations", "/conversations/c-fallback", "/inbox", "/queue", "/models", "/answers",
                 "/audit", "/api/queue", "/takeover/c-fallback", "/static/console.js"):
        response = client.get(path)
        assert settings.rasa_token not in response.text, path


def test_security_headers(agent):
    client, _ = agent
    response = client.get("/conversations")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"


def test_account_rules(app, settings):
    from console_app.db import make_engine
    engine = make_engine(settings.console_db_url)
    with pytest.raises(AccountError):
        create_user(engine, "bob", "court", "agent")
    with pytest.raises(AccountError):
        create_user(engine, "bob", PASSWORD, "chef")
    with pytest.raises(AccountError):
        create_user(engine, "<script>", PASSWORD, "agent")
    with pytest.raises(AccountError):
        create_user(engine, "alice", PASSWORD, "agent")
    from sqlalchemy import text
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT password_hash FROM users WHERE username='alice'")).scalar()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_manage_cli_creates_user_from_stdin(tmp_path, monkeypatch, capsys):
    from console_app import manage
    from console_app.db import make_engine
    from console_app.security import authenticate
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("CONSOLE_DB_URL", url)
    monkeypatch.setenv("CONSOLE_SECRET_KEY", "x")
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO(PASSWORD + "\n"))
    assert manage.main(["create-user", "carole", "--role", "admin"]) == 0
    assert "créé" in capsys.readouterr().out
    assert authenticate(make_engine(url), "carole", PASSWORD)["role"] == "admin"


@pytest.mark.parametrize("target", ["https://evil.example", "//evil.example", "/\\evil.example"])
def test_login_never_redirects_off_site(client, target):
    token = csrf_of(client)
    response = client.post("/login", data={"username": "alice", "password": PASSWORD, "csrf_token": token,
                                           "next": target})
    assert response.status_code == 303 and response.headers["location"] == "/"


def test_login_redirects_to_requested_page(client):
    assert client.get("/inbox").headers["location"] == "/login?next=/inbox"
    token = csrf_of(client)
    response = client.post("/login", data={"username": "alice", "password": PASSWORD, "csrf_token": token,
                                           "next": "/inbox"})
    assert response.headers["location"] == "/inbox"
