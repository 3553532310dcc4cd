"""The console's accessibility statement (public: whoever cannot use the console must be able to read why and
whom to write to) and its site map, the second way around the pages besides the main menu (RGAA 12.1)."""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .common import _load_user, login_required, render

# The site map: (title, address, role needed), in the main menu's order.
PAGES = (
    ("Conversations", "/conversations", None),
    ("Conversations en attente d'un conseiller", "/queue", None),
    ("Messages mal compris", "/inbox", None),
    ("Analyse des données d'entraînement", "/analyse", None),
    ("Statistiques d'usage", "/statistiques", None),
    ("Parler à l'assistant", "/assistant", None),
    ("Fiches d'orientation", "/fiches", None),
    ("Données d'entraînement", "/donnees", None),
    ("Modifications en attente", "/modifications", None),
    ("Réponses de la FAQ", "/answers", "admin"),
    ("Entraînement et modèles", "/models", "admin"),
    ("Comptes", "/users", "admin"),
    ("Journal des actions", "/audit", "admin"),
    ("Données personnelles", "/donnees-personnelles", "admin"),
    ("Mon compte", "/account", None),
    ("Déclaration d'accessibilité", "/accessibilite", None),
)


async def statement_page(request: Request) -> Response:
    """Shown with the menu to a logged-in user, without it to anyone else."""
    return render(request, "accessibility.html", user=_load_user(request))


@login_required()
async def sitemap_page(request: Request) -> Response:
    role = request.state.user["role"]
    pages = [(title, href) for title, href, needed in PAGES if needed is None or needed == role]
    return render(request, "sitemap.html", pages=pages)


routes = [Route("/accessibilite", statement_page), Route("/plan", sitemap_page)]
