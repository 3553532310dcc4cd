"""Log in (throttled, CSRF-checked, new session), log out, and the home page."""
from __future__ import annotations

import math
import time

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from .. import security
from ..queries import audit
from .common import current_user, login_required, render, username


async def login_page(request: Request) -> Response:
    if request.method == "GET":
        return render(request, "login.html", next=request.query_params.get("next", ""))
    form = await request.form()
    name = str(form.get("username") or "")[:64].strip()
    password = str(form.get("password") or "")[:1024]
    next_url = str(form.get("next") or "")
    if not next_url.startswith("/") or next_url.startswith("//") or "\\" in next_url:
        next_url = "/"  # only local paths: no open redirect ("//host", "/\\host")
    token = form.get("csrf_token")
    if not security.csrf_valid(request.session, token if isinstance(token, str) else None):
        return render(request, "login.html", 403, error="Jeton anti-CSRF invalide : rechargez la page.", next=next_url)
    state = request.app.state
    client = request.client.host if request.client else "?"
    wait = state.throttle.retry_after(client, name)
    if wait > 0:
        response = render(request, "login.html", 429, next=next_url,
                          error=f"Trop de tentatives : réessayez dans {math.ceil(wait)} secondes.")
        response.headers["Retry-After"] = str(math.ceil(wait))
        return response
    user = security.authenticate(state.engine, name, password)
    if user is None:
        state.throttle.fail(client, name)
        audit(state.engine, name or "?", "login_failed", client)
        return render(request, "login.html", 401, error="Identifiant ou mot de passe incorrect.", next=next_url)
    state.throttle.succeed(client, name)
    request.session.clear()  # new session on login: no fixation
    request.session.update(
        {"user_id": user["id"], "login_at": time.time(), "session_version": user["session_version"]})
    security.csrf_token(request.session)
    audit(state.engine, user["username"], "login", client)
    return RedirectResponse(next_url, status_code=303)


@login_required()
async def logout(request: Request) -> Response:
    """Ends every session of the account, copies of the cookie included (they are signed, not stored)."""
    user = current_user(request)
    assert user is not None
    security.end_all_sessions(request.app.state.engine, int(user["id"]))
    audit(request.app.state.engine, username(request), "logout")
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@login_required()
async def home(request: Request) -> Response:
    return RedirectResponse("/conversations", status_code=303)


routes = [
    Route("/login", login_page, methods=["GET", "POST"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/", home),
]
