"""FAQ answers (admin): the list, and editing one with a checked preview before saving."""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from .. import training_data
from ..answer_rules import AnswerRules, RuleError
from ..queries import audit
from ..settings import Settings
from .common import error, flash, login_required, pop_flash, render, username


@login_required("admin")
async def answers(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    items = [(name, training_data.render_markdown(text))
             for name, (_path, text) in training_data.faq_answers(settings.domain_dir).items()]
    return render(request, "answers.html", items=items, flash=pop_flash(request))


@login_required("admin")
async def answer_edit(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    name = "utter_faq/" + request.path_params["key"]
    known = training_data.faq_answers(settings.domain_dir)
    if name not in known:
        return error(request, 404, "Réponse introuvable.")
    text, problem, preview = known[name][1], None, None
    if request.method == "POST":
        form = await request.form()
        text = str(form.get("text") or "")
        try:
            # The assistant's own rules file (actions/data/answer_rules.yml), read at each check so that a
            # change there applies here at once.
            rules = AnswerRules.load(settings.project_dir)
            checked = training_data.check_answer(text, rules)
            if form.get("action") == "save":
                path = training_data.save_answer(settings.domain_dir, name, checked, rules)
                audit(request.app.state.engine, username(request), "answer_edit", name, checked[:1000])
                flash(request, f"Réponse « {name} » enregistrée dans {path.name}. "
                               "Elle sera en service après le prochain entraînement.")
                return RedirectResponse("/answers", status_code=303)
            preview = training_data.render_markdown(checked)
        except (training_data.DataError, RuleError) as exc:
            problem = str(exc)
    return render(request, "answer_edit.html", status_code=400 if problem else 200, name=name, text=text,
                  preview=preview, error=problem, current=training_data.render_markdown(known[name][1]))


routes = [
    Route("/answers", answers),
    Route("/answers/{key}", answer_edit, methods=["GET", "POST"]),
]
