"""End to end over socket.io, the channel of the web widget (python-socketio client, real servers)."""

import asyncio
import uuid

import socketio


async def exchange(url: str, session_id, payloads, wait_for: int = 1, timeout: float = 60.0):
    """Ask for a session, emit each payload as `user_uttered` and collect `bot_uttered` messages until
    `wait_for` arrive per payload. Returns the conversation id the server confirmed and the replies."""
    client = socketio.AsyncClient()
    received = []
    arrived = asyncio.Event()
    confirmed: asyncio.Queue = asyncio.Queue()
    client.on("session_confirm", confirmed.put)

    @client.on("bot_uttered")
    async def on_bot(data):
        received.append(data)
        arrived.set()

    # Long-polling: python-engineio's websocket client needs a newer aiohttp than Rasa 3.6 allows.
    await client.connect(url, socketio_path="/socket.io", transports=["polling"])
    await client.emit("session_request", {"session_id": session_id})
    conversation = await asyncio.wait_for(confirmed.get(), timeout)
    replies = []
    for payload in payloads:
        received.clear()
        arrived.clear()
        await client.emit("user_uttered", payload)
        if wait_for:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + timeout
            while len(received) < wait_for and loop.time() < deadline:
                arrived.clear()
                try:
                    await asyncio.wait_for(arrived.wait(), timeout=max(0.1, deadline - loop.time()))
                except asyncio.TimeoutError:
                    break
            await asyncio.sleep(1.0)  # let the remaining messages of this turn arrive
        replies.append(list(received))
    await client.disconnect()
    return conversation, replies


def test_faq_answer_and_buttons_over_socketio(stack):
    session = uuid.uuid4().hex  # what the widget generates: 128 random bits
    conversation, [replies] = asyncio.run(
        exchange(stack.url, session, [{"message": "Qui contrôle l'application de la doctrine ?", "session_id": session}])
    )
    assert conversation == f"socketio-{session}"
    assert any("Source :" in (reply.get("text") or "") for reply in replies)
    assert any(reply.get("quick_replies") for reply in replies)


def test_non_text_messages_get_the_empty_message_reply_and_the_conversation_goes_on(stack):
    session = uuid.uuid4().hex
    conversation, (number, obj, question) = asyncio.run(
        exchange(
            stack.url,
            session,
            [
                {"message": 42, "session_id": session},
                {"message": {"html": "<b>x</b>"}, "session_id": session},
                {"message": "Les collectivités sont-elles concernées ?", "session_id": session},
            ],
        )
    )
    assert "Votre message est vide" in number[0]["text"]
    assert "Votre message est vide" in obj[0]["text"]
    assert any("Source :" in (reply.get("text") or "") for reply in question)
    user_events = [event for event in stack.tracker(conversation)["events"] if event["event"] == "user"]
    assert len(user_events) == 3
