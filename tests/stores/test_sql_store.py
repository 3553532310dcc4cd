"""A bad value inside a tracker-store session fails that request, it does not stop the server; the store reads
and writes conversations as Rasa's own SQL store does."""

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered
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


def two_sessions(sender: str) -> DialogueStateTracker:
    """A conversation whose second session started after a few turns (timestamps in order)."""
    events = [
        ActionExecuted("action_session_start", timestamp=1), SessionStarted(timestamp=2),
        ActionExecuted("action_listen", timestamp=3), UserUttered("Bonjour", timestamp=4),
        ActionExecuted("utter_greet", timestamp=5), ActionExecuted("action_listen", timestamp=6),
        ActionExecuted("action_session_start", timestamp=10), SessionStarted(timestamp=11),
        ActionExecuted("action_listen", timestamp=12), UserUttered("Qui finance ?", timestamp=13),
    ]
    return DialogueStateTracker.from_events(sender, events)


def texts(tracker: DialogueStateTracker) -> list:
    return [(type(event).__name__, getattr(event, "text", None) or getattr(event, "action_name", None))
            for event in tracker.events]


async def test_the_current_session_is_read_as_rasa_reads_it(tmp_path):
    db = str(tmp_path / "tracker.db")
    ours, rasas = (store(Domain.empty(), dialect="sqlite", db=db) for store in (SafeSQLTrackerStore, SQLTrackerStore))
    await ours.save(two_sessions("agent-2"))
    await ours.save(DialogueStateTracker.from_events("sans-session", [UserUttered("Salut", timestamp=1)]))
    for sender in ("agent-2", "sans-session"):
        mine, theirs = await ours.retrieve(sender), await rasas.retrieve(sender)
        assert texts(mine) == texts(theirs)
    assert [text for _, text in texts(await ours.retrieve("agent-2")) if text == "Bonjour"] == []
    assert await ours.retrieve("inconnu") is None


async def test_a_save_adds_only_the_events_not_yet_stored(tmp_path):
    store = SafeSQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "tracker.db"))
    await store.save(two_sessions("agent-3"))
    tracker = await store.retrieve("agent-3")
    tracker.update(ActionExecuted("utter_financement", timestamp=14))
    await store.save(tracker)
    await store.save(tracker)  # nothing new: nothing added
    full = await store.retrieve_full_tracker("agent-3")
    assert texts(full) == texts(two_sessions("agent-3")) + [("ActionExecuted", "utter_financement")]
