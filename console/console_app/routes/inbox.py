"""Inbox of misunderstood messages (read from the index): grouped by text, filtered, each confirmed in
one click (« Correct ») or corrected, or set aside (« Ignorer ») when it is not worth an example, and put
back from the list of ignored entries. Corrections from a transcript come through the same route."""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from .. import data_snapshot, queries, training_data
from ..conversations.listing import ListFilters, indexed_channels
from ..inbox.groups import inbox_counts, page_groups
from ..labels import PAS_SUR, PAS_SUR_DEFINITION
from ..pagination import paginate
from ..queries import audit
from ..settings import Settings
from ..training_data import examples
from ..workbench import Change
from .common import (
    flash,
    login_required,
    pop_flash,
    refresh_index,
    remember_filters,
    remembered_filters,
    render,
    username,
)
from .training_data import eval_questions, record_change

PAGE = "inbox"


def _inbox_url(request: Request) -> str:
    saved = remembered_filters(request, PAGE)
    return "/inbox?" + saved if saved else "/inbox"


def _return_to(request: Request, form_value: object) -> str:
    """Where to go after a correction: the transcript it came from, or the inbox with its filters
    (only a path of the console: never another site)."""
    target = str(form_value or "")
    if target.startswith("/conversations/") and "//" not in target and "\\" not in target:
        return target
    return _inbox_url(request)


@login_required()
async def inbox(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    state = request.app.state
    q = request.query_params
    if q.get("vue") == "ignores":
        entries = queries.dismissed(state.engine)
        return render(request, "inbox.html", ignored=paginate(entries, q.get("page")), flash=pop_flash(request))
    if "effacer" in q:
        remember_filters(request, PAGE, "")
        return RedirectResponse("/inbox", status_code=303)
    if not q and remembered_filters(request, PAGE):
        return RedirectResponse(_inbox_url(request), status_code=303)
    filters = ListFilters.from_query(q)
    remember_filters(request, PAGE, filters.query_string(page=q.get("page", "")))
    refreshed = await refresh_index(request)
    done = queries.annotated_texts(state.engine) | {d["normalized"] for d in queries.dismissed(state.engine)}
    done |= data_snapshot.example_keys(settings.data_dir)
    counts = inbox_counts(state.reader.engine, filters, settings.low_confidence, done)
    page = paginate(counts, q.get("page"))
    shown = page_groups(state.reader.engine, page.items, filters, settings.low_confidence)
    intents = data_snapshot.known_intents(settings.data_dir, settings.domain_dir)
    return render(request, "inbox.html", page=page, groups=shown, occurrences=sum(n for _key, n, _last in counts),
                  filters=filters.as_dict(),
                  intents=intents, channels=indexed_channels(state.reader.engine), refreshed=refreshed,
                  faq_intents=[i for i in intents if i.startswith("faq/")],
                  other_intents=[i for i in intents if not i.startswith("faq/") and i != training_data.OUT_OF_SCOPE],
                  pas_sur=PAS_SUR, pas_sur_definition=PAS_SUR_DEFINITION, threshold=settings.low_confidence,
                  dismissed_count=len(queries.dismissed(state.engine)), flash=pop_flash(request))


@login_required()
async def annotate(request: Request) -> Response:
    form = await request.form()
    state, user = request.app.state, username(request)
    settings: Settings = state.settings
    back = _return_to(request, form.get("return_to"))
    text = str(form.get("text") or "")
    intent = str(form.get("intent") or "")
    if intent == "hors_sujet":
        intent = training_data.OUT_OF_SCOPE
    try:
        path, added = examples.add(settings.data_dir, settings.domain_dir, intent, text, eval_questions(request))
    except training_data.DataError as exc:
        flash(request, str(exc), "error")
        return RedirectResponse(back, status_code=303)
    source = "transcription" if back.startswith("/conversations/") else "messages mal compris"
    record_change(request, Change("example_added", intent, f"Exemple ajouté à « {state.labels.label(intent)} » "
                                                           f"({source}) : « {text[:120]} »"))
    relative = path.relative_to(settings.content_dir) if path.is_relative_to(settings.content_dir) else path
    queries.record_annotation(state.engine, text, training_data.normalize(text), intent, str(relative), user)
    audit(state.engine, user, "annotation", intent, f"{text[:200]} → {relative}")
    name = state.labels.label(intent)
    message = (f"« {text[:80]} » ajouté aux exemples de « {name} » ({relative})." if added
               else f"« {text[:80]} » figurait déjà dans les exemples de « {name} » ({relative}).")
    flash(request, message + " Il sera pris en compte au prochain entraînement.")
    return RedirectResponse(back, status_code=303)


@login_required()
async def dismiss(request: Request) -> Response:
    form = await request.form()
    state, user = request.app.state, username(request)
    text = str(form.get("text") or "")[:2000]
    key = training_data.normalize(text)
    if not key:
        flash(request, "Message vide : rien à ignorer.", "error")
        return RedirectResponse(_inbox_url(request), status_code=303)
    queries.dismiss(state.engine, text, key, user)
    audit(state.engine, user, "inbox_dismiss", text[:255])
    flash(request, f"« {text[:80]} » est mis de côté : il ne sera plus proposé (voir « Messages ignorés »).")
    return RedirectResponse(_inbox_url(request), status_code=303)


@login_required()
async def restore(request: Request) -> Response:
    form = await request.form()
    state, user = request.app.state, username(request)
    text = str(form.get("text") or "")[:2000]
    if queries.restore(state.engine, training_data.normalize(text)):
        audit(state.engine, user, "inbox_restore", text[:255])
        flash(request, f"« {text[:80]} » est de nouveau à classer.")
    else:
        flash(request, "Ce message n'était pas ignoré.", "error")
    return RedirectResponse("/inbox?vue=ignores", status_code=303)


routes = [
    Route("/inbox", inbox),
    Route("/inbox/annotate", annotate, methods=["POST"]),
    Route("/inbox/dismiss", dismiss, methods=["POST"]),
    Route("/inbox/restore", restore, methods=["POST"]),
]
