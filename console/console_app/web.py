"""HTTP routes of the console (Starlette). Every route but /login and /static needs a session."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, AsyncIterator, Awaitable, Callable
from urllib.parse import quote

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Receive, Scope, Send

from . import security, training_data
from .db import annotations, audit, make_engine, recent_audit, reviews, tags
from .rasa_api import RasaClient, RasaError
from .settings import Settings
from .takeover import TakeoverError, TakeoverService
from .tracker import TrackerReader, fmt_ts, make_tracker_engine, message_from_event
from .training import TrainingError, TrainingService, tail

log = logging.getLogger("console")
HERE = Path(__file__).resolve().parent
CONSOLE_DIR = HERE.parent
DSFR_DIST = CONSOLE_DIR / "node_modules" / "@gouvfr" / "dsfr" / "dist"
PUBLIC_PREFIXES = ("/login", "/static/")
VERDICTS = {
    "concerne": "Concerné",
    "non_concerne": "Non concerné",
    "hors_circulaire_collectivite": "Hors circulaire (collectivité)",
    "hors_circulaire_autre": "Hors circulaire (autre)",
}
MAX_TAG_LENGTH = 40
MAX_FORM_BYTES = 100_000
Handler = Callable[[Request], Awaitable[Response]]


class SecurityHeaders:
    """CSP without inline scripts/styles, no framing, no MIME sniffing, no referrer leak."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"content-security-policy", b"default-src 'self'; img-src 'self' data:; "
                     b"script-src 'self'; style-src 'self'; frame-ancestors 'none'; form-action 'self'"),
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"same-origin"),
                    (b"cache-control", b"no-store"),
                ]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def current_user(request: Request) -> dict[str, Any] | None:
    return request.state.user if hasattr(request.state, "user") else None


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error(request: Request, status: int, message: str) -> Response:
    if _wants_json(request):
        return JSONResponse({"error": message}, status_code=status)
    return request.app.state.templates.TemplateResponse(
        request, "error.html", {"message": message}, status_code=status)


def login_required(role: str | None = None) -> Callable[[Handler], Handler]:
    """Decorator: a logged-in user (optionally admin) and, for POST, a valid CSRF token."""

    def decorate(handler: Handler) -> Handler:
        async def wrapper(request: Request) -> Response:
            user = _load_user(request)
            if user is None:
                if _wants_json(request):
                    return JSONResponse({"error": "Authentification requise."}, status_code=401)
                return RedirectResponse("/login?next=" + quote(request.url.path), status_code=303)
            if role == "admin" and user["role"] != "admin":
                return _error(request, 403, "Cette page est réservée aux administrateurs.")
            if request.method == "POST":
                length = int(request.headers.get("content-length") or 0)
                if length > MAX_FORM_BYTES:
                    return _error(request, 413, "Requête trop volumineuse.")
                token = request.headers.get("x-csrf-token")
                if token is None and "form" in request.headers.get("content-type", ""):
                    token = (await request.form()).get("csrf_token")
                if not security.csrf_valid(request.session, token):
                    return _error(request, 403, "Jeton anti-CSRF absent ou invalide : rechargez la page.")
            return await handler(request)

        wrapper.__name__ = handler.__name__
        wrapper.__doc__ = handler.__doc__
        return wrapper

    return decorate


def _load_user(request: Request) -> dict[str, Any] | None:
    user_id = request.session.get("user_id")
    age = time.time() - float(request.session.get("login_at", 0))
    if not user_id or age > request.app.state.settings.session_max_age:
        return None
    user = security.get_user(request.app.state.engine, int(user_id))
    request.state.user = user
    return user


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
    context.setdefault("user", current_user(request))
    context["csrf_token"] = security.csrf_token(request.session)
    context["active"] = template.split(".")[0]
    return request.app.state.templates.TemplateResponse(request, template, context, status_code=status_code)


def _flash(request: Request, message: str, kind: str = "success") -> None:
    request.session["flash"] = {"message": message, "kind": kind}


def _pop_flash(request: Request) -> dict[str, str] | None:
    return request.session.pop("flash", None)


# --- authentication ------------------------------------------------------------------------------

