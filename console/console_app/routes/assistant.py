"""« Parler à l'assistant »: the support team tries the live assistant and sees, for each message, the
intent and the confidence Rasa gave it (the FAQ question too, by its title).

Messages go through Rasa's HTTP API like any person's (REST channel), in a conversation of its own
named `console-essai-<user>-<random>`: the inbox leaves those out and the conversation list hides
them unless asked for.
"""
from __future__ import annotations

import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..markdown import render_message
from ..rasa_api import RasaError
from ..tracker import CONSOLE_TEST_PREFIX, message_from_event
from .common import login_required, render, username

MAX_MESSAGE_LENGTH = 1000
SESSION_KEY = "essai_sender"


def _sender(request: Request, fresh: bool = False) -> str:
    if fresh or not str(request.session.get(SESSION_KEY, "")).startswith(CONSOLE_TEST_PREFIX):
        request.session[SESSION_KEY] = f"{CONSOLE_TEST_PREFIX}{username(request)}-{secrets.token_hex(6)}"
    return str(request.session[SESSION_KEY])


def understanding(parse: dict[str, Any], label: Any) -> dict[str, Any]:
    """What the NLU made of one message: intent, FAQ question (by title), confidences, runners-up."""
    msg = message_from_event(0, "", {"parse_data": parse, "text": parse.get("text")})
    if msg.faq_key:
        selector = ((parse.get("response_selector") or {}).get("faq") or {}).get("ranking") or []
        ranking = [(str(r.get("intent_response_key") or ""), r.get("confidence")) for r in selector]
    else:
        ranking = [(str(r.get("name") or ""), r.get("confidence")) for r in parse.get("intent_ranking") or []]
    return {
        "intent": msg.intent, "intent_label": label(msg.intent) if msg.intent else "aucune intention",
        "confidence": msg.confidence, "faq_key": msg.faq_key, "faq_label": label(msg.faq_key) if msg.faq_key else "",
        "faq_confidence": msg.faq_confidence if msg.faq_key else None,
        "ranking": [{"name": n, "label": label(n), "confidence": float(c or 0)} for n, c in ranking[1:4] if n],
    }


@login_required()
async def page(request: Request) -> Response:
    return render(request, "assistant.html", sender=_sender(request))


@login_required()
async def api_say(request: Request) -> Response:
    try:
        body = await request.json()
    except ValueError:
        body = None
    text = body.get("text") if isinstance(body, dict) else None
    if not isinstance(text, str) or not text.strip():
        return JSONResponse({"error": "Écrivez un message."}, status_code=400)
    if len(text) > MAX_MESSAGE_LENGTH:
        return JSONResponse({"error": f"Le message dépasse {MAX_MESSAGE_LENGTH} caractères."}, status_code=400)
    rasa, sender = request.app.state.rasa, _sender(request)
    try:
        replies = await rasa.send_message(sender, text)
        tracker = await rasa.tracker(sender)
    except RasaError as exc:
        return JSONResponse({"error": str(exc)}, status_code=502)
    label = request.app.state.labels.label
    return JSONResponse({
        "sender_id": sender,
        "nlu": understanding(tracker.get("latest_message") or {}, label),
        "replies": [{"html": str(render_message(str(r.get("text") or ""))),
                     "buttons": [{"title": str(b.get("title") or ""), "payload": str(b.get("payload") or "")}
                                 for b in r.get("buttons") or [] if isinstance(b, dict)]}
                    for r in replies if r.get("text") or r.get("buttons")],
    })


@login_required()
async def api_restart(request: Request) -> Response:
    return JSONResponse({"sender_id": _sender(request, fresh=True)})


routes = [
    Route("/assistant", page),
    Route("/api/assistant/say", api_say, methods=["POST"]),
    Route("/api/assistant/restart", api_restart, methods=["POST"]),
]
