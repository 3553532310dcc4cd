"""The one Rasa test stack of a test run, and the two helpers every test harness shares.

`make test` starts the assistant ONCE for all the parts' tests, with `ops/teststack.py run`:

    python ops/teststack.py run [--meanwhile "CMD"] -- COMMAND…

starts the action server and Rasa (ops/stack.sh, as `make run` does) on free ports with a state
folder of its own, runs COMMAND with the stack described in the TEST_STACK_* environment variables,
then stops the stack. `--meanwhile` runs another command (without the stack) while the model loads.

Each part's tests get the stack from the pytest fixture `rasa_stack` of this module (a pytest plugin:
`pytest_plugins = ["teststack"]` with ops/ on the path). Given TEST_STACK_URL, the fixture uses that
stack; without it (a part's tests run alone) it starts one for the session and stops it at the end.
To keep one running while developing: `eval "$(python ops/teststack.py start /tmp/pile)"`, then run
any part's tests; `python ops/teststack.py stop /tmp/pile` at the end.

The stack is started the way `make run` starts it with the console registered (HANDOFF_ENABLED=true),
plus what the parts' tests need fixed before Rasa starts: the origin of the chat page (Rasa's CORS: the
widget's and the console's test pages are served there, one part at a time), the Tchap callback URL
(the bridge under test listens there) and the Mattermost API URL and tokens (the fake Mattermost).

The helpers: `free_port()` and `start_and_wait()` (start a process, wait until it answers, fail
early with the end of its log if it dies). Standard library only (every part's venv imports it),
except the pytest plugin part at the end.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Union

REPO = Path(__file__).resolve().parents[1]
STACK_SH = REPO / "ops" / "stack.sh"
ENV_PREFIX = "TEST_STACK_"
# ops/stack.sh waits this long for the model to load (on 2 busy cores it has taken more than 3 min).
STACK_WAIT_SECONDS = int(os.environ.get("STACK_WAIT_SECONDS") or 600)


def free_port() -> int:
    """A TCP port of the loopback interface that nobody listens on right now (the kernel picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def answers(url: str, timeout: float = 5) -> bool:
    """True when GET url answers 2xx."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return 200 <= response.status < 300
    except (OSError, urllib.error.URLError, ValueError):
        return False


def _log_tail(log: Optional[Path], chars: int = 4000) -> str:
    if log is None or not log.exists():
        return ""
    return f"\n--- fin du journal {log} ---\n" + log.read_text(errors="replace")[-chars:]


def wait_until(
    ready: Callable[[], bool],
    what: str,
    timeout: float = 120,
    process: Optional[subprocess.Popen] = None,
    log: Optional[Path] = None,
) -> None:
    """Poll `ready` until it is true; fail at once if `process` exits, or after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if ready():
                return
        except OSError:
            pass
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what} s'est arrêté au démarrage (code {process.returncode}){_log_tail(log)}")
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{what} ne répond pas après {timeout:.0f} s{_log_tail(log)}")
        time.sleep(0.3)


