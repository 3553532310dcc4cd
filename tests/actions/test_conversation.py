"""Replies in context (actions/conversation.py): what a follow-up gets after an answer or a verdict."""

from typing import Any, Dict, Optional

import pytest
from tracker_factory import parse_data

from actions.check_in_context import changed_answers
from actions.context import VERDICT_TOPIC
from actions.conversation import reply_in_context
from actions.faq_decision import FaqDecision
from actions.followup_reading import (
    ALREADY_SAID,
    BOTH_SIDES,
    CHECK,
    EXPLAIN_ANSWER,
    FAQ,
    PART,
    RESPONSE,
    Context,
    Reply,
    asks_next_steps,
    asks_why,
    is_elliptical,
    step_asked,
)

CNRS = "Centre national de la recherche scientifique (CNRS)"
VERDICT_40 = {"verdict": "non_concerne", "criterion": "refonte_moins", "entity_type": "operateur",
              "organisation": CNRS, "new_project": False, "refactor_percentage": 40.0, "answers": []}
VERDICT_NEW = {"verdict": "concerne", "criterion": "nouveau", "entity_type": "administration_centrale",
               "organisation": None, "new_project": True, "refactor_percentage": None, "answers": []}
VERDICT_COMPANY = {"verdict": "hors_circulaire_autre", "criterion": "autre", "entity_type": "autre",
                   "organisation": None, "new_project": None, "refactor_percentage": None, "answers": []}
VERDICT_COLLECTIVITE = {"verdict": "hors_circulaire_collectivite", "criterion": "collectivite",
                        "entity_type": "collectivite", "organisation": None, "new_project": None,
                        "refactor_percentage": None, "answers": []}


def after(topic: Optional[str], last_check: Optional[Dict[str, Any]] = None, sections: tuple = ()) -> Context:
    return Context(topic=topic, last_check=last_check, last_responses=(f"utter_faq/{topic}",),
                   last_sections=sections, last_user_text="la question d'avant")


def reply(text: str, context: Context, decision: Optional[FaqDecision] = None, intent: str = "faq",
          confidence: float = 0.9) -> Optional[Reply]:
    return reply_in_context(text, parse_data(text, intent, confidence), context,
                            decision or FaqDecision(None, "low_confidence"))


@pytest.mark.parametrize(
    "topic, text, response",
    [
        ("controle", "à partir de quel montant ?", "utter_suivi_controle_montants"),
        ("controle", "et au-dessus de 9 millions ?", "utter_suivi_controle_montants"),
        ("regle_r8", "c'est qui en dessous du seuil ?", "utter_suivi_controle_montants"),
        ("cloud_commercial", "on passe par quel marché ?", "utter_suivi_ugap"),
        ("cloud_commercial", "une collectivité peut en acheter ?", "utter_suivi_ouverture_clouds"),
        ("secnumcloud", "et pour être qualifié, on s'adresse à qui ?", "utter_suivi_offres_qualifiees"),
        ("secnumcloud", "et quels fournisseurs sont qualifiés ?", "utter_suivi_offres_qualifiees"),
        ("derogation_r9", "et qui valide ?", "utter_suivi_derogation_r9_qui"),
        ("financement", "c'est combien ?", "utter_suivi_financement_montant"),
        ("accompagnement", "et pour la formation ?", "utter_suivi_formation"),
        ("donnees_sensibles", "et des données de santé ?", "utter_suivi_donnees_sante"),
        ("cloud_interne", "comment on y accède ?", "utter_suivi_cloud_interne_acces"),
        ("loi_sren", "qui décide ?", "utter_suivi_sren_qui"),
        ("collectivites", "et les hôpitaux ?", "utter_perimetre_autre"),
        ("champ_application", "et pour le CNRS ?", "utter_perimetre_operateur_reconnu"),
        ("champ_application", "et les ministères ?", "utter_perimetre_administration"),
    ],
)
def test_an_elliptical_follow_up_gets_the_part_asked(topic: str, text: str, response: str) -> None:
    got = reply(text, after(topic))
    assert got is not None and (got.kind, got.response) == (RESPONSE, response), got
    assert got.topic == topic


@pytest.mark.parametrize("text, entity", [("et les départements ?", "collectivite"),
                                          ("et une préfecture ?", "service_deconcentre"),
                                          ("et pour une entreprise privée ?", "autre")])
def test_another_organisation_whose_verdict_needs_no_project_gets_its_verdict(text: str, entity: str) -> None:
    got = reply(text, after("champ_application"))
    assert got is not None and (got.kind, got.reason) == (CHECK, "situation"), got
    assert got.values["entity_type"] == entity


def test_the_operator_named_in_a_follow_up_is_named_back() -> None:
    got = reply("et pour le CNRS ?", after("champ_application"))
    assert got is not None and got.values == {"organisation": CNRS}


@pytest.mark.parametrize(
    "topic, text, key",
    [
        ("regle_r6", "une exception est possible ?", "regle_r7"),
        ("regle_r9", "on peut y déroger ?", "derogation_r9"),
        ("controle", "et si on veut une exception ?", "regle_r7"),
        ("secnumcloud", "et si on ne peut pas, il y a une dérogation ?", "derogation_r9"),
        ("regle_r4", "et pouvoir changer de fournisseur sans tout refaire, c'est dans une autre règle non ?", "regle_r10"),
        ("regle_r1", "la 2 aussi stp", "regle_r2"),
        ("secnumcloud", "Et c'est qui qui tranche ça, nous ou quelqu'un d'autre ?", "evaluation_sensibilite"),
        ("donnees_sensibles", "ok, c'est à qui de faire l'analyse ?", "evaluation_sensibilite"),
        ("regle_r4", "et si on devient dependants d'un seul fournisseur ?", "regle_r10"),
        ("regle_r2", "et qui doit piloter le suivi de tout ça chez nous ?", "regle_r3"),
    ],
)
def test_a_follow_up_that_moves_on_gets_the_neighbouring_answer(topic: str, text: str, key: str) -> None:
    got = reply(text, after(topic))
    assert got is not None and (got.kind, got.key, got.topic) == (FAQ, key, key), got


def test_a_ministry_s_own_saas_after_r14_is_r12() -> None:
    got = reply("et notre ministère peut y ajouter ses propres SaaS ?", after("regle_r14"))
    assert got is not None and (got.kind, got.key) == (FAQ, "regle_r12"), got


