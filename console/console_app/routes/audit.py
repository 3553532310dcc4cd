"""Audit log (admin): every action, most recent first, named in French."""
from __future__ import annotations

from functools import partial

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..pagination import fetch_page
from ..queries import audit_entries, count_audit
from .common import login_required, render

# What each audit code means for the reader of the log; a code missing here is shown as it is.
ACTION_LABELS = {
    "login": "Connexion",
    "login_failed": "Échec de connexion",
    "logout": "Déconnexion",
    "review": "Revue d'une conversation",
    "tag": "Étiquette ajoutée",
    "untag": "Étiquette retirée",
    "annotation": "Exemple ajouté aux données",
    "inbox_dismiss": "Message mal compris ignoré",
    "inbox_restore": "Message mal compris remis à classer",
    "answer_edit": "Réponse modifiée",
    "train_start": "Entraînement lancé",
    "train_failed": "Échec de l'entraînement",
    "deploy": "Modèle mis en service",
    "deploy_failed": "Échec de la mise en service",
    "takeover": "Conversation prise en charge",
    "handback": "Main rendue à l'assistant",
    "timeout": "Personne n'a pris la demande à temps",
    "idle_timeout": "Conseiller inactif : retour à l'assistant",
    "user_create": "Compte créé",
    "password_set": "Mot de passe changé",
    "password_reset": "Mot de passe réinitialisé",
    "role_change": "Rôle changé",
    "user_disable": "Compte désactivé",
    "user_enable": "Compte réactivé",
    "display_name_change": "Nom affiché changé",
    "purge": "Purge des données anciennes",
    "erase": "Conversation effacée (droit à l'effacement)",
    "example_added": "Exemple ajouté",
    "example_edited": "Exemple modifié",
    "example_moved": "Exemple déplacé",
    "example_deleted": "Exemple supprimé",
    "question_created": "Question de la FAQ créée",
    "change_revert": "Modification annulée",
    "candidate_ready": "Modèle candidat évalué",
    "check_start": "Vérification d'un modèle lancée",
    "deploy_refused": "Mise en service refusée (seuils)",
    "deploy_override": "Mise en service malgré les seuils (admin)",
}
ACTOR_LABELS = {"console": "console (automatique)", "cli": "ligne de commande",
                "rétention": "tâche de conservation (automatique)"}


@login_required("admin")
async def audit_page(request: Request) -> Response:
    engine = request.app.state.engine
    page = fetch_page(request.query_params.get("page"), count_audit(engine), partial(audit_entries, engine))
    return render(request, "audit.html", page=page, actions=ACTION_LABELS, actors=ACTOR_LABELS)


routes = [Route("/audit", audit_page)]
