"""Orientation sheets (issue 24): « ma fiche dit X, est-ce juste ? ». Find a sheet by its reference, see the
conversation it came from, and produce the same PDF again (asked of sheets/ with Rasa's token; audited)."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .. import stats_tables as t
from ..labels import VERDICT_LABELS
from ..queries import audit
from ..retention import RetentionConfigError, RetentionPolicy
from ..tracker import fmt_ts
from .common import error, login_required, render, username

# The statistics' names of the verdicts, and the one they do not list.
VERDICT_NAMES = VERDICT_LABELS
REFERENCE = re.compile(r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}")


@dataclass
class FoundSheet:
    reference: str
    sender_id: str
    issued: float
    verdict: str
    record: dict[str, Any]


def normalized(reference: str) -> str | None:
    value = reference.strip().upper()
    return value if REFERENCE.fullmatch(value) else None


def find_sheet(engine: Engine, reference: str) -> FoundSheet | None:
    """The verdict kept under this reference (slot `last_check` of its conversation), if still kept."""
    if not t.events_table_exists(engine):
        return None
    query = (select(t.events.c.sender_id, t.events.c.data)
             .where(t.events.c.type_name == "slot", t.events.c.data.like(f'%"{reference}"%')).limit(20))
    with engine.connect() as conn:
        for row in conn.execute(query):
            event = json.loads(row.data)
            value = event.get("value")
            if event.get("name") == "last_check" and isinstance(value, dict) and value.get("reference") == reference:
                return FoundSheet(reference, row.sender_id, float(value.get("timestamp") or 0),
                                  str(value.get("verdict") or ""), value)
    return None


def retention_days() -> int | None:
    try:
        return RetentionPolicy.from_env().conversation_days
    except RetentionConfigError:
        return None


async def fetch_sheet(sheets_url: str, token: str, sender_id: str, reference: str) -> bytes:
    """The PDF, built again by the sheet's door from the conversation; RuntimeError in French otherwise."""
    try:
        async with httpx.AsyncClient(timeout=30) as client:
            response = await client.post(f"{sheets_url}/fiches/{reference}", json={"conversation_id": sender_id},
                                         headers={"Authorization": f"Bearer {token}"})
    except httpx.HTTPError as exc:
        raise RuntimeError(f"Le service des fiches est injoignable ({type(exc).__name__}).") from exc
    if response.status_code != 200 or not response.content.startswith(b"%PDF-"):
        try:
            detail = str(response.json().get("erreur") or "")
        except ValueError:
            detail = ""
        raise RuntimeError(detail or f"Le service des fiches a répondu {response.status_code}.")
    return response.content


@login_required()
async def sheets_page(request: Request) -> Response:
    given = request.query_params.get("reference", "").strip()[:40]
    reference = normalized(given) if given else None
    found = None
    if reference:
        found = await run_in_threadpool(find_sheet, request.app.state.reader.engine, reference)
    return render(request, "sheets.html", given=given, reference=reference, found=found, fmt_ts=fmt_ts,
                  retention_days=retention_days(), verdict_names=VERDICT_NAMES)


@login_required()
async def sheet_pdf(request: Request) -> Response:
    reference = normalized(request.path_params["reference"])
    if reference is None:
        return error(request, 400, "Référence de fiche invalide.")
    state = request.app.state
    found = await run_in_threadpool(find_sheet, state.reader.engine, reference)
    if found is None:
        return error(request, 404, "Fiche expirée ou inconnue : aucune conversation gardée ne porte cette référence.")
    try:
        pdf = await fetch_sheet(state.settings.sheets_url, state.settings.rasa_token, found.sender_id, reference)
    except RuntimeError as exc:
        return error(request, 502, str(exc))
    await run_in_threadpool(audit, state.engine, username(request), "fiche d'orientation produite", found.sender_id,
                            reference)
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="fiche-orientation-{reference}.pdf"'})


routes = [
    Route("/fiches", sheets_page),
    Route("/fiches/{reference}.pdf", sheet_pdf),
]
