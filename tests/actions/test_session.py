"""The session start: the notice for the channels without a welcome of their own (Mattermost)."""

import pytest
from tracker_factory import make_tracker, parse_data

from actions.session import ActionSessionStart

SESSION_EVENTS = [
    {"event": "session_started", "timestamp": None},
    {"event": "action", "timestamp": None, "name": "action_listen", "policy": None, "confidence": None},
]


async def start(dispatcher, domain, metadata):
    tracker = make_tracker(parse_data("", "greet"), slots={"session_started_metadata": metadata})
    return await ActionSessionStart().run(dispatcher, tracker, domain)


async def test_a_mattermost_question_starts_with_the_notice(dispatcher, domain):
    events = await start(dispatcher, domain, {"mattermost": {"user_name": "agent", "invocation_only": False}})
    assert [message["response"] for message in dispatcher.messages] == ["utter_first_message"]
    assert events == SESSION_EVENTS


async def test_a_bare_mention_gets_the_greeting_only(dispatcher, domain):
    """« @assistant » alone is answered by utter_greet, which already says what the assistant is."""
    events = await start(dispatcher, domain, {"mattermost": {"user_name": "agent", "invocation_only": True}})
    assert dispatcher.messages == []
    assert events == SESSION_EVENTS


@pytest.mark.parametrize("metadata", [None, {}, {"agent": "Alice"}, {"mattermost": "bad"}, "bad"])
async def test_channels_with_their_own_welcome_get_no_notice(dispatcher, domain, metadata):
    """The widget and the Tchap bridge greet before the first question; REST clients send no metadata."""
    events = await start(dispatcher, domain, metadata)
    assert dispatcher.messages == []
    assert events == SESSION_EVENTS


def test_the_notice_is_in_the_domain(domain):
    assert "utter_first_message" in domain["responses"]
