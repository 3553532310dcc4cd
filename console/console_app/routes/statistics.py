"""Statistics (every role): how the assistant is used, the conversations behind each figure, CSV exports."""
from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from .. import stats_report as sr
from ..channels import channel_label
from ..retention import RetentionConfigError, RetentionPolicy, last_purge
from ..stats_export import EXPORTS, csv_lines
from ..stats_indexer import CATEGORIES, NOT_TAKEN, TAKEN, WAITING, RefreshResult, StatsIndexer, stats_zone
from ..tracker import fmt_ts
from .common import error, login_required, render

DEFAULT_DAYS = 30
MAX_DAYS = 25 * 31  # nothing older is kept
REFRESH_BUDGET_SECONDS = 1.0
# Quick periods offered above the filter: label → number of days ending today.
QUICK_PERIODS = (("7 derniers jours", 7), ("30 derniers jours", 30), ("12 derniers mois", 365),
                 ("25 derniers mois", MAX_DAYS))


class BadFilter(ValueError):
    """A user-facing (French) reason why the filter cannot be read."""


def _indexer(request: Request) -> StatsIndexer:
    state = request.app.state
    if not hasattr(state, "stats_indexer"):
        state.stats_indexer = StatsIndexer(state.reader.engine, stats_zone())
    return state.stats_indexer


def _today() -> date:
    return datetime.now(stats_zone()).date()


def _parse_date(value: str, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadFilter(f"Date « {value} » illisible pour « {name} » : utilisez le format AAAA-MM-JJ.") from None


def read_filters(request: Request) -> sr.Filters:
    q = request.query_params
    today = _today()
    end = _parse_date(q.get("au", ""), "au") or today
    start = _parse_date(q.get("du", ""), "du") or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise BadFilter("La date de début est après la date de fin.")
    if (end - start).days + 1 > MAX_DAYS:
        start = end - timedelta(days=MAX_DAYS - 1)
    return sr.Filters(sr.Period(start, end), q.get("canal", "")[:64])


def _query(filters: sr.Filters, **extra: str) -> str:
    """The query string of a link that keeps the filter (extra values override the period)."""
    from urllib.parse import urlencode
    params = {"du": filters.period.start.isoformat(), "au": filters.period.end.isoformat()}
    if filters.channel:
        params["canal"] = filters.channel
    params.update({k: v for k, v in extra.items() if v})
    return urlencode(params)


async def _refresh(request: Request) -> RefreshResult:
    """Index what Rasa wrote since the last look, within a time budget (the nightly job does the rest)."""
    return await run_in_threadpool(_indexer(request).refresh, REFRESH_BUDGET_SECONDS)


def _policy() -> RetentionPolicy | None:
    try:
        return RetentionPolicy.from_env()
    except RetentionConfigError:
        return None


@login_required()
async def statistics_page(request: Request) -> Response:
    try:
        filters = read_filters(request)
    except BadFilter as exc:
        return error(request, 400, str(exc))
    state = request.app.state
    started = time.monotonic()
    refreshed = await _refresh(request)
    report = await run_in_threadpool(sr.build_report, state.reader.engine, filters)
    titles = state.labels.titles()
    purge = await run_in_threadpool(last_purge, state.reader.engine)
    channels = sorted(set(report.per_channel) | ({filters.channel} if filters.channel else set()))
    return render(request, "statistics.html", report=report, filters=filters, titles=titles, q=_query,
                  refreshed=refreshed, categories=CATEGORIES, labels=sr.CATEGORY_LABELS,
                  verdict_labels=sr.VERDICT_LABELS, outcome_labels=sr.OUTCOME_LABELS,
                  outcomes=(TAKEN, NOT_TAKEN, WAITING), channel_label=channel_label, channels=channels,
                  top=report.faq.most_common(sr.TOP_QUESTIONS), exports=EXPORTS, quick=_quick_links(filters),
                  policy=_policy(), purge=purge, fmt_ts=fmt_ts, pct=_pct, day=_day, duration=_duration,
                  elapsed=time.monotonic() - started)


def _quick_links(filters: sr.Filters) -> list[tuple[str, str]]:
    today = _today()
    links = []
    for label, days in QUICK_PERIODS:
        period = sr.Period(today - timedelta(days=days - 1), today)
        links.append((label, _query(sr.Filters(period, filters.channel))))
    return links


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f} %".replace(".", ",") if whole else "—"


def _day(d: date) -> str:
    return d.strftime("%d/%m/%Y")


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, rest = divmod(seconds, 60)
    return f"{minutes} min {rest:02d} s" if minutes < 60 else f"{minutes // 60} h {minutes % 60:02d} min"


def read_selection(request: Request) -> sr.Selection:
    filters = read_filters(request)
    q = request.query_params
    category = q.get("categorie", "")
    outcome = q.get("prise", "")
    if category and category not in CATEGORIES:
        raise BadFilter(f"Catégorie inconnue : « {category} ».")
    if outcome and outcome not in (TAKEN, NOT_TAKEN, WAITING):
        raise BadFilter(f"Issue de prise en charge inconnue : « {outcome} ».")
    return sr.Selection(filters, category, q.get("cle", "")[:128], q.get("verdict", "")[:64], outcome)


@login_required()
async def selection_page(request: Request) -> Response:
    """The conversations behind a bar or a row of the statistics page."""
    try:
        selection = read_selection(request)
    except BadFilter as exc:
        return error(request, 400, str(exc))
    state = request.app.state
    await _refresh(request)
    rows, total, archived = await run_in_threadpool(sr.selection_conversations, state.reader.engine, selection)
    titles = state.labels.titles()
    return render(request, "statistics_conversations.html", selection=selection, rows=rows, total=total,
                  archived=archived, description=selection.describe(titles), q=_query, fmt_ts=fmt_ts, day=_day,
                  channel_label=channel_label, policy=_policy())


@login_required()
async def export_csv(request: Request) -> Response:
    name = request.path_params["name"]
    if name not in EXPORTS:
        return error(request, 404, "Export inconnu.")
    try:
        filters = read_filters(request)
    except BadFilter as exc:
        return error(request, 400, str(exc))
    state = request.app.state
    await _refresh(request)
    report = await run_in_threadpool(sr.build_report, state.reader.engine, filters)
    header, rows = EXPORTS[name][1](report, state.reader.engine, state.labels.titles())
    filename = f"statistiques-{name}-{filters.period.start.isoformat()}-{filters.period.end.isoformat()}.csv"
    return StreamingResponse(_iterate_in_threadpool(csv_lines(header, rows)), media_type="text/csv; charset=utf-8",
                             headers={"content-disposition": f'attachment; filename="{filename}"'})


async def _iterate_in_threadpool(lines: Any) -> Any:
    """Database reads of a long export happen in the thread pool, not in the event loop."""
    sentinel = object()
    while True:
        chunk = await run_in_threadpool(next, lines, sentinel)
        if chunk is sentinel:
            return
        yield chunk


routes = [
    Route("/statistiques", statistics_page),
    Route("/statistiques/conversations", selection_page),
    Route("/statistiques/export/{name}.csv", export_csv),
]
