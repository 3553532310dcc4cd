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
"""

import json
from functools import lru_cache
from typing import Any, Dict

import jsonschema
from jsonschema.exceptions import best_match

ORIGINAL_VALIDATE = jsonschema.validate


@lru_cache(maxsize=64)
def _checked_validator(schema_json: str) -> Any:
    """The validator for one schema (given as canonical JSON), built after checking the schema."""
    schema = json.loads(schema_json)
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def cached_validate(instance: Any, schema: Dict[str, Any], cls: Any = None, *args: Any, **kwargs: Any) -> None:
    """`jsonschema.validate` with the schema check done once per distinct schema."""
    if cls is not None or args or kwargs:
        return ORIGINAL_VALIDATE(instance, schema, cls, *args, **kwargs)
    try:
        schema_json = json.dumps(schema, sort_keys=True)
    except (TypeError, ValueError):  # not plain JSON: no key to cache it under
        return ORIGINAL_VALIDATE(instance, schema)
    error = best_match(_checked_validator(schema_json).iter_errors(instance))
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
