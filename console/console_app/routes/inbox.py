"""Inbox of misunderstood messages: grouped by text, each turned into a training example in one click,
or set aside (« Ignorer ») when it is not worth one, and put back from the list of ignored entries."""
from __future__ import annotations

from collections import Counter
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from .. import queries, training_data
from ..pagination import paginate
from ..queries import audit
from ..settings import Settings
from ..training_data import examples
from ..workbench import Change
from .common import flash, login_required, pop_flash, render, username
from .training_data import eval_questions, record_change


def _groups(request: Request) -> list[dict[str, Any]]:
    """Misunderstood messages not yet annotated, dismissed or already in the data, grouped by text,
    most frequent first."""
    state = request.app.state
    settings: Settings = state.settings
    done = queries.annotated_texts(state.engine) | {d["normalized"] for d in queries.dismissed(state.engine)}
    known = training_data.existing_examples(settings.data_dir)
    groups: dict[str, dict[str, Any]] = {}
    for msg in state.reader.low_confidence_messages():
        key = training_data.normalize(msg.text)
        if not key or key in done or key in known:
            continue
        group = groups.setdefault(key, {"text": msg.text, "count": 0, "labels": Counter(), "senders": [],
                                        "last": 0.0})
        group["count"] += 1
        group["labels"][(msg.label, round(msg.label_confidence, 2))] += 1
        group["senders"].append(msg.sender_id)
        group["last"] = max(group["last"], msg.timestamp)
    return sorted(groups.values(), key=lambda g: (-g["count"], -g["last"]))


@login_required()
async def inbox(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    if request.query_params.get("vue") == "ignores":
        entries = queries.dismissed(request.app.state.engine)
        return render(request, "inbox.html", ignored=paginate(entries, request.query_params.get("page")),
                      flash=pop_flash(request))
    groups = _groups(request)
    intents = training_data.known_intents(settings.data_dir, settings.domain_dir)
    return render(request, "inbox.html", page=paginate(groups, request.query_params.get("page")),
                  occurrences=sum(g["count"] for g in groups),
                  faq_intents=[i for i in intents if i.startswith("faq/")],
                  other_intents=[i for i in intents if not i.startswith("faq/") and i != training_data.OUT_OF_SCOPE],
                  dismissed_count=len(queries.dismissed(request.app.state.engine)), flash=pop_flash(request))


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
        path, added = examples.add(settings.data_dir, settings.domain_dir, intent, text, eval_questions(request))
    except training_data.DataError as exc:
        flash(request, str(exc), "error")
        return RedirectResponse("/inbox", status_code=303)
    record_change(request, Change("example_added", intent, f"Exemple ajouté à « {state.labels.label(intent)} » "
                                                           f"(messages mal compris) : « {text[:120]} »"))
    relative = path.relative_to(settings.content_dir) if path.is_relative_to(settings.content_dir) else path
    queries.record_annotation(state.engine, text, training_data.normalize(text), intent, str(relative), user)
    audit(state.engine, user, "annotation", intent, f"{text[:200]} → {relative}")
    message = (f"Exemple ajouté à « {intent} » dans {relative}." if added
               else f"Cet exemple figurait déjà dans « {intent} » ({relative}).")
    flash(request, message + " Il sera pris en compte au prochain entraînement.")
    return RedirectResponse("/inbox", status_code=303)


@login_required()
async def dismiss(request: Request) -> Response:
    form = await request.form()
    state, user = request.app.state, username(request)
    text = str(form.get("text") or "")[:2000]
    key = training_data.normalize(text)
    if not key:
        flash(request, "Message vide : rien à ignorer.", "error")
        return RedirectResponse("/inbox", status_code=303)
    queries.dismiss(state.engine, text, key, user)
    audit(state.engine, user, "inbox_dismiss", text[:255])
    flash(request, f"« {text[:80]} » est mis de côté : il ne sera plus proposé (voir « Messages ignorés »).")
    return RedirectResponse("/inbox", status_code=303)


@login_required()
async def restore(request: Request) -> Response:
    form = await request.form()
    state, user = request.app.state, username(request)
    text = str(form.get("text") or "")[:2000]
    if queries.restore(state.engine, training_data.normalize(text)):
        audit(state.engine, user, "inbox_restore", text[:255])
        flash(request, f"« {text[:80]} » est de nouveau à classer.")
    else:
        flash(request, "Ce message n'était pas ignoré.", "error")
    return RedirectResponse("/inbox?vue=ignores", status_code=303)


routes = [
    Route("/inbox", inbox),
    Route("/inbox/annotate", annotate, methods=["POST"]),
    Route("/inbox/dismiss", dismiss, methods=["POST"]),
    Route("/inbox/restore", restore, methods=["POST"]),
]
