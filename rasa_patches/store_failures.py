"""A turn fails, instead of going on without the conversation, when the tracker store is unreachable
(PostgreSQL restarting, a full disk): issue 22, docs/reliability.md.

Rasa 3.6 wraps every tracker store in `FailSafeTrackerStore`: when reading a conversation fails it
answers as if the conversation did not exist (a scope check under way starts over, its answers are
lost for that turn), and when saving fails it saves into a process-local in-memory store instead. The
person then gets an answer that ignores what they said, and the turn never reaches the database; the
next turns, read back from the database, interleave with it. The fault drill of `make test`
(tests/prod/test_drills.py) saw 27 answered messages missing from PostgreSQL after `pg_ctl restart`.

With this fix the error is logged as before and raised: the turn fails (HTTP 500, which nginx turns into
« Le service redémarre, réessayez dans un instant »), nothing of it is stored, and the same message sent
again once the store is back continues the conversation where it was. Cost: during an outage of the
store, turns fail instead of being answered from memory, which is what the person can then act on.
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Dict, Optional

from rasa.core.tracker_store import FailSafeTrackerStore, TrackerStore
from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)
ORIGINAL: Dict[str, Callable[..., Any]] = {
    name: getattr(FailSafeTrackerStore, name) for name in ("retrieve", "retrieve_full_tracker", "save")
}


def _primary(store: FailSafeTrackerStore) -> TrackerStore:
    return store._tracker_store  # noqa: SLF001 (the wrapped store: the one whose errors must reach the turn)


async def retrieve(self: FailSafeTrackerStore, sender_id: str) -> Optional[DialogueStateTracker]:
    try:
        return await _primary(self).retrieve(sender_id)
    except Exception as error:
        logger.error(f"Conversation '{sender_id}' could not be read from the tracker store: {error}")
        raise


async def retrieve_full_tracker(self: FailSafeTrackerStore, sender_id: str) -> Optional[DialogueStateTracker]:
    try:
        return await _primary(self).retrieve_full_tracker(sender_id)
    except Exception as error:
        logger.error(f"Conversation '{sender_id}' could not be read from the tracker store: {error}")
        raise


async def save(self: FailSafeTrackerStore, tracker: DialogueStateTracker) -> None:
    try:
        await _primary(self).save(tracker)
    except Exception as error:
        logger.error(f"Conversation '{tracker.sender_id}' could not be saved in the tracker store: {error}")
        raise


def apply() -> None:
    """Make FailSafeTrackerStore raise its store's errors instead of falling back to memory."""
    FailSafeTrackerStore.retrieve = retrieve
    FailSafeTrackerStore.retrieve_full_tracker = retrieve_full_tracker
    FailSafeTrackerStore.save = save


def undo() -> None:
    for name, method in ORIGINAL.items():
        setattr(FailSafeTrackerStore, name, method)