def start_and_wait(
    command: Sequence[str],
    what: str,
    ready: Union[str, Callable[[], bool]],
    log: Path,
    env: Optional[Mapping[str, str]] = None,
    cwd: Optional[Path] = None,
    timeout: float = 120,
) -> subprocess.Popen:
    """Start `command` in its own process group (output appended to `log`) and wait until it is ready:
    `ready` is a URL that must answer 2xx, or a function. Stop it with `stop_process`."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        process = subprocess.Popen(
            list(command), stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env=dict(env) if env is not None else None, cwd=cwd, start_new_session=True,
        )
    check = (lambda: answers(ready, timeout=2)) if isinstance(ready, str) else ready
    try:
        wait_until(check, what, timeout, process, log)
    except BaseException:
        stop_process(process)
        raise
    return process


def stop_process(process: Optional[subprocess.Popen], timeout: float = 30) -> None:
    """Stop a process group started by `start_and_wait` (SIGTERM, then SIGKILL)."""
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)
    except ProcessLookupError:
        pass


def stop_sheets(state_dir: Path) -> None:
    """Stop the sheet service a stack started (its pid in STATE/sheets.pid)."""
    pid_file = state_dir / "sheets.pid"
    if pid_file.exists():
        try:
            os.killpg(int(pid_file.read_text()), signal.SIGTERM)
        except (ProcessLookupError, ValueError):
            pass
        pid_file.unlink()


@dataclass
class Stack:
    """A running assistant (Rasa + action server) and what every part's tests need to know about it."""

    url: str  # Rasa: HTTP API and channels (rest, socketio, callback, mattermost)
    token: str  # Rasa's HTTP API token
    actions_url: str  # the action server
    state_dir: Path  # logs (rasa.log, actions.log) and the SQLite tracker store
    tracker_db: Path
    page_url: str  # where the tests serve the page a person chats in (widget, console's person page): CORS
    tchap_callback_url: str  # where Rasa posts the callback channel's replies (the Tchap bridge)
    tchap_callback_token: str  # the secret shared by Rasa's callback channel and the bridge
    mattermost_url: str  # where the Mattermost channel posts (a fake Mattermost in the tests)
    mattermost_bot_token: str
    mattermost_webhook_token: str
    sheets_url: str  # the orientation sheet's door (sheets/), started with the stack

    # --- describing it to other processes ---------------------------------------------------------

    def to_env(self) -> Dict[str, str]:
        """The TEST_STACK_* variables that hand this stack to another process."""
        return {ENV_PREFIX + f.name.upper(): str(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> Optional["Stack"]:
        """The stack described by TEST_STACK_* variables, or None when TEST_STACK_URL is not set."""
        env = os.environ if env is None else env
        if not env.get(ENV_PREFIX + "URL"):
            return None
        def value(name: str) -> str:
            return env.get(ENV_PREFIX + name.upper(), "")

        missing = [ENV_PREFIX + f.name.upper() for f in fields(cls) if not value(f.name)]
        if missing:
            raise RuntimeError(f"TEST_STACK_URL est défini mais pas {', '.join(missing)}")
        return cls(
            url=value("url"), token=value("token"), actions_url=value("actions_url"),
            state_dir=Path(value("state_dir")), tracker_db=Path(value("tracker_db")), page_url=value("page_url"),
            tchap_callback_url=value("tchap_callback_url"),
            tchap_callback_token=value("tchap_callback_token"), mattermost_url=value("mattermost_url"),
            mattermost_bot_token=value("mattermost_bot_token"),
            mattermost_webhook_token=value("mattermost_webhook_token"), sheets_url=value("sheets_url"),
        )

    # --- starting and stopping it -----------------------------------------------------------------

    @classmethod
    def new(cls, state_dir: Path) -> "Stack":
        """A stack not started yet, on free ports, with fresh secrets and its state in `state_dir`."""
        state_dir = Path(state_dir).resolve()
        rasa = f"http://127.0.0.1:{free_port()}"
        return cls(
            url=rasa,
            token=secrets.token_hex(24),  # hex: a token starting with "-" would be read as an option
            actions_url=f"http://127.0.0.1:{free_port()}",
            state_dir=state_dir,
            tracker_db=state_dir / "tracker.db",
            page_url=f"http://127.0.0.1:{free_port()}",
            tchap_callback_url=f"http://127.0.0.1:{free_port()}/rasa/callback",
            tchap_callback_token=secrets.token_hex(24),
            mattermost_url=f"http://127.0.0.1:{free_port()}",
            mattermost_bot_token=secrets.token_hex(16),
            mattermost_webhook_token=secrets.token_hex(16),
            sheets_url=f"http://127.0.0.1:{free_port()}",
        )

    def port(self, url: str) -> str:
        return url.rsplit(":", 1)[1].split("/")[0]

    def stack_sh_env(self) -> Dict[str, str]:
        """The environment ops/stack.sh starts this stack with (nothing inherited from `make run`)."""
        env = {k: v for k, v in os.environ.items()
               if not k.startswith((ENV_PREFIX, "MATTERMOST_", "TCHAP_"))
               and k not in ("STATE_DIR", "TRACKER_DB", "RASA_URL", "ACTION_ENDPOINT_URL", "TRACKER_STORE_URL")}
        env.update(
            RASA_PORT=self.port(self.url),
            ACTIONS_PORT=self.port(self.actions_url),
            RASA_AUTH_TOKEN=self.token,
            RASA_CORS=self.page_url,  # as in production: only the chat page's origin may call Rasa
            TRACKER_DB=str(self.tracker_db),
            HANDOFF_ENABLED="true",  # as with `make run`: the console takes over conversations
            TCHAP_CALLBACK_URL=self.tchap_callback_url,
            TCHAP_CALLBACK_TOKEN=self.tchap_callback_token,
            MATTERMOST_URL=self.mattermost_url,
            MATTERMOST_BOT_TOKEN=self.mattermost_bot_token,
            MATTERMOST_WEBHOOK_TOKEN=self.mattermost_webhook_token,
            MATTERMOST_SLASH_TOKEN="",
            MATTERMOST_ACTIONS_URL=f"{self.url}/webhooks/mattermost/actions",
            STACK_WAIT_SECONDS=str(STACK_WAIT_SECONDS),
            SHEETS_PUBLIC_URL=self.sheets_url,  # the sheet's links the action server gives
        )
        return env

    def start(self) -> None:
        """Start (or start again) with ops/stack.sh, which waits until the model is loaded."""
        if not list((REPO / "models").glob("*.tar.gz")):
            raise RuntimeError("Aucun modèle dans models/ : lancez d'abord « make train ».")
        self.state_dir.mkdir(parents=True, exist_ok=True)
        started = subprocess.run([str(STACK_SH), "start", str(self.state_dir)], env=self.stack_sh_env(), cwd=REPO)
        if started.returncode != 0:
            self.stop()
            raise RuntimeError(f"La pile Rasa de test n'a pas démarré (journaux dans {self.state_dir}).")
        self._start_sheets()

    def _start_sheets(self) -> None:
        """The orientation sheet's door, reading this stack's conversations (pid in STATE/sheets.pid)."""
        subprocess.run([str(REPO / "sheets" / "install.sh")], cwd=REPO, check=True)
        env = {**self.stack_sh_env(), "RASA_URL": self.url, "SHEETS_HOST": "127.0.0.1",
               "SHEETS_PORT": self.port(self.sheets_url), "SHEETS_CORS": self.page_url}
        process = start_and_wait([str(REPO / ".venv-sheets" / "bin" / "python"), "-m", "sheet_service"],
                                 "Le service des fiches", f"{self.sheets_url}/health", self.state_dir / "sheets.log",
                                 env=env, cwd=REPO / "sheets", timeout=60)
        (self.state_dir / "sheets.pid").write_text(str(process.pid))

    def stop(self) -> None:
        subprocess.run([str(STACK_SH), "stop", str(self.state_dir)], env=self.stack_sh_env(), cwd=REPO, check=False)
        stop_sheets(self.state_dir)

    @classmethod
    @contextmanager
    def running(cls, state_dir: Path) -> Iterator["Stack"]:
        """A new stack of one's own, started, and stopped at the end whatever happens (tests that restart
        Rasa use one: never the stack the other parts' tests share)."""
        stack = cls.new(state_dir)
        try:
            stack.start()
            yield stack
        finally:
            stack.stop()

    def restart(self) -> None:
        """Stop both servers and start them again on the same ports and state (a model load)."""
        self.stop()
        self.start()

    def status_url(self) -> str:
        return f"{self.url}/status?token={self.token}"


# --- command line ------------------------------------------------------------------------------------

def _run_meanwhile(command: str, results: List[int]) -> threading.Thread:
    def target() -> None:
        results.append(subprocess.run(command, shell=True, cwd=REPO).returncode)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread


def run(command: Sequence[str], meanwhile: Optional[str] = None, keep: bool = False) -> int:
    """Start one stack, run `command` with TEST_STACK_* set, stop the stack; the command's exit code."""
    state = Path(tempfile.mkdtemp(prefix="cac-test-stack-"))
    stack = Stack.new(state)
    results: List[int] = []
    side = _run_meanwhile(meanwhile, results) if meanwhile else None
    started = time.monotonic()
    print(f"Pile Rasa de test : démarrage sur {stack.url} (état : {state})", flush=True)
    try:
        try:
            stack.start()
        except RuntimeError as error:
            print(f"ERREUR : {error}", file=sys.stderr)
            return 1
        finally:
            if side is not None:
                side.join()
        print(f"Pile Rasa de test prête en {time.monotonic() - started:.0f} s", flush=True)
        if results and results[0] != 0:
            print(f"ÉCHEC de : {meanwhile}", file=sys.stderr)
            return results[0]
        return subprocess.run(list(command), env={**os.environ, **stack.to_env()}, cwd=REPO).returncode
    finally:
        stack.stop()
        if not keep:
            shutil.rmtree(state, ignore_errors=True)


def start_kept(state: Path) -> int:
    """Start a stack that outlives this command (for a developer): print its TEST_STACK_* lines, also
    saved in STATE/stack.env, to paste or `eval` before running any part's tests against it."""
    stack = Stack.new(state)
    stack.start()
    lines = "".join(f"export {name}={value}\n" for name, value in stack.to_env().items())
    (stack.state_dir / "stack.env").write_text(lines)
    print(lines, end="")
    return 0


def stop_kept(state: Path) -> int:
    """Stop the servers whose pid files are in STATE (ops/stack.sh stop and the sheet service need nothing else)."""
    stop_sheets(state)
    return subprocess.run([str(STACK_SH), "stop", str(state)], cwd=REPO).returncode


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="ops/teststack.py", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="action", required=True)
    for action, text in (("start", "démarrer une pile qui reste en marche (affiche ses variables TEST_STACK_*)"),
                         ("stop", "arrêter la pile démarrée par « start » dans ce dossier")):
        sub.add_parser(action, help=text).add_argument("state", type=Path, help="dossier d'état de la pile")
    run_parser = sub.add_parser("run", help="démarrer la pile, lancer COMMANDE avec TEST_STACK_*, arrêter la pile")
    run_parser.add_argument("--meanwhile", help="commande lancée pendant le chargement du modèle (sans la pile)")
    run_parser.add_argument("--keep", action="store_true", help="garder le dossier d'état (journaux) à la fin")
    run_parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    if args.action == "start":
        return start_kept(args.state)
    if args.action == "stop":
        return stop_kept(args.state)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("COMMANDE manquante (après --)")
    return run(command, args.meanwhile, args.keep)


# --- pytest plugin (`-p teststack`) ------------------------------------------------------------------

try:
    import pytest
except ImportError:  # the command line above does not need pytest
    pytest = None  # type: ignore[assignment]

if pytest is not None:

    def pytest_configure(config: "pytest.Config") -> None:
        config.addinivalue_line("markers", "stack: needs the running assistant (fixture rasa_stack)")

    def pytest_collection_modifyitems(items: List["pytest.Item"]) -> None:
        """Every test that uses the running assistant is marked `stack`: `make check` deselects them."""
        for item in items:
            if "rasa_stack" in getattr(item, "fixturenames", ()):
                item.add_marker(pytest.mark.stack)

    @pytest.fixture(scope="session")
    def rasa_stack(tmp_path_factory: "pytest.TempPathFactory") -> Iterator[Stack]:
        """The stack of the run (TEST_STACK_*), or one started for this session when none is given."""
        given = Stack.from_env()
        if given is not None:
            yield given
            return
        with Stack.running(tmp_path_factory.mktemp("rasa-stack")) as stack:
            yield stack


if __name__ == "__main__":
    sys.exit(main())
