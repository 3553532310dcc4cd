"""Inbox of misunderstood messages: grouped by text, each turned into a training example in one click."""
from __future__ import annotations

from collections import Counter
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from .. import queries, training_data
from ..queries import audit
from ..settings import Settings
from .common import flash, login_required, pop_flash, render, username


@login_required()
async def inbox(request: Request) -> Response:
    state = request.app.state
    settings: Settings = state.settings
    done = queries.annotated_texts(state.engine)
    known = training_data.existing_examples(settings.data_dir)
    groups: dict[str, dict[str, Any]] = {}
    counts: Counter[str] = Counter()
    for msg in state.reader.low_confidence_messages():
        key = training_data.normalize(msg.text)
        if not key or key in done or key in known:
            continue
        counts[key] += 1
        group = groups.setdefault(key, {"text": msg.text, "labels": Counter(), "senders": [], "last": 0.0})
        group["labels"][f"{msg.label} ({msg.label_confidence:.2f})"] += 1
        group["senders"].append(msg.sender_id)
        group["last"] = max(group["last"], msg.timestamp)
    items = sorted(groups.items(), key=lambda kv: (-counts[kv[0]], -kv[1]["last"]))
    intents = training_data.known_intents(settings.data_dir, settings.domain_dir)
    return render(request, "inbox.html", items=[(counts[k], g) for k, g in items[:200]], intents=intents,
                  flash=pop_flash(request))


@login_required()
async def annotate(request: Request) -> Response:
    form = await request.form()
    state, user = request.app.state, username(request)
    settings: Settings = state.settings
    text = str(form.get("text") or "")
    intent = str(form.get("intent") or "")
    if intent == "hors_sujet":
        intent = training_data.OUT_OF_SCOPE
    try:
        path, added = training_data.add_example(settings.data_dir, settings.domain_dir, intent, text)
    except training_data.DataError as exc:
        flash(request, str(exc), "error")
        return RedirectResponse("/inbox", status_code=303)
    relative = path.relative_to(settings.project_dir) if path.is_relative_to(settings.project_dir) else path
    queries.record_annotation(state.engine, text, training_data.normalize(text), intent, str(relative), user)
    audit(state.engine, user, "annotation", intent, f"{text[:200]} → {relative}")
    message = (f"Exemple ajouté à « {intent} » dans {relative}." if added
               else f"Cet exemple figurait déjà dans « {intent} » ({relative}).")
    flash(request, message + " Il sera pris en compte au prochain entraînement.")
    return RedirectResponse("/inbox", status_code=303)


routes = [
    Route("/inbox", inbox),
    Route("/inbox/annotate", annotate, methods=["POST"]),
]
