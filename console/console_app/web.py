"""The console's Starlette application: security headers, sessions, the routes of every area
(see routes/), static files, and the handoff timeout watcher. Every route but /login, /accessibilite (the
accessibility statement) and /static needs a session."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path
from typing import AsyncIterator
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.responses import PlainTextResponse
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import security
from .channels import channel_label
from .db import make_engine
from .labels import Labels, slot_label, slot_value, verdict_label
from .markdown import is_long, render_message
from .rasa_api import RasaClient
from .release.deployment import Deployer
from .release.evaluation import Evaluator, GateEvaluator, ReportStore
from .release.promotion import Promotion
from .release.training import TrainingService
from .routes import (
    accessibility,
    accounts,
    answers,
    assistant,
    audit,
    conversations,
    inbox,
    insights,
    models,
    privacy,
    sheets,
    statistics,
    takeover,
    users,
    workbench,
)
from .routes import training_data as training_data_routes
from .settings import Settings
from .stats_indexer import StatsIndexer, stats_zone
from .takeover import TakeoverService
from .tracker import TrackerReader, fmt_ts, make_tracker_engine
from .workbench import Workbench

log = logging.getLogger("console")
HERE = Path(__file__).resolve().parent
CONSOLE_DIR = HERE.parent
DSFR_DIST = CONSOLE_DIR / "node_modules" / "@gouvfr" / "dsfr" / "dist"
CHARTJS_DIST = CONSOLE_DIR / "node_modules" / "chart.js" / "dist"
AREAS = (accounts, conversations, inbox, insights, answers, models, audit, takeover, users, assistant, statistics,
         privacy, sheets, workbench, training_data_routes, accessibility)
# The largest form of the console (an edited answer, a batch of annotations) is far below this.
MAX_BODY_BYTES = 100_000


class SecurityHeaders:
    """CSP without inline scripts/styles, no framing, no MIME sniffing, no referrer leak; HSTS when the
    console is served over HTTPS (CONSOLE_COOKIE_SECURE, set by the production profile)."""

    def __init__(self, app: ASGIApp, hsts: bool = False) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
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
                if self.hsts:
                    headers.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyTooLarge(Exception):
    """Raised from `receive` once a request body goes past the limit."""


class BodySizeLimit:
    """Every request body, /login included, at most `limit` bytes: announced by Content-Length (413 at
    once) or sent in chunks (413 as soon as it goes past); a Content-Length that is not one number: 400."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = [value for name, value in scope["headers"] if name.lower() == b"content-length"]
        if declared and (len(declared) > 1 or not declared[0].strip().isdigit()):
            await PlainTextResponse("En-tête Content-Length invalide.", status_code=400)(scope, receive, send)
            return
        if declared and int(declared[0]) > self.limit:
            await PlainTextResponse("Requête trop volumineuse.", status_code=413)(scope, receive, send)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await PlainTextResponse("Requête trop volumineuse.", status_code=413)(scope, receive, send)


async def _timeout_watcher(app: Starlette) -> None:
    """Every few seconds, give back to the assistant the requests nobody took or whose agent went silent
    (see TakeoverService.expire)."""
    while True:
        await asyncio.sleep(app.state.takeover.check_every)
        try:
            await app.state.takeover.expire()
        except Exception:  # noqa: BLE001 - the watcher must survive a Rasa restart
            log.exception("handoff timeout watcher")


INDEX_EVERY_SECONDS = 30.0
PAGE_INDEX_BATCH = 500  # events per batch when a page visit indexes (routes/common.refresh_index)
INDEX_BUDGET_SECONDS = 1.0


async def _index_follower(app: Starlette) -> None:
    """Keep the index (statistics, list, inbox, queue) close to `events`: the pages and the queue then
    read only what Rasa wrote since its last pass (in a worker thread, at most 1 s of work a pass)."""
    while True:
        await asyncio.sleep(INDEX_EVERY_SECONDS)
        try:
            await asyncio.to_thread(app.state.stats_indexer.refresh, INDEX_BUDGET_SECONDS)
        except Exception:  # noqa: BLE001 - a locked or missing store is retried at the next pass
            log.exception("index follower")


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    app.state.training.mark_interrupted()
    tasks = [asyncio.create_task(_timeout_watcher(app)), asyncio.create_task(_index_follower(app))]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


def create_app(settings: Settings | None = None, evaluator: Evaluator | None = None) -> Starlette:
    """`evaluator`: how a candidate model is checked (make test's gate by default; tests give a stand-in)."""
    settings = settings or Settings.from_env()
    routes: list[BaseRoute] = [route for area in AREAS for route in area.routes]
    routes += [
        Mount("/static/dsfr", StaticFiles(directory=str(DSFR_DIST), check_dir=False), name="dsfr"),
        Mount("/static/chartjs", StaticFiles(directory=str(CHARTJS_DIST), check_dir=False), name="chartjs"),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    middleware = [
        Middleware(SecurityHeaders, hsts=settings.cookie_secure),
        Middleware(BodySizeLimit),
        Middleware(SessionMiddleware, secret_key=settings.secret_key, session_cookie="console_session",
                   max_age=settings.session_max_age, same_site="lax", https_only=settings.cookie_secure),
    ]
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    engine = make_engine(settings.console_db_url)
    rasa = RasaClient(settings.rasa_url, settings.rasa_token)
    reader = TrackerReader(make_tracker_engine(settings.tracker_url), settings.low_confidence)
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.filters["urlq"] = lambda v: quote(str(v), safe="")
    labels = Labels(settings.catalog_dir)
    templates.env.filters.update(message=render_message, is_long=is_long, label=labels.label, channel=channel_label,
                                 datetime=fmt_ts, response=labels.response, action=labels.action,
                                 slot=slot_label, slot_value=slot_value, verdict=verdict_label)
    app.state.settings, app.state.engine, app.state.rasa, app.state.reader = settings, engine, rasa, reader
    app.state.templates, app.state.labels = templates, labels
    app.state.throttle = security.LoginThrottle()
    app.state.takeover = TakeoverService(engine, reader, rasa, settings.handoff_timeout,
                                         settings.agent_idle_timeout)
    app.state.stats_indexer = StatsIndexer(reader.engine, stats_zone())
    app.state.page_indexer = StatsIndexer(reader.engine, stats_zone(), batch_size=PAGE_INDEX_BATCH)
    app.state.workbench = bench = Workbench(settings)
    reports = ReportStore(settings.work_dir / "candidates")
    deployer = Deployer(settings)

    async def live_model() -> str:
        return await models.live_model_name(rasa)

    app.state.training = TrainingService(settings, engine, deployer, evaluator or GateEvaluator(settings), reports,
                                         bench.copy.head, bench.models.set, live_model)
    app.state.promotion = Promotion(settings, engine, deployer, reports)
    return app
