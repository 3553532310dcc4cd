"""Accounts: the administrators' page (create, disable or enable, reset the password, change the role or
the public name; every change audited) and each user's own page (public name, change of password).

A new or reset password is generated here and shown once, on the page that answers the form: it is
never stored in the session cookie nor in the audit log.
"""
from __future__ import annotations

from typing import Any, Awaitable, Callable

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from .. import security
from ..queries import audit
from ..security import AccountError
from .common import current_user, error, flash, login_required, pop_flash, render, username

ROLE_LABELS = {"agent": "Conseiller", "admin": "Administrateur"}


def _users_page(request: Request, status_code: int = 200, **context: Any) -> Response:
    context.setdefault("flash", pop_flash(request))
    return render(request, "users.html", status_code=status_code,
                  users=security.list_users(request.app.state.engine), roles=ROLE_LABELS, **context)


@login_required("admin")
async def users_page(request: Request) -> Response:
    return _users_page(request)


@login_required("admin")
async def create(request: Request) -> Response:
    form = await request.form()
    engine, admin = request.app.state.engine, username(request)
    name = str(form.get("username") or "").strip()
    role = str(form.get("role") or "")
    display_name = str(form.get("display_name") or "")
    password = security.generate_password()
    try:
        if not display_name.strip():
            raise AccountError("Indiquez le nom affiché : c'est lui que lit la personne quand ce conseiller répond.")
        security.create_user(engine, name, password, role, display_name)
    except AccountError as exc:
        return _users_page(request, 400, error=str(exc), form={"username": name, "display_name": display_name,
                                                                 "role": role})
    audit(engine, admin, "user_create", name, f"rôle {ROLE_LABELS[role]}")
    return _users_page(request, new_password={"username": name, "password": password})


def _account_action(action: str) -> Callable[[Request], Awaitable[Response]]:
    """POST /users/<name>/<action>: one change to one account, refused on oneself when it would lock out."""

    @login_required("admin")
    async def handler(request: Request) -> Response:
        engine, admin = request.app.state.engine, username(request)
        target = request.path_params["username"]
        form = await request.form()
        if not any(u["username"] == target for u in security.list_users(engine)):
            return error(request, 404, f"Utilisateur « {target} » inconnu.")
        try:
            if action == "reset":
                password = security.generate_password()
                security.set_password(engine, target, password)
                audit(engine, admin, "password_reset", target)
                return _users_page(request, new_password={"username": target, "password": password})
            if action == "role":
                role = str(form.get("role") or "")
                if target == admin and role != "admin":
                    raise AccountError("Vous ne pouvez pas retirer votre propre rôle d'administrateur.")
                security.set_role(engine, target, role)
                audit(engine, admin, "role_change", target, ROLE_LABELS[role])
                flash(request, f"« {target} » a maintenant le rôle {ROLE_LABELS[role]}.")
            elif action in ("disable", "enable"):
                if target == admin:
                    raise AccountError("Vous ne pouvez pas désactiver votre propre compte.")
                security.set_disabled(engine, target, action == "disable")
                audit(engine, admin, f"user_{action}", target)
                flash(request, f"Compte « {target} » {'désactivé' if action == 'disable' else 'réactivé'}.")
            else:
                display_name = security.clean_display_name(str(form.get("display_name") or ""))
                security.set_display_name(engine, target, display_name)
                audit(engine, admin, "display_name_change", target, display_name)
                flash(request, f"Nom affiché de « {target} » : {display_name or '(aucun)'}.")
        except AccountError as exc:
            flash(request, str(exc), "error")
        return RedirectResponse("/users", status_code=303)

    handler.__name__ = f"user_{action}"
    return handler


@login_required()
async def my_account(request: Request) -> Response:
    """The logged-in user's public name, and the change of their own password."""
    user = current_user(request) or {}
    problem = None
    if request.method == "POST":
        form = await request.form()
        engine = request.app.state.engine
        current, new = str(form.get("current") or "")[:1024], str(form.get("new") or "")[:1024]
        try:
            if security.authenticate(engine, user["username"], current) is None:
                raise AccountError("Mot de passe actuel incorrect.")
            if new != str(form.get("confirm") or ""):
                raise AccountError("Les deux nouveaux mots de passe diffèrent.")
            security.set_password(engine, user["username"], new)
        except AccountError as exc:
            problem = str(exc)
        else:
            audit(engine, user["username"], "password_set", user["username"], "par l'utilisateur")
            flash(request, "Votre mot de passe est changé.")
            return RedirectResponse("/account", status_code=303)
    return render(request, "account.html", status_code=400 if problem else 200, error=problem,
                  roles=ROLE_LABELS, flash=pop_flash(request))


routes = [
    Route("/users", users_page),
    Route("/users/new", create, methods=["POST"]),
    *[Route(f"/users/{{username}}/{action}", _account_action(action), methods=["POST"])
      for action in ("reset", "role", "disable", "enable", "name")],
    Route("/account", my_account, methods=["GET", "POST"]),
]
