"""End-to-end: people on a real Synapse talk to the assistant through the bridge and a real Rasa."""

from __future__ import annotations

import re
import subprocess
import tempfile
from urllib.parse import quote

import pytest
from matrix_bridge.bridge import WELCOME_DIRECT
from matrix_user import MatrixUser, Received
from nio import RoomEncryptedFile
from servers import http_json

pytestmark = pytest.mark.asyncio

FAQ_QUESTION = "Les collectivités territoriales sont-elles concernées ?"
SCOPE_QUESTION = "Mon projet est-il concerné ?"


def has_source(message: Received) -> bool:
    return "Source" in message.body


def choices(message: Received) -> list[str]:
    """The numbered choices at the end of a bot message (« 1. Oui  2. Non »)."""
    line = next((line for line in message.body.split("\n") if line.startswith("1. ")), "")
    return [title.strip() for title in re.split(r"\s*\d+\. ", line)[1:]]


def is_verdict(message: Received) -> bool:
    return any(v in message.body for v in ("Votre projet est concerné", "n'est pas concerné", "hors du champ"))


def offers(*words: str):
    return lambda m: any(all(w in c for w in words) for c in choices(m))


def number_of(message: Received, words: str) -> str:
    return str(next(i for i, c in enumerate(choices(message), 1) if words in c))


async def ask_faq(user: MatrixUser, room_id: str, bot: str, prefix: str = "", timeout: float = 60) -> Received:
    """Ask the FAQ question; when the assistant asks which question was meant (numbered choices),
    answer with the number of the collectivités question, as a person would."""
    first = await user.ask(
        room_id, bot, prefix + FAQ_QUESTION, lambda m: has_source(m) or offers("collectivit")(m), timeout
    )
    if has_source(first):
        return first
    return await user.ask(room_id, bot, prefix + number_of(first, "collectivit"), has_source, timeout)


async def open_direct_chat(user: MatrixUser, bot: str, encrypted: bool = False) -> str:
    room_id = await user.create_room([bot], encrypted=encrypted)
    await user.wait_for_membership(room_id, bot, "join")
    return room_id


def assert_html(message: Received) -> None:
    assert message.content.get("format") == "org.matrix.custom.html"
    assert "<" in message.content.get("formatted_body", "")
    assert "<script" not in message.content["formatted_body"]


async def run_scope_check(user: MatrixUser, room_id: str, bot: str) -> Received:
    """Scope check answered with numbers (and one title): central administration, refactor > 50 %."""
    entity_question = await user.ask(room_id, bot, SCOPE_QUESTION, offers("Administration centrale"))
    assert_html(entity_question)
    assert "<ol><li>" in entity_question.content["formatted_body"]
    new_project = await user.ask(
        room_id, bot, number_of(entity_question, "Administration centrale"), offers("nouveau projet")
    )
    percentage = await user.ask(room_id, bot, number_of(new_project, "Non, la refonte"), offers("Plus de 50"))
    assert number_of(percentage, "Plus de 50") == "1"
    return await user.ask(room_id, bot, "Plus de 50 %", is_verdict)


async def test_faq_question_in_a_direct_chat(bridge, bot_user, make_user):
    user = await make_user()
    room_id = await open_direct_chat(user, bot_user)
    answer = await ask_faq(user, room_id, bot_user, timeout=90)
    assert "collectivit" in answer.body.lower()
    assert_html(answer)
    assert '<a href="https://www.numerique.gouv.fr/' in answer.content["formatted_body"]


async def test_scope_check_by_numbered_replies(bridge, bot_user, make_user):
    user = await make_user()
    room_id = await open_direct_chat(user, bot_user)
    verdict = await run_scope_check(user, room_id, bot_user)
    assert "Votre projet est concerné" in verdict.body


async def test_encrypted_room(bridge, bot_user, make_user):
    user = await make_user()
    room_id = await open_direct_chat(user, bot_user, encrypted=True)
    answer = await ask_faq(user, room_id, bot_user)
    assert answer.encrypted, "the bot must answer encrypted in an encrypted room"
    verdict = await run_scope_check(user, room_id, bot_user)
    assert verdict.encrypted and "Votre projet est concerné" in verdict.body
    assert "n'ai pas pu déchiffrer" not in " ".join(m.body for m in user.messages_from(bot_user, room_id))
    # The orientation sheet follows the verdict as a file, encrypted like every message of the room.
    sheet = await user.wait_for(lambda: next((f for f in user.files if f.sender == bot_user), None), timeout=90,
                                what="the orientation sheet")
    assert isinstance(sheet, RoomEncryptedFile) and "url" not in sheet.source["content"]
    assert re.fullmatch(r"fiche-orientation-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\.pdf", sheet.body)
    pdf = await user.file_content(sheet)
    assert pdf.startswith(b"%PDF-")
    text = " ".join(pdf_text(pdf).split())
    reference = sheet.body[len("fiche-orientation-"):-len(".pdf")]
    assert "Votre projet est concerné" in text and f"Référence {reference}" in text
    assert "Administration centrale" in text or "administration centrale" in text


