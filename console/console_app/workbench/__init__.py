"""The console as a safe workbench: its own Git working copy of the assistant's data (git.py), each change
a commit (changes.py), and the changes since the model in service (pending.py)."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from ..settings import Settings
from .changes import Change, summarize
from .git import Commit, WorkbenchError, WorkingCopy
from .pending import ModelCommits, Pending, pending_changes

log = logging.getLogger("console")
__all__ = ["Change", "Commit", "ModelCommits", "Pending", "Workbench", "WorkbenchError", "WorkingCopy",
           "pending_changes", "summarize"]


class Workbench:
    """The working copy and the record of which commit each model was trained from."""

    def __init__(self, settings: Settings) -> None:
        self.copy = WorkingCopy(settings.content_dir, settings.project_dir, settings.workbench_remote,
                                settings.workbench_branch, settings.workbench_push)
        self.copy.ensure()
        self.models = ModelCommits(settings.work_dir / "model-commits.json")

    def record(self, change: Change, user: dict[str, Any]) -> str | None:
        """Commit what the console just wrote, authored by `user` (a row of the users table). The file is
        written already: a Git failure is logged (the change is then committed with the next one), never lost."""
        try:
            return self.copy.commit(change, str(user["username"]), user.get("display_name") or None)
        except WorkbenchError:
            log.exception("commit of a console change")
            return None

    def pending(self, live_model: str) -> Pending:
        return pending_changes(self.copy, self.models.get(Path(live_model).name) if live_model else "")
