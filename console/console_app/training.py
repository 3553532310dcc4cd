"""Retrain and deploy: `rasa train` in a subprocess, then the profile's deploy command (deployment.py),
which starts Rasa with the new model in a new process and stops the old one, without a pause.

The live model is only replaced after a successful training and a successful deploy; any failure is
recorded with the end of the training log so the admin sees why.
"""
from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine

from .db import trainings
from .deployment import Deployer, DeployError
from .insights.analysis import refresh_insights
from .queries import audit
from .settings import Settings

# What the models page says of each state of a training (and its deploy).
STATUS_LABELS = {"running": "en cours…", "deploying": "mise en service…", "failed": "échec",
                 "deployed": "en service", "deploy_failed": "entraîné mais non mis en service"}


class TrainingError(RuntimeError):
    """User-facing (French) reason why a training cannot start."""


def tail(path: Path, lines: int = 60) -> str:
    if not path.is_file():
        return ""
    content = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return "\n".join(content[-lines:])


class TrainingService:
    def __init__(self, settings: Settings, engine: Engine, deployer: Deployer) -> None:
        self.settings, self.engine, self.deployer = settings, engine, deployer
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def command(self, model_name: str) -> list[str]:
        s = self.settings
        return [s.rasa_bin, "train", "--domain", str(s.domain_dir), "--data", str(s.data_dir),
                "--config", str(s.config_file), "--out", str(s.models_dir),
                "--fixed-model-name", model_name]

    def start(self, username: str) -> int:
        if self.running:
            raise TrainingError("Un entraînement est déjà en cours.")
        self.mark_interrupted()
        log_dir = self.settings.work_dir / "training"
        log_dir.mkdir(parents=True, exist_ok=True)
        model_name = "console-" + time.strftime("%Y%m%d-%H%M%S")
        log_file = log_dir / f"{model_name}.log"
        with self.engine.begin() as conn:
            training_id = conn.execute(insert(trainings).values(
                started_by=username, started_at=time.time(), status="running", log_file=str(log_file),
            ).returning(trainings.c.id)).scalar_one()
        audit(self.engine, username, "train_start", model_name)
        self._task = asyncio.create_task(self._run(training_id, username, model_name, log_file))
        return int(training_id)

    async def _run(self, training_id: int, username: str, model_name: str, log_file: Path) -> None:
        self.settings.models_dir.mkdir(parents=True, exist_ok=True)
        try:
            with log_file.open("wb") as log:
                process = await asyncio.create_subprocess_exec(
                    *self.command(model_name), stdout=log, stderr=asyncio.subprocess.STDOUT,
                    stdin=asyncio.subprocess.DEVNULL, cwd=str(self.settings.project_dir))
                code = await process.wait()
        except OSError as exc:
            self._finish(training_id, "failed", None, f"Impossible de lancer l'entraînement : {exc}")
            audit(self.engine, username, "train_failed", model_name, str(exc))
            return
        model_file = self.settings.models_dir / f"{model_name}.tar.gz"
        if code != 0 or not model_file.is_file():
            why = f"L'entraînement a échoué (code {code}) ; le modèle en service n'a pas changé."
            self._finish(training_id, "failed", None, why)
            audit(self.engine, username, "train_failed", model_name, why)
            return
        self._set_status(training_id, "deploying", "Modèle entraîné ; mise en service (l'assistant continue de "
                                                   "répondre avec le modèle précédent)…")
        try:
            await self.deployer.deploy(model_file, log_file)
        except DeployError as exc:
            self._finish(training_id, "deploy_failed", str(model_file),
                         f"Modèle entraîné mais non mis en service : {exc}")
            audit(self.engine, username, "deploy_failed", model_file.name, str(exc))
        else:
            self._finish(training_id, "deployed", str(model_file), "Modèle entraîné et mis en service.")
            audit(self.engine, username, "deploy", model_file.name, "après entraînement")
        # The insights page's confusions on the held-out sets, for this model (after the deploy: the
        # analysis loads the model once more, it must not delay the new model's service).
        await refresh_insights(self.settings, model_file, log_file)

    def _set_status(self, training_id: int, status: str, message: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(trainings).where(trainings.c.id == training_id).values(status=status, message=message))

    def _finish(self, training_id: int, status: str, model_file: str | None, message: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(trainings).where(trainings.c.id == training_id).values(
                status=status, model_file=model_file, message=message, finished_at=time.time()))

    def mark_interrupted(self) -> None:
        """A 'running' row without a running task is a training killed with the console."""
        if self.running:
            return
        with self.engine.begin() as conn:
            conn.execute(update(trainings).where(trainings.c.status.in_(("running", "deploying"))).values(
                status="failed", finished_at=time.time(),
                message="Entraînement interrompu (la console s'est arrêtée)."))

    def history(self, limit: int = 20) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(trainings).order_by(trainings.c.id.desc()).limit(limit))
            return [dict(r._mapping) for r in rows]

    def get(self, training_id: int) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(trainings).where(trainings.c.id == training_id)).first()
        return dict(row._mapping) if row else None

    def models(self) -> list[Path]:
        return sorted(self.settings.models_dir.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime, reverse=True)
