"""A tracker store that fails makes the turn fail instead of answering from an empty conversation kept in
memory (rasa_patches/store_failures.py). Every test that applies the fix undoes it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Optional

import pytest
from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from rasa_patches import store_failures


class Unreachable(InMemoryTrackerStore):
    """A store whose database is down (PostgreSQL restarting) until `back` is set."""

    back = False

    async def retrieve(self, sender_id: str) -> Optional[DialogueStateTracker]:
        if not self.back:
            raise ConnectionError("la base ne répond pas")
        return await super().retrieve(sender_id)

    async def save(self, tracker: DialogueStateTracker) -> None:
        if not self.back:
            raise ConnectionError("la base ne répond pas")
        await super().save(tracker)


@pytest.fixture
def applied() -> Iterator[None]:
    store_failures.apply()
    yield
    store_failures.undo()


def conversation(sender: str) -> DialogueStateTracker:
    tracker = DialogueStateTracker(sender, [])
    tracker.update(UserUttered("mon projet est-il concerné ?"))
    return tracker


async def test_as_released_rasa_answers_as_if_the_conversation_did_not_exist() -> None:
    """The defect: an outage of the store reads as « no conversation », and the save goes to memory."""
    primary = Unreachable(Domain.empty())
    store = FailSafeTrackerStore(primary)
    assert await store.retrieve("agent-1") is None
    await store.save(conversation("agent-1"))
    primary.back = True
    assert await store.retrieve("agent-1") is None, "the turn was saved in memory, not in the database"


async def test_with_the_fix_the_turn_fails_and_nothing_is_kept_aside(applied: None) -> None:
    primary = Unreachable(Domain.empty())
    store = FailSafeTrackerStore(primary)
    with pytest.raises(ConnectionError):
        await store.retrieve("agent-1")
    with pytest.raises(ConnectionError):
        await store.save(conversation("agent-1"))
    primary.back = True
    await store.save(conversation("agent-1"))  # the same message again, once the store is back
    stored = await store.retrieve("agent-1")
    assert stored is not None and [e.text for e in stored.events if isinstance(e, UserUttered)] == [
        "mon projet est-il concerné ?"]
    assert store._fallback_tracker_store is None  # noqa: SLF001 (no conversation went to memory)


def test_undo_gives_back_rasa_as_released() -> None:
    store_failures.apply()
    store_failures.undo()
    assert FailSafeTrackerStore.retrieve is store_failures.ORIGINAL["retrieve"]
