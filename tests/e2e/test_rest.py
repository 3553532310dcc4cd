"""End to end over REST: the real Rasa server, action server and SQLite tracker store."""

import json
import uuid

import pytest

SOURCE = "Source : https://www.numerique.gouv.fr/services/cloud/"


def new_sender() -> str:
    return f"e2e-{uuid.uuid4().hex[:10]}"


def all_text(replies) -> str:
    return "\n".join(reply.get("text") or "" for reply in replies)


def slots(stack, sender):
    return stack.tracker(sender)["slots"]


def test_faq_question_gets_the_sourced_answer_and_related_questions(stack):
    replies = stack.say(new_sender(), "Les collectivités territoriales sont-elles concernées par la doctrine ?")
    text = all_text(replies)
    assert "collectivités" in text.lower()
    assert SOURCE in text
    assert any(reply.get("buttons") for reply in replies)


def test_off_topic_question_is_declined_plainly(stack):
    replies = stack.say(new_sender(), "Comment renouveler mon passeport ?")
    text = all_text(replies)
    assert "Je ne peux répondre qu'aux questions sur la doctrine" in text
    assert "infonuage.dinum@modernisation.gouv.fr" in text


def test_scope_check_new_project_in_a_ministry(stack):
    sender = new_sender()
    first = stack.say(sender, "Mon projet est-il concerné ?")
    assert "Dans quel type d'entité travaillez-vous" in all_text(first)
    assert [button["title"] for button in first[-1]["buttons"]][0].startswith("Administration centrale")
    second = stack.say(sender, "un ministère")
    assert "S'agit-il d'un nouveau projet" in all_text(second)
    verdict = stack.say(sender, "oui")
    assert "**Votre projet est concerné**" in all_text(verdict)
    assert slots(stack, sender)["scope_verdict"] == "concerne"


@pytest.mark.parametrize(
    "share, expected, code",
    [
        ("70 %", "**Votre projet est concerné**", "concerne"),
        ("la moitié", "exactement 50 %", "non_concerne"),
        ("30 pour cent", "**Votre projet n'est pas concerné**", "non_concerne"),
    ],
)
def test_scope_check_rebuild_share(stack, share, expected, code):
    sender = new_sender()
    stack.say(sender, "est-ce que mon projet est concerné par la doctrine ?")
    stack.say(sender, "je suis au CNRS")
    asked = stack.say(sender, "non, c'est une refonte")
    assert "Quelle part du système existant" in all_text(asked)
    verdict = stack.say(sender, share)
    assert expected in all_text(verdict)
    assert slots(stack, sender)["scope_verdict"] == code


def test_scope_check_collectivite_and_other(stack):
    sender = new_sender()
    stack.say(sender, "mon projet est-il concerné ?")
    assert "hors du champ de la circulaire" in all_text(stack.say(sender, "je travaille dans une mairie"))
    assert slots(stack, sender)["scope_verdict"] == "hors_circulaire_collectivite"
    stack.say(sender, "/check_scope")
    other = all_text(stack.say(sender, "une association"))
    assert "Votre structure ne semble pas relever de la circulaire" in other and "hors du champ" not in other
    stack.say(sender, "/check_scope")
    town_hall = all_text(stack.say(sender, "la mairie de Nantes"))  # Nantes has a Crous: still a collectivité
    assert "hors du champ de la circulaire" in town_hall and "Crous" not in town_hall
    stack.say(sender, "/check_scope")
    prefecture = all_text(stack.say(sender, "je travaille à la préfecture du Gers"))
    assert "La FAQ ne tranche pas le cas des services déconcentrés" in prefecture
    assert slots(stack, sender)["scope_verdict"] == "service_deconcentre_a_confirmer"


def test_information_given_upfront_goes_straight_to_the_verdict(stack):
    replies = stack.say(new_sender(), "je suis dans un ministère et c'est un nouveau projet, suis-je concerné ?")
    assert "**Votre projet est concerné**" in all_text(replies)


