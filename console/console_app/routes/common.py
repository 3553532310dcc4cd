"""What every page needs: the logged-in user, the login/CSRF/role guard, rendering, errors, flashes."""
from __future__ import annotations

import time
from typing import Any, Awaitable, Callable
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from .. import security
from ..stats_indexer import RefreshResult

# A page visit indexes a little (small batches, 0.3 s of work at most: the page still answers within 1 s
# when Rasa wrote much since); the console's follower (web.py, every 30 s) and the nightly job do the rest.
INDEX_BUDGET_SECONDS = 0.3

Handler = Callable[[Request], Awaitable[Response]]


def current_user(request: Request) -> dict[str, Any] | None:
    return request.state.user if hasattr(request.state, "user") else None


def username(request: Request) -> str:
    """Name of the logged-in user (only called behind `login_required`)."""
    user = current_user(request)
    assert user is not None, "route not behind login_required"
    return str(user["username"])


def _text(value: object) -> str | None:
    """A form field's value when it is text (an uploaded file is not)."""
    return value if isinstance(value, str) else None


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def error(request: Request, status: int, message: str) -> Response:
    if _wants_json(request):
        return JSONResponse({"error": message}, status_code=status)
    return request.app.state.templates.TemplateResponse(
        request, "error.html", {"message": message}, status_code=status)


def login_required(role: str | None = None) -> Callable[[Handler], Handler]:
    """Decorator: a logged-in user (optionally admin) and, for POST, a valid CSRF token."""

    def decorate(handler: Handler) -> Handler:
        async def wrapper(request: Request) -> Response:
            user = _load_user(request)
            if user is None:
                if _wants_json(request):
                    return JSONResponse({"error": "Authentification requise."}, status_code=401)
                return RedirectResponse("/login?next=" + quote(request.url.path), status_code=303)
            if role == "admin" and user["role"] != "admin":
                return error(request, 403, "Cette page est réservée aux administrateurs.")
            if request.method == "POST":  # (body size: limited for every route by web.BodySizeLimit)
                token = request.headers.get("x-csrf-token")
                if token is None and "form" in request.headers.get("content-type", ""):
                    token = _text((await request.form()).get("csrf_token"))
                if not security.csrf_valid(request.session, token):
                    return error(request, 403, "Jeton anti-CSRF absent ou invalide : rechargez la page.")
            return await handler(request)

        wrapper.__name__ = handler.__name__
        wrapper.__doc__ = handler.__doc__
        return wrapper

    return decorate


def _load_user(request: Request) -> dict[str, Any] | None:
    """The session's user, unless the session expired or the account ended its sessions since
    (logout, new password: its session version changed)."""
    user_id = request.session.get("user_id")
    age = time.time() - float(request.session.get("login_at", 0))
    if not user_id or age > request.app.state.settings.session_max_age:
        return None
    user = security.get_user(request.app.state.engine, int(user_id))
    if user is None or request.session.get("session_version") != user["session_version"]:
        return None
    request.state.user = user
    return user


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
    context.setdefault("user", current_user(request))
    context["csrf_token"] = security.csrf_token(request.session)
    context["active"] = template.split(".")[0]
    return request.app.state.templates.TemplateResponse(request, template, context, status_code=status_code)


def flash(request: Request, message: str, kind: str = "success") -> None:
    request.session["flash"] = {"message": message, "kind": kind}


def pop_flash(request: Request) -> dict[str, str] | None:
    return request.session.pop("flash", None)


async def refresh_index(request: Request) -> RefreshResult:
    """Index what Rasa wrote since the last look (a little: see INDEX_BUDGET_SECONDS), before a page reads
    the index."""
    return await run_in_threadpool(request.app.state.page_indexer.refresh, INDEX_BUDGET_SECONDS)


def remembered_filters(request: Request, page: str) -> str:
    """The query string of the filters last used on this page (kept in the session)."""
    return str(request.session.get(f"filtres:{page}", ""))


def remember_filters(request: Request, page: str, query: str) -> None:
    request.session[f"filtres:{page}"] = query
