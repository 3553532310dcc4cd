"""FAQ answers only with confidence, suggestions otherwise, out of scope, hand-off, unusable input."""

import json

import pytest
from tracker_factory import earlier_turn, make_tracker, parse_data

from actions.faq import ActionAnswerFaq, ActionHandoff, ActionOutOfScope, ActionYesNoWithoutQuestion
from actions.faq_catalog import load_catalog
from actions.faq_decision import Thresholds, decide

THRESHOLDS = Thresholds(min_intent_confidence=0.5, min_selector_confidence=0.4, min_margin=0.1)


@pytest.fixture(autouse=True)
def fixed_thresholds(monkeypatch):
    """The tuned values in actions/data/faq_thresholds.yml change with the data; these tests pin them."""
    monkeypatch.setattr("actions.faq_decision.load_thresholds", lambda: THRESHOLDS)


def faq_payload(key):
    return "/faq" + json.dumps({"faq_key": key}, ensure_ascii=False)


def slot(name, value):
    return {"event": "slot", "timestamp": None, "name": name, "value": value}


async def answer(dispatcher, domain, message, slots=None):
    return await ActionAnswerFaq().run(dispatcher, make_tracker(message, slots=slots), domain)


async def test_confident_answer_with_related_questions(dispatcher, domain):
    message = parse_data(
        "Les collectivités doivent-elles passer au cloud ?",
        faq_ranking=[("collectivites", 0.93), ("champ_application", 0.04)],
    )
    events = await answer(dispatcher, domain, message, slots={"fallback_count": 1})
    assert events == [slot("fallback_count", 0), slot("topic", "collectivites")]
    assert len(dispatcher.messages) == 1
    reply = dispatcher.messages[0]
    assert reply["response"] == "utter_faq/collectivites"
    related = load_catalog()["collectivites"].related
    assert [button["payload"] for button in reply["buttons"]] == [faq_payload(key) for key in related[:3]]


@pytest.mark.parametrize("key", ["projet_concerne", "champ_application"])
async def test_who_is_concerned_is_answered_with_a_button_to_check(dispatcher, domain, key):
    message = parse_data("qui est concerné ?", faq_ranking=[(key, 0.9), ("controle", 0.05)])
    await answer(dispatcher, domain, message)
    assert dispatcher.messages[0]["response"] == f"utter_faq/{key}"
    assert dispatcher.messages[0]["buttons"][0] == {"title": "Vérifier mon projet pas à pas", "payload": "/check_scope"}


@pytest.mark.parametrize(
    "ranking, reason",
    [
        ([("financement", 0.35), ("accompagnement", 0.30), ("par_ou_commencer", 0.2)], "low_confidence"),
        ([("financement", 0.48), ("accompagnement", 0.45), ("par_ou_commencer", 0.05)], "ambiguous"),
    ],
)
async def test_no_guess_below_thresholds_suggests_likely_questions(dispatcher, domain, ranking, reason):
    message = parse_data("aide pour le cloud", faq_ranking=ranking)
    assert decide(message, thresholds=THRESHOLDS).reason == reason
    events = await answer(dispatcher, domain, message)
    assert dispatcher.messages[0]["response"] == "utter_low_confidence"
    assert [button["payload"] for button in dispatcher.messages[0]["buttons"]] == [
        faq_payload(key) for key, _ in ranking
    ]
    assert dispatcher.messages[1]["response"] == "utter_contact_hint"
    assert events == [slot("fallback_count", 1)]


async def test_button_payload_answers_that_key(dispatcher, domain):
    message = parse_data(
        '/faq{"faq_key":"financement"}', confidence=1.0,
        entities=[{"entity": "faq_key", "value": "financement"}],
    )
    await answer(dispatcher, domain, message)
    assert dispatcher.messages[0]["response"] == "utter_faq/financement"


@pytest.mark.parametrize("text, rule", [("que dit la règle R10 ?", 10), ("R4", 4), ("règle n°7 ?", 7)])
async def test_rule_number_in_the_text_picks_that_rule(dispatcher, domain, text, rule):
    message = parse_data(text, faq_ranking=[("regle_r1", 0.5), ("regle_r11", 0.45)])
    await answer(dispatcher, domain, message)
    assert dispatcher.messages[0]["response"] == f"utter_faq/regle_r{rule}"


async def test_confident_answer_on_another_topic_that_names_a_rule_is_kept(dispatcher, domain):
    message = parse_data("comment déroger à R9 ?", faq_ranking=[("derogation_r9", 0.9), ("regle_r9", 0.05)])
    await answer(dispatcher, domain, message)
    assert dispatcher.messages[0]["response"] == "utter_faq/derogation_r9"


