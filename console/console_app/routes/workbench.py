"""« Modifications en attente »: the console's changes since the model in service, each one undoable."""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ..queries import audit
from ..tracker import fmt_ts
from ..training_data.texts import text_label
from ..workbench import Workbench, WorkbenchError, summarize
from ..workbench.changes import readable_lines
from .common import current_user, error, flash, login_required, pop_flash, render, username
from .models import live_model_name


def target_label(request: Request, target: str) -> str:
    """What a change is about, in the words of the support team (question title, text name)."""
    if target.startswith("utter_"):
        return text_label(target, request.app.state.labels.label)
    return str(request.app.state.labels.label(target))


@login_required()
async def pending_page(request: Request) -> Response:
    state = request.app.state
    workbench: Workbench = state.workbench
    live = await live_model_name(state.rasa)
    pending = workbench.pending(live)
    label = lambda target: target_label(request, target)  # noqa: E731
    summary = summarize(((c.kind, c.target) for c in pending.commits if c.kind != "revert"), label)
    details = {c.sha: readable_lines(workbench.copy.diff(c.sha)) for c in pending.commits[:100]}
    return render(request, "pending.html", pending=pending, summary=summary, live=live, fmt_ts=fmt_ts, details=details,
                  push_error=workbench.copy.last_push_error, flash=pop_flash(request))


@login_required()
async def revert(request: Request) -> Response:
    state = request.app.state
    sha = request.path_params["sha"]
    if not sha.isalnum() or len(sha) < 7:
        return error(request, 400, "Identifiant de modification invalide.")
    user = current_user(request)
    assert user is not None
    try:
        original = next((c for c in state.workbench.pending(await live_model_name(state.rasa)).commits
                         if c.sha == sha), None)
        if original is None:
            return error(request, 404, "Cette modification n'est pas en attente : rien à annuler.")
        if not original.kind.startswith("example_") and user["role"] != "admin":
            return error(request, 403, "Seul un administrateur peut annuler une modification de texte ou de question.")
        state.workbench.copy.revert(sha, str(user["username"]), user.get("display_name") or None)
    except WorkbenchError as exc:
        flash(request, str(exc), "error")
        return RedirectResponse("/modifications", status_code=303)
    audit(state.engine, username(request), "change_revert", sha[:12], original.summary)
    flash(request, f"Modification annulée : {original.summary}")
    return RedirectResponse("/modifications", status_code=303)


routes = [
    Route("/modifications", pending_page),
    Route("/modifications/{sha}/annuler", revert, methods=["POST"]),
]
