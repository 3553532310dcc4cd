"""The scope check form: what each answer fills, re-asks or interrupts, with the exact events."""

import pytest
from tracker_factory import make_tracker, parse_data

from actions.scope_form import ActionScopeCancel, ActionScopeVerdict, ActionStartCheck, ValidateScopeForm

CNRS = "Centre national de la recherche scientifique (CNRS)"


async def run_validation(dispatcher, domain, text, intent="inform", confidence=0.9, slots=None, requested=None):
    slots = dict(slots or {})
    slots["requested_slot"] = requested
    tracker = make_tracker(parse_data(text, intent, confidence), slots=slots, active_loop="scope_form")
    return await ValidateScopeForm().run(dispatcher, tracker, domain)


def slot(name, value):
    return {"event": "slot", "timestamp": None, "name": name, "value": value}


def responses(dispatcher):
    return [message["response"] for message in dispatcher.messages]


def answered(text, *slots):
    """The check_answers slot after `text` answered these questions."""
    return slot("check_answers", {name: text for name in slots})


async def test_operator_named_by_acronym_fills_entity_and_asks_new_project(dispatcher, domain):
    events = await run_validation(dispatcher, domain, "je suis au CNRS", requested="entity_type")
    # No requested_slot: Rasa's form asks the next question of the full list itself.
    assert events == [slot("organisation", CNRS), answered("je suis au CNRS", "entity_type"),
                      slot("scope_failures", 0), slot("entity_type", "operateur")]
    assert responses(dispatcher) == ["utter_operator_recognised"]
    assert dispatcher.messages[0]["organisation"] == CNRS


async def test_town_hall_in_a_city_with_a_crous_is_a_collectivite(dispatcher, domain):
    events = await run_validation(dispatcher, domain, "la mairie de Nantes", requested="entity_type")
    assert events == [answered("la mairie de Nantes", "entity_type"), slot("scope_failures", 0),
                      slot("entity_type", "collectivite"), slot("requested_slot", None)]
    assert dispatcher.messages == []


async def test_service_deconcentre_needs_no_more_questions(dispatcher, domain):
    events = await run_validation(dispatcher, domain, "je travaille à la préfecture du Gers", requested="entity_type")
    assert events == [
        answered("je travaille à la préfecture du Gers", "entity_type"), slot("scope_failures", 0),
        slot("entity_type", "service_deconcentre"), slot("requested_slot", None)
    ]


async def test_collectivite_needs_no_more_questions(dispatcher, domain):
    events = await run_validation(dispatcher, domain, "une mairie", requested="entity_type")
    assert events == [answered("une mairie", "entity_type"), slot("scope_failures", 0),
                      slot("entity_type", "collectivite"), slot("requested_slot", None)]


async def test_other_entity_needs_no_more_questions(dispatcher, domain):
    events = await run_validation(dispatcher, domain, "association", requested="entity_type")
    assert events == [answered("association", "entity_type"), slot("scope_failures", 0),
                      slot("entity_type", "autre"), slot("requested_slot", None)]


async def test_new_project_ends_the_questions(dispatcher, domain):
    events = await run_validation(
        dispatcher, domain, "oui", intent="affirm", slots={"entity_type": "administration_centrale"},
        requested="new_project",
    )
    assert events == [answered("oui", "new_project"), slot("scope_failures", 0), slot("new_project", True),
                      slot("requested_slot", None)]


async def test_existing_system_asks_the_percentage(dispatcher, domain):
    events = await run_validation(
        dispatcher, domain, "non", intent="deny", slots={"entity_type": "operateur"}, requested="new_project"
    )
    assert events == [answered("non", "new_project"), slot("scope_failures", 0), slot("new_project", False)]


@pytest.mark.parametrize("text, value", [("70 %", 70.0), ("la moitié", 50.0), ("les deux tiers", 200 / 3), ("30", 30.0)])
async def test_percentage_answer(dispatcher, domain, text, value):
    events = await run_validation(
        dispatcher, domain, text, slots={"entity_type": "operateur", "new_project": False,
                                         "check_answers": {"entity_type": "CNRS", "new_project": "non"}},
        requested="refactor_percentage",
    )
    assert events == [
        slot("check_answers", {"entity_type": "CNRS", "new_project": "non", "refactor_percentage": text}),
        slot("scope_failures", 0),
        slot("refactor_percentage", pytest.approx(value)),
        slot("new_project", False),
    ]


