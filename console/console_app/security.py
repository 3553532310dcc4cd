"""Passwords (argon2id), user accounts (create, disable, reset, role, public name), CSRF tokens and
login throttling."""
from __future__ import annotations

import hmac
import re
import secrets
import time
from collections import defaultdict, deque
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import false, insert, select, update
from sqlalchemy.engine import Engine

from .db import users

ROLES = ("agent", "admin")
USERNAME_RE = re.compile(r"^[a-zA-Z0-9._-]{2,64}$")
MIN_PASSWORD_LENGTH = 12
# The public name is shown in the person's chat, where the widget renders links and bold: letters,
# digits, spaces, apostrophes, dots and hyphens only, so it can never become markup.
DISPLAY_NAME_RE = re.compile(r"^[\w .'’-]{1,64}$")
_hasher = PasswordHasher()
# A hash to verify against when the user does not exist, so timing does not reveal valid names.
_DUMMY_HASH = _hasher.hash("invalid-user-" + secrets.token_hex(8))


class AccountError(ValueError):
    """A user-facing (French) reason why an account cannot be created or changed."""


def clean_display_name(name: str) -> str:
    """The public name, spaces normalised; empty is allowed (the person then reads « un conseiller »)."""
    name = " ".join(name.split())
    if name and not (DISPLAY_NAME_RE.match(name) and any(c.isalpha() for c in name) and "_" not in name):
        raise AccountError("Nom affiché invalide : 64 caractères au plus, lettres, chiffres, espaces, "
                           "apostrophes, points et traits d'union.")
    return name


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"Mot de passe trop court : {MIN_PASSWORD_LENGTH} caractères au minimum.")


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise AccountError(f"Rôle invalide : choisissez parmi {', '.join(ROLES)}.")


def create_user(engine: Engine, username: str, password: str, role: str, display_name: str = "") -> None:
    if not USERNAME_RE.match(username):
        raise AccountError("Identifiant invalide : 2 à 64 caractères parmi lettres, chiffres, « . », « _ », « - ».")
    _check_role(role)
    _check_password(password)
    display_name = clean_display_name(display_name)
    with engine.begin() as conn:
        if conn.execute(select(users.c.id).where(users.c.username == username)).first():
            raise AccountError(f"L'utilisateur « {username} » existe déjà.")
        conn.execute(insert(users).values(
            username=username, password_hash=_hasher.hash(password), role=role, created_at=time.time(),
            display_name=display_name, disabled=False))


def _update_user(engine: Engine, username: str, **values: Any) -> None:
    with engine.begin() as conn:
        if conn.execute(update(users).where(users.c.username == username).values(**values)).rowcount == 0:
            raise AccountError(f"Utilisateur « {username} » inconnu.")


def set_password(engine: Engine, username: str, password: str) -> None:
    _check_password(password)
    _update_user(engine, username, password_hash=_hasher.hash(password))


def generate_password() -> str:
    """A temporary password for a new or reset account, shown once to the administrator."""
    return secrets.token_urlsafe(12)


def _active_admins(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(select(users.c.username).where(
            users.c.role == "admin", users.c.disabled == false())).scalars())


def set_role(engine: Engine, username: str, role: str) -> None:
    _check_role(role)
    if role != "admin" and _active_admins(engine) == {username}:
        raise AccountError("C'est le dernier compte administrateur actif : il doit le rester.")
    _update_user(engine, username, role=role)


def set_disabled(engine: Engine, username: str, disabled: bool) -> None:
    """A disabled account can no longer log in, and its open sessions end at their next request."""
    if disabled and _active_admins(engine) == {username}:
        raise AccountError("C'est le dernier compte administrateur actif : il ne peut pas être désactivé.")
    _update_user(engine, username, disabled=disabled)


def set_display_name(engine: Engine, username: str, display_name: str) -> None:
    _update_user(engine, username, display_name=clean_display_name(display_name))


def authenticate(engine: Engine, username: str, password: str) -> dict[str, Any] | None:
    """Return the user row when the password matches, else None (constant-ish time)."""
    with engine.connect() as conn:
        row = conn.execute(select(users).where(users.c.username == username)).first()
    stored = row.password_hash if row else _DUMMY_HASH
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if row is None or row.disabled:
        return None
    if _hasher.check_needs_rehash(stored):
        with engine.begin() as conn:
            conn.execute(update(users).where(users.c.id == row.id).values(password_hash=_hasher.hash(password)))
    return dict(row._mapping)


def get_user(engine: Engine, user_id: int) -> dict[str, Any] | None:
    """The account behind a session, None once it is disabled (its sessions end with it)."""
    with engine.connect() as conn:
        row = conn.execute(select(users).where(users.c.id == user_id, users.c.disabled == false())).first()
    return dict(row._mapping) if row else None


def list_users(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(users).order_by(users.c.username))]


def csrf_token(session: dict[str, Any]) -> str:
    """The session's CSRF token (synchronizer token pattern), created on first use."""
    if not session.get("csrf"):
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def csrf_valid(session: dict[str, Any], submitted: str | None) -> bool:
    expected = session.get("csrf")
    return bool(expected and submitted and hmac.compare_digest(str(expected), str(submitted)))


class LoginThrottle:
    """At most `limit` failed logins per name and per client address within `window` seconds."""

    def __init__(self, limit: int = 5, window: float = 300.0) -> None:
        self.limit, self.window = limit, window
        self._failures: dict[str, deque[float]] = defaultdict(deque)

    def _recent(self, key: str) -> deque[float]:
        entries = self._failures[key]
        while entries and entries[0] < time.time() - self.window:
            entries.popleft()
        return entries

    def blocked(self, *keys: str) -> bool:
        return any(len(self._recent(k)) >= self.limit for k in keys)

    def fail(self, *keys: str) -> None:
        for key in keys:
            self._recent(key).append(time.time())

    def reset(self, *keys: str) -> None:
        for key in keys:
            self._failures.pop(key, None)