async def login_page(request: Request) -> Response:
    if request.method == "GET":
        return render(request, "login.html", next=request.query_params.get("next", ""))
    form = await request.form()
    username = str(form.get("username") or "")[:64].strip()
    password = str(form.get("password") or "")[:1024]
    next_url = str(form.get("next") or "")
    if not next_url.startswith("/") or next_url.startswith("//") or "\\" in next_url:
        next_url = "/"  # only local paths: no open redirect ("//host", "/\\host")
    if not security.csrf_valid(request.session, form.get("csrf_token")):
        return render(request, "login.html", 403, error="Jeton anti-CSRF invalide : rechargez la page.", next=next_url)
    state = request.app.state
    client = request.client.host if request.client else "?"
    if state.throttle.blocked("user:" + username, "ip:" + client):
        return render(request, "login.html", 429, next=next_url,
                      error="Trop de tentatives : réessayez dans quelques minutes.")
    user = security.authenticate(state.engine, username, password)
    if user is None:
        state.throttle.fail("user:" + username, "ip:" + client)
        audit(state.engine, username or "?", "login_failed", client)
        return render(request, "login.html", 401, error="Identifiant ou mot de passe incorrect.", next=next_url)
    state.throttle.reset("user:" + username)
    request.session.clear()  # new session on login: no fixation
    request.session.update({"user_id": user["id"], "login_at": time.time()})
    security.csrf_token(request.session)
    audit(state.engine, user["username"], "login", client)
    return RedirectResponse(next_url, status_code=303)


@login_required()
async def logout(request: Request) -> Response:
    audit(request.app.state.engine, current_user(request)["username"], "logout")
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@login_required()
async def home(request: Request) -> Response:
    return RedirectResponse("/conversations", status_code=303)


# --- conversations -------------------------------------------------------------------------------

def _parse_day(value: str, end: bool = False) -> float | None:
    try:
        day = datetime.strptime(value, "%Y-%m-%d")
    except ValueError:
        return None
    return (day + timedelta(days=1)).timestamp() - 0.001 if end else day.timestamp()


def _reviewed_and_tags(engine: Any) -> tuple[dict[str, dict[str, Any]], dict[str, list[str]]]:
    with engine.connect() as conn:
        reviewed = {r.sender_id: dict(r._mapping) for r in conn.execute(select(reviews))}
        tag_map: dict[str, list[str]] = {}
        for r in conn.execute(select(tags).order_by(tags.c.tag)):
            tag_map.setdefault(r.sender_id, []).append(r.tag)
    return reviewed, tag_map


def _tristate(value: str, actual: bool) -> bool:
    return value not in ("oui", "non") or (value == "oui") == actual


@login_required()
async def conversations(request: Request) -> Response:
    q = request.query_params
    filters = {k: q.get(k, "") for k in ("du", "au", "canal", "repli", "humain", "verdict", "revue", "q", "etiquette")}
    state = request.app.state
    since, until = _parse_day(filters["du"]), _parse_day(filters["au"], end=True)
    summaries = state.reader.summaries(since, until)
    channels = sorted({c for s in summaries for c in s.channels})
    reviewed, tag_map = _reviewed_and_tags(state.engine)
    needle = filters["q"].casefold().strip()
    rows = []
    for s in summaries:
        if filters["canal"] and filters["canal"] not in s.channels:
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
    return render(request, "conversations.html", rows=rows[:300], total=len(rows), filters=filters,
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
        return _error(request, 404, "Conversation introuvable.")
    lines = _transcript(state.reader, sender_id, state.settings.low_confidence)
    reviewed, tag_map = _reviewed_and_tags(state.engine)
    return render(request, "transcript.html", s=summary, lines=lines, slots=_final_slots(lines),
                  verdicts=VERDICTS, review=reviewed.get(sender_id), tags=tag_map.get(sender_id, []),
                  flash=_pop_flash(request))


@login_required()
async def mark_reviewed(request: Request) -> Response:
    sender_id = request.path_params["sender_id"]
    form = await request.form()
    state, user = request.app.state, current_user(request)
    if state.reader.summary(sender_id) is None:
        return _error(request, 404, "Conversation introuvable.")
    with state.engine.begin() as conn:
        conn.execute(delete(reviews).where(reviews.c.sender_id == sender_id))
        if form.get("reviewed") != "0":
            conn.execute(insert(reviews).values(sender_id=sender_id, reviewed_by=user["username"],
                                                reviewed_at=time.time()))
    audit(state.engine, user["username"], "review", sender_id, "revue" if form.get("reviewed") != "0" else "à revoir")
    return RedirectResponse(f"/conversations/{quote(sender_id, safe='')}", status_code=303)


@login_required()
async def add_tag(request: Request) -> Response:
    sender_id = request.path_params["sender_id"]
    form = await request.form()
    state, user = request.app.state, current_user(request)
    tag = " ".join(str(form.get("tag") or "").split())[:MAX_TAG_LENGTH]
    if state.reader.summary(sender_id) is None:
        return _error(request, 404, "Conversation introuvable.")
    if not tag:
        _flash(request, "L'étiquette est vide.", "error")
    else:
        with contextlib.suppress(IntegrityError), state.engine.begin() as conn:
            conn.execute(insert(tags).values(sender_id=sender_id, tag=tag, added_by=user["username"],
                                             added_at=time.time()))
        audit(state.engine, user["username"], "tag", sender_id, tag)
        _flash(request, f"Étiquette « {tag} » ajoutée.")
    return RedirectResponse(f"/conversations/{quote(sender_id, safe='')}", status_code=303)


# --- inbox of misunderstood messages -----------------------------------------------------------

@login_required()
async def inbox(request: Request) -> Response:
    state = request.app.state
    settings: Settings = state.settings
    with state.engine.connect() as conn:
        done = {r.normalized for r in conn.execute(select(annotations.c.normalized))}
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
                  flash=_pop_flash(request))


