"""Every text the assistant says (admin): the list by kind with the fact-base sections each one rests on,
and editing one with a checked preview; the sections are shown beside the text and kept when it is
saved. Each saved text is a commit of the console's working copy (console_app/workbench)."""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from .. import training_data
from ..answer_rules import AnswerRules, RuleError
from ..queries import audit
from ..settings import REPO_ROOT, Settings
from ..training_data.facts import fact_sections, section_titles
from ..training_data.texts import AssistantText, assistant_texts, check_text, save_text, text_label
from ..workbench import Change
from .common import current_user, error, flash, login_required, pop_flash, render, username


def _sections(settings: Settings) -> dict[str, str]:
    return section_titles(settings.content_dir, REPO_ROOT)


def _grouped(request: Request) -> list[tuple[str, list[tuple[AssistantText, str, object]]]]:
    settings: Settings = request.app.state.settings
    groups: dict[str, list[tuple[AssistantText, str, object]]] = {}
    for text in assistant_texts(settings.domain_dir).values():
        label = text_label(text.name, request.app.state.labels.label)
        groups.setdefault(text.kind, []).append((text, label, training_data.render_markdown(text.text)))
    order = ["Réponses de la FAQ", "Accueil, repli et passage à un conseiller", "Vérification du périmètre"]
    return sorted(groups.items(), key=lambda item: (order.index(item[0]) if item[0] in order else 9, item[0]))


@login_required("admin")
async def answers(request: Request) -> Response:
    return render(request, "answers.html", groups=_grouped(request), sections=_sections(request.app.state.settings),
                  flash=pop_flash(request))


def edit_url(name: str) -> str:
    return "/answers/" + name.split("/", 1)[1] if name.startswith("utter_faq/") else "/textes/" + name


@login_required("admin")
async def answer_edit(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    key = request.path_params.get("key")
    name = "utter_faq/" + key if key else str(request.path_params.get("name") or "")
    current = assistant_texts(settings.domain_dir).get(name)
    if current is None:
        return error(request, 404, "Texte introuvable." if not key else "Réponse introuvable.")
    text, problem, preview = current.text, None, None
    if request.method == "POST":
        form = await request.form()
        text = str(form.get("text") or "")
        try:
            # The assistant's own rules file (actions/data/answer_rules.yml of the working copy), read at each
            # check so that a change there applies here at once.
            rules = AnswerRules.load(settings.content_dir)
            checked = check_text(current, text, rules)
            if form.get("action") == "save":
                saved = save_text(settings.domain_dir, name, checked, rules)
                label = text_label(name, request.app.state.labels.label)
                kind = "answer_edited" if current.is_faq else "text_edited"
                what = "Réponse modifiée" if current.is_faq else "Texte modifié"
                user = current_user(request)
                assert user is not None
                request.app.state.workbench.record(Change(kind, name, f"{what} : {label}"), user)
                audit(request.app.state.engine, username(request), "answer_edit", name, checked[:1000])
                flash(request, f"« {label} » enregistré dans {saved.path.name}, avec ses sections "
                               f"({', '.join(saved.sections) or 'aucune'}). Il sera en service après le prochain "
                               "entraînement (voir « Modifications en attente »).")
                return RedirectResponse("/answers", status_code=303)
            preview = training_data.render_markdown(checked)
        except (training_data.DataError, RuleError) as exc:
            problem = str(exc)
    facts = fact_sections(settings.content_dir, REPO_ROOT)
    sections = [(s, facts[s].title, training_data.render_markdown(facts[s].text)) if s in facts
                else (s, "section inconnue de la base de faits", None) for s in current.sections]
    return render(request, "answer_edit.html", status_code=400 if problem else 200, name=name, text=text,
                  label=text_label(name, request.app.state.labels.label), is_faq=current.is_faq, sections=sections,
                  preview=preview, error=problem, current=training_data.render_markdown(current.text))


routes = [
    Route("/answers", answers),
    Route("/answers/{key}", answer_edit, methods=["GET", "POST"]),
    Route("/textes/{name:path}", answer_edit, methods=["GET", "POST"]),
]