def test_out_of_scope_intent_is_never_an_faq_answer():
    message = parse_data("quelle heure est-il", intent="out_of_scope", faq_ranking=[("financement", 0.99)])
    assert decide(message, thresholds=THRESHOLDS).key is None


@pytest.mark.parametrize(
    "text, response", [("", "utter_empty_message"), ("   ", "utter_empty_message"), ("🙂🙂🙂", "utter_no_text"),
                       ("!!! ??? 123", "utter_no_text")]
)
async def test_unusable_input_gets_a_clear_message(dispatcher, domain, text, response):
    events = await answer(dispatcher, domain, parse_data(text, faq_ranking=[("financement", 0.9)]))
    assert [message["response"] for message in dispatcher.messages] == [response]
    assert events == []


async def test_very_long_message_is_answered_with_a_note(dispatcher, domain):
    text = "Qui finance la migration vers le cloud ? " * 60
    await answer(dispatcher, domain, parse_data(text, faq_ranking=[("financement", 0.9), ("accompagnement", 0.05)]))
    assert [message["response"] for message in dispatcher.messages] == ["utter_message_too_long", "utter_faq/financement"]


async def test_out_of_scope_lists_examples_and_contact(dispatcher, domain):
    events = await ActionOutOfScope().run(dispatcher, make_tracker(parse_data("ma carte grise", "out_of_scope")), domain)
    assert dispatcher.messages[0]["response"] == "utter_out_of_scope"
    assert len(dispatcher.messages[0]["buttons"]) == 3
    assert dispatcher.messages[1]["response"] == "utter_contact_hint"
    assert events == []  # a question rightly declined as off topic is not a failure of the assistant


async def test_two_off_topic_questions_in_a_row_do_not_hand_over(dispatcher, domain, monkeypatch):
    monkeypatch.setenv("HANDOFF_ENABLED", "true")
    tracker = make_tracker(parse_data("ma carte grise", "out_of_scope"), slots={"fallback_count": 1})
    assert await ActionOutOfScope().run(dispatcher, tracker, domain) == []
    assert "utter_handoff_started" not in [message["response"] for message in dispatcher.messages]


def unsure(text="aide pour le cloud"):
    return parse_data(text, faq_ranking=[("financement", 0.35), ("accompagnement", 0.30), ("par_ou_commencer", 0.2)])


async def test_second_misunderstanding_in_a_row_hands_over_when_support_is_on_duty(dispatcher, domain, monkeypatch):
    monkeypatch.setenv("HANDOFF_ENABLED", "true")
    events = await ActionAnswerFaq().run(dispatcher, make_tracker(unsure(), slots={"fallback_count": 1}), domain)
    assert dispatcher.messages[-1]["response"] == "utter_handoff_started"
    assert events == [
        slot("handoff_requested", True),
        slot("fallback_count", 0),
        {"event": "pause", "timestamp": None},
    ]


async def test_second_misunderstanding_without_support_only_counts(dispatcher, domain, monkeypatch):
    monkeypatch.delenv("HANDOFF_ENABLED", raising=False)
    tracker = make_tracker(unsure(), slots={"fallback_count": 1})
    assert await ActionAnswerFaq().run(dispatcher, tracker, domain) == [slot("fallback_count", 2)]


async def test_ask_human_without_support_gives_the_dinum_contact(dispatcher, domain, monkeypatch):
    monkeypatch.delenv("HANDOFF_ENABLED", raising=False)
    events = await ActionHandoff().run(dispatcher, make_tracker(parse_data("un humain", "ask_human")), domain)
    assert events == []
    assert dispatcher.messages[0]["response"] == "utter_handoff_contact"
    assert "infonuage.dinum@modernisation.gouv.fr" in domain["responses"]["utter_handoff_contact"][0]["text"]


async def test_ask_human_with_support_pauses_the_conversation(dispatcher, domain, monkeypatch):
    monkeypatch.setenv("HANDOFF_ENABLED", "true")
    events = await ActionHandoff().run(dispatcher, make_tracker(parse_data("un humain", "ask_human")), domain)
    assert events[-1] == {"event": "pause", "timestamp": None}
    assert slot("handoff_requested", True) in events


@pytest.mark.parametrize("channel", ["rest", "cmdline", None])
async def test_channel_without_live_replies_gets_the_contact_not_a_promise(dispatcher, domain, monkeypatch, channel):
    """A REST caller only gets the replies of its own request: an agent's answer could never reach it."""
    monkeypatch.setenv("HANDOFF_ENABLED", "true")
    tracker = make_tracker(parse_data("un humain", "ask_human"), input_channel=channel)
    events = await ActionHandoff().run(dispatcher, tracker, domain)
    assert events == []
    assert [m["response"] for m in dispatcher.messages] == ["utter_handoff_contact"]


