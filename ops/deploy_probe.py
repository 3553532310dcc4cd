"""What a person notices while a model goes into service: a probe asks the assistant a question every
0.5 s and records how long each answer took, and any request that failed.

    with DeployProbe("http://127.0.0.1:5005") as probe:
        … put a model in service …
    probe.report.longest_wait, probe.report.failures

Each question goes on a new connection, from its own thread, so that a stalled answer does not delay
the next question: the longest wait is the longest time anyone waited for an answer. Used by the
deploy tests (tests/ops/test_deploy.py, tests/prod/test_deploy.py) and benchmarks/deploy.py.
Standard library only (every venv imports it).
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import List, Optional, Type

INTERVAL = 0.5  # seconds between two questions
QUESTION = "Bonjour"


@dataclass
class Answer:
    started: float  # seconds since the probe started
    waited: float  # seconds until the answer (or the failure)
    error: str = ""  # empty when the assistant answered


@dataclass
class ProbeReport:
    answers: List[Answer] = field(default_factory=list)

    @property
    def longest_wait(self) -> float:
        return max((answer.waited for answer in self.answers), default=0.0)

    @property
    def failures(self) -> List[Answer]:
        return [answer for answer in self.answers if answer.error]

    def summary(self) -> str:
        return (f"{len(self.answers)} questions, attente la plus longue {self.longest_wait:.2f} s, "
                f"{len(self.failures)} échec(s)")


def ask(url: str, sender: str, text: str = QUESTION, timeout: float = 60) -> list:
    """One message on the REST channel, on a new connection; the assistant's replies."""
    body = json.dumps({"sender": sender, "message": text}).encode()
    request = urllib.request.Request(f"{url}/webhooks/rest/webhook", body,
                                     {"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=timeout) as response:
        replies = json.loads(response.read() or b"[]")
    if not isinstance(replies, list) or not replies:
        raise ValueError(f"réponse vide ou inattendue : {replies!r}")
    return replies


class DeployProbe:
    """Ask `url` a question every `interval` seconds until `stop()` (or the end of a `with` block)."""

    def __init__(self, url: str, interval: float = INTERVAL, timeout: float = 60) -> None:
        self.url = url.rstrip("/")
        self.interval = interval
        self.timeout = timeout
        self.report = ProbeReport()
        self._run = uuid.uuid4().hex[:8]
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._askers: List[threading.Thread] = []
        self._clock: Optional[threading.Thread] = None
        self._origin = 0.0

    def _ask_once(self, number: int) -> None:
        started = time.monotonic()
        error = ""
        try:
            ask(self.url, f"sonde-{self._run}-{number}", timeout=self.timeout)
        except (OSError, ValueError, urllib.error.URLError) as exc:
            error = f"{type(exc).__name__}: {exc}"
        with self._lock:
            self.report.answers.append(Answer(started - self._origin, time.monotonic() - started, error))

    def _tick(self) -> None:
        number = 0
        next_time = time.monotonic()
        while not self._stopping.is_set():
            asker = threading.Thread(target=self._ask_once, args=(number,), daemon=True)
            asker.start()
            self._askers.append(asker)
            number += 1
            next_time += self.interval
            self._stopping.wait(max(0.0, next_time - time.monotonic()))

    def start(self) -> "DeployProbe":
        self._origin = time.monotonic()
        self._clock = threading.Thread(target=self._tick, daemon=True)
        self._clock.start()
        return self

    def stop(self) -> ProbeReport:
        """Stop asking, and wait for the answers still awaited (an unanswered one counts as failed)."""
        self._stopping.set()
        if self._clock is not None:
            self._clock.join()
        for asker in self._askers:
            asker.join(self.timeout + 5)
        return self.report

    def __enter__(self) -> "DeployProbe":
        return self.start()

    def __exit__(self, kind: Optional[Type[BaseException]], value: Optional[BaseException],
                 traceback: Optional[TracebackType]) -> None:
        self.stop()


def resident_mb(pid: int) -> float:
    """Resident memory of a process (VmRSS), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise ValueError(f"pas de VmRSS pour le processus {pid}")
