"""The verdict of the scope check: which rule applies, why, what next."""

import pytest

from actions.scope_verdict import (
    CONCERNE,
    HORS_CIRCULAIRE_AUTRE,
    HORS_CIRCULAIRE_COLLECTIVITE,
    NON_CONCERNE,
    SERVICE_DECONCENTRE_A_CONFIRMER,
    new_reference,
    scope_verdict,
    verdict_record,
)

CONTACT = "infonuage.dinum@modernisation.gouv.fr"


@pytest.mark.parametrize(
    "entity, new_project, percentage, code",
    [
        ("administration_centrale", True, None, CONCERNE),
        ("operateur", True, None, CONCERNE),
        ("operateur", False, 70.0, CONCERNE),
        ("administration_centrale", False, 50.5, CONCERNE),
        ("administration_centrale", False, 50.0, NON_CONCERNE),
        ("operateur", False, 30.0, NON_CONCERNE),
        ("operateur", False, 0.0, NON_CONCERNE),
        ("collectivite", None, None, HORS_CIRCULAIRE_COLLECTIVITE),
        ("service_deconcentre", None, None, SERVICE_DECONCENTRE_A_CONFIRMER),
        ("autre", None, None, HORS_CIRCULAIRE_AUTRE),
    ],
)
def test_verdict_codes(entity, new_project, percentage, code):
    assert scope_verdict(entity, new_project, percentage).code == code


def test_new_project_says_why_and_what_next():
    text = scope_verdict("administration_centrale", True, None).text
    # Issue 26: « au sens de la FAQ » and the orientation caveat in the first line, as for « non concerné ».
    assert text.splitlines()[0] == ("**Votre projet est concerné** au sens de la FAQ (première orientation, pas un "
                                    "avis juridique) : c'est un nouveau projet.")
    assert "c'est un nouveau projet" in text
    assert "R1" in text and "SaaS" in text
    assert "pas un avis juridique" in text and CONTACT in text
    assert text.rstrip().endswith("Source : https://www.numerique.gouv.fr/services/cloud/")


def test_exactly_half_is_explained():
    text = scope_verdict("operateur", False, 50.0).text
    assert "**Votre projet n'est pas concerné**" in text
    assert "exactement 50 %" in text and "plus de 50 %" in text


def test_collectivite_is_outside_but_invited_with_securnumcloud_for_etat_civil():
    text = scope_verdict("collectivite", None, None).text
    assert "hors du champ de la circulaire" in text
    assert "invitées" in text and "SecNumCloud" in text and "état civil" in text


def test_other_entities_get_an_orientation_not_a_ruling():
    verdict = scope_verdict("autre", None, None)
    assert verdict.text.startswith(
        "**Votre structure ne semble pas relever de la circulaire** « Cloud au centre » (première orientation, "
        "pas un avis juridique)."
    )
    assert CONTACT in verdict.text
    assert "hors du champ" not in verdict.text
    assert "jaune budgétaire" in verdict.text  # an operator that chose « Autre » can find itself there
    assert {"title": "Vérifier un autre projet", "payload": "/check_scope"} in verdict.buttons


def test_services_deconcentres_are_told_the_faq_does_not_settle_their_case():
    verdict = scope_verdict("service_deconcentre", None, None)
    assert verdict.text.startswith("**La FAQ ne tranche pas le cas des services déconcentrés de l'État**")
    assert CONTACT in verdict.text
    assert "hors du champ" not in verdict.text and "pas concerné" not in verdict.text
    # Issue 26: no examples the fact base does not give (it names none).
    assert "ambassade" not in verdict.text and "juridiction" not in verdict.text
    assert verdict.buttons[-1]["payload"] == "/check_scope"


def test_recognised_operator_is_named_as_an_indication():
    text = scope_verdict("operateur", True, None, "Météo-France").text
    assert "Organisme reconnu : Météo-France (liste des opérateurs du PLF 2025, à confirmer dans celle de l'année)." in text
    assert "La doctrine s'applique à votre entité" not in text


def test_organisation_is_only_named_for_an_operator():
    text = scope_verdict("administration_centrale", True, None, "Météo-France").text
    assert "Météo-France" not in text and "une administration centrale de l'État" in text


def test_every_verdict_offers_to_start_again():
    for entity, new_project, percentage in [("operateur", True, None), ("operateur", False, 10.0),
                                            ("collectivite", None, None), ("service_deconcentre", None, None),
                                            ("autre", None, None)]:
        buttons = scope_verdict(entity, new_project, percentage).buttons
        assert buttons[-1]["payload"] == "/check_scope"


def test_verdict_declares_the_sections_of_its_parts():
    verdict = scope_verdict("operateur", False, 70.0, "Météo-France")
    assert verdict.sections == ("A3", "C", "A1", "B1-R1", "A4", "A12")
    assert verdict.criterion == "refonte_plus"


def test_the_record_says_how_each_answer_was_read():
    verdict = scope_verdict("operateur", False, 70.0, "Météo-France")
    slots = {"entity_type": "operateur", "organisation": "Météo-France", "new_project": False,
             "refactor_percentage": 70.0}
    answers = {"entity_type": "je suis à Météo-France", "new_project": "on refond 70 %",
               "refactor_percentage": "on refond 70 %"}
    record = verdict_record(verdict, slots, answers, "7KQ2-M9XD-PW3A", 1700000000.0)
    assert record["answers"] == [
        {"question": "entity_type", "text": "je suis à Météo-France",
         "reading": "opérateur ou organisme sous tutelle de l'État : Météo-France"},
        {"question": "new_project", "text": "on refond 70 %", "reading": "refonte d'un système existant"},
        {"question": "refactor_percentage", "text": "on refond 70 %",
         "reading": "70 % : refonte de plus de 50 % de l'existant"},
    ]
    assert (record["verdict"], record["criterion"], record["reference"]) == ("concerne", "refonte_plus", "7KQ2-M9XD-PW3A")


def test_a_collectivite_record_has_only_its_one_answer():
    verdict = scope_verdict("collectivite", None, None)
    record = verdict_record(verdict, {"entity_type": "collectivite"}, {"entity_type": "une mairie"}, "X", 0.0)
    assert record["answers"] == [{"question": "entity_type", "text": "une mairie", "reading": "collectivité territoriale"}]


def test_references_are_short_and_never_the_same():
    references = {new_reference() for _ in range(2000)}
    assert len(references) == 2000
    assert all(len(ref) == 14 and ref.count("-") == 2 and not set(ref) & set("ILOU") for ref in references)
