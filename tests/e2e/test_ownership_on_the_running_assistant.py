"""On the running assistant: a conversation belongs to its channel (channels/conversations.py).

The review sent two off-topic REST messages as `tchap:<room>:<person>`: they landed in that person's
conversation and paused it for a handoff. Here the same attempts, through every public door, must leave
the conversation untouched.
"""

import asyncio
import json
import urllib.error
import urllib.request
import uuid

from test_socketio import exchange

OFF_TOPIC = "Comment renouveler mon passeport ?"


def tchap_conversation() -> str:
    return f"tchap:!{uuid.uuid4().hex}:agents.tchap.gouv.fr:@victime:agents.tchap.gouv.fr"


def user_texts(stack, conversation: str) -> list:
    return [event.get("text") for event in stack.tracker(conversation)["events"] if event["event"] == "user"]


def post(stack, path: str, body: dict, headers: dict) -> int:
    request = urllib.request.Request(
        stack.url + path, data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json", **headers},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_rest_and_callback_callers_cannot_write_into_a_tchap_conversation(stack):
    victim = tchap_conversation()
    intrusion = {"sender": victim, "message": OFF_TOPIC}
    for _ in range(2):
        assert post(stack, "/webhooks/rest/webhook", intrusion, {}) == 403
        assert post(stack, "/webhooks/callback/webhook", intrusion, {}) == 401
        assert post(stack, "/webhooks/callback/webhook", intrusion, {"Authorization": "Bearer devine"}) == 401
    assert user_texts(stack, victim) == []
    # The bridge, holding the secret shared with Rasa (TCHAP_CALLBACK_TOKEN), is served.
    secret = stack.stack.tchap_callback_token
    bridge = {"Authorization": f"Bearer {secret}"}
    assert post(stack, "/webhooks/callback/webhook", {"sender": victim, "message": "Bonjour"}, bridge) == 200
    assert user_texts(stack, victim) == ["Bonjour"]


def test_a_socketio_client_cannot_name_someone_else_s_conversation(stack):
    victim, _ = asyncio.run(exchange(stack.url, uuid.uuid4().hex, [{"message": "Bonjour"}]))
    victim_on_tchap = tchap_conversation()
    for requested in (victim_on_tchap, victim):
        intruder, _ = asyncio.run(
            exchange(stack.url, "pas-un-identifiant", [{"message": OFF_TOPIC, "session_id": requested}])
        )
        assert intruder not in (victim, requested)
        assert user_texts(stack, intruder) == [OFF_TOPIC]
    assert user_texts(stack, victim) == ["Bonjour"]
    assert user_texts(stack, victim_on_tchap) == []
