"""`make run`'s script started by a test, as from a terminal, with its own state folder and ports (the
tests of Ctrl-C, `make stop` and the supervision)."""

import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Mapping, Optional, Sequence

from teststack import free_port

REPO = Path(__file__).resolve().parents[2]


def as_from_a_terminal() -> None:
    """Ctrl-C as a terminal delivers it: a run of the tests started in the background (`make test &`,
    nohup, some CI runners) ignores SIGINT, and bash cannot trap a signal ignored when it starts."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def terminal_of(state: Path) -> Path:
    """Where `start_make_run` writes what `make run` prints (what its terminal would show)."""
    return state.parent / "run.log"


def start_make_run(state: Path, command: Sequence[str] = ("bash", "ops/run.sh"),
                   env_extra: Optional[Mapping[str, str]] = None) -> tuple:
    """`make run`'s script (or `command`, which runs it) with its own state and ports; returns it with the
    pids of Rasa and the action server once both are started (the model is then still loading)."""
    env = dict(os.environ, **(env_extra or {}))
    env.update(STATE_DIR=str(state), TRACKER_DB=str(state / "tracker.db"), RASA_PORT=str(free_port()),
               ACTIONS_PORT=str(free_port()), WEBCHAT_PORT=str(free_port()), CONSOLE_PORT=str(free_port()))
    env.pop("RASA_URL", None)
    env.pop("RASA_CORS", None)
    state.parent.mkdir(parents=True, exist_ok=True)
    with terminal_of(state).open("w") as output:
        run = subprocess.Popen(list(command), cwd=REPO, env=env, start_new_session=True,
                               stdout=output, stderr=subprocess.STDOUT, preexec_fn=as_from_a_terminal)
    deadline = time.monotonic() + 120
    while not ((state / "rasa.pid").exists() and (state / "actions.pid").exists()):
        assert run.poll() is None and time.monotonic() < deadline, "make run did not start the servers"
        time.sleep(0.1)
    time.sleep(0.5)
    pids = [int((state / name).read_text()) for name in ("rasa.pid", "actions.pid")]
    return run, env, pids


def still_running(pids, seconds: float = 30) -> list:
    deadline = time.monotonic() + seconds
    alive = list(pids)
    while alive and time.monotonic() < deadline:
        alive = [pid for pid in alive if os.path.exists(f"/proc/{pid}") and
                 not Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"]
        time.sleep(0.1)
    return alive


def why_make_run_did_not_stop(run, terminal: Path) -> str:
    """What `make run` was doing when it should have stopped: its processes and what it printed."""
    processes = subprocess.run(["ps", "-o", "pid,stat,etime,args", "-g", str(run.pid)], capture_output=True,
                               text=True).stdout
    return f"make run ne s'est pas arrêté (code {run.returncode}) :\n{processes}\n{terminal.read_text()}"


def kill_leftovers(run, pids) -> None:
    """Whatever the test's outcome, nothing it started survives it."""
    for group in (run.pid, *pids):
        try:
            os.killpg(group, signal.SIGKILL)
        except ProcessLookupError:
            pass
    run.wait(10)


def unit_command_and_environment(folder: Path, unit: str) -> tuple[list[str], dict[str, str]]:
    """The ExecStart command line and the Environment= of a unit of deploy/systemd/, rendered for this
    checkout by deploy/systemd/install.sh --render-only (what systemd would run)."""
    subprocess.run(["bash", "deploy/systemd/install.sh", "--render-only", str(folder)], cwd=REPO, check=True)
    command: list[str] = []
    env: dict[str, str] = {}
    for line in (folder / unit).read_text().splitlines():
        key, _, value = line.partition("=")
        if key == "ExecStart":
            command = value.split()
        elif key == "Environment":
            name, _, setting = value.partition("=")
            env[name] = setting
    return command, env
