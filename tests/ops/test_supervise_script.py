"""The supervision of `make run` and `make run-prod` (ops/supervise.sh) on stand-in services: a service
killed is started again with a line in the terminal and its log; one that ends normally is left ended;
one that keeps failing stops everything cleanly, naming itself and its log. The real parts (Rasa killed
under `make run`, a deploy under way) are tested in tests/e2e/test_make_run_supervision.py."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def service(root: Path, name: str, body: str) -> Path:
    script = root / name / "serve.sh"
    script.parent.mkdir(parents=True)
    script.write_text(body)
    return script


def wait_for(condition: Callable[[], object], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(") ", 1)[1].split()[0] != "Z"


@pytest.fixture
def supervised(tmp_path: Path) -> Iterator[Callable[..., tuple[subprocess.Popen[str], Path, Path]]]:
    """Start the supervision of the given services, as `make run` does after its stack has started."""
    runs: list[subprocess.Popen[str]] = []

    def start(*scripts: Path) -> tuple[subprocess.Popen[str], Path, Path]:
        log_dir = tmp_path / "log"
        log_dir.mkdir()
        terminal = tmp_path / "terminal.txt"
        script = ('. ops/processes.sh && . ops/supervise.sh && stop_everything_on_exit true && '
                  'start_services "$LOG_DIR" "$@" && supervise_services "$LOG_DIR" "$@" && supervise_forever')
        env = {**os.environ, "LOG_DIR": str(log_dir), "SUPERVISE_MAX_DELAY": "1"}
        with terminal.open("w") as output:
            run = subprocess.Popen(["bash", "-c", script, "supervise", *map(str, scripts)], cwd=REPO, env=env,
                                   stdout=output, stderr=subprocess.STDOUT, text=True, start_new_session=True)
        runs.append(run)
        return run, log_dir, terminal

    yield start
    for run in runs:
        if run.poll() is None:
            run.terminate()
            run.wait(30)


def test_a_killed_service_is_started_again_and_one_that_ends_normally_is_not(tmp_path: Path, supervised) -> None:
    console = service(tmp_path, "console", "echo démarrée; exec sleep 600\n")
    tchap = service(tmp_path, "tchap", "echo 'Pont Tchap non configuré'; exit 0\n")
    run, log_dir, terminal = supervised(console, tchap)
    wait_for(lambda: (log_dir / "console.pid").exists(), 10, "the console was not started")
    first = int((log_dir / "console.pid").read_text())
    wait_for(lambda: alive(first), 10, "the console is not running")
    os.kill(first, signal.SIGKILL)
    wait_for(lambda: int((log_dir / "console.pid").read_text()) != first, 10, "the console was not started again")
    second = int((log_dir / "console.pid").read_text())
    wait_for(lambda: alive(second), 10, "the new console is not running")
    # The new process's id is in its pid file a moment before the supervisor says it on the terminal.
    wait_for(lambda: f"console redémarré (processus {second})." in terminal.read_text(), 10,
             "the restart was not said on the terminal")
    said = terminal.read_text()
    assert "console s'est arrêté (code 137) ; redémarrage dans 0 s" in said
    assert f"journal : {log_dir}/console.log" in said
    log = (log_dir / "console.log").read_text()
    assert log.count("démarrée") == 2 and "console s'est arrêté (code 137)" in log
    # The unconfigured Tchap bridge ended with 0: said once, never started again. The supervisor looks at the
    # parts in turn: when its first look comes after the kill, the console's restart is said before Tchap's end.
    wait_for(lambda: "tchap s'est terminé normalement ; il n'est pas relancé." in terminal.read_text(), 10,
             "the end of the Tchap bridge was not said on the terminal")
    assert terminal.read_text().count("tchap s'est terminé normalement") == 1
    assert (log_dir / "tchap.log").read_text().count("non configuré") == 1
    assert run.poll() is None, "make run must go on"
    run.terminate()
    run.wait(30)
    wait_for(lambda: not alive(second), 15, "stopping make run left the console running")


def test_a_part_that_keeps_failing_stops_everything_and_says_which_and_where(tmp_path: Path, supervised) -> None:
    widget = service(tmp_path, "webchat", "exec sleep 600\n")
    broken = service(tmp_path, "console", "echo 'ERREUR : base illisible' >&2; exit 3\n")
    run, log_dir, terminal = supervised(widget, broken)
    wait_for(lambda: (log_dir / "webchat.pid").exists(), 10, "the widget page was not started")
    widget_pid = int((log_dir / "webchat.pid").read_text())
    assert run.wait(60) == 1
    said = terminal.read_text()
    assert said.count("console s'est arrêté (code 3)") == 4, said
    assert (f"ERREUR : console s'est arrêté 5 fois en 2 min ; l'assistant s'arrête. "
            f"Voir son journal : {log_dir}/console.log") in said
    assert (log_dir / "console.log").read_text().count("base illisible") == 5
    # Cleanly: the other parts are stopped too.
    wait_for(lambda: not alive(widget_pid), 15, "the widget page still runs after the supervision gave up")


def test_a_restart_waits_while_a_deploy_holds_the_lock(tmp_path: Path) -> None:
    """The restart command of Rasa says « busy » (75) while a deploy holds the lock; the supervision tries
    again without counting a failure, and a process the deploy put in the pid file is taken as it is."""
    state = tmp_path / "state"
    state.mkdir()
    (state / "rasa.log").write_text("")
    dead = subprocess.Popen(["true"])
    dead.wait()
    (state / "rasa.pid").write_text(f"{dead.pid}\n")
    lock = subprocess.Popen(["flock", str(state / "deploy.lock"), "sleep", "4"])
    time.sleep(0.5)
    # While the lock is held, the "deploy" puts its new process in the pid file.
    script = ('. ops/processes.sh && . ops/supervise.sh && supervise rasa "$S/rasa.pid" "$S/rasa.log" orphan '
              'ops/stack.sh restart-rasa "$S" && for i in $(seq 1 8); do check_part rasa; sleep 1; '
              '[ $i = 2 ] && { setsid sleep 60 >/dev/null 2>&1 & echo $! > "$S/rasa.pid"; }; done; echo "échecs:$failures"')
    done = subprocess.run(["bash", "-c", script], cwd=REPO, env={**os.environ, "S": str(state)},
                          capture_output=True, text=True, timeout=60)
    lock.wait()
    deployed = int((state / "rasa.pid").read_text())
    try:
        assert done.returncode == 0, done.stderr
        assert "rasa s'est arrêté ; redémarrage dans 0 s" in done.stdout
        assert "redémarré" not in done.stdout and "échecs:1" in done.stdout, done.stdout
        assert alive(deployed)
    finally:
        os.killpg(deployed, signal.SIGKILL)
