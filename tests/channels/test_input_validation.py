"""The REST and socket.io channels refuse or neutralise malformed input before the assistant sees it."""

import pytest

from channels.rest import MAX_MESSAGE_CHARACTERS, body_problem
from channels.socketio import checked_text


@pytest.mark.parametrize(
    "body",
    [None, [], "bonjour", 42, {"message": 42}, {"message": None}, {"sender": 5, "message": "x"},
     {"sender": "", "message": "x"}, {"sender": "x" * 201, "message": "x"}, {"message": "x", "metadata": "m"}],
)
def test_malformed_bodies_are_refused_with_400(body):
    problem = body_problem(body)
    assert problem is not None and problem.status == 400
    assert "erreur" in problem.body.decode("utf-8")


def test_a_message_longer_than_a_question_is_refused_with_413():
    assert MAX_MESSAGE_CHARACTERS == 2000
    assert body_problem({"sender": "a", "message": "x" * (MAX_MESSAGE_CHARACTERS + 1)}).status == 413


@pytest.mark.parametrize(
    "body", [{"sender": "a", "message": "Bonjour"}, {"message": ""}, {"sender": "a", "message": "x", "metadata": {}}]
)
def test_usable_bodies_pass(body):
    assert body_problem(body) is None


def test_socketio_messages_are_always_text():
    assert checked_text(42) == ""
    assert checked_text({"a": 1}) == ""
    assert checked_text(None) == ""
    assert checked_text("bonjour") == "bonjour"


@pytest.mark.parametrize("sender", ["\x00", "abc\x00def", "a\nb", "\x1b[31m"])
def test_control_characters_in_the_sender_are_refused(sender):
    assert body_problem({"sender": sender, "message": "bonjour"}).status == 400


def test_socketio_events_are_made_readable_before_rasa_builds_the_message():
    from channels.socketio import checked_event

    assert checked_event("hello") == {"message": ""}
    assert checked_event({"message": 42, "session_id": "s1"}) == {"message": "", "session_id": "s1"}
    assert checked_event({"message": "ok", "session_id": ["x"], "metadata": "{bad"}) == {"message": "ok"}