def test_legitimate_reasons_not_to_follow_r9_get_its_derogation() -> None:
    got = reply("et si on a des raisons légitimes de ne pas prendre du SecNumCloud, il se passe quoi ?",
                after("regle_r9"))
    assert got is not None and (got.kind, got.key) == (FAQ, "derogation_r9"), got


def test_a_clear_question_is_read_on_its_own_even_after_an_answer() -> None:
    confident = FaqDecision("financement", "confident", 0.92)
    assert reply("Existe-t-il un financement de l'État pour migrer nos applications vers le cloud ?",
                 after("controle"), confident) is None


def test_a_rule_named_by_its_number_is_read_on_its_own() -> None:
    assert reply("et la R7 ?", after("regle_r6"), FaqDecision("regle_r7", "rule_number", 1.0)) is None


@pytest.mark.parametrize("text", ["pourquoi ?", "d'où ça sort ?", "quel texte le dit ?", "c'est écrit où ?",
                                  "mais pourquoi donc ?", "sur quelle base ?"])
def test_why_after_a_verdict_gives_its_criterion(text: str) -> None:
    got = reply(text, after("verdict", VERDICT_40))
    assert got is not None and (got.kind, got.response) == (RESPONSE, "utter_pourquoi_refonte_moins")
    assert got.values == {"part": "40"}


def test_why_after_a_new_project_verdict() -> None:
    got = reply("pourquoi ?", after("verdict", VERDICT_NEW))
    assert got is not None and got.response == "utter_pourquoi_nouveau"


def test_why_after_an_answer_explains_where_it_comes_from() -> None:
    got = reply("d'où ça sort ?", after("controle", sections=("A8", "B1-R3")))
    assert got is not None and got.kind == EXPLAIN_ANSWER


def test_why_of_another_notion_gets_that_notion() -> None:
    got = reply("pourquoi SecNumCloud spécifiquement ?", after("donnees_sensibles", sections=("A6",)), intent="ask_why")
    assert got is not None and (got.kind, got.key) == (FAQ, "secnumcloud"), got


def test_why_with_nothing_before_says_what_it_can_explain() -> None:
    got = reply("pourquoi ?", Context())
    assert got is not None and got.response == "utter_pourquoi_sans_contexte"


@pytest.mark.parametrize(
    "context, response",
    [
        (after("verdict", VERDICT_NEW), "utter_ensuite_concerne"),
        (after("verdict", VERDICT_COLLECTIVITE), "utter_ensuite_collectivite"),
        (after("verdict", VERDICT_40), "utter_ensuite_non_concerne"),
        (after("donnees_sensibles"), "utter_ensuite_analyse"),
        (after("evaluation_sensibilite"), "utter_ensuite_donnees_sensibles"),
        (Context(), "utter_ensuite_general"),
    ],
)
def test_next_steps_in_context(context: Context, response: str) -> None:
    got = reply("et après, on commence par quoi ?", context)
    assert got is not None and (got.kind, got.response) == (RESPONSE, response), got


def test_next_steps_after_the_five_steps_is_the_support_offered() -> None:
    got = reply("que dois-je faire maintenant ?", after("cinq_etapes"))
    assert got is not None and (got.kind, got.key) == (FAQ, "accompagnement")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("et si c'était 60 % ?", {"new_project": False, "refactor_percentage": 60.0}),
        ("et si c'était exactement la moitié ?", {"new_project": False, "refactor_percentage": 50.0}),
        ("et avec 70 ?", {"new_project": False, "refactor_percentage": 70.0}),
        ("et pile 50 ?", {"new_project": False, "refactor_percentage": 50.0}),
        ("et à 50 tout juste ?", {"new_project": False, "refactor_percentage": 50.0}),
        ("et si c'était une création ?", {"new_project": True, "refactor_percentage": None}),
        ("et pour un rectorat ?", {"entity_type": "service_deconcentre", "organisation": None}),
        ("et si c'était une direction d'administration centrale ?",
         {"entity_type": "administration_centrale", "organisation": None}),
    ],
)
def test_a_what_if_changes_one_answer_and_keeps_the_others(text: str, expected: Dict[str, Any]) -> None:
    got = reply(text, after("verdict", VERDICT_40), intent="inform")
    assert got is not None and (got.kind, got.reason) == (CHECK, "what_if"), got
    kept = {"entity_type": "operateur", "organisation": CNRS, "new_project": False, "refactor_percentage": 40.0}
    assert got.values == {**kept, **expected}


def test_a_what_if_after_a_collectivite_towards_a_ministry_leaves_the_project_to_ask() -> None:
    got = reply("et si on était un ministère ?", after("verdict", VERDICT_COLLECTIVITE), intent="inform")
    assert got is not None and got.kind == CHECK
    assert got.values["entity_type"] == "administration_centrale" and got.values["new_project"] is None


@pytest.mark.parametrize(
    "text, answers",
    [
        ("Chef de projet à la direction des achats de l'État, on crée un nouvel outil de suivi des marchés : "
         "on doit faire quoi côté hébergement ?", {"entity_type": "administration_centrale", "new_project": True}),
        ("Au CNRS on refond 70 % de notre SI RH, quelles obligations pour nous ?",
         {"entity_type": "operateur", "organisation": CNRS, "new_project": False, "refactor_percentage": 70.0}),
    ],
)
def test_a_situation_told_in_one_message_starts_the_check_with_its_answers(text: str, answers: Dict) -> None:
    got = reply(text, Context(), FaqDecision("solution_cloud", "confident", 0.8))
    assert got is not None and (got.kind, got.reason) == (CHECK, "situation")
    assert {k: v for k, v in got.values.items() if v is not None} == answers


@pytest.mark.parametrize(
    "text, response",
    [
        ("quelle est la différence entre R9 et SecNumCloud ?", "utter_comparaison_r9_secnumcloud"),
        ("cloud interne ou cloud commercial, on choisit comment ?", "utter_comparaison_interne_commercial"),
        ("Nubo ou Cloud Pi pour de la Diffusion Restreinte ?", "utter_comparaison_nubo_cloud_pi"),
        ("quelle différence entre le contrôle et la dérogation ?", "utter_comparaison_controle_derogation"),
    ],
)
def test_a_comparison_answers_both_sides(text: str, response: str) -> None:
    got = reply(text, Context(), FaqDecision("regle_r9", "confident", 0.9))
    assert got is not None and (got.kind, got.response) == (RESPONSE, response), got


def test_a_comparison_may_take_one_side_from_the_last_answer() -> None:
    got = reply("et quelle différence avec le cloud commercial ?", after("cloud_interne"))
    assert got is not None and got.response == "utter_comparaison_interne_commercial"


