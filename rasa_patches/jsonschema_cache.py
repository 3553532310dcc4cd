"""Check each of Rasa's fixed JSON schemas once, not on every call.

`jsonschema.validate(instance, schema)` first checks `schema` against its meta-schema. With the
jsonschema Rasa 3.6 allows (< 4.18) and no `$schema` key, that is the draft 2020-12 meta-schema, and
the check costs about 30 ms. Rasa 3.6 calls `validate` with the same constant schemas for every
response of the action server (`RemoteAction._validate_action_result`), every callback NLG reply and
every event posted to the HTTP API: a scope-check turn, with three calls to the action server, spent
more than half of its time there (py-spy, docs/benchmarks.md).

`cached_validate` keeps one checked validator per distinct schema. What it accepts, and the error it
raises (`ValidationError` from `best_match`, `SchemaError` for a bad schema), are those of
`jsonschema.validate`; calls with a validator class or extra arguments go to the original unchanged.
Rasa imports `validate` from `jsonschema` at call time, so replacing the module attribute suffices.

Validating the instance itself still cost ≈ 2.5 ms per action-server response: each event is checked
against every branch of the events schema's `oneOf` (one branch per event type, ≈ 30), to find that
exactly one fits. A branch whose `event` property must equal a constant fails for any event whose
`event` is another string, so `oneOf` gives the same answer over the branches that can fit: the first
check uses only those (`_discriminated_one_of`). When it says the instance is valid, it is; otherwise
the full validation runs and raises the same error as before.
"""

import json
from functools import lru_cache
from typing import Any, Dict, Iterator, List, Optional, Tuple

import jsonschema
from jsonschema.exceptions import ValidationError, best_match

ORIGINAL_VALIDATE = jsonschema.validate
DISCRIMINATOR = "event"


def _constant_of(branch: Any) -> Optional[Any]:
    """The constant the branch requires for the discriminator property, or None."""
    if isinstance(branch, dict):
        rule = branch.get("properties", {}).get(DISCRIMINATOR)
        if isinstance(rule, dict) and isinstance(rule.get("const"), str):
            return rule["const"]
    return None


def _with_discriminated_one_of(validator_class: Any) -> Any:
    """The validator class whose `oneOf` skips the branches that require another `event` string."""
    one_of = validator_class.VALIDATORS["oneOf"]

    def _discriminated_one_of(
        validator: Any, branches: List[Any], instance: Any, schema: Any
    ) -> Iterator[ValidationError]:
        if isinstance(instance, dict) and isinstance(instance.get(DISCRIMINATOR), str):
            branches = [b for b in branches if _constant_of(b) in (None, instance[DISCRIMINATOR])]
        return one_of(validator, branches, instance, schema)

    return jsonschema.validators.extend(validator_class, {"oneOf": _discriminated_one_of})


@lru_cache(maxsize=64)
def _checked_validator(schema_json: str) -> Tuple[Any, Any]:
    """The validators for one schema (given as canonical JSON), built after checking the schema: the
    quick one (validity only) and jsonschema's own (for the error)."""
    schema = json.loads(schema_json)
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return _with_discriminated_one_of(validator_class)(schema), validator_class(schema)


def cached_validate(instance: Any, schema: Dict[str, Any], cls: Any = None, *args: Any, **kwargs: Any) -> None:
    """`jsonschema.validate` with the schema check done once per distinct schema."""
    if cls is not None or args or kwargs:
        return ORIGINAL_VALIDATE(instance, schema, cls, *args, **kwargs)
    try:
        schema_json = json.dumps(schema, sort_keys=True)
    except (TypeError, ValueError):  # not plain JSON: no key to cache it under
        return ORIGINAL_VALIDATE(instance, schema)
    quick, full = _checked_validator(schema_json)
    if quick.is_valid(instance):
        return None
    error = best_match(full.iter_errors(instance))
    if error is not None:
        raise error
    return None


def apply() -> None:
    """Make `jsonschema.validate` the cached version for the whole process."""
    jsonschema.validate = cached_validate


def undo() -> None:
    """Give `jsonschema.validate` back to jsonschema, and forget the checked validators."""
    jsonschema.validate = ORIGINAL_VALIDATE
    _checked_validator.cache_clear()
