"""On the running assistant (ops/stack.sh, as `make run` starts it): loopback only, private files, CORS
limited to the widget's page; and `make run` leaves nothing running when stopped during the model load."""

import contextlib
import os
import signal
import socket
import subprocess
import urllib.request
from pathlib import Path

import pytest
from makerun import kill_leftovers, start_make_run, still_running, terminal_of, why_make_run_did_not_stop

REPO = Path(__file__).resolve().parents[2]


def listening_addresses(port: int) -> set:
    """Local addresses with a socket listening on PORT (from /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.add(address)
    return found


def test_rasa_and_the_action_server_listen_on_loopback_only(stack):
    for url in (stack.url, stack.stack.actions_url):
        port = int(url.rsplit(":", 1)[1])
        assert listening_addresses(port) == {"0100007F"}, port  # 127.0.0.1, not 0.0.0.0 nor ::


def test_conversations_logs_and_token_files_are_private(stack):
    for name in ("tracker.db", "rasa.log", "actions.log", "rasa_token", "rasa.env"):
        path = stack.stack.state_dir / name
        assert path.stat().st_mode & 0o077 == 0, f"{name} is readable by others"


def allowed_origin(stack, origin: str):
    request = urllib.request.Request(stack.url + "/webhooks/rest/", headers={"Origin": origin})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.headers.get("Access-Control-Allow-Origin")


def test_only_the_widget_page_may_call_rasa_from_a_browser(stack):
    page = stack.stack.page_url  # the stack's widget page (make run: http://localhost:8080)
    assert allowed_origin(stack, page) == page
    assert allowed_origin(stack, "https://intrus.example") is None


# These two start `make run`'s script themselves, which needs a trained model: marked `stack` so that
# `make check` (no model) leaves them to `make test`.
@pytest.mark.stack
def test_ctrl_c_during_the_model_load_stops_everything(tmp_path):
    state = tmp_path / "state"
    run, _env, pids = start_make_run(state)
    try:
        os.killpg(run.pid, signal.SIGINT)  # what Ctrl-C sends to the terminal's foreground group
        with contextlib.suppress(subprocess.TimeoutExpired):
            run.wait(180)  # the servers get TERM, then KILL after 10 s each; the machine may be busy
        assert run.returncode == 130, why_make_run_did_not_stop(run, terminal_of(state))
        assert still_running(pids) == []
        assert "L'assistant « Cloud au centre » tourne" not in terminal_of(state).read_text()
    finally:
        kill_leftovers(run, pids)


@pytest.mark.stack
def test_make_stop_from_another_terminal_stops_everything(tmp_path):
    run, env, pids = start_make_run(tmp_path / "state")
    try:
        subprocess.run(["make", "--no-print-directory", "stop"], cwd=REPO, env=env, check=True, timeout=120)
        run.wait(180)  # the servers get TERM, then KILL after 10 s each; the machine may be busy
        assert still_running(pids) == []
        assert not (tmp_path / "state" / "run.pid").exists()
        with socket.socket() as sock:
            assert sock.connect_ex(("127.0.0.1", int(env["RASA_PORT"]))) != 0
    finally:
        kill_leftovers(run, pids)