def test_a_step_asked_by_its_rank() -> None:
    got = reply("et la troisième étape ?", after("cinq_etapes"))
    assert got is not None and (got.response, got.topic) == ("utter_suivi_etape_3", "cinq_etapes")
    assert step_asked("c'est quoi l'étape 5 ?") == 5


def test_next_after_a_step_asked_by_its_rank_is_the_following_step() -> None:
    asked_first = Context(topic="cinq_etapes", last_responses=("utter_faq/cinq_etapes",),
                          last_user_text="Quelle est la première des 5 étapes ?")
    got = reply("et ensuite ?", asked_first, intent="ask_next_steps", confidence=1.0)
    assert got is not None and got.response == "utter_suivi_etape_2", got


def test_next_after_asking_where_to_start_is_the_second_step() -> None:
    asked_start = Context(topic="par_ou_commencer", last_responses=("utter_faq/par_ou_commencer",),
                          last_user_text="on commence par quoi ?")
    got = reply("et ensuite ?", asked_start, intent="ask_next_steps", confidence=1.0)
    assert got is not None and got.response == "utter_suivi_etape_2", got


def test_a_step_asked_concretely_is_that_step() -> None:
    asked_start = Context(topic="par_ou_commencer", last_responses=("utter_faq/par_ou_commencer",),
                          last_user_text="on commence par quoi ?")
    got = reply("la première étape, concrètement ?", asked_start, intent="ask_next_steps", confidence=0.8)
    assert got is not None and got.response == "utter_suivi_etape_1", got


def test_motifs_legitimes_after_any_answer_get_the_r9_derogation() -> None:
    got = reply("admettons qu'on ait des motifs légitimes, la suite c'est quoi ?", after("evaluation_sensibilite"))
    assert got is not None and (got.kind, got.key) == (FAQ, "derogation_r9"), got


def test_a_step_said_done_is_followed_by_the_next_one() -> None:
    text = "On a bouclé l'étape 4 du démarrage. C'est quoi la suite ?"
    got = reply(text, Context(), intent="ask_next_steps", confidence=0.9)
    assert got is not None and got.response == "utter_suivi_etape_5", got


def test_next_after_thanks_is_still_a_follow_up() -> None:
    text = "Top, et ensuite on fait comment concrètement"
    got = reply(text, after("cloud_interne"), intent="ask_next_steps", confidence=1.0)
    assert got is not None and got.response == "utter_suivi_cloud_interne_acces", got


@pytest.mark.parametrize("text", ["ok merci. sinon t'as une recette de crêpes ?",
                                  "merci ! au fait, comment je réserve une salle de réunion ?"])
def test_another_subject_after_thanks_is_not_read_in_context(text: str) -> None:
    assert reply(text, after("secnumcloud"), intent="out_of_scope", confidence=0.9) is None


def test_working_for_ministries_asked_after_a_company_verdict_keeps_the_verdict() -> None:
    got = reply("et si nos clients sont des ministères, on serait concernés ?", after(VERDICT_TOPIC, VERDICT_COMPANY))
    assert got is not None and (got.kind, got.reason) == (CHECK, "what_if_client"), got


@pytest.mark.parametrize("text", ["nos clients ministères ont des données sensibles, il nous faut du SecNumCloud ?",
                                  "les données de nos clients ministères sont sensibles, il faut quoi ?"])
def test_a_question_on_data_naming_ministry_clients_is_not_a_what_if(text: str) -> None:
    got = reply(text, after(VERDICT_TOPIC, VERDICT_COMPANY))
    assert got is None or got.reason != "what_if_client", got


@pytest.mark.parametrize(
    "text, response",
    [
        ("pour des données d'une sensibilité particulière, on doit prendre quel type de cloud ?",
         "utter_ensuite_donnees_sensibles"),
        ("l'analyse est faite : nos données sont particulièrement sensibles. Quelle suite ?",
         "utter_ensuite_donnees_sensibles"),
        ("les données servent une mission essentielle et une fuite nuirait à l'ordre public ; on visait un cloud"
         " du commerce", "utter_ensuite_donnees_sensibles"),
        ("on a fait l'analyse, nos données ne sont pas d'une sensibilité particulière : on fait quoi ?",
         "utter_suivi_r9_non_sensibles"),
    ],
)
def test_the_conclusion_of_a_sensitivity_analysis_gets_what_r9_asks(text: str, response: str) -> None:
    got = reply(text, Context(), FaqDecision("donnees_sensibles", "confident", 0.8))
    assert got is not None and (got.response, got.topic) == (response, "regle_r9"), got


@pytest.mark.parametrize("text", ["est-ce que les données de nos agents sont sensibles ?",
                                  "c quoi les critères pour dire que des données sont d'une sensibilité particulière",
                                  "nos données sont sensibles"])
def test_asking_whether_data_is_sensitive_is_not_a_conclusion(text: str) -> None:
    assert reply(text, Context(), FaqDecision("donnees_sensibles", "confident", 0.9)) is None


def test_nothing_in_context_leaves_the_message_to_the_usual_answer() -> None:
    assert reply("Qui finance la migration vers le cloud ?", Context(), FaqDecision("financement", "confident")) is None


def test_a_button_is_never_read_in_context() -> None:
    assert reply("/faq", after("controle"), FaqDecision("controle", "button", 1.0)) is None


@pytest.mark.parametrize("text, expected", [("et les hôpitaux ?", True), ("à partir de quel montant ?", True),
                                            ("Qui contrôle l'application de la doctrine dans les ministères ?", False),
                                            ("et pour nous qui sommes un établissement public, comment faire ?",
                                             True),
                                            ("ok merci, et pour la formation ?", True),
                                            ("merci, qui contrôle l'application de la doctrine dans les ministères ?",
                                             False)])
def test_elliptical_messages(text: str, expected: bool) -> None:
    assert is_elliptical(text) is expected


@pytest.mark.parametrize("text", ["pourquoi le cloud au centre ?", "pourquoi faut-il passer au cloud ?"])
def test_a_real_why_question_is_not_a_follow_up(text: str) -> None:
    assert not asks_why(text, parse_data(text, "faq", 0.9))


@pytest.mark.parametrize("text", ["on fait quoi maintenant ?", "et ensuite ?", "quelles sont les prochaines étapes ?",
                                  "concrètement on fait quoi ?"])
def test_next_step_phrasings(text: str) -> None:
    assert asks_next_steps(text, parse_data(text, "faq", 0.3))


