"""The verdict of the scope check: which rule applies, why, what next."""

import pytest

from actions.scope_verdict import (
    CONCERNE,
    HORS_CIRCULAIRE_AUTRE,
    HORS_CIRCULAIRE_COLLECTIVITE,
    NON_CONCERNE,
    scope_verdict,
)


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
        ("autre", None, None, HORS_CIRCULAIRE_AUTRE),
    ],
)
def test_verdict_codes(entity, new_project, percentage, code):
    assert scope_verdict(entity, new_project, percentage).code == code


def test_new_project_says_why_and_what_next():
    text = scope_verdict("administration_centrale", True, None).text
    assert "**Votre projet est concerné**" in text
    assert "c'est un nouveau projet" in text
    assert "R1" in text and "SaaS" in text and "SecNumCloud" in text
    assert "pas un avis juridique" in text
    assert text.rstrip().endswith("Source : https://www.numerique.gouv.fr/services/cloud/")


def test_exactly_half_is_explained():
    text = scope_verdict("operateur", False, 50.0).text
    assert "**Votre projet n'est pas concerné**" in text
    assert "exactement 50 %" in text and "plus de 50 %" in text


def test_collectivite_is_outside_but_invited_with_securnumcloud_for_etat_civil():
    text = scope_verdict("collectivite", None, None).text
    assert "hors du champ de la circulaire" in text
    assert "invitées" in text and "SecNumCloud" in text and "état civil" in text


def test_other_entities_are_outside_the_circulaire():
    verdict = scope_verdict("autre", None, None)
    assert "hors du champ de la circulaire" in verdict.text
    assert {"title": "Vérifier un autre projet", "payload": "/check_scope"} in verdict.buttons


def test_recognised_operator_is_named_as_an_indication():
    text = scope_verdict("operateur", True, None, "METEO-FRANCE").text
    assert "METEO-FRANCE" in text and "PLF 2025" in text and "à confirmer" in text


def test_every_verdict_offers_to_start_again():
    for entity, new_project, percentage in [("operateur", True, None), ("operateur", False, 10.0),
                                            ("collectivite", None, None), ("autre", None, None)]:
        buttons = scope_verdict(entity, new_project, percentage).buttons
        assert buttons[-1]["payload"] == "/check_scope"
