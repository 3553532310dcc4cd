"""The training data in reach: per FAQ question and intent, list, search, add, edit, move and delete
examples (agents and admins); create a new FAQ question (admins). Each change is a commit of the console's
working copy, authored by the user (console_app/workbench)."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ..answer_rules import AnswerRules, RuleError
from ..queries import audit
from ..settings import REPO_ROOT, Settings
from ..training_data import DataError, examples, known_intents
from ..training_data.facts import section_titles
from ..training_data.leaks import EvalQuestions
from ..training_data.questions import TOPICS, NewQuestion, create
from ..workbench import Change
from .common import current_user, error, flash, login_required, pop_flash, render, username


def eval_questions(request: Request) -> EvalQuestions:
    """The evaluation questions (read once per console process: they change with the code, not here)."""
    state = request.app.state
    if getattr(state, "eval_questions", None) is None:
        settings: Settings = state.settings
        state.eval_questions = EvalQuestions(settings.code_dir)
    leaks: EvalQuestions = state.eval_questions
    return leaks


def record_change(request: Request, change: Change) -> None:
    """Commit what the request just wrote in the working copy, authored by the logged-in user."""
    user = current_user(request)
    assert user is not None
    request.app.state.workbench.record(change, user)


def _record(request: Request, kind: str, target: str, summary: str) -> None:
    record_change(request, Change(kind, target, summary))
    audit(request.app.state.engine, username(request), kind, target, summary)


def _label(request: Request, intent: str) -> str:
    return str(request.app.state.labels.label(intent))


def _back(intent: str, query: str = "") -> RedirectResponse:
    params = {"intent": intent} | ({"q": query} if query else {})
    return RedirectResponse("/donnees/intention?" + urlencode(params), status_code=303)


def _field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


@login_required()
async def data_index(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    by_intent = examples.examples_by_intent(settings.data_dir)
    query = request.query_params.get("q", "").strip()[:200]
    intents = [{"name": name, "label": _label(request, name), "count": len(by_intent.get(name, []))}
               for name in known_intents(settings.data_dir, settings.domain_dir)]
    found = examples.search(settings.data_dir, None, query)[:200] if query else []
    return render(request, "training_data.html", intents=intents, query=query, found=found,
                  label=lambda n: _label(request, n), flash=pop_flash(request))


@login_required()
async def intent_page(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    intent = request.query_params.get("intent", "")
    intents = known_intents(settings.data_dir, settings.domain_dir)
    if intent not in intents:
        return error(request, 404, "Question ou intention introuvable.")
    query = request.query_params.get("q", "").strip()[:200]
    items = examples.search(settings.data_dir, intent, query)
    total = len(examples.examples_by_intent(settings.data_dir).get(intent, []))
    choices = [(name, _label(request, name)) for name in intents if name != intent]
    return render(request, "training_intent.html", intent=intent, intent_label=_label(request, intent),
                  items=items, total=total, query=query, choices=choices, flash=pop_flash(request))


@login_required()
async def example_action(request: Request) -> Response:
    """add / edit / move / delete one example (request.path_params['action'])."""
    settings: Settings = request.app.state.settings
    form = await request.form()
    action, intent = request.path_params["action"], _field(form, "intent")
    text, query = _field(form, "text"), _field(form, "q")
    if intent not in known_intents(settings.data_dir, settings.domain_dir):
        return error(request, 404, "Question ou intention introuvable.")
    label = _label(request, intent)
    try:
        if action == "ajouter":
            _path, added = examples.add(settings.data_dir, settings.domain_dir, intent, text, eval_questions(request))
            if not added:
                raise DataError("Cet exemple figure déjà sous cette question.")
            _record(request, "example_added", intent, f"Exemple ajouté à « {label} » : « {text[:120]} »")
            flash(request, f"Exemple ajouté à « {label} ».")
        elif action == "modifier":
            _path, new = examples.edit(settings.data_dir, intent, text, _field(form, "new"), eval_questions(request))
            _record(request, "example_edited", intent, f"Exemple modifié dans « {label} » : « {text[:80]} » → "
                                                       f"« {new[:80]} »")
            flash(request, f"Exemple modifié : « {new} ».")
        elif action == "deplacer":
            to = _field(form, "to")
            examples.move(settings.data_dir, settings.domain_dir, intent, text, to, eval_questions(request))
            to_label = _label(request, to)
            _record(request, "example_moved", to, f"Exemple déplacé de « {label} » vers « {to_label} » : "
                                                  f"« {text[:120]} »")
            flash(request, f"Exemple déplacé vers « {to_label} ».")
        elif action == "supprimer":
            if _field(form, "confirm") != "oui":
                return render(request, "training_delete.html", intent=intent, intent_label=label, text=text,
                              query=query)
            examples.delete(settings.data_dir, intent, text)
            _record(request, "example_deleted", intent, f"Exemple supprimé de « {label} » : « {text[:120]} »")
            flash(request, f"Exemple supprimé de « {label} ».")
        else:
            return error(request, 404, "Action inconnue.")
    except DataError as exc:
        flash(request, str(exc), "error")
    return _back(intent, query)


def _question_form(form: FormData | None) -> dict[str, Any]:
    if form is None:
        return {"title": "", "key": "", "topic": "", "answer": "", "source": "", "sections": "", "examples": ""}
    return {name: _field(form, name) for name in ("title", "key", "topic", "answer", "source", "sections",
                                                   "examples")}


@login_required("admin")
async def new_question(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    titles = section_titles(settings.content_dir, REPO_ROOT)
    try:
        rules = AnswerRules.load(settings.content_dir)
    except RuleError as exc:
        return error(request, 500, str(exc))
    values, problem = _question_form(None), None
    if request.method == "POST":
        form = await request.form()
        values = _question_form(form)
        question = NewQuestion(
            title=values["title"], key=values["key"], topic=values["topic"], answer=values["answer"],
            source=values["source"], sections=[s for s in values["sections"].replace(",", " ").split() if s],
            examples=[line for line in values["examples"].splitlines() if line.strip()])
        try:
            key = create(question, settings.content_dir, rules, titles, eval_questions(request))
        except DataError as exc:
            problem = str(exc)
        else:
            title = " ".join(question.title.split())
            _record(request, "question_created", f"faq/{key}", f"Question créée : {title} (faq/{key})")
            flash(request, f"Question « {title} » créée avec sa réponse et {len(question.examples)} exemples. "
                           "Elle sera reconnue après le prochain entraînement.")
            return _back(f"faq/{key}")
    return render(request, "question_new.html", status_code=400 if problem else 200, values=values, error=problem,
                  topics=TOPICS, sources=rules.allowed_sources, section_titles=titles)


routes = [
    Route("/donnees", data_index),
    Route("/donnees/intention", intent_page),
    Route("/donnees/exemples/{action}", example_action, methods=["POST"]),
    Route("/donnees/questions/nouvelle", new_question, methods=["GET", "POST"]),
]
