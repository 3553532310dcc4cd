"""A message sent again with the same `message_id` (its answer was lost: a Rasa process killed after it
saved the turn) is answered again and held once (rasa_patches/message_replay.py); a bad id is refused."""

import json
import uuid

from rasa_client import RasaClient


def user_texts(stack: RasaClient, sender: str) -> list:
    return [event.get("text") for event in stack.tracker(sender)["events"] if event["event"] == "user"]


def say(stack: RasaClient, sender: str, message: str, message_id: str) -> list:
    status, replies = stack.post("/webhooks/rest/webhook", json.dumps(
        {"sender": sender, "message": message, "message_id": message_id}).encode())
    assert status == 200, replies
    return replies


def test_a_message_sent_again_is_answered_again_and_held_once(stack: RasaClient) -> None:
    sender = "rejeu-" + uuid.uuid4().hex[:8]
    first = say(stack, sender, "Mon projet est-il concerné ?", "m1")
    asked = say(stack, sender, "un ministère", "m2")
    assert "S'agit-il d'un nouveau projet" in "\n".join(r.get("text", "") for r in asked)
    again = say(stack, sender, "un ministère", "m2")  # the answer never arrived: sent again, same name
    assert [r.get("text") for r in again] == [r.get("text") for r in asked]
    assert user_texts(stack, sender) == ["Mon projet est-il concerné ?", "un ministère"]
    # The conversation goes on where it was: the next question is still the one about a new project.
    verdict = say(stack, sender, "oui", "m3")
    assert "**Votre projet est concerné**" in "\n".join(r.get("text", "") for r in verdict)
    assert first


def test_the_same_text_with_a_new_name_is_a_new_message(stack: RasaClient) -> None:
    sender = "rejeu-" + uuid.uuid4().hex[:8]
    say(stack, sender, "Qu'est-ce que SecNumCloud ?", "a")
    say(stack, sender, "Qu'est-ce que SecNumCloud ?", "b")
    assert user_texts(stack, sender) == ["Qu'est-ce que SecNumCloud ?"] * 2


def test_a_malformed_message_id_is_refused_in_french(stack: RasaClient) -> None:
    status, body = stack.post("/webhooks/rest/webhook", json.dumps(
        {"sender": "rejeu-x", "message": "Bonjour", "message_id": "pas d'espaces ; ni de ponctuation"}).encode())
    assert status == 400
    assert "« message_id » doit être une chaîne" in json.dumps(body, ensure_ascii=False)
