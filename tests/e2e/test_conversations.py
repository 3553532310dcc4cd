"""Conversations on the running assistant (issue 21): follow-ups read against the last answer or verdict,
whose context lives in the tracker — so it survives a live takeover and its hand-back."""

import json
import urllib.request
import uuid

import pytest


def new_sender() -> str:
    return f"e2e-conv-{uuid.uuid4().hex[:10]}"


def text_of(replies) -> str:
    return "\n".join(reply.get("text") or "" for reply in replies)


def talk(stack, sender, *messages):
    """Each message in turn; the replies to the last one."""
    replies = []
    for message in messages:
        replies = stack.say(sender, message)
    return text_of(replies)


def append_events(stack, sender, events):
    """As the support console does (console_app/rasa_api.py): events appended through Rasa's HTTP API."""
    url = f"{stack.url}/conversations/{sender}/tracker/events?token={stack.stack.token}&execute_side_effects=true"
    request = urllib.request.Request(url, data=json.dumps(events).encode("utf-8"), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200


def test_an_elliptical_follow_up_gets_the_part_asked_not_the_same_answer(stack):
    sender = new_sender()
    first = talk(stack, sender, "Qui contrôle l'application de la doctrine ?")
    follow_up = talk(stack, sender, "à partir de quel montant ?")
    assert "1 M€" in follow_up and "9 M€" in follow_up
    assert follow_up != first and "Je ne peux répondre" not in follow_up


def test_a_follow_up_that_moves_on_gets_the_neighbouring_answer(stack):
    sender = new_sender()
    assert "**Règle R6**" in talk(stack, sender, "Que dit la règle R6 ?")
    assert "**Règle R7**" in talk(stack, sender, "une exception est possible ?")


def test_why_and_what_next_after_a_verdict(stack):
    sender = new_sender()
    verdict = talk(stack, sender, "Dans mon ministère on lance un tout nouveau projet, sommes-nous concernés ?")
    assert verdict.startswith("**Votre projet est concerné**")
    why = talk(stack, sender, "pourquoi ?")
    assert "nouveau projet" in why and "plus de 50 %" in why and "https://www.numerique.gouv.fr/services/cloud/" in why
    after = talk(stack, sender, "que faut-il faire à présent ?")
    assert "R1" in after and "5 étapes" in after and "sensibilité" in after


def test_a_what_if_changes_one_answer_and_gives_the_new_verdict(stack):
    sender = new_sender()
    assert "n'est pas concerné" in talk(stack, sender, "mon projet est-il concerné ?", "je travaille au CNRS",
                                        "non, c'est une refonte", "40 %")
    what_if = talk(stack, sender, "et si c'était 60 % ?")
    assert "**Votre projet est concerné**" in what_if and "plus de 50 %" in what_if
    assert "Centre national de la recherche scientifique (CNRS)" in what_if  # the other answers are kept
    assert stack.tracker(sender)["slots"]["last_check"]["refactor_percentage"] == 60.0


def test_a_what_if_that_needs_a_new_answer_asks_only_that(stack):
    sender = new_sender()
    assert "services déconcentrés" in talk(stack, sender, "mon projet est-il concerné ?", "au rectorat de Lille")
    assert "S'agit-il d'un nouveau projet ?" in talk(stack, sender,
                                                      "et si c'était une direction d'administration centrale ?")
    assert "**Votre projet est concerné**" in talk(stack, sender, "oui")


def test_a_situation_told_in_one_message_asks_only_what_is_missing(stack):
    sender = new_sender()
    asked = talk(stack, sender, "Chez Météo-France on refond notre SI de prévision, quelles obligations pour nous ?")
    assert "Quelle part du système existant" in asked
    assert "**Votre projet est concerné**" in talk(stack, sender, "à peu près 80 %")


def test_a_company_working_for_ministries_is_not_a_ministry(stack):
    sender = new_sender()
    verdict = talk(stack, sender, "Je travaille dans une ESN qui développe pour le ministère des Armées, "
                                  "notre nouveau projet est-il concerné par la doctrine ?")
    assert "ne semble pas relever de la circulaire" in verdict


def test_a_comparison_answers_both_sides(stack):
    reply = talk(stack, new_sender(), "quelle est la différence entre R9 et SecNumCloud ?")
    assert "**règle R9**" in reply and "référentiel de qualification" in reply


def test_a_follow_up_after_a_takeover_hand_back_is_read_in_context(stack):
    sender = new_sender()
    talk(stack, sender, "Qui contrôle l'application de la doctrine ?")
    # A person takes over, answers, and hands the conversation back (console_app/takeover.py's events).
    append_events(stack, sender, [{"event": "pause"}])
    append_events(stack, sender, [{"event": "bot", "text": "Bonjour, je suis là si besoin.",
                                   "metadata": {"agent": "marie"}}])
    append_events(stack, sender, [{"event": "action", "name": "action_listen"}, {"event": "resume"}])
    follow_up = talk(stack, sender, "et à partir de quel montant ?")
    assert "1 M€" in follow_up and "9 M€" in follow_up


@pytest.mark.parametrize("message", ["pourquoi ?", "et après ?"])
def test_a_follow_up_with_nothing_before_still_gets_a_useful_reply(stack, message):
    reply = talk(stack, new_sender(), message)
    assert "Je ne peux répondre" not in reply and reply
