"""« Analyse des données »: the questions the model confuses on the held-out sets (refreshed at each
training) and the questions with too few training examples."""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..insights.analysis import MIN_EXAMPLES, latest_insights, too_few_examples
from ..settings import Settings
from ..tracker import fmt_ts
from .common import login_required, render


@login_required()
async def insights(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    found = latest_insights(settings.work_dir / "candidates")  # the gate's reports (release/evaluation.py)
    analysed_at = fmt_ts(found.created) if found is not None else ""
    return render(request, "insights.html", insights=found, analysed_at=analysed_at,
                  few=too_few_examples(settings.data_dir, settings.domain_dir), minimum=MIN_EXAMPLES)


routes = [Route("/analyse", insights)]
