"""The sheet's door: `POST /fiches/<reference>` with {"conversation_id": …} (and, from the widget or a REST
caller, "issued": the verdict's time), answered with the PDF, or a French message and a clean HTTP status.

Loopback by default (SHEETS_HOST); in the production profile nginx publishes /fiches/ on the same door as
the widget's socket.io (deploy/). Nothing is stored: each sheet is built from the conversation when asked.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from . import knowledge
from .content import NotAVerdict, build_sheet
from .conversation import RasaReader, RasaUnavailable, Tokens, find_verdict, may_read, normalized_reference
from .render import sheet_pdf

logger = logging.getLogger("sheets")
MAX_BODY_BYTES = 4096
DEFAULT_RETENTION_DAYS = 30
MAX_RETENTION_DAYS = 183
# Two sheets built at once at most (2 cores): a burst waits instead of slowing every turn of Rasa.
BUILDS_AT_ONCE = 2
CORS_ORIGINS = web.AppKey("cors_origins", tuple)


def retention_days(env: dict[str, str]) -> int:
    """CONVERSATION_RETENTION_DAYS, as the purge enforces it (console/console_app/retention.py)."""
    raw = (env.get("CONVERSATION_RETENTION_DAYS") or str(DEFAULT_RETENTION_DAYS)).strip()
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_RETENTION_DAYS:
        raise ValueError(f"CONVERSATION_RETENTION_DAYS={raw!r} : un nombre de jours entre 1 et {MAX_RETENTION_DAYS}")
    return int(raw)


@dataclass
class Settings:
    rasa_url: str
    tokens: Tokens
    retention_days: int
    cors_origins: tuple[str, ...]

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "Settings":
        env = dict(os.environ if env is None else env)
        origins = env.get("SHEETS_CORS") or env.get("RASA_CORS") or ""
        return cls(
            rasa_url=env.get("RASA_URL") or "http://localhost:5005",
            tokens=Tokens(rasa=env.get("RASA_AUTH_TOKEN") or "", tchap=env.get("TCHAP_CALLBACK_TOKEN") or ""),
            retention_days=retention_days(env),
            cors_origins=tuple(origin.strip().rstrip("/") for origin in origins.split(",") if origin.strip()),
        )


def problem(status: int, message: str) -> web.Response:
    return web.json_response({"erreur": message}, status=status, headers={"Cache-Control": "no-store"},
                             dumps=lambda value: json.dumps(value, ensure_ascii=False))


def bearer_token(request: web.Request) -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def is_expired(issued: Any, days: int, now: float) -> bool:
    """A verdict older than the retention period may have been purged with its conversation."""
    return isinstance(issued, (int, float)) and not isinstance(issued, bool) and issued < now - days * 86400


async def _request_body(request: web.Request) -> dict[str, Any] | None:
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        return None
    raw = await request.content.read(MAX_BODY_BYTES + 1)
    if len(raw) > MAX_BODY_BYTES:
        return None
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return body if isinstance(body, dict) else None


class SheetDoor:
    def __init__(self, settings: Settings, reader: RasaReader) -> None:
        self.settings = settings
        self.reader = reader
        self.builds = asyncio.Semaphore(BUILDS_AT_ONCE)

    async def sheet(self, request: web.Request) -> web.Response:
        reference = normalized_reference(request.match_info["reference"])
        if reference is None:
            return problem(400, "Référence de fiche invalide (attendu : quatre groupes de quatre caractères, "
                                "comme 7KQ2-M9XD-PW3A).")
        body = await _request_body(request)
        conversation_id = body.get("conversation_id") if body else None
        if not isinstance(conversation_id, str):
            return problem(400, "Corps attendu : un objet JSON avec « conversation_id » (identifiant de la "
                                "conversation), de 4 Kio au plus.")
        if not may_read(conversation_id, bearer_token(request), self.settings.tokens):
            return problem(403, "Cette conversation ne peut pas être lue par cette porte.")
        try:
            events = await self.reader.events(conversation_id)
        except RasaUnavailable as error:
            logger.error("Fiche %s : conversation illisible (%s)", reference, error)
            return problem(503, knowledge.text("unavailable", "errors"))
        found = find_verdict(events, reference)
        if found is None:
            if is_expired(body.get("issued") if body else None, self.settings.retention_days, time.time()):
                return problem(410, knowledge.text("expired", "errors").format(days=self.settings.retention_days))
            return problem(404, knowledge.text("not_found", "errors"))
        try:
            sheet = build_sheet(found.record, self.settings.retention_days, found.version)
        except (NotAVerdict, KeyError, TypeError, ValueError) as error:
            logger.error("Fiche %s : verdict illisible (%s)", reference, error)
            return problem(404, knowledge.text("not_found", "errors"))
        async with self.builds:
            pdf = await asyncio.to_thread(sheet_pdf, sheet)
        logger.info("Fiche %s produite (%d octets)", reference, len(pdf))
        return web.Response(body=pdf, content_type="application/pdf", headers={
            "Content-Disposition": f'attachment; filename="{sheet.filename}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        })

    async def health(self, _: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})


@web.middleware
async def cors(request: web.Request, handler: Any) -> web.StreamResponse:
    """The widget's page (its origin only, never *) may POST and read the PDF and its file name."""
    origins = request.app[CORS_ORIGINS]
    origin = request.headers.get("Origin", "")
    allowed = origin in origins
    if request.method == "OPTIONS":
        response: web.StreamResponse = web.Response(status=204 if allowed else 403)
    else:
        response = await handler(request)
    if allowed:
        response.headers.update({
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Methods": "POST",
            "Access-Control-Allow-Headers": "Content-Type",
            "Access-Control-Expose-Headers": "Content-Disposition",
            "Vary": "Origin",
        })
    return response


def create_app(settings: Settings | None = None) -> web.Application:
    settings = settings or Settings.from_env()
    reader = RasaReader(settings.rasa_url, settings.tokens.rasa)
    door = SheetDoor(settings, reader)
    app = web.Application(middlewares=[cors], client_max_size=MAX_BODY_BYTES)
    app[CORS_ORIGINS] = settings.cors_origins
    app.router.add_post("/fiches/{reference}", door.sheet)
    app.router.add_route("OPTIONS", "/fiches/{reference}", door.health)
    app.router.add_get("/health", door.health)

    async def close_reader(_: web.Application) -> None:
        await reader.close()

    app.on_cleanup.append(close_reader)
    return app