async def test_second_failure_on_rest_gives_the_contact_without_pausing(dispatcher, domain, monkeypatch):
    monkeypatch.setenv("HANDOFF_ENABLED", "true")
    tracker = make_tracker(unsure(), slots={"fallback_count": 1}, input_channel="rest")
    events = await ActionAnswerFaq().run(dispatcher, tracker, domain)
    assert dispatcher.messages[-1]["response"] == "utter_handoff_contact"
    assert {"event": "pause", "timestamp": None} not in events


@pytest.mark.parametrize("channel", ["socketio", "callback", "mattermost"])
async def test_channels_with_live_replies_are_handed_over(dispatcher, domain, monkeypatch, channel):
    monkeypatch.setenv("HANDOFF_ENABLED", "true")
    tracker = make_tracker(parse_data("un humain", "ask_human"), input_channel=channel)
    events = await ActionHandoff().run(dispatcher, tracker, domain)
    assert dispatcher.messages[0]["response"] == "utter_handoff_started"
    assert events[-1] == {"event": "pause", "timestamp": None}


async def test_rule_number_classified_off_topic_is_still_answered(dispatcher, domain):
    message = parse_data("R12 ?", intent="out_of_scope", faq_ranking=[("regle_r1", 0.3)])
    await ActionOutOfScope().run(dispatcher, make_tracker(message), domain)
    assert dispatcher.messages[0]["response"] == "utter_faq/regle_r12"


@pytest.mark.parametrize(
    "text, key",
    [("règle numéro un, que dit-elle ?", "regle_r1"), ("que dit la dixième règle ?", "regle_r10"),
     ("la 1ère règle de la doctrine", "regle_r1"), ("3e règle ?", "regle_r3"), ("la 12eme regle", "regle_r12"),
     ("quelles sont les 15 règles ?", "regles"), ("d'après la règle R3, qui contrôle ?", "regle_r3")],
)
async def test_rules_named_in_words_and_the_overview(dispatcher, domain, text, key):
    message = parse_data(text, faq_ranking=[("controle", 0.9), ("regle_r4", 0.05)])
    await answer(dispatcher, domain, message)
    assert dispatcher.messages[0]["response"] == f"utter_faq/{key}"


def test_selector_nearly_certain_against_an_off_topic_intent():
    message = parse_data("y a du budget pour migrer ?", intent="out_of_scope", faq_ranking=[("financement", 0.99), ("accompagnement", 0.01)])
    strict = Thresholds(0.5, 0.4, 0.1, min_selector_against_out_of_scope=0.95)
    assert decide(message, thresholds=strict).key == "financement"
    assert decide(message, thresholds=THRESHOLDS).key is None  # default: never
    unsure = parse_data("ma carte grise", intent="out_of_scope", faq_ranking=[("financement", 0.6), ("controle", 0.3)])
    assert decide(unsure, thresholds=strict).key is None


async def test_rule_number_in_a_low_confidence_message_is_answered(dispatcher, domain):
    message = parse_data("la R3 ?", intent="thanks", confidence=0.45, faq_ranking=[("regle_r3", 0.9)])
    message["intent"] = {"name": "nlu_fallback", "confidence": 0.45}
    await answer(dispatcher, domain, message)
    assert dispatcher.messages[0]["response"] == "utter_faq/regle_r3"


# --- replies in context (issue 21) ----------------------------------------------------------------------


CONTROL_ASKED = earlier_turn("Qui contrôle l'application de la doctrine ?", "utter_faq/controle", ["A8", "B1-R3"])


async def test_a_follow_up_on_the_amounts_gets_the_bands_not_the_whole_answer(dispatcher, domain):
    message = parse_data("à partir de quel montant ?", "out_of_scope", 0.6, faq_ranking=[("financement", 0.3)])
    tracker = make_tracker(message, slots={"topic": "controle"}, before=CONTROL_ASKED)
    events = await ActionAnswerFaq().run(dispatcher, tracker, domain)
    assert dispatcher.messages == [{"text": None, "buttons": [], "elements": [], "custom": {},
                                    "template": "utter_suivi_controle_montants",
                                    "response": "utter_suivi_controle_montants", "image": None, "attachment": None}]
    assert events == [slot("fallback_count", 0)]


async def test_why_after_an_answer_names_its_faq_question_and_source(dispatcher, domain):
    tracker = make_tracker(parse_data("d'où ça sort ?", "ask_why", 0.95), slots={"topic": "controle"},
                           before=CONTROL_ASKED)
    assert await ActionAnswerFaq().run(dispatcher, tracker, domain) == []
    [message] = dispatcher.messages
    assert message["response"] == "utter_pourquoi_reponse"
    assert message["origine"].startswith("la question de la FAQ « Qui contrôle l'application de la doctrine")
    assert message["sources"].startswith("Sources : https://www.numerique.gouv.fr/services/cloud/ ;")
    assert message["metadata"] == {"sections": ["A8", "B1-R3"]}


