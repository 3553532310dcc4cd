"""After every verdict of the scope check, the orientation sheet is offered with the verdict's own reference."""

import hashlib

import pytest
from tracker_factory import make_tracker, parse_data

from actions.fact_base import FACT_BASE
from actions.scope_form import ActionScopeVerdict

VERDICT_ANSWERS = {
    "concerne": {"entity_type": "operateur", "new_project": False, "refactor_percentage": 70.0},
    "non_concerne": {"entity_type": "administration_centrale", "new_project": False, "refactor_percentage": 50.0},
    "hors_circulaire_collectivite": {"entity_type": "collectivite"},
    "service_deconcentre_a_confirmer": {"entity_type": "service_deconcentre"},
    "hors_circulaire_autre": {"entity_type": "autre"},
}


@pytest.mark.parametrize("verdict", sorted(VERDICT_ANSWERS))
async def test_every_verdict_is_followed_by_the_offer_of_its_sheet(dispatcher, domain, monkeypatch, verdict):
    monkeypatch.setenv("SHEETS_PUBLIC_URL", "https://cloud.example.gouv.fr/")
    tracker = make_tracker(parse_data("oui", "inform"), slots=VERDICT_ANSWERS[verdict])
    events = await ActionScopeVerdict().run(dispatcher, tracker, domain)
    record = next(event["value"] for event in events if event["name"] == "last_check")
    assert record["verdict"] == verdict
    verdict_message, offer = dispatcher.messages
    assert verdict_message["metadata"]["reference"] == record["reference"]
    assert offer["response"] == "utter_orientation_sheet"
    assert offer["sheet_reference"] == record["reference"]
    reference = record["reference"]
    assert offer["custom"] == {"orientation_sheet": {
        "reference": reference,
        "issued": record["timestamp"],
        "version": hashlib.sha256(FACT_BASE.read_bytes()).hexdigest()[:12],
        "url": f"https://cloud.example.gouv.fr/fiches/{reference}",
        "title": "Télécharger la fiche d'orientation (PDF)",
        "filename": f"fiche-orientation-{reference}.pdf",
    }}


async def test_two_verdicts_have_two_sheets(dispatcher, domain):
    for _ in range(2):
        tracker = make_tracker(parse_data("oui", "inform"), slots=VERDICT_ANSWERS["concerne"])
        await ActionScopeVerdict().run(dispatcher, tracker, domain)
    offers = [m["custom"]["orientation_sheet"]["reference"] for m in dispatcher.messages if m.get("custom")]
    assert len(offers) == 2 and offers[0] != offers[1]