def test_changed_answers_drop_what_the_change_makes_meaningless() -> None:
    previous = {"entity_type": "operateur", "organisation": CNRS, "new_project": False, "refactor_percentage": 40.0}
    assert changed_answers(previous, {"new_project": True}) == {**previous, "new_project": True,
                                                                 "refactor_percentage": None}
    assert changed_answers(previous, {"entity_type": "administration_centrale"})["organisation"] is None


def test_already_said_is_a_kind_the_action_knows() -> None:
    assert ALREADY_SAID == "already_said"


def _answers():
    import glob

    import yaml

    from actions.faq import faq_answers
    domain = {"responses": {}}
    for path in glob.glob("domain/*.yml"):
        domain["responses"].update((yaml.safe_load(open(path, encoding="utf-8")) or {}).get("responses") or {})
    return faq_answers(domain)


def test_a_follow_up_gets_the_line_of_the_last_answer_it_asks_about() -> None:
    context = Context(topic="regle_r5", last_responses=("utter_faq/regle_r5",), last_sections=("B1-R5",),
                      last_user_text="Que dit la R5 ?", answers=_answers())
    got = reply("et la transparence sur les incidents ?", context)
    assert got is not None and got.kind == PART and "transparent sur les incidents" in got.values["extrait"]


def test_a_follow_up_on_the_line_just_given_gets_its_clause() -> None:
    """« ça s'appelle comment ce guichet ? » got the line on the FTAP guichet; « il dépend de quel fonds ? » gets
    the clause naming the fund, not the same line again."""
    answers = _answers()
    line = [line for line in dict(answers)["financement"].splitlines() if "FTAP" in line][0]
    context = Context(topic="financement", last_responses=("utter_comme_indique",), last_sections=("A10",),
                      last_user_text="ça s'appelle comment ce guichet ?", last_texts=(f"Comme indiqué : {line}",),
                      answers=answers)
    got = reply("il dépend de quel fonds ?", context, intent="out_of_scope", confidence=0.5)
    assert got is not None and got.kind == PART, got
    assert "FTAP" in got.values["extrait"] and "guichet" not in got.values["extrait"]


def test_a_follow_up_beyond_the_answer_gets_the_fact_base_point() -> None:
    context = Context(topic="regle_r9", last_responses=("utter_faq/regle_r9",), last_sections=("B1-R9", "A6", "A9"),
                      last_user_text="Que dit la R9 ?", answers=_answers())
    got = reply("et la cybersécurité et l'isolation juridique ?", context)
    assert got is not None and got.kind == PART and got.values.get("precision")
    assert "prouver que les garanties de SecNumCloud sont réunies" in got.values["extrait"]


def test_ones_own_operator_asking_whether_it_is_concerned_starts_the_check() -> None:
    got = reply("Je suis à l'ANTS, est-ce qu'on est concernés par la doctrine ?", Context())
    assert got is not None and (got.kind, got.reason) == (CHECK, "situation")
    assert got.values["entity_type"] == "operateur" and got.values.get("new_project") is None


def test_an_unsure_follow_up_close_to_the_last_answer_gets_that_question() -> None:
    decision = FaqDecision(None, "low_confidence", 0.35, ("financement", "accompagnement"))
    got = reply("et côté sous pour la migration, il y a quoi", after("accompagnement"), decision)
    assert got is not None and (got.kind, got.key) == (FAQ, "financement")


@pytest.mark.parametrize(
    "topic, text, keys",
    [
        ("regle_r4", "et la suivante ?", ["regle_r5"]),
        ("regle_r5", "et celle d'après ?", ["regle_r6"]),
        ("regle_r11", "et la règle d'avant ?", ["regle_r10"]),
        ("regle_r13", "et les règles autour ?", ["regle_r12", "regle_r14"]),
        ("regle_r15", "et celle d'avant et d'après ?", ["regle_r14"]),
    ],
)
def test_the_rule_next_to_the_last_one_is_that_rule(topic: str, text: str, keys: list) -> None:
    got = reply(text, after(topic))
    assert got is not None, got
    assert (got.values.get("keys") if got.kind == BOTH_SIDES else [got.key]) == keys, got


def test_the_rule_after_r15_is_not_made_up() -> None:
    assert reply("et la suivante ?", after("regle_r15")) is None


@pytest.mark.parametrize(
    "text, step",
    [
        ("On a fixé nos enjeux et objectifs au plus haut niveau, c'est quoi la suite ?", 2),
        ("c'est bon on a cartographié notre SI, on fait quoi maintenant ?", 3),
        ("Nous avons réuni les prérequis, et ensuite ?", 4),
    ],
)
def test_a_step_told_done_by_its_content_is_followed_by_the_next_one(text: str, step: int) -> None:
    got = reply(text, after("par_ou_commencer"), FaqDecision("accompagnement", "confident", confidence=0.83))
    assert got is not None and got.response == f"utter_suivi_etape_{step}", got


def test_where_to_start_as_a_first_question_is_its_own_answer() -> None:
    decision = FaqDecision("par_ou_commencer", "confident", confidence=0.99)
    assert reply("Par où commencer ?", Context(), decision, intent="faq", confidence=0.99) is None


def test_a_collectivite_asking_what_to_do_for_its_project_gets_its_verdict() -> None:
    text = "nous sommes une commune et nous créons une application de réservation de salles, que faut-il faire ?"
    got = reply(text, Context(), intent="faq", confidence=0.49)
    assert got is not None and (got.kind, got.reason) == (CHECK, "situation"), got
    assert got.values.get("entity_type") == "collectivite", got


@pytest.mark.parametrize("text", ["on peut quand même aller sur le cloud ?", "c'est recommandé pour nous ?",
                                  "mais on est encouragés à y aller ?", "même pour des données sensibles ?"])
def test_a_collectivite_asking_whether_it_may_use_the_cloud_gets_the_invitation(text: str) -> None:
    got = reply(text, after(VERDICT_TOPIC, VERDICT_COLLECTIVITE), intent="faq", confidence=0.6)
    assert got is not None and got.response == "utter_ensuite_collectivite", got


def test_an_operator_asking_whether_it_may_use_the_cloud_does_not_get_the_collectivite_invitation() -> None:
    got = reply("c'est recommandé pour nous ?", after(VERDICT_TOPIC, VERDICT_40), intent="faq", confidence=0.6)
    assert got is None or got.response != "utter_ensuite_collectivite", got


