"""Putting a model in service: a candidate needs a confirmation and a gate that holds (gate.py); an admin
may override a failing gate with a written reason, kept in the audit log. Going back to the model that was
in service before stays one click (it was in service already: no gate)."""
from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

from sqlalchemy.engine import Engine

from ..queries import audit
from ..settings import Settings
from .deployment import Deployer
from .evaluation import Report, ReportStore
from .gate import Floors, failures

MIN_OVERRIDE_REASON = 20  # characters: a reason a reader of the audit log can understand


class PromotionRefused(ValueError):
    """Why the model was not put in service (French, shown as it is)."""


class ServiceHistory:
    """The models put in service, oldest first (work_dir/service-history.json)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def names(self) -> list[str]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        return [str(entry["model"]) for entry in data if isinstance(entry, dict) and "model" in entry]

    def add(self, model: str) -> None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = []
        data.append({"model": model, "at": time.time()})
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".history.")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data[-200:], handle)
        os.replace(tmp, self.path)

    def note_live(self, live: str) -> None:
        """Remember the model found in service (trained outside the console) so that one can come back to it."""
        names = self.names()
        if live and (not names or names[-1] != live):
            self.add(live)

    def previous(self, live: str, models_dir: Path) -> str | None:
        """The last model in service before `live` that still exists."""
        for name in reversed(self.names()):
            if name != live and (models_dir / name).is_file():
                return name
        return None


class Promotion:
    def __init__(self, settings: Settings, engine: Engine, deployer: Deployer, reports: ReportStore) -> None:
        self.settings, self.engine, self.deployer, self.reports = settings, engine, deployer, reports
        self.history = ServiceHistory(settings.work_dir / "service-history.json")

    def floors(self) -> Floors:
        return Floors.load(self.settings.code_dir)

    def gate_failures(self, report: Report) -> list[str]:
        return failures(report.figures, report.checks, self.floors())

    def _model_file(self, name: str) -> Path:
        path = self.settings.models_dir / Path(name).name
        if not path.name.endswith(".tar.gz") or not path.is_file():
            raise PromotionRefused("Modèle introuvable.")
        return path

    async def promote(self, name: str, username: str, confirmed: bool, override_reason: str = "") -> str:
        """Put the candidate `name` in service; PromotionRefused (with the reason) when it may not be."""
        model = self._model_file(name)
        if not confirmed:
            raise PromotionRefused("Cochez la case de confirmation : la mise en service change ce que lisent "
                                   "toutes les personnes.")
        report = self.reports.get(model.name)
        if report is None:
            raise PromotionRefused("Ce modèle n'a pas été vérifié (jeux d'évaluation, tests de conversation) : "
                                   "il ne peut pas être mis en service depuis la console.")
        reasons = self.gate_failures(report)
        override_reason = " ".join(override_reason.split())
        if reasons and not override_reason:
            audit(self.engine, username, "deploy_refused", model.name, " ".join(reasons))
            raise PromotionRefused("Mise en service refusée : " + " ".join(reasons))
        if reasons and len(override_reason) < MIN_OVERRIDE_REASON:
            audit(self.engine, username, "deploy_refused", model.name, " ".join(reasons))
            raise PromotionRefused(f"Pour passer outre aux seuils, écrivez une raison d'au moins "
                                   f"{MIN_OVERRIDE_REASON} caractères (elle est inscrite au journal). "
                                   + " ".join(reasons))
        await self._deploy(model, username, "candidat vérifié" if not reasons else "malgré les seuils")
        if reasons:
            audit(self.engine, username, "deploy_override", model.name,
                  f"Raison : {override_reason} — seuils non tenus : {' '.join(reasons)}")
            return f"Modèle {model.name} mis en service malgré les seuils ; la raison est inscrite au journal."
        return f"Modèle {model.name} mis en service."

    async def rollback(self, live: str, username: str) -> str:
        """Back to the model that was in service before (one click, no gate: people had it already)."""
        previous = self.history.previous(live, self.settings.models_dir)
        if previous is None:
            raise PromotionRefused("Aucun modèle précédent à remettre en service.")
        await self._deploy(self._model_file(previous), username, "retour au modèle précédent")
        return f"Modèle précédent {previous} remis en service."

    async def put_back(self, name: str, username: str) -> str:
        """A model of the list that was in service before (rollback further back)."""
        model = self._model_file(name)
        if model.name not in self.history.names():
            raise PromotionRefused("Ce modèle n'a jamais été en service : mettez-le en service comme candidat, "
                                   "après sa vérification.")
        await self._deploy(model, username, "remise en service d'un modèle précédent")
        return f"Modèle {model.name} mis en service."

    async def _deploy(self, model: Path, username: str, why: str) -> None:
        log_file = self.settings.work_dir / "deploys" / f"{time.strftime('%Y%m%d-%H%M%S')}-{model.name}.log"
        try:
            await self.deployer.deploy(model, log_file)
        except Exception as exc:
            audit(self.engine, username, "deploy_failed", model.name, str(exc))
            raise
        self.history.add(model.name)
        audit(self.engine, username, "deploy", model.name, why)
