"""Training and models (admin): « Entraîner » makes a candidate checked like make test's gate; the
candidate page shows it beside the model in service and puts it in service after a confirmation (refused
below the floors unless an admin writes why); going back to the previous model is one click."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from ..rasa_api import RasaClient, RasaError
from ..release.deployment import DeployError
from ..release.evaluation import compare
from ..release.gate import FIGURE_NAMES, SET_NAMES, percent
from ..release.promotion import Promotion, PromotionRefused
from ..release.training import STATUS_LABELS, TrainingError, tail
from ..tracker import fmt_ts
from .common import error, flash, login_required, pop_flash, render, username


async def _live_model(rasa: RasaClient) -> tuple[str, str]:
    try:
        status = await rasa.status()
    except RasaError as exc:
        return "", str(exc)
    return Path(str(status.get("model_file") or "")).name, ""


async def live_model_name(rasa: RasaClient) -> str:
    """The file name of the model in service ("" when Rasa does not answer)."""
    return (await _live_model(rasa))[0]


def _model_state(promotion: Promotion, name: str, live: str) -> str:
    if name == live:
        return "live"
    report = promotion.reports.get(name)
    if report is not None:
        return "candidate" if not promotion.gate_failures(report) else "candidate_below"
    return "was_live" if name in promotion.history.names() else "unchecked"


@login_required("admin")
async def models_page(request: Request) -> Response:
    state = request.app.state
    live, rasa_error = await _live_model(state.rasa)
    promotion: Promotion = state.promotion
    promotion.history.note_live(live)
    history = state.training.history()
    last = history[0] if history else None
    models = [{"name": p.name, "time": fmt_ts(p.stat().st_mtime), "size": p.stat().st_size // 1024,
               "state": _model_state(promotion, p.name, live)} for p in state.training.models()]
    return render(request, "models.html", models=models, live=live, rasa_error=rasa_error, history=history,
                  last=last, running=state.training.running, log_tail=tail(Path(last["log_file"])) if last else "",
                  fmt_ts=fmt_ts, flash=pop_flash(request), status_labels=STATUS_LABELS,
                  previous=promotion.history.previous(live, state.settings.models_dir),
                  last_model=Path(last["model_file"]).name if last and last["model_file"] else "")


@login_required("admin")
async def train(request: Request) -> Response:
    try:
        request.app.state.training.start(username(request))
        flash(request, "Entraînement lancé : le modèle obtenu sera un candidat, vérifié puis comparé au modèle en "
                       "service ; rien ne change pour les personnes avant sa mise en service.")
    except TrainingError as exc:
        flash(request, str(exc), "error")
    return RedirectResponse("/models", status_code=303)


def _figure_rows(candidate: Any, live: Any, promotion: Promotion) -> list[dict[str, Any]]:
    floors = promotion.floors()
    rows = []
    for split in ("dev", "test", "blind"):
        for figure in ("faq_accuracy", "oos_rejection", "conversations", "confidently_wrong"):
            new = candidate.figures.get(split, {}).get(figure)
            old = live.figures.get(split, {}).get(figure) if live else None
            if new is None and old is None:
                continue
            floor = floors.minimums.get(figure) if split == floors.gated_set else None
            show = (lambda v: "—" if v is None else str(int(v))) if figure == "confidently_wrong" else \
                (lambda v: "—" if v is None else percent(v))
            name = FIGURE_NAMES.get(figure, "réponses fausses données")
            rows.append({"set": SET_NAMES[split], "figure": name, "live": show(old), "candidate": show(new),
                         "floor": percent(floor) if floor is not None else "",
                         "below": floor is not None and new is not None and new < floor})
    return rows


@login_required("admin")
async def candidate_page(request: Request) -> Response:
    state = request.app.state
    promotion: Promotion = state.promotion
    name = Path(request.path_params["name"]).name
    report = promotion.reports.get(name)
    if report is None or not (state.settings.models_dir / name).is_file():
        return error(request, 404, "Candidat introuvable (ou pas encore vérifié).")
    live = await live_model_name(state.rasa)
    live_report = promotion.reports.get(live) if live else None
    changed = compare(report, live_report)
    return render(request, "candidate.html", name=name, report=report, live=live, live_report=live_report,
                  rows=_figure_rows(report, live_report, promotion), reasons=promotion.gate_failures(report),
                  new_errors=[c for c in changed if c.was_right and not c.now_right],
                  fixed=[c for c in changed if c.now_right and not c.was_right],
                  other_changes=[c for c in changed if c.now_right == c.was_right], set_names=SET_NAMES,
                  flash=pop_flash(request))


@login_required("admin")
async def promote(request: Request) -> Response:
    state = request.app.state
    name = Path(request.path_params["name"]).name
    form = await request.form()
    if state.training.running:
        flash(request, "Un entraînement est en cours : réessayez quand il sera fini.", "error")
        return RedirectResponse(f"/models/candidat/{name}", status_code=303)
    try:
        message = await state.promotion.promote(name, username(request), form.get("confirm") == "oui",
                                                str(form.get("override_reason") or ""))
    except PromotionRefused as exc:
        flash(request, str(exc), "error")
        back = f"/models/candidat/{name}" if state.promotion.reports.get(name) else "/models"
        return RedirectResponse(back, status_code=303)
    except DeployError as exc:
        flash(request, str(exc), "error")
        return RedirectResponse(f"/models/candidat/{name}", status_code=303)
    flash(request, message)
    return RedirectResponse("/models", status_code=303)


async def _deploy_back(request: Request, name: str | None) -> Response:
    state = request.app.state
    if state.training.running:
        flash(request, "Un entraînement est en cours : réessayez quand il sera fini.", "error")
        return RedirectResponse("/models", status_code=303)
    try:
        if name is None:
            message = await state.promotion.rollback(await live_model_name(state.rasa), username(request))
        else:
            message = await state.promotion.put_back(name, username(request))
        flash(request, message)
    except PromotionRefused as exc:
        if str(exc) == "Modèle introuvable.":
            return error(request, 404, str(exc))
        flash(request, str(exc), "error")
    except DeployError as exc:
        flash(request, str(exc), "error")
    return RedirectResponse("/models", status_code=303)


@login_required("admin")
async def check(request: Request) -> Response:
    """Check a model of the list that was not trained here, as a candidate."""
    state = request.app.state
    form = await request.form()
    model = state.settings.models_dir / Path(str(form.get("model") or "")).name
    if not model.name.endswith(".tar.gz") or not model.is_file():
        return error(request, 404, "Modèle introuvable.")
    try:
        state.training.start_check(username(request), model)
        flash(request, f"Vérification de {model.name} lancée.")
    except TrainingError as exc:
        flash(request, str(exc), "error")
    return RedirectResponse("/models", status_code=303)


@login_required("admin")
async def rollback(request: Request) -> Response:
    return await _deploy_back(request, None)


@login_required("admin")
async def deploy(request: Request) -> Response:
    """A model that was in service before, from the list (one click)."""
    form = await request.form()
    return await _deploy_back(request, Path(str(form.get("model") or "")).name)


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
    Route("/models/rollback", rollback, methods=["POST"]),
    Route("/models/verifier", check, methods=["POST"]),
    Route("/models/candidat/{name}", candidate_page),
    Route("/models/candidat/{name}/mettre-en-service", promote, methods=["POST"]),
    Route("/api/training/{training_id}", training_status),
]
