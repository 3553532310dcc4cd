"""Hermetic tests of channels/mattermost.py at its HTTP boundary.

Mattermost posts to the channel (outgoing webhook, slash command, button callback) are shaped like the
documented payloads; the channel's replies land on a fake Mattermost API server that records them.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import urlencode

import pytest
from fake_mattermost import BOT_USER_ID, BOT_USERNAME, FakeMattermost, buttons_of
from mattermost_harness import BOT_TOKEN, SLASH_TOKEN, WEBHOOK_TOKEN, ChannelUnderTest, make_channel, serve

from channels.limits import MAX_MESSAGE_CHARACTERS
from channels.mattermost import conversation_id, split_for_posts, strip_invocation

CHANNEL_ID = "4yf5b8gkxfg1mb3yhr5k9w9dxa"
USER_ID = "9s6qkb8cpjbxjdrpaz5huxg1ne"
OTHER_USER_ID = "ktwn6k3jzfnmzejqbxpdbu3cmr"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}

pytestmark = pytest.mark.asyncio


def webhook_payload(text: str, trigger_word: str = "cloud", **overrides: Any) -> dict[str, Any]:
    """An outgoing-webhook payload as Mattermost sends it (model.OutgoingWebhookPayload)."""
    payload: dict[str, Any] = {
        "token": WEBHOOK_TOKEN,
        "team_id": "rdc9bgriktyx9p4kowh3dmgqyc",
        "team_domain": "dinum",
        "channel_id": CHANNEL_ID,
        "channel_name": "cloud-au-centre",
        "timestamp": 1732800000,
        "user_id": USER_ID,
        "user_name": "agent.public",
        "post_id": "f7i4xkq7ttgepm4bdzaodrtkxw",
        "text": text,
        "trigger_word": trigger_word,
        "file_ids": "",
    }
    payload.update(overrides)
    return payload


def callback_payload(action: dict[str, Any], user_id: str = USER_ID, channel_id: str = CHANNEL_ID) -> dict[str, Any]:
    """What Mattermost POSTs to integration.url on a button click (model.PostActionIntegrationRequest)."""
    return {
        "user_id": user_id,
        "user_name": "agent.public",
        "channel_id": channel_id,
        "channel_name": "cloud-au-centre",
        "team_id": "rdc9bgriktyx9p4kowh3dmgqyc",
        "team_domain": "dinum",
        "post_id": "u8tjy8dkw3gqpd5t5kbhxc7ofr",
        "trigger_id": "dHJpZ2dlcg==",
        "type": "",
        "data_source": "",
        "context": action["integration"]["context"],
    }


async def post_webhook(mm: ChannelUnderTest, payload: dict[str, Any], form: bool = True) -> tuple[int, Any]:
    if form:
        return await mm.post("/webhooks/mattermost/webhook", data=urlencode(payload), headers=FORM)
    return await mm.post("/webhooks/mattermost/webhook", json=payload)


# --- authentication ---------------------------------------------------------------------------------


async def test_wrong_or_missing_token_is_refused_with_401(
    mattermost_channel: ChannelUnderTest, fake_mattermost: FakeMattermost
) -> None:
    for payload in (
        webhook_payload("cloud Bonjour", token="not-the-token"),
        webhook_payload("cloud Bonjour", token=WEBHOOK_TOKEN[:-1]),
        {k: v for k, v in webhook_payload("cloud Bonjour").items() if k != "token"},
    ):
        status, body = await post_webhook(mattermost_channel, payload)
        assert status == 401
        assert "Jeton" in body["error"]
    assert mattermost_channel.received == []
    assert fake_mattermost.posts() == []


async def test_empty_configured_token_refuses_everything(fake_mattermost: FakeMattermost) -> None:
    async for mm in serve(make_channel(fake_mattermost, webhook_token="")):
        for token in ("", "anything"):
            status, _ = await post_webhook(mm, webhook_payload("cloud Bonjour", token=token))
            assert status == 401
        button = {
            "integration": {"context": {"payload": "/affirm", "title": "Oui", "recipient": "x", "text": "", "sig": ""}}
        }
        status, _ = await mm.post("/webhooks/mattermost/actions", json=callback_payload(button))
        assert status == 401
        assert mm.received == []


# --- messages in, answers out -----------------------------------------------------------------------


async def test_form_webhook_reaches_the_assistant_and_the_answer_is_posted(
    mattermost_channel: ChannelUnderTest, fake_mattermost: FakeMattermost
) -> None:
    status, _ = await post_webhook(
        mattermost_channel, webhook_payload("cloud Les collectivités sont-elles concernées ?")
    )
    assert status == 200
    [message] = mattermost_channel.received
    assert message.text == "Les collectivités sont-elles concernées ?"
    assert message.sender_id == f"mattermost_{CHANNEL_ID}_{USER_ID}"
    assert message.input_channel == "mattermost"
    assert message.metadata["mattermost"]["user_name"] == "agent.public"
    assert message.metadata["mattermost"]["invocation_only"] is False  # a question: notice first (AI Act)
    [post] = fake_mattermost.posts()
    assert post == {
        "channel_id": CHANNEL_ID,
        "message": "**Reçu** : Les collectivités sont-elles concernées ?",
    }
    sent = [r for r in fake_mattermost.requests if r["path"] == "/api/v4/posts"]
    assert sent[0]["authorization"] == f"Bearer {BOT_TOKEN}"


async def test_json_webhook_is_accepted_too(mattermost_channel: ChannelUnderTest) -> None:
    status, _ = await post_webhook(
        mattermost_channel, webhook_payload("cloud Bonjour", timestamp=1732800000123), form=False
    )
    assert status == 200
    assert mattermost_channel.received[0].text == "Bonjour"


async def test_only_the_trigger_word_or_mention_is_removed(mattermost_channel: ChannelUnderTest) -> None:
    cases = [
        (webhook_payload("cloud Quelles données sont sensibles ?"), "Quelles données sont sensibles ?"),
        (
            webhook_payload(f"@{BOT_USERNAME}: SecNumCloud, c'est quoi ?", trigger_word=""),
            "SecNumCloud, c'est quoi ?",
        ),
        (webhook_payload(f"@{BOT_USERNAME} Bonjour", trigger_word=f"@{BOT_USERNAME}"), "Bonjour"),
        # No trigger word (webhook on a whole channel) and no mention: the whole message is kept.
        (
            webhook_payload("Quel financement pour migrer ?", trigger_word=""),
            "Quel financement pour migrer ?",
        ),
        # A trigger word further in the message is part of the question.
        (
            webhook_payload("Le cloud interne est-il obligatoire ?", trigger_word="cloud"),
            "Le cloud interne est-il obligatoire ?",
        ),
    ]
    for payload, expected in cases:
        status, _ = await post_webhook(mattermost_channel, payload)
        assert status == 200
        assert mattermost_channel.received[-1].text == expected


async def test_strip_invocation_does_not_cut_a_longer_word() -> None:
    assert strip_invocation("@cloudbotanique bonjour", "", "cloudbot") == "@cloudbotanique bonjour"
    assert strip_invocation("cloudy day", "cloud", "") == "cloudy day"
    assert strip_invocation("  CLOUD   Bonjour ", "cloud", "") == "Bonjour"


async def test_mention_alone_starts_with_a_greeting(mattermost_channel: ChannelUnderTest) -> None:
    status, _ = await post_webhook(mattermost_channel, webhook_payload("cloud"))
    assert status == 200
    assert mattermost_channel.received[0].text == "/greet"
    # The greeting already says what the assistant is: no session-start notice before it (actions/session.py).
    assert mattermost_channel.received[0].metadata["mattermost"]["invocation_only"] is True


async def test_the_bot_never_answers_its_own_posts(
    mattermost_channel: ChannelUnderTest, fake_mattermost: FakeMattermost
) -> None:
    status, _ = await post_webhook(mattermost_channel, webhook_payload("cloud Bonjour", user_id=BOT_USER_ID))
    assert status == 200
    assert mattermost_channel.received == []
    assert fake_mattermost.posts() == []


async def test_one_conversation_per_channel_and_person(mattermost_channel: ChannelUnderTest) -> None:
    await post_webhook(mattermost_channel, webhook_payload("cloud un"))
    await post_webhook(mattermost_channel, webhook_payload("cloud deux", user_id=OTHER_USER_ID))
    await post_webhook(mattermost_channel, webhook_payload("cloud trois", channel_id="otherchannelid00000000000a"))
    senders = [m.sender_id for m in mattermost_channel.received]
    assert senders == [
        conversation_id(CHANNEL_ID, USER_ID),
        conversation_id(CHANNEL_ID, OTHER_USER_ID),
        conversation_id("otherchannelid00000000000a", USER_ID),
    ]


async def test_markdown_passes_through_and_long_answers_are_split(fake_mattermost: FakeMattermost) -> None:
    out = make_channel(fake_mattermost).get_output_channel()
    markdown = "**Règle 1** : voir [la circulaire](https://www.numerique.gouv.fr/)\n- point un\n- point deux"
    await out.send_text_message(conversation_id(CHANNEL_ID, USER_ID), markdown)
    assert fake_mattermost.posts()[-1]["message"] == markdown
    long_answer = "\n\n".join(["x" * 9000, "y" * 9000])
    await out.send_text_message(conversation_id(CHANNEL_ID, USER_ID), long_answer)
    assert [p["message"] for p in fake_mattermost.posts()[1:]] == ["x" * 9000, "y" * 9000]
    assert split_for_posts("a" * 40, limit=16) == ["a" * 16, "a" * 16, "a" * 8]


async def test_slash_command_uses_its_own_token_and_keeps_the_text(
    mattermost_channel: ChannelUnderTest,
) -> None:
    payload = {
        "token": SLASH_TOKEN,
        "team_id": "rdc9bgriktyx9p4kowh3dmgqyc",
        "team_domain": "dinum",
        "channel_id": "directchannelid0000000000a",
        "channel_name": "direct",
        "user_id": USER_ID,
        "user_name": "agent.public",
        "command": "/cloud",
        "text": "Qui contrôle l'application ?",
        "response_url": "http://mm.example/hooks/commands/x",
        "trigger_id": "dHJpZ2dlcg==",
    }
    status, body = await post_webhook(mattermost_channel, payload)
    assert status == 200
    assert body["response_type"] == "ephemeral"
    assert mattermost_channel.received[0].text == "Qui contrôle l'application ?"


# --- malformed requests: clean 4xx, never a 500 -----------------------------------------------------


async def test_malformed_bodies_get_a_clean_4xx(
    mattermost_channel: ChannelUnderTest, fake_mattermost: FakeMattermost
) -> None:
    json_headers = {"Content-Type": "application/json"}
    cases: list[tuple[dict[str, Any], int]] = [
        ({"data": "{not json", "headers": json_headers}, 400),
        ({"data": json.dumps(["a", "list"]), "headers": json_headers}, 400),
        ({"json": webhook_payload(12345)}, 400),  # text of the wrong type
        ({"json": webhook_payload("cloud x", channel_id=None)}, 400),
        ({"json": {k: v for k, v in webhook_payload("cloud x").items() if k != "user_id"}}, 400),
        ({"json": webhook_payload("cloud x", channel_id="evil_channel")}, 400),
        ({"json": webhook_payload("cloud x", user_id=USER_ID + "\n")}, 400),
        ({"json": webhook_payload("cloud x", trigger_word=["cloud"])}, 400),
        ({"data": b"x" * 200_000, "headers": json_headers}, 413),
        ({"data": b"\xff\xfe\x00binary", "headers": json_headers}, 400),
        ({"data": "text=hello", "headers": {"Content-Type": "text/plain"}}, 415),
    ]
    for kwargs, expected in cases:
        for path in ("/webhooks/mattermost/webhook", "/webhooks/mattermost/actions"):
            status, body = await mattermost_channel.post(path, **kwargs)
            # A webhook-shaped JSON object is never a valid button callback either (no signed context).
            expected_status = 400 if path.endswith("actions") and "json" in kwargs else expected
            assert status == expected_status, (path, str(kwargs)[:120])
            assert isinstance(body, dict) and body["error"]
    assert mattermost_channel.received == []
    assert fake_mattermost.posts() == []


async def test_a_message_longer_than_a_question_gets_a_french_answer_and_never_reaches_the_assistant(
    mattermost_channel: ChannelUnderTest, fake_mattermost: FakeMattermost
) -> None:
    status, body = await post_webhook(mattermost_channel, webhook_payload("cloud " + "a" * (MAX_MESSAGE_CHARACTERS + 1)))
    assert status == 200 and body["response_type"] == "ephemeral"
    assert body["text"].startswith("Votre message est trop long (2\u00a0001 caractères ; 2\u00a0000 au maximum)")
    assert mattermost_channel.received == []
    status, _ = await post_webhook(mattermost_channel, webhook_payload("cloud " + "a" * MAX_MESSAGE_CHARACTERS))
    assert status == 200 and len(mattermost_channel.received) == 1


async def test_assistant_failure_gives_a_french_message_not_a_500(
    mattermost_channel: ChannelUnderTest,
) -> None:
    status, body = await post_webhook(mattermost_channel, webhook_payload("cloud panne"))
    assert status == 200
    assert "problème technique" in body["text"]


# --- buttons ----------------------------------------------------------------------------------------


async def ask_for_buttons(mm: ChannelUnderTest, fake: FakeMattermost) -> list[dict[str, Any]]:
    status, _ = await post_webhook(mm, webhook_payload("cloud boutons"))
    assert status == 200
    post = fake.posts()[-1]
    assert post["message"] == "Votre structure est :"
    return buttons_of(post)


async def test_buttons_are_interactive_actions_and_a_click_round_trips(
    mattermost_channel: ChannelUnderTest, fake_mattermost: FakeMattermost
) -> None:
    actions = await ask_for_buttons(mattermost_channel, fake_mattermost)
    assert [a["name"] for a in actions] == ["Administration centrale", "Opérateur"]
    for action in actions:
        assert action["integration"]["url"] == "http://rasa.example/webhooks/mattermost/actions"
        assert action["integration"]["context"]["sig"]
    status, body = await mattermost_channel.post("/webhooks/mattermost/actions", json=callback_payload(actions[1]))
    assert status == 200
    assert body["update"]["props"] == {}  # the buttons disappear
    assert "Opérateur" in body["update"]["message"] and "Votre structure est :" in body["update"]["message"]
    clicked = mattermost_channel.received[-1]
    assert clicked.text == '/inform{"entity_type":"operateur"}'
    assert clicked.sender_id == conversation_id(CHANNEL_ID, USER_ID)
    assert fake_mattermost.posts()[-1]["message"] == '**Reçu** : /inform{"entity_type":"operateur"}'


async def test_forged_or_foreign_button_callbacks_are_refused(
    mattermost_channel: ChannelUnderTest, fake_mattermost: FakeMattermost
) -> None:
    actions = await ask_for_buttons(mattermost_channel, fake_mattermost)
    received_before = len(mattermost_channel.received)

    forged = json.loads(json.dumps(actions[0]))
    forged["integration"]["context"]["payload"] = "/restart"
    status, _ = await mattermost_channel.post("/webhooks/mattermost/actions", json=callback_payload(forged))
    assert status == 401

    moved = callback_payload(actions[0], channel_id="otherchannelid00000000000a")
    status, _ = await mattermost_channel.post("/webhooks/mattermost/actions", json=moved)
    assert status == 401

    no_context = callback_payload(actions[0])
    no_context["context"] = "payload=/restart"
    status, _ = await mattermost_channel.post("/webhooks/mattermost/actions", json=no_context)
    assert status == 400

    status, body = await mattermost_channel.post(
        "/webhooks/mattermost/actions", json=callback_payload(actions[0], user_id=OTHER_USER_ID)
    )
    assert status == 200
    assert "s'adressent à la personne" in body["ephemeral_text"]
    assert "update" not in body
    assert len(mattermost_channel.received) == received_before


# --- takeover: the output channel works without an incoming request -----------------------------------


async def test_output_channel_posts_where_the_conversation_lives(fake_mattermost: FakeMattermost) -> None:
    channel = make_channel(fake_mattermost)
    out = channel.get_output_channel()
    assert out is not None and out.name() == "mattermost"
    await out.send_response(conversation_id(CHANNEL_ID, USER_ID), {"text": "Bonjour, ici Alice du support."})
    await out.send_response("rest-user-42", {"text": "ne doit pas partir"})
    assert fake_mattermost.posts() == [{"channel_id": CHANNEL_ID, "message": "Bonjour, ici Alice du support."}]


async def test_rate_limited_posts_are_retried(fake_mattermost: FakeMattermost) -> None:
    fake_mattermost.rate_limit_next = 1
    out = make_channel(fake_mattermost).get_output_channel()
    await out.send_text_message(conversation_id(CHANNEL_ID, USER_ID), "Réponse")
    assert [p["message"] for p in fake_mattermost.posts()] == ["Réponse", "Réponse"]  # 429, then 201


async def test_unreachable_mattermost_is_logged_not_raised() -> None:
    from channels.mattermost import MattermostInput

    channel = MattermostInput(
        url="http://127.0.0.1:9",
        bot_token=BOT_TOKEN,
        webhook_token=WEBHOOK_TOKEN,
        actions_url="http://x/actions",
    )
    out = channel.get_output_channel()
    await asyncio.wait_for(out.send_text_message(conversation_id(CHANNEL_ID, USER_ID), "x"), timeout=30)


# --- configuration ----------------------------------------------------------------------------------


async def test_credentials_yml_expands_the_mattermost_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rasa expands ${VAR} only in unquoted YAML values: the channel must really get the env values."""
    from pathlib import Path

    from rasa.shared.utils.io import read_config_file

    from channels.mattermost import MattermostInput

    env = {
        "MATTERMOST_URL": "https://mm.example.gouv.fr",
        "MATTERMOST_BOT_TOKEN": "bot-secret",
        "MATTERMOST_WEBHOOK_TOKEN": "hook-secret",
        "MATTERMOST_SLASH_TOKEN": "",
        "MATTERMOST_ACTIONS_URL": "https://rasa.example.gouv.fr/webhooks/mattermost/actions",
        "TCHAP_CALLBACK_URL": "http://localhost:5056/rasa/callback",
        "TCHAP_CALLBACK_TOKEN": "callback-secret",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    credentials = read_config_file(str(Path(__file__).resolve().parents[2] / "credentials.yml"))
    channel = MattermostInput.from_credentials(credentials["channels.mattermost.MattermostInput"])
    assert channel.api.base == "https://mm.example.gouv.fr"
    assert channel.api.bot_token == "bot-secret"
    assert channel.accepted_tokens == ["hook-secret"]
    assert channel.actions_url == env["MATTERMOST_ACTIONS_URL"]
