"""The intent guard keeps « check_scope » and « ask_human » for the messages that ask for them."""

import pytest
from rasa.shared.nlu.training_data.message import Message

from actions.text_normalization import normalize as actions_normalize
from components.intent_guard import IntentGuard, asks_for_person, asks_for_scope_check, guarded_intent
from components.text import normalize


def ranking(*names_and_confidences):
    return [{"name": name, "confidence": confidence} for name, confidence in names_and_confidences]


@pytest.mark.parametrize(
    "text",
    ["suis-je concerné ?", "Mon projet est-il concerné ?", "la doctrine s'applique-t-elle à mon projet ?",
     "notre refonte entre-t-elle dans le champ ?", "vérifier mon projet", "est ce qu on doit passer au cloud",
     "mon appli est soumise a cloud au centre ?", "on est obligés de migrer vers le cloud ?"],
)
def test_requests_for_the_scope_check(text):
    assert asks_for_scope_check(text)


@pytest.mark.parametrize(
    "text",
    ["mon application de congés plante", "Notre application métier affiche une erreur 500, qui contacter ?",
     "je voudrais demander ma mutation dans une autre région", "comment partager un gros fichier de mon projet ?",
     "Outlook ne reçoit plus mes mails"],
)
def test_it_questions_that_mention_a_project_are_not_scope_requests(text):
    assert not asks_for_scope_check(text)


@pytest.mark.parametrize(
    "text",
    ["je veux parler à un humain", "un conseiller svp", "passez-moi quelqu'un de l'équipe", "conseiller",
     "Puis-je être mis en relation avec un agent ?", "transférez-moi à une conseillère", "un vrai interlocuteur"],
)
def test_requests_for_a_person(text):
    assert asks_for_person(text)


@pytest.mark.parametrize(
    "text",
    ["vous conseillez quoi pour héberger des données de santé ?", "que recommandez-vous pour démarrer ?",
     "pouvez-vous me conseiller sur le SaaS ?", "quel conseil pour choisir une offre SecNumCloud ?",
     "vous me conseillez Nubo ou Cloud Pi ?"],
)
def test_advice_questions_are_not_requests_for_a_person(text):
    assert not asks_for_person(text)


def test_unasked_check_gives_way_to_the_next_intent():
    replacement = guarded_intent("mon application plante", ranking(("check_scope", 0.8), ("out_of_scope", 0.15)))
    assert replacement == {"name": "out_of_scope", "confidence": 0.15}


def test_walks_past_every_unasked_guarded_intent():
    text = "vous conseillez quoi pour mon appli ?"
    assert guarded_intent(text, ranking(("ask_human", 0.6), ("check_scope", 0.3), ("faq", 0.1)))["name"] == "faq"


@pytest.mark.parametrize(
    "text, top", [("suis-je concerné ?", "check_scope"), ("un humain svp", "ask_human"), ("/check_scope", "check_scope"),
                  ("mon appli plante", "faq")],
)
def test_asked_intents_buttons_and_other_intents_are_kept(text, top):
    assert guarded_intent(text, ranking((top, 0.9), ("out_of_scope", 0.1))) is None


def test_component_rewrites_intent_and_ranking():
    message = Message(data={"text": "vous conseillez quoi pour le cloud ?",
                            "intent": {"name": "ask_human", "confidence": 0.7},
                            "intent_ranking": ranking(("ask_human", 0.7), ("faq", 0.25), ("greet", 0.05))})
    [processed] = IntentGuard().process([message])
    assert processed.get("intent") == {"name": "faq", "confidence": 0.25}
    assert [item["name"] for item in processed.get("intent_ranking")] == ["faq", "greet", "ask_human"]


@pytest.mark.parametrize("text", ["Suis-je concerné par l’État ?", "Météo-France : 50% « refonte »", "l'appli  (R9)", ""])
def test_same_normalisation_as_the_action_server(text):
    assert normalize(text) == actions_normalize(text)


@pytest.mark.parametrize("text", ["vous êtes sûrs qu'on est un opérateur ?", "vous êtes certain pour la R9 ?"])
def test_a_doubt_about_an_answer_is_not_a_question_about_the_assistant(text):
    replacement = guarded_intent(text, ranking(("bot_challenge", 0.6), ("faq", 0.3)))
    assert replacement == {"name": "faq", "confidence": 0.3}


@pytest.mark.parametrize("text", ["tu es un robot ?", "c'est une IA ?", "qui êtes-vous ?", "je parle à une personne ?"])
def test_a_question_about_the_assistant_keeps_its_intent(text):
    assert guarded_intent(text, ranking(("bot_challenge", 0.8), ("faq", 0.1))) is None


@pytest.mark.parametrize("text", ["tu peux m'aider à remplir ma note de frais ?",
                                  "vous pouvez m'aider à réserver une salle de réunion ?"])
def test_help_with_something_else_is_not_a_question_about_the_assistant(text):
    replacement = guarded_intent(text, ranking(("what_can_you_do", 0.55), ("out_of_scope", 0.33)))
    assert replacement == {"name": "out_of_scope", "confidence": 0.33}


@pytest.mark.parametrize("text", ["que savez-vous faire ?", "aide moi", "sur quoi pouvez-vous m'aider ?", "menu"])
def test_a_question_about_what_the_assistant_does_keeps_its_intent(text):
    assert guarded_intent(text, ranking(("what_can_you_do", 0.8), ("faq", 0.1))) is None


@pytest.mark.parametrize("intent", ["thanks", "greet"])
def test_a_question_after_a_courtesy_is_a_question(intent):
    text = "ok merci, si j'ai un doute sur notre projet je vois avec qui ?"
    assert guarded_intent(text, ranking((intent, 0.7), ("faq", 0.2)))["name"] == "faq"


@pytest.mark.parametrize("text, intent", [("merci beaucoup !", "thanks"), ("bonjour", "greet"), ("merci ?", "thanks")])
def test_a_courtesy_keeps_its_intent(text, intent):
    assert guarded_intent(text, ranking((intent, 0.9), ("faq", 0.05))) is None