async def test_a_what_if_gives_the_new_verdict_at_once(dispatcher, domain):
    last_check = {"verdict": "non_concerne", "criterion": "refonte_moins", "entity_type": "administration_centrale",
                  "organisation": None, "new_project": False, "refactor_percentage": 40.0,
                  "answers": [{"question": "entity_type", "text": "un ministère", "reading": "…"},
                              {"question": "new_project", "text": "non", "reading": "…"},
                              {"question": "refactor_percentage", "text": "40 %", "reading": "…"}]}
    tracker = make_tracker(parse_data("et si c'était 60 % ?", "inform", 0.7),
                           slots={"topic": "verdict", "last_check": last_check})
    events = await ActionAnswerFaq().run(dispatcher, tracker, domain)
    assert dispatcher.messages[0]["response"] == "utter_et_si_reprise"
    assert dispatcher.messages[1]["text"].startswith("**Votre projet est concerné** au sens de la FAQ")
    record = next(e["value"] for e in events if e["name"] == "last_check")
    assert (record["verdict"], record["refactor_percentage"]) == ("concerne", 60.0)
    assert [a["text"] for a in record["answers"]] == ["un ministère", "non", "et si c'était 60 % ?"]


async def test_a_situation_missing_an_answer_hands_over_to_the_check(dispatcher, domain):
    text = "Chez Météo-France on refond notre SI de prévision, quelles obligations pour nous ?"
    tracker = make_tracker(parse_data(text, "faq", 0.7, faq_ranking=[("solution_cloud", 0.5)]))
    events = await ActionAnswerFaq().run(dispatcher, tracker, domain)
    assert [m["response"] for m in dispatcher.messages] == ["utter_operator_recognised", "utter_situation_reprise"]
    assert events == [slot("entity_type", "operateur"), slot("organisation", "Météo-France"),
                      slot("new_project", False), slot("check_answers", {"entity_type": text, "new_project": text}),
                      slot("check_to_continue", True)]


async def test_the_same_answer_is_never_given_twice_to_a_different_question(dispatcher, domain):
    before = earlier_turn("Que dit la règle R2 ?", "utter_faq/regle_r2", ["B1-R2"])
    message = parse_data("c'est obligatoire ça ?", "faq", 0.9, faq_ranking=[("regle_r2", 0.9), ("regle_r3", 0.05)])
    await ActionAnswerFaq().run(dispatcher, make_tracker(message, slots={"topic": "regle_r2"}, before=before), domain)
    assert [m["response"] for m in dispatcher.messages] == ["utter_deja_repondu", "utter_contact_hint"]
    related = load_catalog()["regle_r2"].related
    assert [b["payload"] for b in dispatcher.messages[0]["buttons"]] == [faq_payload(key) for key in related[:3]]


@pytest.mark.parametrize("text", ["oui", "non merci", "ok d'accord", "oui oui"])
async def test_a_bare_yes_or_no_without_a_question_pending_says_so(dispatcher, domain, text):
    await ActionYesNoWithoutQuestion().run(dispatcher, make_tracker(parse_data(text, "affirm", 0.9)), domain)
    assert [message["response"] for message in dispatcher.messages] == ["utter_no_pending_question"]


async def test_si_oui_with_a_question_is_answered_in_its_context(dispatcher, domain):
    text = "si oui, on va où ?"
    before = earlier_turn("les dossiers des élèves, c'est sensible au sens de la doctrine ?",
                          "utter_faq/donnees_sensibles", ["A6"])
    tracker = make_tracker(parse_data(text, "affirm", 0.6), slots={"topic": "donnees_sensibles"}, before=before)
    await ActionYesNoWithoutQuestion().run(dispatcher, tracker, domain)
    assert [message["response"] for message in dispatcher.messages] == ["utter_ensuite_donnees_sensibles"]


async def test_an_answer_the_person_missed_is_given_again_when_they_say_so(dispatcher, domain):
    text = "tu m'as pas répondu pour le contrôle"
    before = earlier_turn("on est concernés ? et c'est qui qui controle ?", "utter_faq/controle", ["A8", "B1-R3"])
    message = parse_data(text, faq_ranking=[("controle", 0.9), ("regle_r8", 0.05)])
    await ActionAnswerFaq().run(dispatcher, make_tracker(message, before=before), domain)
    assert [message["response"] for message in dispatcher.messages] == ["utter_faq/controle"]
