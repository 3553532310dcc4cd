"""The port hand-over of rasa_patches/shared_port.py, on real sockets (no Rasa): a new server socket on
the same port receives every new connection once it listens, the old one stops only once its queue is
accepted, and a port in use is still refused to a server that was not asked to take it over.
The end-to-end deploy is tested in tests/ops/test_deploy.py."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from sanic import Sanic

import rasa_patches
from rasa_patches import shared_port


@pytest.fixture
def sockets() -> Iterator[list[socket.socket]]:
    opened: list[socket.socket] = []
    yield opened
    for sock in opened:
        sock.close()


def listening(opened: list[socket.socket], port: int = 0) -> socket.socket:
    sock = shared_port.shared_socket("127.0.0.1", port)
    sock.listen(50)
    opened.append(sock)
    return sock


def connect(opened: list[socket.socket], port: int, count: int) -> None:
    opened.extend(socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(count))


def test_the_newest_socket_takes_every_new_connection_then_the_port_falls_back(sockets: list[socket.socket]) -> None:
    old = listening(sockets)
    port = old.getsockname()[1]
    shared_port.steer_new_connections_to(old)  # as the process in service did when it started
    connect(sockets, port, 2)
    assert shared_port.queued_connections(old) == 2
    new = listening(sockets, port)
    shared_port.steer_new_connections_to(new)
    connect(sockets, port, 6)
    assert (shared_port.queued_connections(old), shared_port.queued_connections(new)) == (2, 6)
    new.close()  # the new process failed, or the old one stopped: the remaining socket gets them all
    connect(sockets, port, 3)
    assert shared_port.queued_connections(old) == 5


def test_a_port_in_use_is_refused_unless_taken_over(sockets: list[socket.socket]) -> None:
    port = listening(sockets).getsockname()[1]
    with pytest.raises(shared_port.PortInUseError, match=f"le port {port} .*déjà utilisé"):
        shared_port.check_port_free("127.0.0.1", port)
    sockets[0].close()
    shared_port.check_port_free("127.0.0.1", port)


class StoppingApp:
    def __init__(self) -> None:
        self.queued_at_stop: list[int] = []
        self.sock: socket.socket | None = None

    def stop(self) -> None:
        assert self.sock is not None
        self.queued_at_stop.append(shared_port.queued_connections(self.sock))


async def test_the_old_process_stops_once_its_queue_is_accepted(sockets: list[socket.socket]) -> None:
    sock = listening(sockets)
    connect(sockets, sock.getsockname()[1], 3)
    app = StoppingApp()
    app.sock = sock
    stopping = asyncio.create_task(shared_port.stop_once_drained(app, sock))  # type: ignore[arg-type]
    await asyncio.sleep(0.3)
    assert not stopping.done() and app.queued_at_stop == []
    for _ in range(3):
        sockets.append(sock.accept()[0])
    await asyncio.wait_for(stopping, 5)
    assert app.queued_at_stop == [0]


def test_run_binds_a_shared_socket_only_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict[str, Any]] = []

    def recorded_run(app: Sanic, host: Any = None, port: Any = None, **kwargs: Any) -> None:
        calls.append({"host": host, "port": port, **kwargs})

    monkeypatch.setattr(shared_port, "ORIGINAL_RUN", recorded_run)
    app = Sanic("shared_port_test")
    monkeypatch.delenv("RASA_SHARED_PORT", raising=False)
    shared_port.run_on_shared_port(app, "127.0.0.1", 0, workers=1)
    assert calls[-1]["port"] == 0 and "sock" not in calls[-1]  # Rasa as released

    monkeypatch.setenv("RASA_SHARED_PORT", "1")
    shared_port.run_on_shared_port(app, "127.0.0.1", 0, workers=1)
    sock = calls[-1]["sock"]
    try:
        assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT) == 1
        assert calls[-1]["host"] is None and calls[-1]["port"] is None
    finally:
        sock.close()


def test_apply_and_undo() -> None:
    rasa_patches.apply_all()
    try:
        assert Sanic.run is shared_port.run_on_shared_port
    finally:
        rasa_patches.undo_all()
    assert Sanic.run is shared_port.ORIGINAL_RUN