@login_required()
async def annotate(request: Request) -> Response:
    form = await request.form()
    state, user = request.app.state, current_user(request)
    settings: Settings = state.settings
    text = str(form.get("text") or "")
    intent = str(form.get("intent") or "")
    if intent == "hors_sujet":
        intent = training_data.OUT_OF_SCOPE
    try:
        path, added = training_data.add_example(settings.data_dir, settings.domain_dir, intent, text)
    except training_data.DataError as exc:
        _flash(request, str(exc), "error")
        return RedirectResponse("/inbox", status_code=303)
    relative = path.relative_to(settings.project_dir) if path.is_relative_to(settings.project_dir) else path
    with state.engine.begin() as conn:
        conn.execute(insert(annotations).values(
            text=text[:2000], normalized=training_data.normalize(text)[:600], intent=intent, file=str(relative),
            annotated_by=user["username"], annotated_at=time.time()))
    audit(state.engine, user["username"], "annotation", intent, f"{text[:200]} → {relative}")
    message = (f"Exemple ajouté à « {intent} » dans {relative}." if added
               else f"Cet exemple figurait déjà dans « {intent} » ({relative}).")
    _flash(request, message + " Il sera pris en compte au prochain entraînement.")
    return RedirectResponse("/inbox", status_code=303)


# --- answers (admin) -----------------------------------------------------------------------------

