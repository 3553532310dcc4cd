"""The changes since the model in service: which commit each model was trained from (recorded when the
console starts a training), and the console's commits after it, net of the ones undone since."""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .git import Commit, WorkingCopy


class ModelCommits:
    """model file name → commit of the working copy it was trained from (a small JSON file in work_dir)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def all(self) -> dict[str, str]:
        if not self.path.is_file():
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def get(self, model_name: str) -> str:
        return self.all().get(model_name, "")

    def set(self, model_name: str, sha: str) -> None:
        data = {**self.all(), model_name: sha}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".model-commits.")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=1)
        os.replace(tmp, self.path)


@dataclass(frozen=True)
class Pending:
    commits: list[Commit]  # most recent first, net of undone changes
    base_known: bool  # False: the model in service was not trained by the console (every change is listed)


def pending_changes(copy: WorkingCopy, base: str) -> Pending:
    """The console's changes after `base` (the commit of the model in service; unknown: since the start)."""
    known = copy.knows(base)
    commits = [c for c in copy.commits_since(base if known else copy.root_commit()) if c.kind]
    undone = {c.target for c in commits if c.kind == "revert"}
    net = [c for c in commits
           if not (c.kind == "revert" and any(o.sha.startswith(c.target) for o in commits))
           and not any(c.sha.startswith(t) for t in undone)]
    return Pending(net, known)
