"""A new Rasa process takes over the port of the one in service, so a model goes into service without
a pause and in a fresh process (`ops/stack.sh deploy`, docs/console.md).

Rasa 3.6 replaces its model in place (`PUT /model`): the load runs in the server's own event loop, so
every request waits for it, and the old model's memory is not given back. Instead, the default profile
starts a new Rasa process with the new model on the same port, then stops the old one gracefully.

Set on Rasa's process (`ops/stack.sh` does):

- `RASA_SHARED_PORT=1`: the server socket is bound with SO_REUSEPORT before Rasa loads its model, and
  listens only once the model is loaded (Sanic listens after its `before_server_start` listeners,
  where Rasa loads the agent): until then the process in service gets every connection. Unless
  `RASA_TAKE_OVER_PORT=1`, the port must be free, as without this patch (a second `make run` on the
  same port still fails instead of sharing it).
- Once it listens, the process steers every new connection of the port to itself: a classic BPF
  program on the SO_REUSEPORT group returns the index of the newest socket (1 while two processes
  share the port; an index past the group falls back to Rasa's one socket). The process in service
  then receives no new connection and stops without dropping any from its accept queue (closing a
  SO_REUSEPORT socket resets the connections still queued on it).
- On SIGTERM the process first waits (10 s at most) until the connections queued on its socket are
  accepted, then stops as Sanic does: it finishes its requests (SANIC_GRACEFUL_SHUTDOWN_TIMEOUT).
- `RASA_REQUIRE_MODEL=1` (set by both profiles' deploy on the new process, shared port or not): a
  process whose model did not load (Rasa would answer without one) stops before it listens, so the
  process in service keeps answering and the deploy fails at once.
- `RASA_READY_FILE`: the process writes its pid there once it listens; the deploy script waits for it.

Costs: one server process only (`workers` = 1, as Rasa runs without a Redis lock store); while both
processes run, a conversation could be served by either (the tracker store is shared, the default
lock store is not: the overlap lasts a few seconds).
"""

from __future__ import annotations

import asyncio
import ctypes
import errno
import os
import signal
import socket
import struct
import time
from pathlib import Path
from typing import Any, Callable, Optional

from sanic import Sanic

ORIGINAL_RUN: Callable[..., Any] = Sanic.run
SO_ATTACH_REUSEPORT_CBPF = getattr(socket, "SO_ATTACH_REUSEPORT_CBPF", 51)
BPF_RET_K = 0x06  # BPF_RET | BPF_K: return the constant k
NEWEST_OF_TWO = 1  # the index of the socket that joined the group last, while two share it
# struct tcp_info: 8 one-byte fields, then rto, ato, snd_mss, rcv_mss, unacked (for a listening socket:
# the connections waiting in its accept queue).
TCP_INFO_QUEUED_OFFSET = 24
DRAIN_SECONDS = 10.0


class PortInUseError(SystemExit):
    """The port is taken by another server and this process was not asked to take it over."""


class _SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte), ("k", ctypes.c_uint32)]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


def enabled(env: Optional[dict[str, str]] = None) -> bool:
    return (os.environ if env is None else env).get("RASA_SHARED_PORT") == "1"


def _address(host: str, port: int) -> tuple[socket.AddressFamily, Any]:
    family, _, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    return family, address


def check_port_free(host: str, port: int) -> None:
    """Fail like an ordinary server would when something already listens on host:port."""
    family, address = _address(host, port)
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise PortInUseError(
                    f"Rasa ne démarre pas : le port {port} ({host}) est déjà utilisé par un autre serveur. "
                    "Arrêtez-le (make stop) ou choisissez un autre port (RASA_PORT)."
                ) from error
            raise


def shared_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to host:port with SO_REUSEPORT, not listening yet (Sanic listens later)."""
    family, address = _address(host, port)
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(address)
    return sock


def steer_new_connections_to(sock: socket.socket, index: int = NEWEST_OF_TWO) -> None:
    """Attach to sock's SO_REUSEPORT group a program that sends every new connection to socket `index`."""
    program = (_SockFilter * 1)(_SockFilter(BPF_RET_K, 0, 0, index))
    fprog = _SockFprog(1, ctypes.cast(program, ctypes.POINTER(_SockFilter)))
    sock.setsockopt(socket.SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, bytes(fprog))


def queued_connections(sock: socket.socket) -> int:
    """Connections waiting in a listening socket's accept queue."""
    info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
    return int(struct.unpack_from("I", info, TCP_INFO_QUEUED_OFFSET)[0])


async def stop_once_drained(app: Sanic, sock: socket.socket, limit: float = DRAIN_SECONDS) -> None:
    """Let the loop accept what is queued on `sock` (new connections go to the new process), then stop."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and queued_connections(sock) > 0:
        await asyncio.sleep(0.05)
    app.stop()


class ModelNotLoadedError(RuntimeError):
    """The new process has no model to answer with: it must not take the port over."""


async def _refuse_without_model(app: Sanic, loop: asyncio.AbstractEventLoop) -> None:
    """Runs after Rasa's own `before_server_start` listener, which loads the model (or logs why not)."""
    agent = getattr(app.ctx, "agent", None)
    if agent is None or not agent.is_ready():
        raise ModelNotLoadedError("Le modèle ne s'est pas chargé (voir plus haut) : ce processus ne prend pas le port.")


def _when_listening(sock: socket.socket, ready_file: Optional[str]) -> Callable[..., Any]:
    async def listening(app: Sanic, loop: asyncio.AbstractEventLoop) -> None:
        steer_new_connections_to(sock)
        # Sanic's own SIGTERM handler (registered before this listener runs) stops at once.
        loop.add_signal_handler(signal.SIGTERM, lambda: loop.create_task(stop_once_drained(app, sock)))
        if ready_file:
            Path(ready_file).write_text(f"{os.getpid()}\n")

    return listening


def run_on_shared_port(self: Sanic, host: Optional[str] = None, port: Optional[int] = None, **kwargs: Any) -> Any:
    """`Sanic.run` on a socket shared with the process in service (see the module docstring)."""
    if os.environ.get("RASA_REQUIRE_MODEL") == "1":
        self.register_listener(_refuse_without_model, "before_server_start")
    if not enabled() or kwargs.get("sock") is not None or kwargs.get("workers", 1) != 1 or port is None:
        return ORIGINAL_RUN(self, host, port, **kwargs)
    host = host or "0.0.0.0"
    if os.environ.get("RASA_TAKE_OVER_PORT") != "1":
        check_port_free(host, port)
    sock = shared_socket(host, port)
    self.register_listener(_when_listening(sock, os.environ.get("RASA_READY_FILE")), "after_server_start")
    return ORIGINAL_RUN(self, sock=sock, **kwargs)


def apply() -> None:
    """Make `Sanic.run` honour RASA_SHARED_PORT and RASA_REQUIRE_MODEL (nothing changes while they are unset)."""
    Sanic.run = run_on_shared_port  # type: ignore[method-assign]


def undo() -> None:
    Sanic.run = ORIGINAL_RUN  # type: ignore[method-assign]