def test_invalid_percentage_then_stop(stack):
    sender = new_sender()
    for message in ["mon projet est-il concerné ?", "ministère", "non"]:
        stack.say(sender, message)
    retry = stack.say(sender, "250 %")
    assert "Un pourcentage doit être compris entre 0 et 100." in all_text(retry)
    assert "Quelle part du système existant" in all_text(retry)
    stopped = stack.say(sender, "laisse tomber")
    assert "j'arrête la vérification" in all_text(stopped)
    assert stack.tracker(sender)["active_loop"] in ({}, None, {"name": None}) or not stack.tracker(sender)["active_loop"].get("name")


def test_faq_question_in_the_middle_of_the_check_then_resume(stack):
    sender = new_sender()
    stack.say(sender, "mon projet est-il concerné ?")
    stack.say(sender, "un opérateur de l'État")
    interruption = stack.say(sender, "Existe-t-il un accompagnement financier pour passer au cloud ?")
    text = all_text(interruption)
    assert "Source :" in text
    assert "S'agit-il d'un nouveau projet" in text
    assert "**Votre projet est concerné**" in all_text(stack.say(sender, "oui"))


@pytest.mark.parametrize(
    "message, expected",
    [
        ("", "Votre message est vide"),
        ("   ", "Votre message est vide"),
        ("🙂🙂🙂", "Je n'ai trouvé aucun mot"),
        ("Quelles aides pour le cloud ? " * 60, "Votre message est très long"),  # 1 800 characters: under the 2 000 limit
    ],
)
def test_unusable_messages_get_a_french_explanation(stack, message, expected):
    assert expected in all_text(stack.say(new_sender(), message))


def test_html_is_never_interpreted_and_english_gets_a_french_reply(stack):
    sender = new_sender()
    replies = stack.say(sender, "<script>alert(1)</script><img src=x onerror=alert(1)>")
    assert replies and "<script" not in all_text(replies) and "onerror" not in all_text(replies)
    english = all_text(stack.say(sender, "What is the French government cloud policy?"))
    assert "doctrine" in english and "infonuage" in english


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"",
        json.dumps({"sender": "x", "message": 42}).encode(),
        json.dumps({"sender": ["x"], "message": "bonjour"}).encode(),
        json.dumps(["bonjour"]).encode(),
        b"\xff\xfe\x00binary",
    ],
)
def test_malformed_requests_get_a_clean_client_error(stack, body):
    status, _ = stack.post("/webhooks/rest/webhook", body)
    assert 400 <= status < 500


def test_bad_input_loses_nothing(stack):
    sender = new_sender()
    stack.say(sender, "Bonjour")
    stack.post("/webhooks/rest/webhook", b"{not json")
    stack.say(sender, "")
    replies = stack.say(sender, "Qui contrôle l'application de la doctrine ?")
    assert "Source :" in all_text(replies)
    user_texts = [event.get("text") for event in stack.tracker(sender)["events"] if event["event"] == "user"]
    assert user_texts[0] == "Bonjour" and user_texts[-1] == "Qui contrôle l'application de la doctrine ?"


def test_conversations_survive_a_restart(stack):
    sender, asking = new_sender(), new_sender()
    stack.say(sender, "Bonjour")
    stack.say(sender, "mon projet est-il concerné ?")
    stack.say(asking, "Qui contrôle l'application de la doctrine ?")
    stack.stack.restart()  # both servers stopped and started again on the same tracker store
    events = stack.tracker(sender)["events"]
    assert [event.get("text") for event in events if event["event"] == "user"] == ["Bonjour", "mon projet est-il concerné ?"]
    # …and the check goes on where it was…
    assert "S'agit-il d'un nouveau projet" in all_text(stack.say(sender, "un ministère"))
    # …and a follow-up is read against the answer given before the restart (issue 21: context in the tracker).
    follow_up = all_text(stack.say(asking, "à partir de quel montant ?"))
    assert "1 M€" in follow_up and "9 M€" in follow_up
