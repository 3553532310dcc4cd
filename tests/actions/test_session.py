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


# --- a greeting after a welcome (issue 25) ---------------------------------------------------------------

from actions.session import ActionGreet  # noqa: E402


async def greet(dispatcher, domain, channel, before=None):
    tracker = make_tracker(parse_data("bonjour", "greet"), input_channel=channel, before=before)
    events = await ActionGreet().run(dispatcher, tracker, domain)
    return [message["response"] for message in dispatcher.messages], events


async def test_bonjour_after_the_widgets_welcome_gets_one_short_line(dispatcher, domain):
    responses, events = await greet(dispatcher, domain, "socketio")
    assert responses == ["utter_greet_again"] and events == []
    text = domain["responses"]["utter_greet_again"][0]["text"]
    assert text.count("\n") == 0 and len(text) < 90 and "question" in text
    assert "buttons" not in domain["responses"]["utter_greet_again"][0]


async def test_a_first_greeting_elsewhere_gets_the_whole_welcome(dispatcher, domain):
    """REST and Tchap show no welcome of the widget: the first « bonjour » is answered by the notice."""
    responses, _ = await greet(dispatcher, domain, "rest")
    assert responses == ["utter_greet"]
    assert "assistant automatique" in domain["responses"]["utter_greet"][0]["text"]


async def test_a_second_greeting_in_the_session_gets_the_short_line(dispatcher, domain):
    before = [
        {"event": "session_started"},
        {"event": "user", "text": "bonjour", "parse_data": parse_data("bonjour", "greet")},
        {"event": "bot", "text": "Bonjour ! Je suis…", "metadata": {"utter_action": "utter_greet"}},
    ]
    responses, _ = await greet(dispatcher, domain, "rest", before=before)
    assert responses == ["utter_greet_again"]


async def test_a_greeting_in_a_new_session_gets_the_whole_welcome_again(dispatcher, domain):
    before = [
        {"event": "bot", "text": "Bonjour ! Je suis…", "metadata": {"utter_action": "utter_greet"}},
        {"event": "session_started"},
    ]
    responses, _ = await greet(dispatcher, domain, "rest", before=before)
    assert responses == ["utter_greet"]
