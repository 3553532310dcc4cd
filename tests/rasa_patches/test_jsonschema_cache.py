"""The action server's responses are checked as strictly as before, with each schema checked once.
Every test that applies the fix undoes it (fixture `applied`): the rest of the session runs Rasa as released."""

import importlib
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
