"""Fixes for defects of Rasa 3.6 itself, applied inside every Rasa process of the project.

They are applied visibly, by the launcher: `python -m rasa_patches ARGS…` applies them, then runs
Rasa's own command line with ARGS (`make run`, `make test`, the production profile and the Rasa image
all start Rasa that way). Each fix keeps Rasa's behaviour, says what it costs, and can be undone (tests).
"""

from rasa_patches import (
    action_failures,
    jsonschema_cache,
    message_replay,
    sequential_graph,
    shared_port,
    store_failures,
)


def apply_all() -> None:
    """Install every fix; calling it again changes nothing."""
    jsonschema_cache.apply()
    shared_port.apply()
    sequential_graph.apply()
    store_failures.apply()
    message_replay.apply()
    action_failures.apply()


def undo_all() -> None:
    """Remove every fix (Rasa as released)."""
    jsonschema_cache.undo()
    shared_port.undo()
    sequential_graph.undo()
    store_failures.undo()
    message_replay.undo()
    action_failures.undo()
