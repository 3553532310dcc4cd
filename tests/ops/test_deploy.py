"""A model goes into service without a pause, in a new process (default profile: `ops/stack.sh deploy`,
rasa_patches/shared_port.py, docs/console.md).

While three models go into service one after the other, a probe asks a question every 0.5 s: no
answer waits 2 s or more and none fails; each model ends in service in a process of its own (the old
one has stopped); a REST conversation and a socket.io one (the widget's channel, which reconnects)
go on with their whole history. A model that cannot load leaves the one in service answering.

These tests restart Rasa: they start a stack of their own (ops/teststack.py), never the shared one.
They need a trained model, so they run with `make test` (marker `stack`), not `make check`.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import socketio
from deploy_probe import DeployProbe, ask
from teststack import REPO, Stack

pytestmark = pytest.mark.stack

LONGEST_ACCEPTABLE_WAIT = 2.0  # seconds (issue 13)


@pytest.fixture(scope="module")
def own_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with Stack.running(tmp_path_factory.mktemp("deploy-stack")) as stack:
        yield stack


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Three models to put in service: the trained model under three names (each load is a real one)."""
    latest = max((REPO / "models").glob("*.tar.gz"), key=lambda path: path.stat().st_mtime)
    folder = tmp_path_factory.mktemp("deploy-models")
    copies = [folder / f"deploy-{number}.tar.gz" for number in (1, 2, 3)]
    for copy in copies:
        shutil.copy(latest, copy)
    return copies


def deploy(stack: Stack, model: Path) -> subprocess.CompletedProcess[str]:
    """`ops/stack.sh deploy`, as the console runs it (from another process, not the one that started Rasa)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("RASA_", "TEST_STACK_"))}
    return subprocess.run([str(REPO / "ops" / "stack.sh"), "deploy", str(stack.state_dir), str(model)],
                          env=env, cwd=REPO, capture_output=True, text=True, timeout=900)


def status(stack: Stack) -> dict[str, Any]:
    with urllib.request.urlopen(stack.status_url(), timeout=30) as response:
        return json.loads(response.read())


def tracker(stack: Stack, sender: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{stack.url}/conversations/{sender}/tracker?token={stack.token}", timeout=30) as r:
        return json.loads(r.read())


def user_texts(stack: Stack, sender: str) -> list[str]:
    return [event.get("text") for event in tracker(stack, sender)["events"] if event["event"] == "user"]


def rasa_pid(stack: Stack) -> int:
    return int((stack.state_dir / "rasa.pid").read_text())


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "zombie" not in Path(f"/proc/{pid}/status").read_text()


class Person:
    """Someone on the widget's channel (socket.io): asks for their conversation again at each connection,
    as webchat/src/widget.js does."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.session = uuid.uuid4().hex
        self.connections = 0
        self.replies: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.confirmed: asyncio.Queue[str] = asyncio.Queue()
        # Long polling: python-engineio's websocket client needs a newer aiohttp than Rasa 3.6 allows.
        self.client = socketio.AsyncClient(reconnection_delay=0.5, reconnection_delay_max=2)
        self.client.on("connect", self._connected)
        self.client.on("session_confirm", self.confirmed.put)
        self.client.on("bot_uttered", self.replies.put)

    @property
    def conversation(self) -> str:
        return f"socketio-{self.session}"

    async def _connected(self) -> None:
        self.connections += 1
        await self.client.emit("session_request", {"session_id": self.session})

    async def join(self) -> None:
        await self.client.connect(self.url, socketio_path="/socket.io", transports=["polling"])
        assert await asyncio.wait_for(self.confirmed.get(), 60) == self.conversation

    async def say(self, text: str, timeout: float = 60) -> dict[str, Any]:
        while not self.replies.empty():
            self.replies.get_nowait()
        await self.client.emit("user_uttered", {"message": text, "session_id": self.session})
        return await asyncio.wait_for(self.replies.get(), timeout)

    async def reconnected(self, timeout: float = 60) -> None:
        """Wait until the client has connected again (to the new process) and got its conversation back."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.connections < 2 or not self.client.connected:
            assert loop.time() < deadline, "the socket.io client did not reconnect"
            await asyncio.sleep(0.2)
        assert await asyncio.wait_for(self.confirmed.get(), timeout) == self.conversation


async def test_three_models_go_into_service_without_a_pause_each_in_a_new_process(
        own_stack: Stack, models: list[Path]) -> None:
    rest_sender = "avant-" + uuid.uuid4().hex[:8]
    ask(own_stack.url, rest_sender, "Bonjour")
    person = Person(own_stack.url)
    await person.join()
    assert (await person.say("Bonjour")).get("text")

    with DeployProbe(own_stack.url) as probe:
        for model in models:
            before = rasa_pid(own_stack)
            done = await asyncio.to_thread(deploy, own_stack, model)
            assert done.returncode == 0, done.stdout + done.stderr
            after = rasa_pid(own_stack)
            assert after != before, "the new model must load in a new process"
            assert not alive(before), f"the process of the previous model ({before}) is still running"
            assert status(own_stack)["model_file"] == model.name
            await asyncio.sleep(1)
    report = probe.report
    assert report.answers and report.answers[-1].started > 10, report.summary()
    assert not report.failures, [answer.error for answer in report.failures][:5]
    assert report.longest_wait < LONGEST_ACCEPTABLE_WAIT, report.summary()

    # The REST conversation goes on with its history.
    ask(own_stack.url, rest_sender, "Qui contrôle l'application de la doctrine ?")
    assert user_texts(own_stack, rest_sender) == ["Bonjour", "Qui contrôle l'application de la doctrine ?"]
    # The socket.io client reconnected to the new process, in the same conversation.
    await person.reconnected()
    assert (await person.say("Qui contrôle l'application de la doctrine ?")).get("text")
    assert user_texts(own_stack, person.conversation) == ["Bonjour", "Qui contrôle l'application de la doctrine ?"]
    await person.client.disconnect()


def test_a_model_that_cannot_load_leaves_the_one_in_service(own_stack: Stack, tmp_path: Path) -> None:
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(b"not a model")
    in_service, pid = status(own_stack)["model_file"], rasa_pid(own_stack)
    done = deploy(own_stack, broken)
    assert done.returncode != 0
    assert "le modèle en service n'a pas changé" in done.stderr
    assert status(own_stack)["model_file"] == in_service
    assert rasa_pid(own_stack) == pid and alive(pid)
    assert ask(own_stack.url, "apres-echec-" + uuid.uuid4().hex[:6], "Bonjour")
    assert not (own_stack.state_dir / "rasa-next.pid").exists()