@pytest.mark.parametrize("text", ["on peut y couper ?", "c'est négociable ?", "on est vraiment obligés ?"])
def test_a_way_out_of_r9_asked_after_secnumcloud_is_its_derogation(text: str) -> None:
    got = reply(text, after("secnumcloud"), intent="faq", confidence=0.5)
    assert got is not None and (got.kind, got.key) == (FAQ, "derogation_r9"), got


@pytest.mark.parametrize(
    "text, response",
    [
        ("et l'administration centrale en général ?", "utter_perimetre_administration"),
        ("et nos établissements sous tutelle ?", "utter_perimetre_operateur"),
        ("et les opérateurs de façon générale ?", "utter_perimetre_operateur"),
    ],
)
def test_a_kind_of_organisation_in_general_after_a_verdict_gets_its_perimeter(text: str, response: str) -> None:
    got = reply(text, after(VERDICT_TOPIC, VERDICT_NEW), intent="inform", confidence=0.7)
    assert got is not None and got.response == response, got


def test_a_what_if_on_one_organisation_still_gives_its_verdict() -> None:
    got = reply("et si c'était un opérateur ?", after(VERDICT_TOPIC, VERDICT_NEW), intent="inform")
    assert got is not None and (got.kind, got.reason) == (CHECK, "what_if"), got


@pytest.mark.parametrize(
    "situation, response",
    [
        ("Ministère, on refait 80 % de l'intranet, les données sont publiques. Concernés ?",
         "utter_suivi_r9_non_sensibles"),
        ("Opérateur, nouveau site vitrine sans données personnelles, on est concernés ?",
         "utter_suivi_r9_non_sensibles"),
        ("Je suis à l'INSEE, on crée une appli avec des données de santé. Quelles règles ?",
         "utter_suivi_donnees_sante"),
    ],
)
def test_secnumcloud_asked_after_a_situation_that_said_what_the_data_are(situation: str, response: str) -> None:
    context = Context(topic=VERDICT_TOPIC, last_check=VERDICT_NEW, last_responses=("",), last_user_text=situation)
    got = reply("faut-il du SecNumCloud ?", context, FaqDecision("secnumcloud", "confident", confidence=0.93))
    assert got is not None and got.response == response, got


def test_a_pronoun_for_the_last_rule_keeps_it_as_the_subject() -> None:
    got = reply("elle s'applique aussi si on est sur un cloud interne ?", after("regle_r9"),
                FaqDecision("cloud_interne", "confident", confidence=0.7))
    assert got is not None and got.response == "utter_suivi_r9_interne", got


def test_how_to_apply_for_the_financing_is_who_to_write_to() -> None:
    got = reply("ok, et ensuite, on candidate comment ?", after("financement"), intent="ask_next_steps")
    assert got is not None and got.response == "utter_suivi_financement_candidature", got


def test_legitimate_reasons_after_the_r9_derogation_lead_to_who_grants_it() -> None:
    got = reply("admettons qu'on ait des motifs légitimes, la suite c'est quoi ?", after("derogation_r9"))
    assert got is not None and got.response == "utter_suivi_derogation_r9_qui", got


def test_a_whole_off_topic_question_after_an_answer_is_not_a_follow_up() -> None:
    text = "tu peux me traduire ce mail en anglais ?"
    assert reply(text, after("accompagnement"), intent="out_of_scope", confidence=0.73) is None


def test_another_subject_after_thanks_is_off_topic_even_when_the_classifier_hesitates() -> None:
    text = "ok merci. sinon t'as une recette de crêpes ?"
    data = parse_data(text, "nlu_fallback", 0.45)
    data["intent_ranking"] += [{"name": "out_of_scope", "confidence": 0.37}, {"name": "thanks", "confidence": 0.29}]
    assert reply_in_context(text, data, after("regle_r9"), FaqDecision(None, "low_confidence")) is None


def test_a_hesitant_off_topic_reading_of_a_doctrine_question_keeps_its_context() -> None:
    got = reply("et pour nos données de santé, ça change quoi ?", after("regle_r9"), intent="out_of_scope",
                confidence=0.65)
    assert got is not None, got


@pytest.mark.parametrize("text", ["Une collectivité peut demander le guichet ?", "on peut candidater au financement FTAP ?"])
def test_whether_one_may_apply_for_the_financing_is_who_it_is_for(text: str) -> None:
    got = reply(text, after("financement"))
    assert got is not None and got.response == "utter_suivi_financement_beneficiaires", got


def test_a_follow_up_the_classifier_finds_off_topic_that_refers_back_keeps_its_context() -> None:
    got = reply("n'importe quelle structure publique peut y aller ?", after("cloud_interne"), intent="out_of_scope",
                confidence=0.7)
    assert got is not None, got


def test_the_clients_of_a_company_named_after_its_verdict_get_their_own_verdict() -> None:
    got = reply("et nos clients, les mairies ?", after(VERDICT_TOPIC, VERDICT_COMPANY), intent="inform")
    assert got is not None and got.kind == CHECK and got.values.get("entity_type") == "collectivite", got


def test_sensitive_data_on_an_internal_cloud_is_what_r9_says_of_it() -> None:
    got = reply("elle s'applique aussi si on est sur un cloud interne ?", after("donnees_sensibles"),
                FaqDecision("cloud_interne", "confident", confidence=0.83))
    assert got is not None and got.response == "utter_suivi_r9_interne", got


@pytest.mark.parametrize(
    "text, step",
    [
        ("on a fait la première, et ensuite ?", 2),
        ("la 1 c'est fait, la suite ?", 2),
        ("on en est à la deuxième, la suite ?", 3),
        ("la gouvernance de la dépense est en place, quelle est la suite ?", 4),
    ],
)
def test_a_step_told_done_by_its_rank_alone_after_the_steps_is_followed_by_the_next(text: str, step: int) -> None:
    got = reply(text, after("cinq_etapes"), intent="ask_next_steps", confidence=0.8)
    assert got is not None and got.response == f"utter_suivi_etape_{step}", got


@pytest.mark.parametrize(
    "text",
    [
        "En tant que région, qu'en est-il pour nous avec la doctrine ?",
        "Je suis agent d'un village, doit-on appliquer cette doctrine ?",
        "Petite mairie rurale, on voudrait héberger le site de la commune dans le cloud, des règles à respecter ?",
        "Je suis au conseil départemental, Cloud au centre c'est pour nous aussi ?",
        "DSI d'une métropole : ça nous regarde, cette histoire de cloud au centre ?",
    ],
)
def test_a_collectivite_telling_who_it_is_gets_its_verdict_whatever_words_ask(text: str) -> None:
    got = reply(text, Context(), FaqDecision("solution_cloud", "confident", confidence=0.82))
    assert got is not None and got.kind == CHECK and got.values.get("entity_type") == "collectivite", got


