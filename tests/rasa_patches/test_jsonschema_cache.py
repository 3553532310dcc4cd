"""The action server's responses are checked as strictly as before, with each schema checked once.
Every test that applies the fix undoes it (fixture `applied`): the rest of the session runs Rasa as released."""

import importlib
import json
from typing import Iterator, List

import jsonschema
import pytest
import rasa.__main__
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

import rasa_patches
import rasa_patches.__main__
from rasa_patches import jsonschema_cache

VALID_RESPONSE = {
    "events": [{"event": "slot", "name": "entity_type", "value": "operateur", "timestamp": None}],
    "responses": [{"text": "Votre projet est concerné."}],
}
INVALID_RESPONSES = [
    {"events": "pas une liste", "responses": []},
    {"events": [{"event": 42}], "responses": []},
    {"events": [], "responses": "pas une liste"},
]


@pytest.fixture
def remote_action() -> RemoteAction:
    return RemoteAction("action_answer_faq", EndpointConfig("http://localhost:5055/webhook"))


@pytest.fixture
def applied() -> Iterator[None]:
    """The fixes applied for one test, then undone."""
    rasa_patches.apply_all()
    yield
    rasa_patches.undo_all()
    assert jsonschema.validate is jsonschema_cache.ORIGINAL_VALIDATE


def test_the_launcher_applies_the_fixes_then_runs_rasas_command_line(monkeypatch) -> None:
    seen: List[object] = []
    monkeypatch.setattr(rasa.__main__, "main", lambda: seen.append((jsonschema.validate, list(__import__("sys").argv))))
    monkeypatch.setattr("sys.argv", ["python -m rasa_patches"])
    token = "0123456789abcdef" * 3
    monkeypatch.setenv("RASA_AUTH_TOKEN", token)
    try:
        rasa_patches.__main__.main(["run", "--enable-api", "--port", "5005"])
    finally:
        rasa_patches.undo_all()
    # The fixes are in place when Rasa's CLI runs, and the token reached it from the environment.
    assert seen == [(jsonschema_cache.cached_validate,
                     ["rasa", "run", "--enable-api", "--port", "5005", f"--auth-token={token}"])]


def test_importing_the_tracker_store_changes_nothing_in_rasa() -> None:
    import stores.sql  # Rasa imports it from endpoints.yml

    importlib.reload(stores.sql)
    assert jsonschema.validate is jsonschema_cache.ORIGINAL_VALIDATE


def test_undo_gives_rasa_back_as_released() -> None:
    rasa_patches.apply_all()
    rasa_patches.undo_all()
    assert jsonschema.validate is jsonschema_cache.ORIGINAL_VALIDATE


def test_a_valid_action_server_response_is_accepted(applied, remote_action: RemoteAction) -> None:
    assert remote_action._validate_action_result(VALID_RESPONSE) is True


@pytest.mark.parametrize("response", INVALID_RESPONSES)
def test_an_invalid_response_is_refused_with_the_error_rasa_gave_before(remote_action, response) -> None:
    with pytest.raises(jsonschema.ValidationError) as original:
        remote_action._validate_action_result(response)
    rasa_patches.apply_all()
    try:
        with pytest.raises(jsonschema.ValidationError) as cached:
            remote_action._validate_action_result(response)
    finally:
        rasa_patches.undo_all()
    assert cached.value.message == original.value.message
    assert "Failed to validate Action server response" in cached.value.message


def test_the_schema_itself_is_checked_once_not_on_every_response(applied, monkeypatch, remote_action) -> None:
    checks = []
    validator_class = jsonschema.validators.validator_for(RemoteAction.action_response_format_spec())
    real_check = validator_class.check_schema
    monkeypatch.setattr(validator_class, "check_schema", classmethod(lambda cls, s: checks.append(s) or real_check(s)))
    for _ in range(5):
        remote_action._validate_action_result(VALID_RESPONSE)
    assert len(checks) == 1


def test_a_bad_schema_is_still_refused_every_time() -> None:
    for _ in range(2):
        with pytest.raises(jsonschema.SchemaError):
            jsonschema_cache.cached_validate({}, {"type": 12})


def test_calls_with_their_own_validator_class_keep_jsonschema_behaviour() -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema_cache.cached_validate("texte", {"type": "integer"}, jsonschema.Draft7Validator)


def every_kind_of_event() -> List[dict]:
    """One event of each type Rasa sends or receives, as JSON."""
    from rasa.shared.core import events

    return [event.as_dict() for event in [
        events.UserUttered("Bonjour", {"name": "greet", "confidence": 0.9}), events.BotUttered("Salut"),
        events.SlotSet("entity_type", "operateur"), events.ActionExecuted("action_listen"),
        events.SessionStarted(), events.Restarted(), events.AllSlotsReset(), events.ReminderScheduled("x", dt()),
        events.ReminderCancelled(), events.ConversationPaused(), events.ConversationResumed(),
        events.FollowupAction("action_listen"), events.UserUtteranceReverted(), events.ActionReverted(),
        events.StoryExported(), events.ActiveLoop("scope_form"), events.LegacyForm(None),
        events.LoopInterrupted(True), events.ActionExecutionRejected("scope_form"),
        events.EntitiesAdded([{"entity": "e", "value": "v"}]), events.DefinePrevUserUtteredFeaturization(False),
        events.AgentUttered("texte"),
    ]]


def dt():
    import datetime

    return datetime.datetime(2026, 12, 1, 12, 0)


def invalid_variants(event: dict) -> List[object]:
    """Ways an action server could get an event wrong."""
    return [
        {**event, "event": "inconnu"}, {**event, "event": 12}, {k: v for k, v in event.items() if k != "event"},
        {**event, "timestamp": "hier"}, {**event, "name": 12}, {**event, "text": ["liste"]}, {**event, "value": None},
        {**event, "metadata": "texte"}, "pas un objet",
    ]


def test_the_quick_check_agrees_with_jsonschema_on_every_event() -> None:
    """The quick check (oneOf over the branches that can fit) says valid exactly when jsonschema does."""
    schema = RemoteAction.action_response_format_spec()
    quick, full = jsonschema_cache._checked_validator(json.dumps(schema, sort_keys=True))
    assert full.is_valid({"events": every_kind_of_event(), "responses": [{"text": "ok"}]})
    for event in every_kind_of_event():
        for instance in [event, *invalid_variants(event)]:
            response = {"events": [instance], "responses": []}
            assert quick.is_valid(response) == full.is_valid(response), instance
