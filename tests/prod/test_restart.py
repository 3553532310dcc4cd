"""Last of the tests/prod session (file order): a full restart of the topology — nginx, every Rasa
instance, the action server, Redis and PostgreSQL — and every conversation opened by the earlier
tests is still there, whole, and goes on."""

from __future__ import annotations

from prodcluster import Cluster, user_texts


def test_every_conversation_survives_a_full_restart(cluster: Cluster, conversations: dict[str, int]) -> None:
    assert conversations, "the earlier tests opened conversations"
    before = {sender: cluster.events_in_database(sender) for sender in conversations}
    cluster.stop_all()
    cluster.start_all()
    for sender, events in before.items():
        assert len(user_texts({"events": events})) >= conversations[sender], sender
        assert cluster.events_in_database(sender) == events, f"conversation {sender} changed"
        tracker = cluster.tracker(sender, "A")
        assert user_texts(tracker) == user_texts({"events": events}), sender
    # And a conversation goes on after the restart, on either instance.
    sender = next(iter(conversations))
    assert cluster.say(sender, "merci", "B")
    assert user_texts(cluster.tracker(sender, "A"))[-1] == "merci"