def test_a_general_question_on_collectivites_is_the_faq_not_a_verdict() -> None:
    text = "Les collectivités territoriales sont-elles concernées ?"
    assert reply(text, Context(), FaqDecision("collectivites", "confident", confidence=0.99)) is None


# --- follow-ups found by a second, independent set of conversations (issue 21) -----------------------------

@pytest.mark.parametrize(
    "topic, text, response",
    [
        ("accompagnement", "pour n'importe quel projet ?", "utter_suivi_bin"),
        ("controle", "c'est quoi la procédure des grands projets ?", "utter_suivi_grands_projets_decret"),
    ],
)
def test_more_parts_asked_of_the_last_answer(topic: str, text: str, response: str) -> None:
    got = reply(text, after(topic))
    assert got is not None and (got.kind, got.response) == (RESPONSE, response), got


@pytest.mark.parametrize("topic", ["regle_r11", "regle_r12"])
def test_sensitive_data_in_the_collaborative_tools_is_r14(topic: str) -> None:
    got = reply("et s'ils contiennent des données sensibles ?", after(topic))
    assert got is not None and (got.kind, got.key) == (FAQ, "regle_r14"), got


@pytest.mark.parametrize("text, number", [("la dernière c'est quoi ?", 15), ("et la 10 ?", 10)])
def test_a_rule_by_its_rank_right_after_the_rules(text: str, number: int) -> None:
    got = reply(text, after("regles"))
    assert got is not None and (got.kind, got.key) == (FAQ, f"regle_r{number}"), got


def test_the_first_step_asked_right_after_the_steps() -> None:
    assert step_asked("on commence par laquelle ?", "cinq_etapes") == 1


def test_a_question_named_by_its_rule_number_is_read_on_its_own() -> None:
    decision = FaqDecision("regle_r8", "rule_number", 0.9)
    assert reply("et la règle R8 dans tout ça ?", after("controle"), decision) is None


def test_a_confident_question_opening_on_et_is_not_read_against_a_comparison() -> None:
    decision = FaqDecision("evaluation_sensibilite", "confident", 0.99)
    context = Context(topic="cloud_commercial", last_responses=("utter_comparaison_confiance_generique",),
                      last_sections=("B5",), last_user_text="cloud de confiance ou cloud externe générique ?")
    assert reply("et qui décide si nos données sont sensibles ?", context, decision) is None


@pytest.mark.parametrize(
    "text, expected",
    [("par quoi on démarre ?", True), ("donc rien ne nous empêche de rester sur nos serveurs ?", True),
     ("on peut garder nos serveurs ?", True), ("qui décide si c'est sensible ?", False)],
)
def test_more_ways_to_ask_what_comes_next(text: str, expected: bool) -> None:
    assert asks_next_steps(text, parse_data(text, "faq", 0.2)) is expected


def test_who_decides_whether_data_is_sensitive_is_not_the_hypothesis_of_sensitive_data() -> None:
    decision = FaqDecision("evaluation_sensibilite", "confident", 0.97)
    got = reply("et c'est qui qui décide si c'est sensible ou pas ?", after(VERDICT_TOPIC, VERDICT_NEW), decision)
    assert got is None or got.response != "utter_ensuite_donnees_sensibles", got


def test_pourtant_after_a_company_s_verdict_asks_why() -> None:
    got = reply("pourtant c'est bien pour un ministère qu'on code, non ?", after(VERDICT_TOPIC, VERDICT_COMPANY))
    assert got is not None and got.reason.startswith("pourquoi"), got


def test_a_data_question_naming_the_client_ministry_is_not_a_what_if() -> None:
    text = "les données que le ministère nous confie sont confidentielles, ça change quoi pour l'hébergement ?"
    got = reply(text, after(VERDICT_TOPIC, VERDICT_COMPANY))
    assert got is None or got.kind != CHECK, got


def test_what_one_does_for_a_ministry_is_still_work_for_a_client() -> None:
    got = reply("et pour les projets que nous faisons pour le ministère des Armées ?", after(VERDICT_TOPIC, VERDICT_COMPANY))
    assert got is not None and (got.kind, got.reason) == (CHECK, "what_if_client"), got


def test_a_notion_named_among_the_selector_s_candidates_is_answered() -> None:
    decision = FaqDecision(None, "low_confidence", 0.13, ("champ_application", "collectivites", "secnumcloud"))
    text = "le ministère nous impose SecNumCloud dans le marché, c'est la doctrine qui veut ça ?"
    got = reply(text, after(VERDICT_TOPIC, VERDICT_COMPANY), decision)
    assert got is not None and (got.kind, got.key) == (FAQ, "secnumcloud"), got


def test_sensitive_data_stated_after_a_verdict_asks_where_to_host() -> None:
    got = reply("vu ce qu'on manipule je pense que c'est sensible. on l'héberge où du coup ?",
                after(VERDICT_TOPIC, VERDICT_40))
    assert got is not None and got.response == "utter_ensuite_donnees_sensibles", got


@pytest.mark.parametrize(
    "topic, text, response",
    [
        ("regle_r7", "meme pour un petit projet à 300 k€ ?", "utter_suivi_r7_procedure"),
        ("secnumcloud", "Du coup avec des infos perso (RIB, adresses), SecNumCloud obligatoire ?", "utter_suivi_rgpd"),
        ("cinq_etapes", "On a fixé les objectifs et cartographié le SI. Ensuite ?", "utter_suivi_etape_3"),
    ],
)
def test_parts_asked_in_other_words(topic: str, text: str, response: str) -> None:
    got = reply(text, after(topic))
    assert got is not None and (got.kind, got.response) == (RESPONSE, response), got


def test_why_asked_again_after_the_verdict_s_why_gives_where_it_comes_from() -> None:
    context = Context(topic=VERDICT_TOPIC, last_check=VERDICT_NEW, last_responses=("utter_pourquoi_nouveau",),
                      last_sections=("A3", "A1"), last_user_text="pourquoi ?")
    got = reply("quel texte le dit ?", context)
    assert got is not None and got.kind == EXPLAIN_ANSWER, got


def test_the_same_procedure_is_a_comparison() -> None:
    got = reply("Le contrôle de la doctrine et la dérogation à R6, c'est la même procédure ?", after(None))
    assert got is not None and got.response == "utter_comparaison_controle_derogation", got


