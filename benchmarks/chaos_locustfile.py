"""Locust people of `make chaos` (benchmarks/chaos.py): each holds conversations back to back through
nginx (a full scope check, FAQ questions: benchmarks/conversations.py) and, like a person, sends a
failed message again after reading the reply (benchmarks/drills.py). One task = one whole conversation,
so that a stop lets it finish (`--stop-timeout`). What they did is written to CHAOS_JOURNAL at the end."""

from __future__ import annotations

import os
import random
from pathlib import Path
from typing import Any

from conversations import conversations
from drills import Journal, Post, as_person, hold_one_conversation
from locust import HttpUser, events, task

JOURNAL = Journal()


class Person(HttpUser):
    def on_start(self) -> None:
        as_person(self.client)  # an address of its own: nginx's per-address limit counts each person alone

    def post(self, sender: str, text: str, message_id: str) -> tuple[int, Any]:
        with self.client.post("/webhooks/rest/webhook", json={"sender": sender, "message": text,
                                                               "message_id": message_id},
                              name="tour", catch_response=True, timeout=60) as answer:
            if answer.status_code == 200:
                answer.success()
            else:
                answer.failure(f"HTTP {answer.status_code}")
            try:
                return answer.status_code, answer.json()
            except ValueError:
                return answer.status_code, answer.text

    @task
    def one_conversation(self) -> None:
        post: Post = self.post
        kind, turns = random.choice(conversations(random.Random()))
        hold_one_conversation(post, JOURNAL, kind, turns)


@events.test_stop.add_listener
def write_journal(**_kwargs: Any) -> None:
    JOURNAL.dump(Path(os.environ["CHAOS_JOURNAL"]))
