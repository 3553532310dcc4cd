"""A bad value inside a tracker-store session fails that request, it does not stop the server."""

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from stores.sql import SafeSQLTrackerStore


def test_rasa_store_exits_on_any_value_error_but_ours_does_not(tmp_path):
    rasa_store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "rasa.db"))
    with pytest.raises(SystemExit):
        with rasa_store.session_scope():
            raise ValueError("A string literal cannot contain NUL (0x00) characters.")

    safe_store = SafeSQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "safe.db"))
    with pytest.raises(ValueError):
        with safe_store.session_scope():
            raise ValueError("A string literal cannot contain NUL (0x00) characters.")


async def test_conversations_are_saved_and_read_back(tmp_path):
    store = SafeSQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "tracker.db"))
    tracker = DialogueStateTracker.from_events("agent-1", [UserUttered("Bonjour")])
    await store.save(tracker)
    again = await SafeSQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "tracker.db")).retrieve("agent-1")
    assert [event.text for event in again.events if isinstance(event, UserUttered)] == ["Bonjour"]
