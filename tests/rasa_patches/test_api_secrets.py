"""rasa_patches/api_secrets.py: the API token reaches Rasa from the environment, never from its command
line, and Rasa refuses to open its API without a real one (what the Rasa image runs)."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from teststack import free_port

from rasa_patches.api_secrets import ApiSecretError, server_arguments

REPO = Path(__file__).resolve().parents[2]
TOKEN = secrets.token_hex(32)
SERVER = ["run", "--enable-api", "--port", "5006", "--model", "models"]


def test_the_token_comes_from_the_environment() -> None:
    assert server_arguments(SERVER, {"RASA_AUTH_TOKEN": TOKEN}) == [*SERVER, f"--auth-token={TOKEN}"]


def test_the_jwt_secret_comes_from_the_environment_when_set() -> None:
    jwt = secrets.token_hex(32)
    arguments = server_arguments(SERVER, {"RASA_AUTH_TOKEN": TOKEN, "RASA_JWT_SECRET": jwt})
    assert arguments[-1] == f"--jwt-secret={jwt}"


@pytest.mark.parametrize("token", ["", "   ", "change-me", "UNSET", "rasaToken", "court-123"])
def test_the_api_never_starts_without_a_real_token(token: str) -> None:
    with pytest.raises(ApiSecretError, match="Rasa refuse de démarrer"):
        server_arguments(SERVER, {"RASA_AUTH_TOKEN": token})


@pytest.mark.parametrize("option", [["--auth-token", "UNSET"], ["--auth-token=change-me"]])
def test_a_placeholder_on_the_command_line_is_refused_too(option: list[str]) -> None:
    with pytest.raises(ApiSecretError):
        server_arguments([*SERVER, *option], {})


def test_a_weak_jwt_secret_is_refused() -> None:
    with pytest.raises(ApiSecretError, match="RASA_JWT_SECRET"):
        server_arguments(SERVER, {"RASA_AUTH_TOKEN": TOKEN, "RASA_JWT_SECRET": "UNSET"})


@pytest.mark.parametrize("argv", [["run", "actions", "--actions", "actions"], ["run", "--port", "5006"], ["train"]])
def test_other_commands_are_left_alone(argv: list[str]) -> None:
    assert server_arguments(argv, {}) == argv


def start(env: dict[str, str], *extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "rasa_patches", *SERVER, *extra], cwd=REPO,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)


def test_the_entry_point_refuses_at_once_without_a_token() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("RASA_AUTH_TOKEN", "RASA_JWT_SECRET")}
    process = start(env)
    output, _ = process.communicate(timeout=60)
    assert process.returncode != 0
    assert "Rasa refuse de démarrer" in output and "RASA_AUTH_TOKEN" in output


def test_the_token_is_in_no_process_arguments() -> None:
    process = start({**os.environ, "RASA_AUTH_TOKEN": TOKEN}, "--port", str(free_port()))
    try:
        time.sleep(1)
        assert process.poll() is None, process.communicate()[0][-2000:]
        arguments = Path(f"/proc/{process.pid}/cmdline").read_bytes().decode()
        assert "--enable-api" in arguments and TOKEN not in arguments
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
