"""Conversations: the filtered list (read from the index), one transcript, marking it reviewed, tags."""
from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from .. import data_snapshot, queries, training_data
from ..conversations.listing import IndexedList, ListFilters, console_tries, indexed_channels
from ..conversations.transcript import final_slots, fold_system_events, transcript_lines
from ..labels import PAS_SUR, PAS_SUR_DEFINITION, VERDICT_LABELS
from ..pagination import fetch_page, paginate
from ..queries import audit
from .common import (
    error,
    flash,
    login_required,
    pop_flash,
    refresh_index,
    remember_filters,
    remembered_filters,
    render,
    username,
)

MAX_TAG_LENGTH = 40
PAGE = "conversations"


def _transcript_url(sender_id: str) -> str:
    return f"/conversations/{quote(sender_id, safe='')}"


@login_required()
async def conversations(request: Request) -> Response:
    q = request.query_params
    if "effacer" in q:
        remember_filters(request, PAGE, "")
        return RedirectResponse("/conversations", status_code=303)
    if not q and remembered_filters(request, PAGE):
        return RedirectResponse("/conversations?" + remembered_filters(request, PAGE), status_code=303)
    filters = ListFilters.from_query(q)
    remember_filters(request, PAGE, filters.query_string(page=q.get("page", "")))
    state = request.app.state
    refreshed = await refresh_index(request)
    reviewed, tag_map = queries.reviews_and_tags(state.engine)
    tagged = {s for s, tags in tag_map.items() if filters.etiquette in tags} if filters.etiquette else None
    if filters.essais == "seuls":
        page = paginate(console_tries(state.reader, filters, set(reviewed), tagged), q.get("page"))
    else:
        listed = IndexedList(state.reader.engine, filters, set(reviewed), tagged)
        page = fetch_page(q.get("page"), listed.count(), listed.rows)
    settings = state.settings
    intents = data_snapshot.known_intents(settings.data_dir, settings.domain_dir)
    all_tags = sorted({t for ts in tag_map.values() for t in ts})
    return render(request, "conversations.html", page=page, filters=filters.as_dict(),
                  channels=indexed_channels(state.reader.engine), verdicts=VERDICT_LABELS, reviewed=reviewed,
                  tag_map=tag_map, all_tags=all_tags, intents=intents, refreshed=refreshed,
                  pas_sur=PAS_SUR, pas_sur_definition=PAS_SUR_DEFINITION, tracker_ok=state.reader.available())


@login_required()
async def transcript(request: Request) -> Response:
    sender_id = request.path_params["sender_id"]
    state = request.app.state
    summary = state.reader.summary(sender_id)
    if summary is None:
        return error(request, 404, "Conversation introuvable.")
    settings = state.settings
    lines = transcript_lines(state.reader, sender_id, settings.low_confidence, state.labels)
    reviewed, tag_map = queries.reviews_and_tags(state.engine)
    intents = data_snapshot.known_intents(settings.data_dir, settings.domain_dir)
    back = "/conversations?" + remembered_filters(request, PAGE)
    return render(request, "transcript.html", s=summary, lines=fold_system_events(lines), slots=final_slots(lines),
                  verdicts=VERDICT_LABELS, review=reviewed.get(sender_id), tags=tag_map.get(sender_id, []),
                  all_tags=sorted({t for ts in tag_map.values() for t in ts}), intents=intents,
                  faq_intents=[i for i in intents if i.startswith("faq/")],
                  other_intents=[i for i in intents if not i.startswith("faq/") and i != training_data.OUT_OF_SCOPE],
                  back=back, flash=pop_flash(request))


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
    return RedirectResponse(_transcript_url(sender_id), status_code=303)


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
    return RedirectResponse(_transcript_url(sender_id), status_code=303)


@login_required()
async def remove_tag(request: Request) -> Response:
    sender_id = request.path_params["sender_id"]
    form = await request.form()
    state, user = request.app.state, username(request)
    tag = str(form.get("tag") or "")[:MAX_TAG_LENGTH]
    if queries.remove_tag(state.engine, sender_id, tag):
        audit(state.engine, user, "untag", sender_id, tag)
        flash(request, f"Étiquette « {tag} » retirée.")
    else:
        flash(request, f"Cette conversation n'a pas l'étiquette « {tag} ».", "error")
    return RedirectResponse(_transcript_url(sender_id), status_code=303)


routes = [
    Route("/conversations", conversations),
    Route("/conversations/{sender_id:path}/review", mark_reviewed, methods=["POST"]),
    Route("/conversations/{sender_id:path}/tags/remove", remove_tag, methods=["POST"]),
    Route("/conversations/{sender_id:path}/tags", add_tag, methods=["POST"]),
    Route("/conversations/{sender_id:path}", transcript),
]