@pytest.mark.parametrize(
    "text, message",
    [
        ("150 %", "utter_percentage_out_of_range"),
        ("beaucoup", "utter_percentage_unparsable"),
        ("plus de 20 %", "utter_percentage_ambiguous_range"),
        ("je ne sais pas", "utter_percentage_unknown"),
    ],
)
async def test_invalid_percentage_says_what_is_expected_and_asks_again(dispatcher, domain, text, message):
    events = await run_validation(
        dispatcher, domain, text, intent="out_of_scope",
        slots={"entity_type": "operateur", "new_project": False}, requested="refactor_percentage",
    )
    assert responses(dispatcher) == [message]
    assert events == [slot("scope_failures", 1), slot("refactor_percentage", None)]


async def test_unknown_entity_asks_again(dispatcher, domain):
    events = await run_validation(dispatcher, domain, "à la piscine", requested="entity_type")
    assert responses(dispatcher) == ["utter_entity_not_recognised"]
    assert events == [slot("scope_failures", 1), slot("entity_type", None)]


async def test_third_failed_answer_offers_to_stop(dispatcher, domain):
    events = await run_validation(
        dispatcher, domain, "peut-être", intent="out_of_scope",
        slots={"entity_type": "administration_centrale", "scope_failures": 2}, requested="new_project",
    )
    assert responses(dispatcher) == ["utter_new_project_not_understood", "utter_scope_exit_offer"]
    assert domain["responses"]["utter_scope_exit_offer"][0]["buttons"] == [
        {"title": "Arrêter la vérification", "payload": "/stop"}]
    assert slot("scope_failures", 3) in events


@pytest.mark.parametrize(
    "text, intent", [("stop", "stop"), ("je veux parler à un humain", "ask_human"),
                     ("Qui finance la migration vers le cloud ?", "faq")]
)
async def test_interruptions_fill_nothing_so_the_rules_take_over(dispatcher, domain, text, intent):
    events = await run_validation(
        dispatcher, domain, text, intent=intent, slots={"entity_type": "operateur"}, requested="new_project"
    )
    assert events == []
    assert dispatcher.messages == []


async def test_information_given_upfront_prefills_the_check(dispatcher, domain):
    events = await run_validation(
        dispatcher, domain, "je suis dans un ministère et c'est un nouveau projet, suis-je concerné ?",
        intent="check_scope", requested=None,
    )
    text = "je suis dans un ministère et c'est un nouveau projet, suis-je concerné ?"
    assert events == [
        answered(text, "entity_type", "new_project"),
        slot("scope_failures", 0),
        slot("entity_type", "administration_centrale"),
        slot("new_project", True),
        slot("requested_slot", None),
    ]


async def test_rebuild_share_given_upfront_implies_an_existing_system(dispatcher, domain):
    events = await run_validation(
        dispatcher, domain, "refonte de 70 % de notre SI à Météo-France, est-on concerné ?",
        intent="check_scope", requested=None,
    )
    assert slot("entity_type", "operateur") in events
    assert slot("new_project", False) in events
    assert slot("refactor_percentage", 70.0) in events
    assert slot("requested_slot", "entity_type") not in events


async def test_verdict_action_keeps_the_verdict_and_clears_the_answers(dispatcher, domain):
    answers = {"entity_type": "opérateur", "new_project": "non", "refactor_percentage": "70 %"}
    tracker = make_tracker(
        parse_data("70 %", "inform"),
        slots={"entity_type": "operateur", "new_project": False, "refactor_percentage": 70.0,
               "check_answers": answers},
    )
    events = await ActionScopeVerdict().run(dispatcher, tracker, domain)
    record = events[1]["value"]
    assert events == [
        slot("scope_verdict", "concerne"),
        slot("last_check", record),
        slot("topic", "verdict"),
        slot("fallback_count", 0),
        slot("check_to_continue", False),
        slot("entity_type", None),
        slot("new_project", None),
        slot("refactor_percentage", None),
        slot("organisation", None),
        slot("check_answers", None),
        slot("scope_failures", 0),
    ]
    assert (record["verdict"], record["criterion"], record["refactor_percentage"]) == ("concerne", "refonte_plus", 70.0)
    assert [answer["text"] for answer in record["answers"]] == ["opérateur", "non", "70 %"]
    message = dispatcher.messages[0]
    assert message["text"].startswith("**Votre projet est concerné** au sens de la FAQ")
    assert {"title": "Vérifier un autre projet", "payload": "/check_scope"} in message["buttons"]
    assert message["metadata"] == {"sections": ["A3", "C", "A1", "B1-R1", "A4", "A12"], "verdict": "concerne",
                                   "criterion": "refonte_plus", "reference": record["reference"]}