def test_buying_after_a_collectivite_s_verdict() -> None:
    got = reply("et pour acheter ce genre d'offre sans monter un appel d'offres nous-mêmes ?",
                after(VERDICT_TOPIC, VERDICT_COLLECTIVITE))
    assert got is not None and got.response == "utter_suivi_ouverture_clouds", got


def test_diffusion_restreinte_after_a_verdict() -> None:
    got = reply("on peut mettre de la DR où exactement ?", after(VERDICT_TOPIC, VERDICT_NEW))
    assert got is not None and got.response == "utter_comparaison_nubo_cloud_pi", got


def test_what_a_kind_of_data_changes_for_hosting_only_when_the_question_is_not_clear_on_its_own() -> None:
    text = "il y aura des infos qui touchent à la défense nationale, ça change quelque chose pour l'hébergement ?"
    got = reply(text, after(VERDICT_TOPIC, VERDICT_COMPANY))
    assert got is not None and (got.kind, got.key) == (FAQ, "donnees_sensibles"), got
    sren = FaqDecision("loi_sren", "confident", 0.9)
    assert reply("la loi SREN, ça change quoi pour l'hébergement de nos données ?", after(None), sren) is None


def test_mtn_is_maintenant() -> None:
    assert asks_next_steps("ok et mtn ?", parse_data("ok et mtn ?", "faq", 0.2))


# --- a third independent set of conversations --------------------------------------------------------------

def test_a_what_if_a_few_questions_after_the_verdict_still_changes_that_check() -> None:
    context = Context(topic="secnumcloud", last_check=VERDICT_NEW, last_responses=("utter_suivi_donnees_sante",),
                      last_sections=("A6",), last_user_text="ça impose du SecNumCloud ?")
    got = reply("et si au final on ne refait qu'un tiers ?", context)
    assert got is not None and (got.kind, got.reason) == (CHECK, "what_if"), got
    assert got.values["new_project"] is False and got.values["refactor_percentage"] == pytest.approx(100 / 3)


def test_the_provider_s_nationality_is_not_a_what_if_on_one_s_organisation() -> None:
    got = reply("et si l'editeur du saas est americain ?", after(VERDICT_TOPIC, VERDICT_NEW))
    assert got is not None and (got.kind, got.key) == (FAQ, "secnumcloud"), got


def test_why_a_notion_after_a_verdict_s_next_steps_is_that_notion() -> None:
    context = Context(topic=VERDICT_TOPIC, last_check=VERDICT_NEW, last_responses=("utter_ensuite_concerne",),
                      last_sections=("B1-R1", "B3"), last_user_text="on commence par quoi ?")
    got = reply("pourquoi le saas d'abord ?", context)
    assert got is not None and (got.kind, got.key) == (FAQ, "solution_cloud"), got


@pytest.mark.parametrize("topic", ["donnees_sensibles", "definition_sensible_2023", "regle_r9"])
def test_where_to_host_after_sensitive_data(topic: str) -> None:
    got = reply("ok on les heberge ou du coup", after(topic))
    assert got is not None and got.response == "utter_ensuite_donnees_sensibles", got


def test_health_data_and_secnumcloud_after_a_verdict_is_what_health_data_imply() -> None:
    got = reply("ok mais pour les donnees de santé on doit passer par du secnumcloud ou pas", after(VERDICT_TOPIC, VERDICT_COMPANY))
    assert got is not None and got.response == "utter_suivi_donnees_sante", got


def test_whom_to_ask_after_a_verdict_to_confirm_is_the_contact() -> None:
    got = reply("confirmer aupres de qui ?", after(VERDICT_TOPIC, VERDICT_NEW))
    assert got is not None and (got.kind, got.key) == (FAQ, "autres_questions"), got


def test_a_rule_asked_of_any_new_project_is_not_one_s_own_situation() -> None:
    text = "pour un nouveau projet on est obligés d'aller dans le cloud, même pour un petit truc ?"
    got = reply(text, after(None), FaqDecision("solution_cloud", "confident", 0.7))
    assert got is None or got.kind != CHECK, got
    own = "Salut, on a une nouvelle appli de gestion des stages à construire de zéro, y a des contraintes cloud ?"
    got = reply(own, after(None))
    assert got is not None and (got.kind, got.reason) == (CHECK, "situation"), got


def test_a_situation_is_never_off_topic() -> None:
    text = "SGA ministère des armées. on démarre un SI de gestion des logements de fonction, rien n'existait"
    got = reply_in_context(text, parse_data(text, "out_of_scope", 0.9), after(None), FaqDecision(None, "not_faq"))
    assert got is not None and got.kind == CHECK and got.values["new_project"] is True, got


VERDICT_A_CONFIRMER = {"verdict": "service_deconcentre_a_confirmer", "criterion": "service_deconcentre",
                       "entity_type": "service_deconcentre", "organisation": None, "new_project": True,
                       "refactor_percentage": None, "answers": []}


@pytest.mark.parametrize(
    "context, text, response, topic",
    [
        # « pk » / « pq »: how « pourquoi » is typed in a chat.
        (after(VERDICT_TOPIC, VERDICT_COLLECTIVITE), "pk ? on est une administration publique quand meme",
         "utter_pourquoi_collectivite", VERDICT_TOPIC),
        # After « à confirmer », confirming is writing to the DINUM (not the operators' list).
        (after(VERDICT_TOPIC, VERDICT_A_CONFIRMER), "je fais comment pour confirmer ?",
         "utter_ensuite_service_deconcentre", "champ_application"),
        (after(VERDICT_TOPIC, VERDICT_A_CONFIRMER), "et on écrit à qui ?", "utter_ensuite_service_deconcentre",
         "champ_application"),
        (after("financement"), "et les deux on les demande a qui ?", "utter_suivi_financement_montant", "financement"),
        (after("accompagnement"), "super, on fait quoi pour en profiter ?", "utter_suivi_bin", "accompagnement"),
        (after("financement"), "on peut y prétendre nous ? on est une université",
         "utter_suivi_financement_beneficiaires", "financement"),
        (after("financement"), "on envoie la demande où ?", "utter_suivi_financement_candidature", "financement"),
        (after("accompagnement"), "ça se demande comment", "utter_suivi_bin", "accompagnement"),
        (after("cloud_commercial"), "ces offres sont toutes qualifiées secnumcloud ?",
         "utter_comparaison_confiance_generique", "cloud_commercial"),
        (after(VERDICT_TOPIC, VERDICT_A_CONFIRMER), "ok, je demande confirmation à qui ?",
         "utter_ensuite_service_deconcentre", "champ_application"),
    ],
)
def test_a_follow_up_typed_as_people_chat_gets_its_part(context: Context, text: str, response: str,
                                                        topic: str) -> None:
    got = reply(text, context, intent="faq", confidence=0.5)
    assert got is not None and (got.kind, got.response, got.topic) == (RESPONSE, response, topic), got


