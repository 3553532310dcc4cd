"""Personal data (admin): retention settings and last purge, a purge now, erasing one conversation."""
from __future__ import annotations

import time

from sqlalchemy import select
from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from .. import stats_tables as t
from ..retention import RetentionConfigError, RetentionPolicy, erase_conversation, last_purge, next_purge_at, purge
from ..tracker import fmt_ts
from .common import error, flash, login_required, pop_flash, render, username

MAX_MATCHES = 50


def _policy() -> tuple[RetentionPolicy | None, str]:
    try:
        return RetentionPolicy.from_env(), ""
    except RetentionConfigError as exc:
        return None, str(exc)


def find_conversations(engine: Engine, fragment: str) -> list[str]:
    """Conversation ids containing `fragment` (e.g. a Tchap or Mattermost user id given by the person)."""
    if not fragment or not t.events_table_exists(engine):
        return []
    escaped = fragment.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    query = (select(t.events.c.sender_id).where(t.events.c.sender_id.like(f"%{escaped}%", escape="\\"))
             .distinct().order_by(t.events.c.sender_id).limit(MAX_MATCHES))
    with engine.connect() as conn:
        return [r.sender_id for r in conn.execute(query)]


@login_required("admin")
async def privacy_page(request: Request) -> Response:
    state = request.app.state
    policy, problem = _policy()
    fragment = request.query_params.get("q", "").strip()[:255]
    matches = await run_in_threadpool(find_conversations, state.reader.engine, fragment)
    purge_report = await run_in_threadpool(last_purge, state.reader.engine)
    return render(request, "privacy.html", policy=policy, problem=problem, purge=purge_report, fmt_ts=fmt_ts,
                  next_purge=next_purge_at(policy, time.time()) if policy else None, fragment=fragment,
                  matches=matches, flash=pop_flash(request), now=time.time())


@login_required("admin")
async def purge_now(request: Request) -> Response:
    state = request.app.state
    policy, problem = _policy()
    if policy is None:
        return error(request, 400, f"Purge impossible : {problem}")
    report = await run_in_threadpool(purge, state.reader.engine, state.engine, policy, None, None, username(request))
    flash(request, f"Purge effectuée : {report.summary()}.")
    return RedirectResponse("/donnees-personnelles", status_code=303)


@login_required("admin")
async def erase_page(request: Request) -> Response:
    sender_id = request.path_params["sender_id"]
    summary = await run_in_threadpool(request.app.state.reader.summary, sender_id)
    if summary is None:
        return error(request, 404, "Conversation introuvable (déjà effacée ou purgée ?).")
    return render(request, "erase.html", s=summary)


@login_required("admin")
async def erase(request: Request) -> Response:
    sender_id = request.path_params["sender_id"]
    state = request.app.state
    deleted = await run_in_threadpool(erase_conversation, state.reader.engine, state.engine, sender_id,
                                      username(request))
    if not deleted:
        return error(request, 404, "Conversation introuvable (déjà effacée ou purgée ?).")
    flash(request, f"Conversation « {sender_id} » effacée ({deleted} événements). L'effacement est inscrit au journal.")
    return RedirectResponse("/donnees-personnelles", status_code=303)


routes = [
    Route("/donnees-personnelles", privacy_page),
    Route("/donnees-personnelles/purge", purge_now, methods=["POST"]),
    Route("/effacement/{sender_id:path}", erase_page),
    Route("/effacement/{sender_id:path}", erase, methods=["POST"]),
]
