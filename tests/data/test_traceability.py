"""Every text a person can receive names the fact-base sections it rests on, and cites only their sources.

The sections are declared in the data (``metadata: {sections: [...]}`` of each response variation in
domain/*.yml; ``sections`` of each part of actions/data/verdicts.yml), never in a comment: a text that
names no section, a section that does not exist in the fact base, or a link that is not the source of one
of its sections fails here (actions/fact_base.py says what a section and its sources are).
"""

import importlib.util
import sys
from pathlib import Path
from typing import List

import pytest

from actions import fact_base
from actions.traced_texts import TracedText, all_texts

SECTIONS = fact_base.load()
EXPECTED_IDS = (
    {fact_base.PREAMBLE, fact_base.CONDUCT}
    | {f"A{n}" for n in range(1, 13)}
    | {f"B{n}" for n in range(1, 7)}
    | {f"B1-R{n}" for n in range(1, 16)}
)


def cited_sources(text: str) -> List[str]:
    """The links and legal texts a text cites (in its source line or in the text)."""
    return fact_base.URL.findall(text) + fact_base._LEGAL_TEXT.findall(text)


def problems(sections: object, text: str) -> List[str]:
    """What is wrong with a text's declared sections, in words a maintainer reads."""
    if not isinstance(sections, list) or not sections:
        return ["ne nomme aucune section de la base de faits (metadata: {sections: [...]})"]
    unknown = [s for s in sections if s not in SECTIONS]
    if unknown:
        return [f"sections inexistantes dans la base de faits : {unknown}"]
    allowed = {source for s in sections for source in SECTIONS[s].sources}
    return [f"cite {source!r}, qui n'est la source d'aucune de ses sections {sections}"
            for source in cited_sources(text) if source not in allowed]


def test_the_fact_base_copy_has_every_section_the_texts_may_name() -> None:
    assert set(SECTIONS) == EXPECTED_IDS


def test_every_section_but_the_conduct_rules_has_a_source_page() -> None:
    # B2 (the 2023 definition) names no page: a text on it cites it with B1-R9 or A6, which do.
    without = sorted(sid for sid, section in SECTIONS.items() if not section.sources)
    assert without == ["B2", fact_base.CONDUCT]


TEXTS = all_texts()


def test_every_kind_of_text_is_checked() -> None:
    names = [text.name for text in TEXTS]
    assert "utter_faq/controle" in names and "utter_greet" in names and "verdicts.yml: concerne/headline" in names
    assert "sheet.yml: texts/disclaimer" in names and "utter_orientation_sheet" in names
    assert len(TEXTS) > 80


@pytest.mark.parametrize("text", TEXTS, ids=lambda text: text.name)
def test_every_text_names_its_sections_and_cites_only_their_sources(text: TracedText) -> None:
    assert problems(list(text.sections) if text.declared else None, text.text) == [], text.name


@pytest.mark.parametrize(
    "sections,text,expected",
    [
        (None, "Bonjour", ["ne nomme aucune section de la base de faits (metadata: {sections: [...]})"]),
        ([], "Bonjour", ["ne nomme aucune section de la base de faits (metadata: {sections: [...]})"]),
        (["A99"], "x", ["sections inexistantes dans la base de faits : ['A99']"]),
        (["A8"], "Source : https://www.numerique.gouv.fr/services/cloud/regles-doctrine/",
         ["cite 'https://www.numerique.gouv.fr/services/cloud/regles-doctrine/', qui n'est la source d'aucune "
          "de ses sections ['A8']"]),
        (["A8", "B1-R8"], "Sources : https://www.numerique.gouv.fr/services/cloud/regles-doctrine/ ; "
         "https://www.numerique.gouv.fr/services/cloud/", []),
        (["B6"], "Source : https://numerique.gouv.fr/offre-accompagnement/reference-vade-mecum-sensibilite-donnees",
         []),
    ],
)
def test_the_check_fails_on_what_a_maintainer_would_miss(sections: object, text: str, expected: List[str]) -> None:
    assert problems(sections, text) == expected


def test_a_changed_section_lists_the_texts_to_review() -> None:
    changed = fact_base.FACT_BASE.read_text(encoding="utf-8").replace(
        "### A10. Accompagnement financier", "### A10. Accompagnement financier de l'État")
    report = fact_base.review_report(SECTIONS, fact_base.parse(changed))
    assert report[1] == "  sections modifiées : A10"
    assert "  - utter_faq/financement [A10]" in report


def test_an_unchanged_fact_base_needs_no_review() -> None:
    assert fact_base.review_report(SECTIONS, fact_base.load()) == []


def _sheet_knowledge():  # type: ignore[no-untyped-def]
    """sheets/sheet_service/knowledge.py, the sheet's own reading of the fact base (loaded by path: the sheet
    service does not import the action server's code, so this test compares the two readings)."""
    path = Path(__file__).resolve().parents[2] / "sheets" / "sheet_service" / "knowledge.py"
    spec = importlib.util.spec_from_file_location("sheet_knowledge", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # (dataclasses look their module up there)
    spec.loader.exec_module(module)
    return module


def test_the_sheet_names_each_rule_and_faq_question_with_one_of_its_official_sources() -> None:
    index = _sheet_knowledge().fact_base_index()
    rules_and_questions = EXPECTED_IDS - {fact_base.PREAMBLE, fact_base.CONDUCT}
    assert set(index) == rules_and_questions
    for section_id in rules_and_questions - {"B2"}:
        assert index[section_id].url in SECTIONS[section_id].sources, section_id
    # B2 names no page of its own (see above): the sheet gives the FAQ's.
    assert index["B2"].url == SECTIONS["A1"].sources[0]
    assert index["B1-R9"].title == "Règle R9 de la doctrine"
