"""Locust scenarios for `make bench` (benchmarks/bench.py drives them headless).

Each simulated user is one person holding scripted conversations with the assistant, back to back
with no think time (a closed loop: the measure is capacity): FAQ conversations (greeting, three FAQ
questions, thanks) and full scope checks (question, entity type, new project or share rebuilt,
verdict). Over REST (`RestPerson`) or socket.io (`SocketPerson`). One request = one turn. The scripts
are in conversations.py. `ReferencePerson` talks to the reference bot of `make bench` (the default
`rasa init` bot, sidebyside.py) over REST; bench.py names the classes of each run.

Checks make a wrong answer an error, not only a transport failure: an empty reply, or a scope check
that does not end with a verdict, counts in the error rate.
"""

from __future__ import annotations

import itertools
import os
import socket
import threading
import time
import uuid
from typing import Any

import socketio
from conversations import REFERENCE_CONVERSATIONS, check, conversations, reply_text
from locust import HttpUser, User, events, task

RASA_ROUTE = "/webhooks/rest/webhook"
# A socket.io turn without any reply within this delay is an error (shorter than a bench scenario,
# so that lost replies show up in the error rate instead of silently stalling the user).
SIO_REPLY_TIMEOUT = 10
# A turn's messages come as Rasa sends them (several actions per turn): the turn is over after this
# long without a message. Socket.io people therefore pause this long after each turn, which lowers
# their share of the closed-loop throughput (REST turns end with the HTTP response).
TURN_QUIET_SECONDS = 0.3
# Distinct loopback source addresses for socket.io clients, so that nginx's sticky hash on the
# client address spreads them over the instances as it would spread real people.
SOURCE_ADDRESSES = itertools.cycle(f"127.0.{n // 250}.{n % 250 + 2}" for n in range(500))
SOURCE_LOCK = threading.Lock()


def converse_over_rest(user: HttpUser, sender: str, turns: Any, name: str) -> bool:
    """One conversation over REST, each reply checked against what it should say. False at the first
    failure (HTTP error or wrong reply): the person then stops this task, as a real one would."""
    for text, expected in turns:
        with user.client.post(RASA_ROUTE, json={"sender": sender, "message": text},
                              name=name, catch_response=True, timeout=60) as answer:
            if answer.status_code != 200:
                answer.failure(f"HTTP {answer.status_code}")
                return False
            problem = check(answer.json(), expected)
            if problem:
                answer.failure(problem)
                return False
            answer.success()
    return True


class RestPerson(HttpUser):
    """One person over the REST channel (through nginx, or straight to one instance)."""

    weight = int(os.environ.get("BENCH_REST_WEIGHT", "3"))

    @task
    def converse(self) -> None:
        for kind, turns in conversations():
            if not converse_over_rest(self, f"bench-rest-{uuid.uuid4().hex[:12]}", turns, f"REST {kind}"):
                return


class ReferencePerson(HttpUser):
    """One person talking to the reference bot (rasa init) over REST, for the side-by-side load."""

    @task
    def converse(self) -> None:
        for turns in REFERENCE_CONVERSATIONS:
            if not converse_over_rest(self, f"bench-ref-{uuid.uuid4().hex[:12]}", turns, "REST référence"):
                return


class SocketPerson(User):
    """One person over socket.io (websocket transport), as the web widget talks to Rasa."""

    weight = int(os.environ.get("BENCH_SIO_WEIGHT", "1"))

    def on_start(self) -> None:
        self.replies: list[dict[str, Any]] = []
        self.last_reply_at = 0.0
        self.reply_arrived = threading.Condition()
        self.confirmed = threading.Event()
        self.client = socketio.Client(reconnection=False, websocket_extra_options={"socket": self._socket()})
        self.client.on("bot_uttered", self._on_bot_uttered)
        self.client.on("session_confirm", lambda *_: self.confirmed.set())
        started = time.perf_counter()
        try:
            self.client.connect(self.host, socketio_path="/socket.io", transports=["websocket"],
                                wait_timeout=30)
        except Exception as error:  # noqa: BLE001 - a failed connection is a measured error
            events.request.fire(request_type="SIO", name="SIO connexion",
                                response_time=(time.perf_counter() - started) * 1000, response_length=0,
                                exception=error, context={})
            raise

    def on_stop(self) -> None:
        self.client.disconnect()

    def _socket(self) -> socket.socket:
        """A TCP connection to the target from its own loopback source address."""
        host, port = self.host.split("://")[1].split(":")
        with SOURCE_LOCK:
            source = next(SOURCE_ADDRESSES)
        sock = socket.socket()
        sock.bind((source, 0))
        sock.connect((host, int(port)))
        return sock

    def _on_bot_uttered(self, data: dict[str, Any]) -> None:
        with self.reply_arrived:
            self.replies.append(data)
            self.last_reply_at = time.perf_counter()
            self.reply_arrived.notify_all()

    def _wait_for_end_of_turn(self, started: float, expected: str | None) -> None:
        """socket.io has no end-of-turn marker: the turn is over once the expected word has arrived
        and no message came for TURN_QUIET_SECONDS. Without this wait, the late messages of one turn
        were taken for the reply to the next one (wrong latency, wrong check)."""
        deadline = started + SIO_REPLY_TIMEOUT
        with self.reply_arrived:
            while time.perf_counter() < deadline:
                quiet_for = time.perf_counter() - self.last_reply_at
                if quiet_for >= TURN_QUIET_SECONDS and (not expected or expected in reply_text(self.replies)):
                    return
                self.reply_arrived.wait(max(0.01, min(TURN_QUIET_SECONDS - quiet_for, deadline - time.perf_counter())))

    def _turn(self, session: str, text: str, name: str, expected: str | None) -> bool:
        """Send one message; latency = until the first bot message; then wait for the end of the turn."""
        with self.reply_arrived:
            self.replies.clear()
        started = time.perf_counter()
        exception: Exception | None = None
        self.client.emit("user_uttered", {"message": text, "session_id": session})
        with self.reply_arrived:
            if not self.reply_arrived.wait_for(lambda: self.replies, SIO_REPLY_TIMEOUT):
                exception = TimeoutError(f"pas de bot_uttered en {SIO_REPLY_TIMEOUT} s")
        elapsed_ms = (time.perf_counter() - started) * 1000
        if exception is None:
            self._wait_for_end_of_turn(started, expected)
            with self.reply_arrived:
                problem = check(list(self.replies), expected)
            exception = AssertionError(problem) if problem else None
        events.request.fire(request_type="SIO", name=name, response_time=elapsed_ms,
                            response_length=len(self.replies), exception=exception, context={})
        return exception is None

    @task
    def converse(self) -> None:
        for kind, turns in conversations():
            session = uuid.uuid4().hex  # as the widget makes it (channels/socketio.py refuses other shapes)
            self.confirmed.clear()
            self.client.emit("session_request", {"session_id": session})
            if not self.confirmed.wait(30):
                events.request.fire(request_type="SIO", name=f"SIO {kind}", response_time=30000,
                                    response_length=0, exception=TimeoutError("pas de session_confirm"),
                                    context={})
                continue
            for text, expected in turns:
                if not self._turn(session, text, f"SIO {kind}", expected):
                    break
