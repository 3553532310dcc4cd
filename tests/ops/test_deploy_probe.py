"""The deploy probe (ops/deploy_probe.py) sees what a person would: a stalled answer and a refused
request, against a stand-in REST channel (no Rasa)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from deploy_probe import DeployProbe


class RestChannel(BaseHTTPRequestHandler):
    """Answers « Bonjour » like Rasa's REST channel; the third question waits 2.5 s, the fifth is refused."""

    questions = 0

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        type(self).questions += 1
        number = type(self).questions
        if number == 3:
            time.sleep(2.5)
        status, body = (503, b"") if number == 5 else (200, json.dumps([{"text": "Bonjour !"}]).encode())
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def channel() -> Iterator[str]:
    RestChannel.questions = 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), RestChannel)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_probe_reports_the_longest_wait_and_every_failure(channel: str) -> None:
    with DeployProbe(channel, interval=0.2) as probe:
        time.sleep(1.5)
    report = probe.report
    assert len(report.answers) >= 6
    assert 2.4 < report.longest_wait < 4  # the stalled answer; the others did not wait for it
    assert sorted(answer.waited for answer in report.answers)[-2] < 1
    assert len(report.failures) == 1 and "503" in report.failures[0].error


def test_a_server_that_does_not_answer_counts_as_failures() -> None:
    with DeployProbe("http://127.0.0.1:9", interval=0.2) as probe:
        time.sleep(0.5)
    assert probe.report.answers and len(probe.report.failures) == len(probe.report.answers)
