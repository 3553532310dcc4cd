"""Console settings, read once from the environment (see docs/console.md for every variable)."""
from __future__ import annotations

import os
import secrets
import shlex
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def _read_or_create_secret(path: Path) -> str:
    """Read a secret file, creating it (mode 600) with a random value the first time."""
    if path.is_file() and path.read_text().strip():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value + "\n")
    return value


def _deploy_command(env: dict[str, str], state_dir: Path) -> list[str]:
    """How the profile puts a model in service (the model's path is appended): CONSOLE_DEPLOY_COMMAND,
    else the default profile's `ops/stack.sh deploy STATE_DIR` (console_app/release/deployment.py)."""
    if env.get("CONSOLE_DEPLOY_COMMAND"):
        return shlex.split(env["CONSOLE_DEPLOY_COMMAND"])
    return [str(REPO_ROOT / "ops" / "stack.sh"), "deploy", str(state_dir.resolve())]


def _workbench_dir(env: dict[str, str], state_dir: Path) -> Path | None:
    """The console's Git working copy (console_app/workbench): CONSOLE_WORKBENCH_DIR; else None when
    CONSOLE_PROJECT_DIR names a plain folder (a copy made for the console, put under Git in place); else
    `workbench` in the console's work folder (a clone of the project when it is a Git checkout, a copy of
    its data otherwise: the code folder itself may be read-only, as under systemd)."""
    if env.get("CONSOLE_WORKBENCH_DIR"):
        return Path(env["CONSOLE_WORKBENCH_DIR"]).resolve()
    project = env.get("CONSOLE_PROJECT_DIR")
    if project and not (Path(project) / ".git").exists() and not env.get("CONSOLE_WORKBENCH_REMOTE"):
        return None
    return Path(env.get("CONSOLE_WORK_DIR") or state_dir / "console").resolve() / "workbench"


def _tracker_url(env: dict[str, str], state_dir: Path) -> str:
    """SQLAlchemy URL of Rasa's SQL tracker store: TRACKER_STORE_URL, else the SQLite file TRACKER_DB."""
    if env.get("TRACKER_STORE_URL"):
        return env["TRACKER_STORE_URL"]
    db = Path(env.get("TRACKER_DB") or state_dir / "tracker.db")
    return f"sqlite:///{db.resolve()}"


@dataclass
class Settings:
    """Everything the console needs to know about its surroundings."""

    project_dir: Path
    console_db_url: str
    tracker_url: str
    rasa_url: str
    rasa_token: str
    secret_key: str
    cookie_secure: bool = False
    handoff_timeout: float = 120.0  # a request nobody takes returns to the assistant after this delay
    agent_idle_timeout: float = 600.0  # a taken conversation whose agent sends nothing, likewise
    low_confidence: float = 0.5
    models_dir: Path = field(default_factory=lambda: REPO_ROOT / "models")
    train_config: Path | None = None
    rasa_bin: str = str(REPO_ROOT / ".venv" / "bin" / "rasa")
    deploy_command: list[str] = field(default_factory=lambda: [str(REPO_ROOT / "ops" / "stack.sh"), "deploy",
                                                               str(REPO_ROOT / "var")])
    work_dir: Path = field(default_factory=lambda: REPO_ROOT / "var" / "console")
    poll_seconds: float = 2.0
    session_max_age: int = 8 * 3600
    sheets_url: str = "http://localhost:5057"  # the orientation sheet's door (sheets/), asked with the Rasa token
    # The console's own Git working copy of the assistant's data (console_app/workbench): every change the
    # console makes is a commit there. None: the project folder itself (a copy made for the console, as in
    # the tests), put under Git in place.
    workbench_dir: Path | None = None
    workbench_remote: str = ""  # clone from / push to this Git remote (optional)
    workbench_branch: str = "console"
    workbench_push: bool = False  # push each change to the remote's branch

    @property
    def content_dir(self) -> Path:
        """Where the data the console edits lives (data/, domain/, config.yml, actions/data/)."""
        return self.workbench_dir or self.project_dir

    @property
    def code_dir(self) -> Path:
        """The assistant's code and evaluation sets (eval/, tests/stories/): the project's when it has them
        (a checkout), else this checkout's (the project is a data copy, as in the tests)."""
        return self.project_dir if (self.project_dir / "eval").is_dir() else REPO_ROOT

    @property
    def data_dir(self) -> Path:
        return self.content_dir / "data"

    @property
    def domain_dir(self) -> Path:
        return self.content_dir / "domain"

    @property
    def catalog_dir(self) -> Path:
        """The FAQ catalog (question titles): the working copy's, else this checkout's."""
        own = self.content_dir / "actions" / "data" / "catalog"
        return own if own.is_dir() else REPO_ROOT / "actions" / "data" / "catalog"

    @property
    def config_file(self) -> Path:
        return self.train_config or self.content_dir / "config.yml"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "Settings":
        env = dict(os.environ if env is None else env)
        state_dir = Path(env.get("STATE_DIR") or REPO_ROOT / "var")
        secrets_dir = REPO_ROOT / ".secrets"
        token = env.get("RASA_AUTH_TOKEN") or ""
        if not token and (secrets_dir / "rasa_token").is_file():
            token = (secrets_dir / "rasa_token").read_text().strip()
        secret_key = env.get("CONSOLE_SECRET_KEY") or _read_or_create_secret(secrets_dir / "console_secret")
        return cls(
            project_dir=Path(env.get("CONSOLE_PROJECT_DIR") or REPO_ROOT).resolve(),
            console_db_url=env.get("CONSOLE_DB_URL") or f"sqlite:///{(state_dir / 'console.db').resolve()}",
            tracker_url=_tracker_url(env, state_dir),
            rasa_url=(env.get("RASA_URL") or "http://localhost:5005").rstrip("/"),
            rasa_token=token,
            secret_key=secret_key,
            cookie_secure=env.get("CONSOLE_COOKIE_SECURE", "false").lower() in ("1", "true", "yes"),
            handoff_timeout=float(env.get("CONSOLE_HANDOFF_TIMEOUT") or 120),
            agent_idle_timeout=float(env.get("CONSOLE_AGENT_IDLE_TIMEOUT") or 600),
            low_confidence=float(env.get("CONSOLE_LOW_CONFIDENCE") or 0.5),
            models_dir=Path(env.get("CONSOLE_MODELS_DIR") or REPO_ROOT / "models").resolve(),
            train_config=Path(env["CONSOLE_TRAIN_CONFIG"]).resolve() if env.get("CONSOLE_TRAIN_CONFIG") else None,
            rasa_bin=env.get("CONSOLE_RASA_BIN") or str(REPO_ROOT / ".venv" / "bin" / "rasa"),
            deploy_command=_deploy_command(env, state_dir),
            work_dir=Path(env.get("CONSOLE_WORK_DIR") or state_dir / "console").resolve(),
            poll_seconds=float(env.get("CONSOLE_POLL_SECONDS") or 2),
            sheets_url=(env.get("SHEETS_URL") or env.get("SHEETS_PUBLIC_URL") or "http://localhost:5057").rstrip("/"),
            workbench_dir=_workbench_dir(env, state_dir),
            workbench_remote=env.get("CONSOLE_WORKBENCH_REMOTE") or "",
            workbench_branch=env.get("CONSOLE_WORKBENCH_BRANCH") or "console",
            workbench_push=env.get("CONSOLE_WORKBENCH_PUSH", "false").lower() in ("1", "true", "yes"),
        )
