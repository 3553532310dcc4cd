"""Audit log (admin): the most recent entries."""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..queries import recent_audit
from ..tracker import fmt_ts
from .common import login_required, render


@login_required("admin")
async def audit_page(request: Request) -> Response:
    return render(request, "audit.html", entries=recent_audit(request.app.state.engine), fmt_ts=fmt_ts)


routes = [Route("/audit", audit_page)]
