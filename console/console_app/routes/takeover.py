"""Live takeover: the queue of people waiting for a human, the takeover page, and its JSON API
(events since, take, reply, hand back)."""
from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..channels import can_receive_agent_replies, channel_label
from ..markdown import is_long, render_message
from ..rasa_api import RasaError
from ..takeover import TakeoverError, TakeoverService
from ..tracker import fmt_ts
from .common import Handler, current_user, error, login_required, render, username


@login_required()
async def queue_page(request: Request) -> Response:
    settings = request.app.state.settings
    return render(request, "queue.html", poll_ms=int(settings.poll_seconds * 1000),
                  timeout=int(settings.handoff_timeout), idle_minutes=round(settings.agent_idle_timeout / 60))


@login_required()
async def api_queue(request: Request) -> Response:
    service: TakeoverService = request.app.state.takeover
    return JSONResponse({"items": [i.as_json(service.idle_timeout) for i in service.queue()]})


@login_required()
async def takeover_page(request: Request) -> Response:
    sender_id = request.path_params["sender_id"]
    try:
        summary, record = request.app.state.takeover.current(sender_id)
    except TakeoverError as exc:
        return error(request, 404, str(exc))
    return render(request, "takeover.html", s=summary, record=record,
                  channel=channel_label(summary.last_channel),
                  live_replies=can_receive_agent_replies(summary.last_channel),
                  poll_ms=int(request.app.state.settings.poll_seconds * 1000))


@login_required()
async def api_events(request: Request) -> Response:
    sender_id = request.path_params["sender_id"]
    try:
        after = int(request.query_params.get("after", "0"))
    except ValueError:
        return JSONResponse({"error": "Paramètre « after » invalide."}, status_code=400)
    state = request.app.state
    out = []
    last_id = after
    for event in state.reader.events(sender_id, after):
        last_id = event["_id"]
        if event["_type"] in ("user", "bot"):
            text = str(event.get("text") or "")
            out.append({"id": event["_id"], "kind": event["_type"], "text": text,
                        "html": str(render_message(text)) if event["_type"] == "bot" else "",
                        "long": is_long(text),
                        "agent": (event.get("metadata") or {}).get("agent") or "",
                        "time": fmt_ts(float(event.get("timestamp") or 0))})
    summary = state.reader.summary(sender_id)
    record = None
    if summary and summary.paused:
        record = state.takeover.record_for(sender_id, summary.pause_ts)
    taken = bool(record and record["status"] == "active")
    return JSONResponse({"events": out, "last_id": last_id, "paused": bool(summary and summary.paused),
                         "agent": record["agent"] if record and taken else "",
                         "returns_in_seconds": state.takeover.returns_in(summary, record) if summary else None})


async def _json_body(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _takeover_action(action: str) -> Handler:
    @login_required()
    async def handler(request: Request) -> Response:
        sender_id = request.path_params["sender_id"]
        service: TakeoverService = request.app.state.takeover
        agent = username(request)
        try:
            if action == "take":
                user = current_user(request) or {}
                await service.take(sender_id, agent, str(user.get("display_name") or ""))
            elif action == "reply":
                text = (await _json_body(request)).get("text")
                if not isinstance(text, str):
                    raise TakeoverError("Le champ « text » doit être un texte.")
                user = current_user(request) or {}
                await service.reply(sender_id, agent, text, str(user.get("display_name") or ""))
            else:
                await service.hand_back(sender_id, agent)
        except TakeoverError as exc:
            return JSONResponse({"error": str(exc)}, status_code=409)
        except RasaError as exc:
            return JSONResponse({"error": str(exc)}, status_code=502)
        return JSONResponse({"ok": True})

    handler.__name__ = f"api_{action}"
    return handler


routes = [
    Route("/queue", queue_page),
    Route("/api/queue", api_queue),
    Route("/takeover/{sender_id:path}", takeover_page),
    Route("/api/conversations/{sender_id:path}/events", api_events),
    Route("/api/conversations/{sender_id:path}/take", _takeover_action("take"), methods=["POST"]),
    Route("/api/conversations/{sender_id:path}/reply", _takeover_action("reply"), methods=["POST"]),
    Route("/api/conversations/{sender_id:path}/handback", _takeover_action("handback"), methods=["POST"]),
]
