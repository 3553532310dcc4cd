"""Log in (throttled, CSRF-checked, new session), log out, and the home page."""
from __future__ import annotations

import time

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from .. import security
from ..queries import audit
from .common import login_required, render, username


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
    if state.throttle.blocked("user:" + name, "ip:" + client):
        return render(request, "login.html", 429, next=next_url,
                      error="Trop de tentatives : réessayez dans quelques minutes.")
    user = security.authenticate(state.engine, name, password)
    if user is None:
        state.throttle.fail("user:" + name, "ip:" + client)
        audit(state.engine, name or "?", "login_failed", client)
        return render(request, "login.html", 401, error="Identifiant ou mot de passe incorrect.", next=next_url)
    state.throttle.reset("user:" + name)
    request.session.clear()  # new session on login: no fixation
    request.session.update({"user_id": user["id"], "login_at": time.time()})
    security.csrf_token(request.session)
    audit(state.engine, user["username"], "login", client)
    return RedirectResponse(next_url, status_code=303)


@login_required()
async def logout(request: Request) -> Response:
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