async def test_cancel_leaves_the_form_and_clears_answers(dispatcher, domain):
    tracker = make_tracker(parse_data("stop", "stop"), slots={"entity_type": "operateur"}, active_loop="scope_form")
    events = await ActionScopeCancel().run(dispatcher, tracker, domain)
    assert events[0] == {"event": "active_loop", "timestamp": None, "name": None}
    assert slot("entity_type", None) in events
    assert dispatcher.messages[0]["response"] == "utter_scope_cancelled"


async def test_answer_outside_the_check_is_kept_and_the_check_offered(dispatcher, domain):
    from actions.scope_form import ActionInformOutsideCheck

    tracker = make_tracker(parse_data("je travaille à Météo-France", "inform"))
    events = await ActionInformOutsideCheck().run(dispatcher, tracker, domain)
    assert events == [slot("entity_type", "operateur"), slot("organisation", "Météo-France"),
                      answered("je travaille à Météo-France", "entity_type")]
    assert responses(dispatcher) == ["utter_operator_recognised", "utter_offer_check"]


async def test_unrecognised_answer_outside_the_check_is_off_topic(dispatcher, domain):
    from actions.scope_form import ActionInformOutsideCheck

    events = await ActionInformOutsideCheck().run(dispatcher, make_tracker(parse_data("montagne", "inform")), domain)
    assert dispatcher.messages[0]["response"] == "utter_out_of_scope"
    assert events == []  # declined as off topic: not counted as a misunderstanding


async def test_the_check_started_without_a_situation_says_what_it_will_ask(dispatcher, domain):
    tracker = make_tracker(parse_data("mon projet est-il concerné ?", "check_scope", 0.9))
    await ActionStartCheck().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_scope_intro"]


async def test_a_situation_told_in_full_gets_its_verdict_without_the_intro(dispatcher, domain):
    text = "Dans mon ministère on lance un tout nouveau projet, sommes-nous concernés ?"
    tracker = make_tracker(parse_data(text, "check_scope", 0.9))
    assert await ActionStartCheck().run(dispatcher, tracker, domain) == []
    assert responses(dispatcher) == []  # the form, next, gives the verdict


async def test_a_situation_missing_an_answer_still_gets_the_intro(dispatcher, domain):
    tracker = make_tracker(parse_data("Au CNRS, sommes-nous concernés ?", "check_scope", 0.9))
    await ActionStartCheck().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_scope_intro"]


VERDICT_COMPANY = {"verdict": "hors_circulaire_autre", "criterion": "autre", "entity_type": "autre",
                   "organisation": None, "new_project": None, "refactor_percentage": None, "answers": []}


async def test_an_organisation_named_right_after_a_verdict_gets_the_perimeter_not_the_offer_of_a_check(
        dispatcher, domain):
    from actions.scope_form import ActionInformOutsideCheck

    text = "mais on est sous tutelle du ministère de la Culture"
    tracker = make_tracker(parse_data(text, "inform"), slots={"topic": "verdict", "last_check": VERDICT_COMPANY})
    await ActionInformOutsideCheck().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_perimetre_operateur"]


async def test_a_data_question_right_after_a_verdict_is_answered_as_a_question(dispatcher, domain):
    from actions.scope_form import ActionInformOutsideCheck

    text = "les données du ministère qu'on héberge sont-elles d'une sensibilité particulière ?"
    message = parse_data(text, "inform", faq_ranking=[("donnees_sensibles", 0.9), ("regle_r9", 0.05)])
    tracker = make_tracker(message, slots={"topic": "verdict", "last_check": VERDICT_COMPANY})
    await ActionInformOutsideCheck().run(dispatcher, tracker, domain)
    print(responses(dispatcher))
    assert responses(dispatcher) == ["utter_faq/donnees_sensibles"]


async def test_an_answer_inside_the_check_that_gives_two_facts_fills_both(dispatcher, domain):
    """Asked for the entity, « un ministère, et c'est un tout nouveau projet » answers the next question too."""
    text = "un ministère, et c'est un tout nouveau projet"
    events = await run_validation(dispatcher, domain, text, requested="entity_type")
    assert slot("entity_type", "administration_centrale") in events
    assert slot("new_project", True) in events
    assert slot("requested_slot", "new_project") not in events
