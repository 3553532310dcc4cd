"""A custom action whose server does not answer fails the turn (rasa_patches/action_failures.py) instead
of letting Rasa go on without it; an action server that answers is used as before. Real RemoteActions
against a real closed port and a real HTTP server; Rasa's own _run_action."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from rasa.core.actions.action import Action, RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.core.policies.policy import PolicyPrediction
from rasa.core.processor import MessageProcessor
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig
from teststack import free_port

from rasa_patches import action_failures

DOMAIN = Domain.from_dict({"actions": ["action_faq"]})


class ActionServer(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers["Content-Length"]))
        body = json.dumps({"events": [], "responses": [{"text": "Réponse de la FAQ."}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def applied() -> Iterator[None]:
    action_failures.apply()
    yield
    action_failures.undo()


def processor() -> MessageProcessor:
    """Rasa's MessageProcessor with what _run_action uses (no model is needed to run one action)."""
    made = MessageProcessor.__new__(MessageProcessor)
    made.domain = DOMAIN
    made.max_number_of_predictions = 10
    return made


class ValidatingForm(Action):
    """Like Rasa's FormAction: an action of Rasa's own that calls the form's validation action on the
    action server (validate_scope_form) and lets its errors reach Rasa's _run_action."""

    def __init__(self, url: str) -> None:
        self.url = url

    def name(self) -> str:
        return "scope_form"

    async def run(self, output_channel: Any, nlg: Any, tracker: Any, domain: Any, metadata: Any = None) -> list:
        return list(await RemoteAction("validate_scope_form", EndpointConfig(self.url)).run(
            output_channel, nlg, tracker, domain))


async def run(url: str, form: bool = False) -> tuple[bool, DialogueStateTracker, CollectingOutputChannel]:
    tracker = DialogueStateTracker("agent-1", DOMAIN.slots)
    output = CollectingOutputChannel()
    action = ValidatingForm(url) if form else RemoteAction("action_faq", EndpointConfig(url))
    predicted = await MessageProcessor._run_action(  # noqa: SLF001
        processor(), action, tracker, output, TemplatedNaturalLanguageGenerator(DOMAIN.responses),
        PolicyPrediction([], "policy"))
    return predicted, tracker, output


async def test_as_released_rasa_goes_on_without_the_action() -> None:
    _predicted, tracker, output = await run(f"http://127.0.0.1:{free_port()}/webhook")
    assert output.messages == []  # the person would get an empty reply
    assert any(isinstance(e, ActionExecuted) and e.action_name == "action_faq" for e in tracker.events)


async def test_with_the_fix_an_unreachable_action_server_fails_the_turn(applied: None) -> None:
    with pytest.raises(action_failures.ActionServerUnreachable, match="le serveur d'actions ne répond pas"):
        await run(f"http://127.0.0.1:{free_port()}/webhook")


async def test_with_the_fix_a_form_whose_validation_server_is_unreachable_fails_the_turn(applied: None) -> None:
    with pytest.raises(action_failures.ActionServerUnreachable, match=r"ne répond pas \(scope_form\)"):
        await run(f"http://127.0.0.1:{free_port()}/webhook", form=True)


async def test_with_the_fix_an_action_server_that_answers_is_used_as_before(applied: None) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), ActionServer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        _predicted, _tracker, output = await run(f"http://127.0.0.1:{server.server_address[1]}/webhook")
    finally:
        server.shutdown()
    assert [m["text"] for m in output.messages] == ["Réponse de la FAQ."]
