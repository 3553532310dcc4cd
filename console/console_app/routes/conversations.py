"""Conversations: the filtered list, one transcript, marking it reviewed, tagging it."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from .. import queries
from ..pagination import paginate
from ..queries import audit
from ..tracker import TrackerReader, fmt_ts, is_console_test, message_from_event
from .common import error, flash, login_required, pop_flash, render, username

VERDICTS = {
    "concerne": "Concerné",
    "non_concerne": "Non concerné",
    "hors_circulaire_collectivite": "Hors circulaire (collectivité)",
    "service_deconcentre_a_confirmer": "Service déconcentré (à confirmer)",
    "hors_circulaire_autre": "Autre structure (ne semble pas relever)",
}
MAX_TAG_LENGTH = 40


def _parse_day(value: str, end: bool = False) -> float | None:
    try:
        day = datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=display_zone())
    except ValueError:
        return None
    return (day + timedelta(days=1)).timestamp() - 0.001 if end else day.timestamp()


def _tristate(value: str, actual: bool) -> bool:
    return value not in ("oui", "non") or (value == "oui") == actual


def _wanted_test(value: str, is_test: bool) -> bool:
    """The agents' own tries (« Parler à l'assistant ») are hidden unless asked for."""
    return {"inclus": True, "seuls": is_test}.get(value, not is_test)


@login_required()
async def conversations(request: Request) -> Response:
    q = request.query_params
    filters = {k: q.get(k, "") for k in ("du", "au", "canal", "repli", "humain", "verdict", "revue", "q", "etiquette",
                                         "essais")}
    state = request.app.state
    since, until = _parse_day(filters["du"]), _parse_day(filters["au"], end=True)
    summaries = state.reader.summaries(since, until)
    channels = sorted({c for s in summaries for c in s.channels})
    reviewed, tag_map = queries.reviews_and_tags(state.engine)
    needle = filters["q"].casefold().strip()
    rows = []
    for s in summaries:
        if filters["canal"] and filters["canal"] not in s.channels:
            continue
        if not _wanted_test(filters["essais"], is_console_test(s.sender_id)):
            continue
        if not (_tristate(filters["repli"], s.fallback) and _tristate(filters["humain"], s.handoff_requested)
                and _tristate(filters["revue"], s.sender_id in reviewed)):
            continue
        wanted = filters["verdict"]
        if (wanted == "aucun" and s.verdict) or (wanted in VERDICTS and s.verdict != wanted):
            continue
        if filters["etiquette"] and filters["etiquette"] not in tag_map.get(s.sender_id, []):
            continue
        if needle and needle not in s.sender_id.casefold() and not any(needle in t.casefold() for t in s.texts):
            continue
        rows.append(s)
    all_tags = sorted({t for ts in tag_map.values() for t in ts})
    return render(request, "conversations.html", page=paginate(rows, q.get("page")), filters=filters,
                  channels=channels, verdicts=VERDICTS, reviewed=reviewed, tag_map=tag_map, all_tags=all_tags,
                  tracker_ok=state.reader.available())


def _transcript(reader: TrackerReader, sender_id: str, threshold: float) -> list[dict[str, Any]]:
    """Events turned into display lines (user / bot / slot / action / state)."""
    lines = []
    for event in reader.events(sender_id):
        kind, ts = event["_type"], fmt_ts(float(event.get("timestamp") or 0))
        if kind == "user":
            msg = message_from_event(event["_id"], sender_id, event)
            lines.append({"kind": "user", "time": ts, "text": msg.text, "label": msg.label,
                          "confidence": msg.label_confidence, "intent": msg.intent,
                          "intent_confidence": msg.confidence, "channel": msg.channel,
                          "low": msg.is_low_confidence(threshold)})
        elif kind == "bot":
            agent = (event.get("metadata") or {}).get("agent") or ""
            buttons = [b.get("title", "") for b in ((event.get("data") or {}).get("buttons") or [])]
            lines.append({"kind": "bot", "time": ts, "text": event.get("text") or "", "agent": agent,
                          "buttons": buttons})
        elif kind == "slot":
            lines.append({"kind": "slot", "time": ts, "name": event.get("name"), "value": event.get("value")})
        elif kind == "action" and event.get("name") not in ("action_listen", None):
            lines.append({"kind": "action", "time": ts, "name": event.get("name")})
        elif kind in ("pause", "resume", "restart", "session_started"):
            lines.append({"kind": "state", "time": ts, "name": kind})
    return lines


def _final_slots(lines: list[dict[str, Any]]) -> dict[str, Any]:
    slots: dict[str, Any] = {}
    for line in lines:
        if line["kind"] == "slot":
            slots[line["name"]] = line["value"]
        elif line["kind"] == "state" and line["name"] == "restart":
            slots = {}
    return dict(sorted(slots.items()))


@login_required()
async def transcript(request: Request) -> Response:
    sender_id = request.path_params["sender_id"]
    state = request.app.state
    summary = state.reader.summary(sender_id)
    if summary is None:
        return error(request, 404, "Conversation introuvable.")
    lines = _transcript(state.reader, sender_id, state.settings.low_confidence)
    reviewed, tag_map = queries.reviews_and_tags(state.engine)
    return render(request, "transcript.html", s=summary, lines=lines, slots=_final_slots(lines),
                  verdicts=VERDICTS, review=reviewed.get(sender_id), tags=tag_map.get(sender_id, []),
                  flash=pop_flash(request))


@login_required()
async def mark_reviewed(request: Request) -> Response:
    sender_id = request.path_params["sender_id"]
    form = await request.form()
    state, user = request.app.state, username(request)
    if state.reader.summary(sender_id) is None:
        return error(request, 404, "Conversation introuvable.")
    reviewed = form.get("reviewed") != "0"
    queries.set_reviewed(state.engine, sender_id, user, reviewed)
    audit(state.engine, user, "review", sender_id, "revue" if reviewed else "à revoir")
    return RedirectResponse(f"/conversations/{quote(sender_id, safe='')}", status_code=303)


@login_required()
async def add_tag(request: Request) -> Response:
    sender_id = request.path_params["sender_id"]
    form = await request.form()
    state, user = request.app.state, username(request)
    tag = " ".join(str(form.get("tag") or "").split())[:MAX_TAG_LENGTH]
    if state.reader.summary(sender_id) is None:
        return error(request, 404, "Conversation introuvable.")
    if not tag:
        flash(request, "L'étiquette est vide.", "error")
    else:
        queries.add_tag(state.engine, sender_id, tag, user)
        audit(state.engine, user, "tag", sender_id, tag)
        flash(request, f"Étiquette « {tag} » ajoutée.")
    return RedirectResponse(f"/conversations/{quote(sender_id, safe='')}", status_code=303)


routes = [
    Route("/conversations", conversations),
    Route("/conversations/{sender_id:path}/review", mark_reviewed, methods=["POST"]),
    Route("/conversations/{sender_id:path}/tags", add_tag, methods=["POST"]),
    Route("/conversations/{sender_id:path}", transcript),
]
