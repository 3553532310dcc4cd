"""A named message the conversation already holds is answered from the stored answers, without being
processed again (rasa_patches/message_replay.py); the channels keep the name where the fix reads it."""

from __future__ import annotations

from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from channels.rest import CLIENT_MESSAGE_ID, body_problem
from rasa_patches import message_replay


class Processor:
    """The two things the fix uses of Rasa's MessageProcessor; processing again is a failure."""

    def __init__(self, store: InMemoryTrackerStore) -> None:
        self.tracker_store = store
        self.processed: list[str] = []


async def processed_by_rasa(self: Any, message: UserMessage) -> None:
    self.processed.append(message.text)


async def conversation_holding_the_first_turn() -> InMemoryTrackerStore:
    store = InMemoryTrackerStore(Domain.empty())
    tracker = DialogueStateTracker("agent-1", [])
    for event in (
        UserUttered("Mon projet est-il concerné ?", metadata={CLIENT_MESSAGE_ID: "m1"}),
        BotUttered("Dans quel type d'entité travaillez-vous ?", {"buttons": [{"title": "Ministère"}]}),
        ActionExecuted("action_listen"),
        UserUttered("un ministère", metadata={CLIENT_MESSAGE_ID: "m2"}),
        BotUttered("S'agit-il d'un nouveau projet ?"),
    ):
        tracker.update(event)
    await store.save(tracker)
    return store


async def test_a_stored_message_is_answered_again_not_processed(monkeypatch) -> None:
    monkeypatch.setattr(message_replay, "ORIGINAL", processed_by_rasa)
    processor = Processor(await conversation_holding_the_first_turn())
    output = CollectingOutputChannel()
    replies = await message_replay.handle_message(
        processor, UserMessage("Mon projet est-il concerné ?", output, "agent-1", metadata={CLIENT_MESSAGE_ID: "m1"}))
    assert processor.processed == []
    assert [(r["text"], r.get("buttons")) for r in replies] == [
        ("Dans quel type d'entité travaillez-vous ?", [{"title": "Ministère"}])]


async def test_a_new_or_unnamed_message_is_processed(monkeypatch) -> None:
    monkeypatch.setattr(message_replay, "ORIGINAL", processed_by_rasa)
    processor = Processor(await conversation_holding_the_first_turn())
    await message_replay.handle_message(
        processor, UserMessage("oui", CollectingOutputChannel(), "agent-1", metadata={CLIENT_MESSAGE_ID: "m3"}))
    await message_replay.handle_message(processor, UserMessage("un ministère", CollectingOutputChannel(), "agent-1"))
    assert processor.processed == ["oui", "un ministère"]


def test_the_rest_channel_refuses_a_malformed_message_id() -> None:
    assert body_problem({"sender": "a", "message": "Bonjour", "message_id": "abc-123_X"}) is None
    for bad in ("", "x" * 65, "avec espace", 42):
        refused = body_problem({"sender": "a", "message": "Bonjour", "message_id": bad})
        assert refused is not None and refused.status == 400, bad