def pdf_text(pdf: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(pdf)
        handle.flush()
        return subprocess.run(["pdftotext", handle.name, "-"], check=True, capture_output=True, text=True).stdout


async def test_group_room_answers_only_when_mentioned(bridge, bot_user, make_user):
    alice, bob = await make_user("alice"), await make_user("bob")
    room_id = await alice.create_room([bob.client.user_id], direct=False)
    await bob.join(room_id)
    await alice.invite(room_id, bot_user)
    await alice.wait_for_membership(room_id, bot_user, "join")
    await alice.send(room_id, FAQ_QUESTION)
    await alice.settle(4)
    assert not [m for m in alice.messages_from(bot_user, room_id) if has_source(m)], "not mentioned: no answer"
    answer = await ask_faq(alice, room_id, bot_user, prefix=f"{bot_user} ")
    assert answer.content.get("m.mentions", {}).get("user_ids") == [alice.client.user_id]


async def test_invite_from_a_server_outside_the_allow_list_is_refused(bridge, bot_user, make_user):
    bridge.stop()
    bridge.start(TCHAP_ALLOWED_SERVERS="autre-ministere.tchap.example")
    try:
        user = await make_user()
        room_id = await user.create_room([bot_user])
        await user.wait_for_membership(room_id, bot_user, "leave")
        assert "refusée" in bridge.log_text()
    finally:
        bridge.stop()
        bridge.start()


async def test_restart_neither_re_answers_nor_loses_messages(bridge, bot_user, make_user):
    user = await make_user()
    room_id = await open_direct_chat(user, bot_user)
    answer = await ask_faq(user, room_id, bot_user)
    before = len(user.messages_from(bot_user, room_id))
    bridge.stop()
    await user.send(room_id, "Bonjour")  # written while the bot is away: must be answered once
    bridge.start()
    await user.wait_for(lambda: len(user.messages_from(bot_user, room_id)) > before, 60, "the answer to « Bonjour »")
    await user.settle(5)
    after_restart = user.messages_from(bot_user, room_id)[before:]
    assert not [m for m in after_restart if has_source(m)], "an old question was answered again after the restart"
    assert sum(m.body == answer.body for m in user.messages_from(bot_user, room_id)) == 1
    assert sum(m.body == WELCOME_DIRECT for m in user.messages_from(bot_user, room_id)) == 1


async def test_rate_limits_are_waited_out_without_losing_messages(bridge, synapse, bot_user, make_user):
    url = f"{synapse.url}/_synapse/admin/v1/users/{quote(bot_user)}/override_ratelimit"
    status, body = http_json("POST", url, {"messages_per_second": 1, "burst_count": 1}, token=synapse.admin_token())
    assert status == 200, body
    try:
        user = await make_user()
        room_id = await open_direct_chat(user, bot_user)
        await user.ask(room_id, bot_user, SCOPE_QUESTION, offers("Administration centrale"))
        bodies = [m.body for m in user.messages_from(bot_user, room_id)]
        intro = next(i for i, b in enumerate(bodies) if "Vérifions ensemble" in b)
        assert intro < len(bodies) - 1, "the intro must come before the question, nothing lost"
        assert "429" in bridge.log_text(), "the homeserver should have rate-limited the bot"
    finally:
        http_json("DELETE", url, token=synapse.admin_token())


async def test_callback_endpoint_rejects_bad_requests(bridge, callback_url, callback_token):
    assert http_json("POST", callback_url, {"recipient_id": "x", "text": "y"})[0] == 401
    assert http_json("POST", callback_url + f"?token={callback_token}", {"recipient_id": "x", "text": "y"})[0] == 401
    assert http_json("POST", callback_url, ["not", "an", "object"], token=callback_token)[0] == 400
    assert http_json("POST", callback_url, {"recipient_id": "socketio-1", "text": "y"}, token=callback_token)[0] == 400
    status, _ = http_json("POST", callback_url, {"recipient_id": "tchap:!inconnu:x:@a:x", "text": "y"}, token=callback_token)
    assert status == 404


async def test_nobody_else_can_write_into_a_tchap_conversation(bridge, rasa_stack, bot_user, make_user):
    """The review's finding: REST messages sent as `tchap:<room>:<person>` landed in that person's
    conversation. Now REST refuses the Tchap namespace, and Rasa's callback channel wants the secret."""
    user = await make_user()
    room_id = await open_direct_chat(user, bot_user)
    await ask_faq(user, room_id, bot_user)
    conversation = f"tchap:{room_id}:{user.client.user_id}"
    intrusion = {"sender": conversation, "message": "Comment renouveler mon passeport ?"}
    assert http_json("POST", f"{rasa_stack.url}/webhooks/rest/webhook", intrusion)[0] == 403
    assert http_json("POST", f"{rasa_stack.url}/webhooks/callback/webhook", intrusion)[0] == 401
    assert http_json("POST", f"{rasa_stack.url}/webhooks/callback/webhook", intrusion, token="devine")[0] == 401
    status, tracker = http_json(
        "GET", f"{rasa_stack.url}/conversations/{conversation}/tracker?token={rasa_stack.token}"
    )
    assert status == 200
    texts = [event.get("text") for event in tracker["events"] if event["event"] == "user"]
    assert texts and "passeport" not in " ".join(texts)


async def test_survives_a_homeserver_restart(bridge, synapse, bot_user, make_user):
    user = await make_user()
    room_id = await open_direct_chat(user, bot_user)
    synapse.stop()
    synapse.start()
    answer = await ask_faq(user, room_id, bot_user, timeout=90)
    assert "collectivit" in answer.body.lower()
