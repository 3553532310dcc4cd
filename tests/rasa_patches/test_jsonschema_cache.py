"""The action server's responses are checked as strictly as before, with each schema checked once."""

import importlib

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

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


def test_the_tracker_store_module_applies_the_fix_to_the_rasa_process(monkeypatch) -> None:
    monkeypatch.setattr(jsonschema, "validate", jsonschema_cache.ORIGINAL_VALIDATE)
    import stores.sql  # Rasa imports it from endpoints.yml

    importlib.reload(stores.sql)
    assert jsonschema.validate is jsonschema_cache.cached_validate


def test_a_valid_action_server_response_is_accepted(remote_action: RemoteAction) -> None:
    jsonschema_cache.apply()
    assert remote_action._validate_action_result(VALID_RESPONSE) is True


@pytest.mark.parametrize("response", INVALID_RESPONSES)
def test_an_invalid_response_is_refused_with_the_error_rasa_gave_before(remote_action, response) -> None:
    with pytest.raises(jsonschema.ValidationError) as original:
        jsonschema_cache.ORIGINAL_VALIDATE(response, RemoteAction.action_response_format_spec())
    jsonschema_cache.apply()
    with pytest.raises(jsonschema.ValidationError) as cached:
        remote_action._validate_action_result(response)
    assert cached.value.message.startswith(original.value.message)
    assert "Failed to validate Action server response" in cached.value.message


def test_the_schema_itself_is_checked_once_not_on_every_response(monkeypatch, remote_action) -> None:
    jsonschema_cache.apply()
    jsonschema_cache._checked_validator.cache_clear()
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
