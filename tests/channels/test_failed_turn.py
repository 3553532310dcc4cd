"""A turn that fails inside Rasa (the tracker store unreachable while PostgreSQL restarts) is answered
503 with « Le service redémarre, réessayez dans un instant. » by the REST channel, never 200 with an
answer that was not stored; the next turn on the same keep-alive connection is answered as usual."""

from __future__ import annotations

from mattermost_harness import serve
from rasa.core.channels.channel import UserMessage

from channels.rest import RESTARTING_TEXT, ValidatedRestInput


async def test_a_failed_turn_is_a_503_with_the_french_message_then_the_next_turn_is_answered() -> None:
    calls: list[str] = []

    async def assistant(message: UserMessage) -> None:
        calls.append(message.text or "")
        await message.output_channel.send_text_message(message.sender_id, "Réponse jamais enregistrée")
        if len(calls) == 1:
            raise ConnectionError("la base ne répond pas")  # the save failed after the reply was collected

    async for channel in serve(ValidatedRestInput(), assistant):
        url = f"{channel.base_url}/webhooks/rest/webhook"
        async with channel.http.post(url, json={"sender": "agent-1", "message": "un ministère",
                                                "message_id": "m1"}) as failed:
            assert failed.status == 503
            assert failed.headers["Retry-After"] == "5"
            assert await failed.json() == [{"recipient_id": "agent-1", "text": RESTARTING_TEXT}]
        async with channel.http.post(url, json={"sender": "agent-1", "message": "un ministère",
                                                "message_id": "m1"}) as answered:
            assert answered.status == 200
            assert [m["text"] for m in await answered.json()] == ["Réponse jamais enregistrée"]
    assert RESTARTING_TEXT == "Le service redémarre, réessayez dans un instant."
    assert calls == ["un ministère", "un ministère"]
