"""The console's own Git working copy of the assistant's data: every change is a commit there, authored
by the console user who made it (never the developers' checkout).

Made once, at the console's start (`WorkingCopy.ensure`):
- with a remote (CONSOLE_WORKBENCH_REMOTE): a clone of it, on the branch CONSOLE_WORKBENCH_BRANCH;
- else, when the project folder is a Git checkout: a clone of it (its last commit), the checkout untouched;
- else (a plain copy, as in the tests): the folder put under Git where it is.
With CONSOLE_WORKBENCH_PUSH=true each change is pushed to the remote's branch; a failed push keeps the
commit and is shown on the « Modifications en attente » page.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

from .changes import Change, parse_trailer

COMMITTER = ("Console de support", "console@localhost")
# What a fresh working copy made from a plain folder holds: the data the console edits and reads.
CONTENT_PATHS = ("config.yml", "data", "domain", "actions/data")
_FIELD, _RECORD = "\x1f", "\x1e"


class WorkbenchError(RuntimeError):
    """A user-facing (French) reason why the working copy could not do what was asked."""


@dataclass(frozen=True)
class Commit:
    sha: str
    author: str
    timestamp: float
    summary: str
    kind: str  # "" for a commit not made by the console (the initial copy, a developer's)
    target: str


def _author(username: str, display_name: str | None) -> str:
    return f"{display_name or username} <{username}@console.invalid>"


class WorkingCopy:
    def __init__(self, root: Path, source: Path, remote: str = "", branch: str = "console",
                 push: bool = False) -> None:
        self.root, self.source, self.remote, self.branch, self.push_enabled = root, source, remote, branch, push
        self.last_push_error = ""
        self._lock = threading.Lock()

    # --- plumbing -------------------------------------------------------------------------------------

    def _git(self, *args: str, check: bool = True, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "GIT_COMMITTER_NAME": COMMITTER[0], "GIT_COMMITTER_EMAIL": COMMITTER[1],
               "GIT_AUTHOR_NAME": COMMITTER[0], "GIT_AUTHOR_EMAIL": COMMITTER[1], "GIT_TERMINAL_PROMPT": "0",
               "LC_ALL": "C"}
        done = subprocess.run(["git", "-c", "commit.gpgsign=false", "-c", "core.hooksPath=/dev/null", *args],
                              cwd=str(cwd or self.root), env=env, capture_output=True, text=True, timeout=120)
        if check and done.returncode != 0:
            raise WorkbenchError(f"Git a refusé l'opération : {(done.stderr or done.stdout).strip()[-300:]}")
        return done

    def ensure(self) -> None:
        """Make the working copy if it does not exist yet (see the module docstring)."""
        if (self.root / ".git").exists():
            if self._git("rev-parse", "-q", "--verify", "MERGE_HEAD", check=False).returncode == 0:
                raise WorkbenchError(f"La copie de travail {self.root} est au milieu d'une fusion : terminez-la "
                                     "(git commit) ou annulez-la (git merge --abort) avant de démarrer la console.")
            return
        if self.remote:
            self.root.parent.mkdir(parents=True, exist_ok=True)
            self._git("clone", "--branch", self.branch, self.remote, str(self.root), cwd=self.root.parent)
            return
        if self.root != self.source and (self.source / ".git").exists():
            self.root.parent.mkdir(parents=True, exist_ok=True)
            self._git("clone", "--no-hardlinks", str(self.source), str(self.root), cwd=self.root.parent)
            self._git("checkout", "-B", self.branch)
            return
        if self.root != self.source:
            self._copy_content()
        self._git("init", "-q", "-b", self.branch)
        self._git("add", "-A")
        self._git("commit", "-q", "--allow-empty", "-m", "Copie de départ des données de l'assistant")

    def _copy_content(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        for relative in CONTENT_PATHS:
            origin = self.source / relative
            if origin.is_dir():
                shutil.copytree(origin, self.root / relative, dirs_exist_ok=True)
            elif origin.is_file():
                (self.root / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(origin, self.root / relative)

    # --- reading --------------------------------------------------------------------------------------

    def head(self) -> str:
        return self._git("rev-parse", "HEAD").stdout.strip()

    def root_commit(self) -> str:
        return self._git("rev-list", "--max-parents=0", "HEAD").stdout.split()[0]

    def knows(self, sha: str) -> bool:
        return bool(sha) and self._git("cat-file", "-e", f"{sha}^{{commit}}", check=False).returncode == 0

    def commits_since(self, base: str) -> list[Commit]:
        """The commits after `base` (excluded) up to HEAD, most recent first."""
        out = self._git("log", f"--format=%H{_FIELD}%an{_FIELD}%at{_FIELD}%B{_RECORD}", f"{base}..HEAD").stdout
        commits = []
        for record in out.split(_RECORD):
            if not record.strip():
                continue
            sha, author, timestamp, message = record.strip("\n").split(_FIELD, 3)
            kind, target = parse_trailer(message) or ("", "")
            commits.append(Commit(sha, author, float(timestamp), message.strip().splitlines()[0], kind, target))
        return commits

    def diff(self, sha: str) -> str:
        """The lines a commit changed (for the « détail » of a change)."""
        return self._git("show", "--format=", "--unified=0", "--no-color", sha).stdout

    # --- writing --------------------------------------------------------------------------------------

    def commit(self, change: Change, username: str, display_name: str | None = None) -> str | None:
        """Commit everything changed in the working copy as `change`, authored by the console user; the
        new commit's id, or None when nothing changed."""
        with self._lock:
            self._git("add", "-A")
            if self._git("diff", "--cached", "--quiet", check=False).returncode == 0:
                return None
            self._git("commit", "-q", "--author", _author(username, display_name), "-m", change.message())
            sha = self.head()
        self.push()
        return sha

    def revert(self, sha: str, username: str, display_name: str | None = None) -> str:
        """Undo one change by a new commit (history is never rewritten); refused, with the reason, when a
        later change touched the same lines."""
        if not self.knows(sha):
            raise WorkbenchError("Modification introuvable.")
        with self._lock:
            original = next(iter(self.commits_since(f"{sha}~1")[-1:]), None)
            if original is None or original.sha != sha or not original.kind:
                raise WorkbenchError("Seules les modifications faites depuis la console peuvent être annulées ici.")
            if not self._undo_in_index(sha):
                raise WorkbenchError("Une modification plus récente touche les mêmes lignes : annulez-la d'abord, "
                                     "puis celle-ci.")
            change = Change("revert", sha[:12], f"Annulé : {original.summary}")
            self._git("commit", "-q", "--allow-empty", "--author", _author(username, display_name),
                      "-m", change.message())
            new = self.head()
        self.push()
        return new

    def _undo_in_index(self, sha: str) -> bool:
        """Stage the reverse of `sha`: a 3-way revert, else its lines alone (two examples added one after
        the other touch adjacent lines, which a 3-way revert counts as a conflict). False: neither applies."""
        if self._git("revert", "--no-commit", sha, check=False).returncode == 0:
            return True
        self._git("revert", "--abort", check=False)
        self._git("reset", "-q", "--hard", "HEAD", check=False)
        patch = self._git("show", "--format=", "--unified=0", "--no-color", "--binary", sha).stdout
        done = subprocess.run(["git", "apply", "--reverse", "--unidiff-zero", "--index"], input=patch,
                              cwd=str(self.root), capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            self._git("reset", "-q", "--hard", "HEAD", check=False)
            return False
        return True

    def push(self) -> None:
        """Push HEAD to the remote's branch when the setting asks for it; a failure is kept for the page."""
        if not (self.push_enabled and self.remote):
            return
        done = self._git("push", self.remote, f"HEAD:refs/heads/{self.branch}", check=False)
        self.last_push_error = "" if done.returncode == 0 else (done.stderr or done.stdout).strip()[-300:]