@login_required("admin")
async def answers(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    items = [(name, training_data.render_markdown(text))
             for name, (_path, text) in training_data.faq_answers(settings.domain_dir).items()]
    return render(request, "answers.html", items=items, flash=_pop_flash(request))


@login_required("admin")
async def answer_edit(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    name = "utter_faq/" + request.path_params["key"]
    known = training_data.faq_answers(settings.domain_dir)
    if name not in known:
        return _error(request, 404, "Réponse introuvable.")
    text, error, preview = known[name][1], None, None
    if request.method == "POST":
        form = await request.form()
        text = str(form.get("text") or "")
        try:
            checked = training_data.check_answer(text)
            if form.get("action") == "save":
                path = training_data.save_answer(settings.domain_dir, name, checked)
                user = current_user(request)
                audit(request.app.state.engine, user["username"], "answer_edit", name, checked[:1000])
                _flash(request, f"Réponse « {name} » enregistrée dans {path.name}. "
                                "Elle sera en service après le prochain entraînement.")
                return RedirectResponse("/answers", status_code=303)
            preview = training_data.render_markdown(checked)
        except training_data.DataError as exc:
            error = str(exc)
    return render(request, "answer_edit.html", status_code=400 if error else 200, name=name, text=text,
                  preview=preview, error=error, current=training_data.render_markdown(known[name][1]))


# --- models (admin) ------------------------------------------------------------------------------

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
                  fmt_ts=fmt_ts, flash=_pop_flash(request))


@login_required("admin")
async def train(request: Request) -> Response:
    state, user = request.app.state, current_user(request)
    try:
        state.training.start(user["username"])
        _flash(request, "Entraînement lancé.")
    except TrainingError as exc:
        _flash(request, str(exc), "error")
    return RedirectResponse("/models", status_code=303)


@login_required("admin")
async def deploy(request: Request) -> Response:
    state, user = request.app.state, current_user(request)
    form = await request.form()
    name = Path(str(form.get("model") or "")).name
    model = state.settings.models_dir / name
    if not name.endswith(".tar.gz") or not model.is_file():
        return _error(request, 404, "Modèle introuvable.")
    try:
        await state.rasa.load_model(str(model))
        audit(state.engine, user["username"], "deploy", name, "mise en service manuelle")
        _flash(request, f"Modèle {name} mis en service.")
    except RasaError as exc:
        _flash(request, f"Échec de la mise en service : {exc}", "error")
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
    return JSONResponse({"id": row["id"], "status": row["status"], "message": row["message"] or "",
                         "model": Path(row["model_file"]).name if row["model_file"] else "",
                         "live": live, "log": tail(Path(row["log_file"]), 40)})


# --- audit (admin) -------------------------------------------------------------------------------

@login_required("admin")
async def audit_page(request: Request) -> Response:
    return render(request, "audit.html", entries=recent_audit(request.app.state.engine), fmt_ts=fmt_ts)


# --- live takeover -------------------------------------------------------------------------------

@login_required()
async def queue_page(request: Request) -> Response:
    return render(request, "queue.html", poll_ms=int(request.app.state.settings.poll_seconds * 1000),
                  timeout=int(request.app.state.settings.handoff_timeout))


@login_required()
async def api_queue(request: Request) -> Response:
    items = request.app.state.takeover.queue()
    return JSONResponse({"items": [i.as_json() for i in items]})


@login_required()
async def takeover_page(request: Request) -> Response:
    sender_id = request.path_params["sender_id"]
    try:
        summary, record = request.app.state.takeover.current(sender_id)
    except TakeoverError as exc:
        return _error(request, 404, str(exc))
    return render(request, "takeover.html", s=summary, record=record,
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
            out.append({"id": event["_id"], "kind": event["_type"], "text": event.get("text") or "",
                        "agent": (event.get("metadata") or {}).get("agent") or "",
                        "time": fmt_ts(float(event.get("timestamp") or 0))})
    summary = state.reader.summary(sender_id)
    record = None
    if summary and summary.paused:
        record = state.takeover.record_for(sender_id, summary.pause_ts)
    return JSONResponse({"events": out, "last_id": last_id, "paused": bool(summary and summary.paused),
                         "agent": record["agent"] if record and record["status"] == "active" else ""})


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
        agent = current_user(request)["username"]
        try:
            if action == "take":
                await service.take(sender_id, agent)
            elif action == "reply":
                text = (await _json_body(request)).get("text")
                if not isinstance(text, str):
                    raise TakeoverError("Le champ « text » doit être un texte.")
                await service.reply(sender_id, agent, text)
            else:
                await service.hand_back(sender_id, agent)
        except TakeoverError as exc:
            return JSONResponse({"error": str(exc)}, status_code=409)
        except RasaError as exc:
            return JSONResponse({"error": str(exc)}, status_code=502)
        return JSONResponse({"ok": True})

    handler.__name__ = f"api_{action}"
    return handler


async def _timeout_watcher(app: Starlette) -> None:
    """Every few seconds, answer the people nobody took in time (see TakeoverService.expire_waiting)."""
    while True:
        await asyncio.sleep(min(5.0, max(0.5, app.state.settings.handoff_timeout / 4)))
        try:
            await app.state.takeover.expire_waiting()
        except Exception:  # noqa: BLE001 - the watcher must survive a Rasa restart
            log.exception("handoff timeout watcher")


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    app.state.training.mark_interrupted()
    watcher = asyncio.create_task(_timeout_watcher(app))
    try:
        yield
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings.from_env()
    routes = [
        Route("/login", login_page, methods=["GET", "POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/", home),
        Route("/conversations", conversations),
        Route("/conversations/{sender_id:path}/review", mark_reviewed, methods=["POST"]),
        Route("/conversations/{sender_id:path}/tags", add_tag, methods=["POST"]),
        Route("/conversations/{sender_id:path}", transcript),
        Route("/inbox", inbox),
        Route("/inbox/annotate", annotate, methods=["POST"]),
        Route("/answers", answers),
        Route("/answers/{key}", answer_edit, methods=["GET", "POST"]),
        Route("/models", models_page),
        Route("/models/train", train, methods=["POST"]),
        Route("/models/deploy", deploy, methods=["POST"]),
        Route("/api/training/{training_id}", training_status),
        Route("/audit", audit_page),
        Route("/queue", queue_page),
        Route("/api/queue", api_queue),
        Route("/takeover/{sender_id:path}", takeover_page),
        Route("/api/conversations/{sender_id:path}/events", api_events),
        Route("/api/conversations/{sender_id:path}/take", _takeover_action("take"), methods=["POST"]),
        Route("/api/conversations/{sender_id:path}/reply", _takeover_action("reply"), methods=["POST"]),
        Route("/api/conversations/{sender_id:path}/handback", _takeover_action("handback"), methods=["POST"]),
        Mount("/static/dsfr", StaticFiles(directory=str(DSFR_DIST), check_dir=False), name="dsfr"),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    middleware = [
        Middleware(SecurityHeaders),
        Middleware(SessionMiddleware, secret_key=settings.secret_key, session_cookie="console_session",
                   max_age=settings.session_max_age, same_site="lax", https_only=settings.cookie_secure),
    ]
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    engine = make_engine(settings.console_db_url)
    rasa = RasaClient(settings.rasa_url, settings.rasa_token)
    reader = TrackerReader(make_tracker_engine(settings.tracker_url), settings.low_confidence)
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.filters["urlq"] = lambda v: quote(str(v), safe="")
    app.state.settings, app.state.engine, app.state.rasa, app.state.reader = settings, engine, rasa, reader
    app.state.templates = templates
    app.state.throttle = security.LoginThrottle()
    app.state.takeover = TakeoverService(engine, reader, rasa, settings.handoff_timeout)
    app.state.training = TrainingService(settings, engine, rasa)
    return app
