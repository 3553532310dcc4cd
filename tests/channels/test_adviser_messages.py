"""An adviser's message reaches the widget marked as written by a person, with the public name only."""
from __future__ import annotations

import asyncio
from typing import Any

from rasa.shared.core.events import BotUttered

from channels.socketio import CustomJsonSocketIOOutput


class RecordingServer:
    def __init__(self) -> None:
        self.emitted: list[tuple[str, Any, str]] = []

    async def emit(self, event: str, data: Any, room: str = "") -> None:
        self.emitted.append((event, data, room))


def _sent(bot: BotUttered) -> list[Any]:
    server = RecordingServer()
    output = CustomJsonSocketIOOutput(server, "bot_uttered")
    asyncio.run(output.send_response("socketio-abc", bot.message()))
    return [data for _event, data, _room in server.emitted]


def test_an_advisers_message_says_a_person_wrote_it_without_the_login() -> None:
    sent = _sent(BotUttered("Bonjour, je regarde votre dossier.\n\nUn instant.",
                            metadata={"agent": "marie.login", "from_adviser": True, "adviser_name": "Marie D."}))
    assert sent == [{"text": "Bonjour, je regarde votre dossier.", "from_adviser": True, "adviser_name": "Marie D."},
                    {"text": "Un instant.", "from_adviser": True, "adviser_name": "Marie D."}]
    assert "marie.login" not in repr(sent)


def test_the_assistants_messages_and_the_consoles_notices_are_not_marked() -> None:
    assert _sent(BotUttered("Le plan de relance…", metadata={"utter_action": "utter_faq/financement"})) == [
        {"text": "Le plan de relance…"}]
    # « Un conseiller a rejoint la conversation » is written by the console, not typed by the adviser.
    assert _sent(BotUttered("Un conseiller a rejoint la conversation.", metadata={"agent": "marie.login"})) == [
        {"text": "Un conseiller a rejoint la conversation."}]
