"""« Entraîner »: `rasa train` in a subprocess on the console's working copy makes a CANDIDATE model,
which is then checked as make test's gate checks a model (evaluation.py) and compared with the model in
service. Nothing is put in service here: that is promotion.py, after a confirmation.

Any failure is recorded with the end of the training log so the admin sees why.
"""
from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any, Awaitable, Callable

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine

from ..db import trainings
from ..queries import audit
from ..settings import Settings
from .deployment import Deployer
from .evaluation import Evaluator, ReportStore
from .gate import Floors, failures

# What the models page says of each state of a training and of its candidate's check.
STATUS_LABELS = {"running": "en cours…", "evaluating": "vérification du candidat…", "failed": "échec",
                 "candidate": "candidat prêt", "candidate_below": "candidat sous les seuils",
                 "evaluation_failed": "vérification impossible",
                 # (trainings of earlier versions, which put their model in service at once)
                 "deploying": "mise en service…", "deployed": "en service",
                 "deploy_failed": "entraîné mais non mis en service"}
IN_PROGRESS = ("running", "evaluating", "deploying")


class TrainingError(RuntimeError):
    """User-facing (French) reason why a training cannot start."""


def tail(path: Path, lines: int = 60) -> str:
    if not path.is_file():
        return ""
    content = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return "\n".join(content[-lines:])


class TrainingService:
    def __init__(self, settings: Settings, engine: Engine, deployer: Deployer, evaluator: Evaluator,
                 reports: ReportStore, head: Callable[[], str], remember_commit: Callable[[str, str], None],
                 live_model: Callable[[], Awaitable[str]]) -> None:
        """`head`: the working copy's current commit; `remember_commit(model, commit)`: what a model was
        trained from; `live_model`: the file name of the model in service."""
        self.settings, self.engine, self.deployer = settings, engine, deployer
        self.evaluator, self.reports, self.head, self.live_model = evaluator, reports, head, live_model
        self.remember_commit = remember_commit
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
        self._task = asyncio.create_task(self._run(training_id, username, model_name, log_file, self.head()))
        return int(training_id)

    async def _run(self, training_id: int, username: str, model_name: str, log_file: Path, commit: str) -> None:
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
        self.remember_commit(model_file.name, commit)
        self._set_status(training_id, "evaluating", "Modèle candidat entraîné ; vérification comme avant « make test » "
                                                    "(données, tests de conversation, jeux d'évaluation)… Le modèle en "
                                                    "service ne change pas.")
        await self._check(training_id, username, model_file, log_file, commit)

    def start_check(self, username: str, model_file: Path) -> int:
        """Check a model that was not trained here (`make train`…) as a candidate, so that it may be put in
        service from the console."""
        if self.running:
            raise TrainingError("Un entraînement ou une vérification est déjà en cours.")
        self.mark_interrupted()
        log_dir = self.settings.work_dir / "training"
        log_dir.mkdir(parents=True, exist_ok=True)
        log_file = log_dir / f"verification-{time.strftime('%Y%m%d-%H%M%S')}.log"
        with self.engine.begin() as conn:
            training_id = conn.execute(insert(trainings).values(
                started_by=username, started_at=time.time(), status="evaluating", log_file=str(log_file),
                model_file=str(model_file), message=f"Vérification de {model_file.name} comme avant « make test »…",
            ).returning(trainings.c.id)).scalar_one()
        audit(self.engine, username, "check_start", model_file.name)
        self._task = asyncio.create_task(self._check(training_id, username, model_file, log_file, ""))
        return int(training_id)

    async def _check(self, training_id: int, username: str, model_file: Path, log_file: Path, commit: str) -> None:
        """Run the gate's checks on a candidate, keep its report, and say whether it holds the floors."""
        model_name = model_file.name
        try:
            report = await self.evaluator.evaluate(model_file, log_file)
            report.commit = commit
            self.reports.put(report)
            await self._measure_live_model(log_file)
        except Exception as exc:  # noqa: BLE001 - any failure of the check is shown, the live model untouched
            self._finish(training_id, "evaluation_failed", str(model_file),
                         f"La vérification du modèle n'a pas pu se faire (le modèle en service n'a pas changé) : {exc}")
            audit(self.engine, username, "train_failed", model_name, str(exc))
            return
        reasons = failures(report.figures, report.checks, Floors.load(self.settings.code_dir))
        if reasons:
            self._finish(training_id, "candidate_below", str(model_file),
                         "Candidat sous les seuils : " + " ".join(reasons))
        else:
            self._finish(training_id, "candidate", str(model_file),
                         "Candidat prêt : les seuils sont tenus. Comparez-le au modèle en service avant de le "
                         "mettre en service.")
        audit(self.engine, username, "candidate_ready", model_file.name,
              "seuils tenus" if not reasons else " ".join(reasons))

    async def _measure_live_model(self, log_file: Path) -> None:
        """The model in service measured the same way once, for the comparison (when it has no report yet)."""
        live = await self.live_model()
        live_file = self.settings.models_dir / live if live else None
        if live_file is not None and live_file.is_file() and self.reports.get(live) is None:
            self.reports.put(await self.evaluator.evaluate(live_file, log_file, full=False))

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
            conn.execute(update(trainings).where(trainings.c.status.in_(IN_PROGRESS)).values(
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
