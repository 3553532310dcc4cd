"""Accounts page (admin): create, disable, reset, change role and public name, each audited; own account."""
from __future__ import annotations

import re

import pytest
from conftest import PASSWORD, csrf_of, login
from console_app import security
from console_app.db import make_engine


def _new_password(page: str) -> str:
    match = re.search(r'<code id="new-password-value">([^<]+)</code>', page)
    assert match, "no password shown"
    return match.group(1)


def _audit_actions(client) -> list[str]:
    return re.findall(r'<tr data-action="([a-z_]+)">', client.get("/audit").text)


def test_accounts_page_is_admin_only(agent):
    client, token = agent
    assert client.get("/users").status_code == 403
    r = client.post("/users/new", data={"csrf_token": token, "username": "eve", "display_name": "Eve",
                                        "role": "admin"})
    assert r.status_code == 403


def test_create_account_shows_generated_password_once_and_it_works(admin, client):
    client, token = admin
    page = client.post("/users/new", data={"csrf_token": token, "username": "marie",
                                           "display_name": "Marie D.", "role": "agent"})
    assert page.status_code == 200
    password = _new_password(page.text)
    assert len(password) >= security.MIN_PASSWORD_LENGTH
    assert 'data-user="marie"' in page.text and 'value="Marie D."' in page.text
    assert password not in client.get("/users").text  # shown once
    assert password not in client.get("/audit").text
    assert "user_create" in _audit_actions(client)
    client.post("/logout", data={"csrf_token": token})
    login(client, "marie", password)
    assert "Marie D." in client.get("/account").text


@pytest.mark.parametrize("form, message", [
    ({"username": "a b", "display_name": "X", "role": "agent"}, "Identifiant invalide"),
    ({"username": "alice", "display_name": "Alice", "role": "agent"}, "existe déjà"),
    ({"username": "zoe", "display_name": "Zoé", "role": "root"}, "Rôle invalide"),
    ({"username": "zoe", "display_name": "  ", "role": "agent"}, "Indiquez le nom affiché"),
    ({"username": "zoe", "display_name": "[Zoé](https://pirate.example)", "role": "agent"}, "Nom affiché invalide"),
    ({"username": "zoe", "display_name": "**Zoé**", "role": "agent"}, "Nom affiché invalide"),
])
def test_create_account_refuses_bad_input_in_french(admin, form, message):
    client, token = admin
    page = client.post("/users/new", data={"csrf_token": token, **form})
    assert page.status_code == 400
    assert message in page.text.replace("&#39;", "'")
    assert 'id="new-password"' not in page.text


def test_disable_ends_sessions_and_login_then_enable(client, settings):
    token = login(client, "alice")  # alice has an open session…
    admin = type(client)(client.app, follow_redirects=False)
    with admin:
        admin_token = login(admin, "admin")
        assert admin.post("/users/alice/disable", data={"csrf_token": admin_token}).status_code == 303
        assert "désactivé" in admin.get("/users").text
        # …which ends at its next request, and the password no longer opens a session.
        assert client.get("/conversations").status_code == 303
        assert client.post("/login", data={"username": "alice", "password": PASSWORD,
                                           "csrf_token": csrf_of(client)}).status_code == 401
        admin.post("/users/alice/enable", data={"csrf_token": admin_token})
        assert {"user_disable", "user_enable"} <= set(_audit_actions(admin))
    assert token
    login(client, "alice")


def test_reset_password_replaces_the_old_one(admin, client):
    client, token = admin
    password = _new_password(client.post("/users/alice/reset", data={"csrf_token": token}).text)
    engine = make_engine(client.app.state.settings.console_db_url)
    assert security.authenticate(engine, "alice", PASSWORD) is None
    assert security.authenticate(engine, "alice", password)["username"] == "alice"
    assert "password_reset" in _audit_actions(client)


def test_role_and_display_name_changes_are_audited(admin):
    client, token = admin
    client.post("/users/alice/role", data={"csrf_token": token, "role": "admin"})
    client.post("/users/alice/name", data={"csrf_token": token, "display_name": "  Alice   Martin "})
    page = client.get("/users").text
    row = page.split('data-user="alice"')[1].split("</tr>")[0]
    assert 'value="Alice Martin"' in row and '<option value="admin" selected>' in row
    audit = client.get("/audit").text
    assert "Rôle changé" in audit and "Nom affiché changé" in audit and "Alice Martin" in audit


def test_admin_cannot_lock_themselves_out(admin):
    client, token = admin
    client.post("/users/admin/disable", data={"csrf_token": token})
    assert "votre propre compte" in client.get("/users").text
    client.post("/users/admin/role", data={"csrf_token": token, "role": "agent"})
    page = client.get("/users").text
    assert "votre propre rôle" in page
    assert client.get("/audit").status_code == 200  # still admin


def test_last_active_admin_cannot_be_removed(app):
    engine = app.state.engine
    with pytest.raises(security.AccountError, match="dernier compte administrateur"):
        security.set_disabled(engine, "admin", True)
    with pytest.raises(security.AccountError, match="dernier compte administrateur"):
        security.set_role(engine, "admin", "agent")
    security.set_role(engine, "alice", "admin")
    security.set_disabled(engine, "admin", True)  # alice is still an active admin


def test_unknown_account_404(admin):
    client, token = admin
    assert client.post("/users/personne/reset", data={"csrf_token": token}).status_code == 404


def test_own_password_change(agent):
    client, token = agent
    bad = client.post("/account", data={"csrf_token": token, "current": "faux", "new": "x" * 12, "confirm": "x" * 12})
    assert bad.status_code == 400 and "Mot de passe actuel incorrect" in bad.text
    short = client.post("/account", data={"csrf_token": token, "current": PASSWORD, "new": "court", "confirm": "court"})
    assert short.status_code == 400 and "trop court" in short.text
    new = "nouveau-mot-de-passe-42"
    assert client.post("/account", data={"csrf_token": token, "current": PASSWORD, "new": new,
                                         "confirm": new}).status_code == 303
    client.post("/logout", data={"csrf_token": token})
    login(client, "alice", new)


def test_old_database_gains_the_new_columns(tmp_path):
    """A console.db made before display names and disabling keeps its accounts and gets the columns."""
    import sqlite3
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, username VARCHAR(64) UNIQUE NOT NULL, "
                     "password_hash VARCHAR(255) NOT NULL, role VARCHAR(16) NOT NULL, created_at FLOAT NOT NULL)")
        conn.execute("INSERT INTO users VALUES (1, 'ancien', 'hash', 'admin', 0)")
    engine = make_engine(f"sqlite:///{path}")
    [user] = security.list_users(engine)
    assert (user["username"], user["display_name"], user["disabled"]) == ("ancien", "", False)
