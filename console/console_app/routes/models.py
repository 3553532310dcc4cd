"""Training and models (admin): the model list, start a training, deploy a model, training status."""
from __future__ import annotations

import time
from pathlib import Path

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from ..deployment import DeployError
from ..queries import audit
from ..rasa_api import RasaClient, RasaError
from ..tracker import fmt_ts
from ..training import STATUS_LABELS, TrainingError, tail
from .common import error, flash, login_required, pop_flash, render, username


async def _live_model(rasa: RasaClient) -> tuple[str, str]:
    try:
        status = await rasa.status()
    except RasaError as exc:
        return "", str(exc)
    return Path(str(status.get("model_file") or "")).name, ""


@login_required("admin")
async def models_page(request: Request) -> Response:
    state = request.app.state
    live, rasa_error = await _live_model(state.rasa)
    history = state.training.history()
    last = history[0] if history else None
    models = [{"name": p.name, "time": fmt_ts(p.stat().st_mtime), "size": p.stat().st_size // 1024,
               "live": p.name == live} for p in state.training.models()]
    return render(request, "models.html", models=models, live=live, rasa_error=rasa_error, history=history,
                  last=last, running=state.training.running, log_tail=tail(Path(last["log_file"])) if last else "",
                  fmt_ts=fmt_ts, flash=pop_flash(request), status_labels=STATUS_LABELS)


@login_required("admin")
async def train(request: Request) -> Response:
    try:
        request.app.state.training.start(username(request))
        flash(request, "Entraînement lancé.")
    except TrainingError as exc:
        flash(request, str(exc), "error")
    return RedirectResponse("/models", status_code=303)


@login_required("admin")
async def deploy(request: Request) -> Response:
    state = request.app.state
    form = await request.form()
    name = Path(str(form.get("model") or "")).name
    model = state.settings.models_dir / name
    if not name.endswith(".tar.gz") or not model.is_file():
        return error(request, 404, "Modèle introuvable.")
    if state.training.running:
        flash(request, "Un entraînement est en cours : il mettra son modèle en service ; réessayez ensuite.", "error")
        return RedirectResponse("/models", status_code=303)
    log_file = state.settings.work_dir / "deploys" / f"{time.strftime('%Y%m%d-%H%M%S')}-{name}.log"
    try:
        await state.training.deployer.deploy(model, log_file)
        audit(state.engine, username(request), "deploy", name, "mise en service manuelle")
        flash(request, f"Modèle {name} mis en service.")
    except DeployError as exc:
        audit(state.engine, username(request), "deploy_failed", name, str(exc))
        flash(request, str(exc), "error")
    return RedirectResponse("/models", status_code=303)


@login_required("admin")
async def training_status(request: Request) -> Response:
    state = request.app.state
    try:
        training_id = int(request.path_params["training_id"])
    except ValueError:
        return JSONResponse({"error": "Identifiant invalide."}, status_code=400)
    row = state.training.get(training_id)
    if row is None:
        return JSONResponse({"error": "Entraînement introuvable."}, status_code=404)
    live, _ = await _live_model(state.rasa)
    return JSONResponse({"id": row["id"], "status": row["status"],
                         "status_label": STATUS_LABELS.get(row["status"], row["status"]),
                         "message": row["message"] or "",
                         "model": Path(row["model_file"]).name if row["model_file"] else "",
                         "live": live, "log": tail(Path(row["log_file"]), 40)})


routes = [
    Route("/models", models_page),
    Route("/models/train", train, methods=["POST"]),
    Route("/models/deploy", deploy, methods=["POST"]),
    Route("/api/training/{training_id}", training_status),
]