def test_where_to_host_after_a_project_with_diffusion_restreinte_names_the_offer_that_takes_it() -> None:
    context = Context(topic=VERDICT_TOPIC, last_check=VERDICT_NEW, last_responses=("utter_verdict_concerne",),
                      last_user_text="Administration centrale : une nouvelle application qui traitera des documents "
                                     "Diffusion Restreinte. Sommes-nous concernés ?")
    got = reply("on peut l'heberger ou du coup ?", context, intent="faq", confidence=0.7)
    assert got is not None and (got.response, got.topic) == ("utter_comparaison_nubo_cloud_pi", "cloud_interne"), got
    without_dr = Context(topic=VERDICT_TOPIC, last_check=VERDICT_NEW, last_responses=("utter_verdict_concerne",),
                         last_user_text="Administration centrale : une nouvelle application. Sommes-nous concernés ?")
    assert reply("on peut l'heberger ou du coup ?", without_dr, intent="faq", confidence=0.7) != got


@pytest.mark.parametrize("text", ["quelle diff de procédure entre un projet à moins d'1 M€ et un à plus de 9 M€ ?",
                                  "différence entre un projet de 500 k€ et un de 3 millions ?"])
def test_two_amounts_compared_get_the_control_by_amount(text: str) -> None:
    got = reply(text, after(None))
    assert got is not None and (got.response, got.topic) == ("utter_suivi_controle_montants", "controle"), got


@pytest.mark.parametrize(
    "topic, text, confidence",
    [
        # « marché » and « portables » are words of the doctrine only when the message stays on its subject.
        ("cloud_interne", "autre chose : c'est quand le prochain marché de renouvellement des PC portables ?", 0.57),
        ("controle", "et sinon c'est quand la date limite pour les entretiens pro cette annee ?", 0.66),
    ],
)
def test_a_question_after_sinon_or_autre_chose_off_the_doctrine_is_off_topic(topic: str, text: str,
                                                                           confidence: float) -> None:
    assert reply(text, after(topic), intent="out_of_scope", confidence=confidence) is None


def test_after_sinon_a_question_on_the_doctrine_keeps_its_context() -> None:
    got = reply("et sinon, pour nos données de santé, c'est quel hébergement ?", after("regle_r9"),
                intent="out_of_scope", confidence=0.5)
    assert got is not None, got


@pytest.mark.parametrize(
    "context, text, key",
    [
        (after("regle_r13"), "et si l'offre commune ne couvre pas tous nos besoins ?", "regle_r12"),
        (after("regle_r12"), "ces SaaS là doivent être secnumcloud ?", "regle_r14"),
        (after("regle_r9"), "pourquoi c'est à nous d'en juger ? l'ANSSI peut pas trancher ?", "evaluation_sensibilite"),
        (after("regle_r9"), "et si on estime que c'est sensible mais qu'on veut quand même une offre non qualifiée ?",
         "derogation_r9"),
        (after(VERDICT_TOPIC, VERDICT_NEW), "ok. et après, qui vérifie et qu'est-ce qu'on doit produire ?", "controle"),
        (after("controle"), "on peut se faire aider pour tout ça ?", "accompagnement"),
    ],
)
def test_a_follow_up_gets_the_answer_it_points_to(context: Context, text: str, key: str) -> None:
    got = reply(text, context, intent="faq", confidence=0.5)
    assert got is not None and (got.kind, got.key) == (FAQ, key), got


def test_why_one_must_confirm_is_the_why_of_the_verdict_not_how_to_confirm() -> None:
    got = reply("et pk faut confirmer ?", after(VERDICT_TOPIC, VERDICT_A_CONFIRMER), intent="faq", confidence=0.5)
    assert got is not None and got.reason == "pourquoi du verdict", got


def test_where_does_that_come_from_said_to_the_assistant_asks_why() -> None:
    got = reply("d'où vous tenez qu'on y est soumis ? on est un petit établissement", after(VERDICT_TOPIC, VERDICT_40),
                intent="out_of_scope", confidence=0.6)
    assert got is not None and got.reason.startswith("pourquoi"), got


def test_a_project_with_diffusion_restreinte_asking_where_to_host_names_the_offer_that_takes_it() -> None:
    got = reply("on a des donnees DR pour une nouvelle appli, on les heberge ou ?", after(None), intent="faq",
                confidence=0.9)
    assert got is not None and got.response == "utter_comparaison_nubo_cloud_pi", got


def test_a_what_if_with_a_decimal_share_keeps_its_decimal() -> None:
    at_half = dict(VERDICT_40, refactor_percentage=50.0)
    got = reply("et à 50,5 ?", after(VERDICT_TOPIC, at_half), intent="inform", confidence=0.5)
    assert got is not None and got.kind == CHECK and got.values["refactor_percentage"] == 50.5, got


@pytest.mark.parametrize("text", ["et si c'etait 45 ?", "et si c'était 45 ?", "et si c’était 45 %", "et à 45"])
def test_a_what_if_share_is_read_however_the_apostrophe_and_accent_are_typed(text: str) -> None:
    got = reply(text, after(VERDICT_TOPIC, dict(VERDICT_40, refactor_percentage=55.0)), intent="inform",
                confidence=0.5)
    assert got is not None and got.kind == CHECK and got.values["refactor_percentage"] == 45.0, got


@pytest.mark.parametrize("topic, text", [
    ("controle", "top. et tu peux me dire comment on pose des RTT dans le logiciel RH ?"),
    ("accompagnement", "merci. vous savez où on réserve une salle de réunion pour jeudi ?"),
])
def test_a_request_of_its_own_after_thanks_is_off_topic(topic: str, text: str) -> None:
    assert reply(text, after(topic), intent="out_of_scope", confidence=0.52) is None


def test_a_request_after_thanks_on_the_doctrine_keeps_its_context() -> None:
    got = reply("merci. tu peux me dire qui contrôle au-dessus de 9 M€ ?", after("controle"), intent="out_of_scope",
                confidence=0.52)
    assert got is not None, got


def test_how_to_ask_for_the_brigade_is_how_to_get_it() -> None:
    got = reply("on la demande comment ?", after("accompagnement"), intent="out_of_scope", confidence=0.73)
    assert got is not None and got.response == "utter_suivi_bin", got
