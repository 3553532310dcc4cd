"""The operators of the PLF 2025 annex: named back properly, never found by a place or a common word alone.

tests/data/lieux_et_mots_courants.yml lists the 18 regions, the 101 departments, the former regions,
the largest communes and every prefecture, the places the annex prints, and common words.
"""

from pathlib import Path
from typing import List, Optional

import pytest
import yaml

from actions.operators import (
    STOP_WORDS,
    Operator,
    family_and_place,
    find_operator,
    load_families,
    load_operators,
    name_variants,
    significant_words,
)
from actions.scope_parsing import COLLECTIVITE, OPERATEUR, parse_entity_type
from actions.text_normalization import normalize

DATA = yaml.safe_load(
    (Path(__file__).resolve().parents[1] / "data" / "lieux_et_mots_courants.yml").read_text(encoding="utf-8")
)
PLACES = sorted({place for key in ("regions", "anciennes_regions", "departements", "communes", "lieux_de_l_annexe")
                 for place in DATA[key]})
COMMON_WORDS = sorted(set(DATA["mots_courants"]))
NORMALIZED_PLACES = {normalize(place) for place in PLACES}
PLACE_WORDS = {word for place in NORMALIZED_PLACES for word in significant_words(place)}
NORMALIZED_COMMON_WORDS = {normalize(word) for word in COMMON_WORDS}
OPERATORS = load_operators()


def operator_named(text: str) -> Optional[Operator]:
    match = find_operator(text)
    return match.operator if match else None


def by_name(annex_name: str) -> Operator:
    return next(operator for operator in OPERATORS if operator.name == annex_name)


def test_the_place_list_is_complete_enough():
    assert len(set(DATA["regions"])) == 18
    assert len(DATA["departements"]) == 101
    assert len(set(DATA["communes"])) >= 100


def test_every_operator_of_the_annex_is_loaded_with_a_usual_name():
    assert len(OPERATORS) == 418
    assert len({operator.name for operator in OPERATORS}) == 418


# Words that always take an accent: written without it, the name was not converted.
_ACCENTED_WORDS = ("ecole", "etablissement", "universite", "superieure", "superieur", "etudes", "musee",
                   "theatre", "societe", "securite", "sante", "regionale", "developpement", "bibliotheque", "etat")


@pytest.mark.parametrize("operator", OPERATORS, ids=lambda operator: operator.name[:60])
def test_usual_name_is_in_normal_case_with_accents_and_keeps_the_annex_words(operator: Operator):
    display = operator.display_name
    assert display != display.upper(), f"« {display} » est en capitales"
    lower_words = display.lower().replace("'", " ").split()
    assert not set(lower_words) & set(_ACCENTED_WORDS), f"« {display} » : accents manquants"
    # Every word of the annex name is still there (accents and case aside; the family prefix of a Crous,
    # the annex's own acronym and its annotations excepted).
    annex = normalize(operator.name.split(" - établissement")[0])
    member = family_and_place(operator)
    if member is not None:
        prefix = next(p for p in member[0].prefixes if annex.startswith(p))
        annex = annex[len(prefix):]
    ignored = set(STOP_WORDS) | {normalize(operator.acronym), "epa"}
    display_letters = normalize(display).replace(" ", "")
    missing = [word for word in significant_words(annex) if word not in ignored and word not in display_letters]
    assert not missing, f"« {display} » ne reprend pas {missing} de « {operator.name} »"


@pytest.mark.parametrize("operator", OPERATORS, ids=lambda operator: operator.name[:60])
def test_no_name_variant_is_a_place_or_a_common_word(operator: Operator):
    for variant in name_variants(operator):
        assert variant not in NORMALIZED_PLACES, f"{operator.name} : la variante « {variant} » est un lieu"
        assert variant not in NORMALIZED_COMMON_WORDS, f"{operator.name} : la variante « {variant} » est un mot courant"
        assert not set(significant_words(variant)) <= PLACE_WORDS, f"{operator.name} : « {variant} » n'est fait que de lieux"


def test_no_name_variant_names_two_operators():
    owners: dict = {}
    for operator in OPERATORS:
        for variant in name_variants(operator):
            owners.setdefault(variant, set()).add(operator.name)
    shared = {variant: names for variant, names in owners.items() if len(names) > 1}
    assert not shared, shared


@pytest.mark.parametrize("place", PLACES)
def test_a_place_alone_names_no_operator(place: str):
    for text in (place, place.lower(), f"je travaille à {place}"):
        assert find_operator(text) is None, f"« {text} » a donné {operator_named(text)}"


@pytest.mark.parametrize("place", PLACES)
def test_a_town_hall_is_a_collectivite_whatever_the_place(place: str):
    for text in (f"mairie de {place}", f"je travaille à la ville de {place}", f"conseil départemental de {place}"):
        answer = parse_entity_type(text, requested=True)
        assert answer is not None and answer.entity_type == COLLECTIVITE and answer.operator is None, (text, answer)


@pytest.mark.parametrize("word", COMMON_WORDS)
def test_a_common_word_names_no_operator(word: str):
    for text in (word, word.capitalize(), f"je travaille dans un {word}"):
        assert operator_named(text) is None, f"« {text} » a donné {operator_named(text)}"


@pytest.mark.parametrize(
    "operator", [o for o in OPERATORS if o.acronym and not o.acronym_verified], ids=lambda operator: operator.acronym
)
def test_an_unverified_acronym_alone_names_no_other_operator(operator: Operator):
    """`sigle_verifie` = non: the acronym alone is not trusted; its operator may still be found by its name."""
    assert operator_named(operator.acronym) in (None, operator)
    assert operator_named(f"je travaille à {operator.acronym}") in (None, operator)


@pytest.mark.parametrize("acronym", ["UL", "UM", "SU", "CY", "ENS", "AMU", "UGA", "OCA", "ONP", "ENC", "UTC"])
def test_unverified_short_acronyms_are_not_matched(acronym: str):
    assert find_operator(f"je suis à {acronym}") is None


@pytest.mark.parametrize("text", ["sous la canopée", "une canope", "CANOPE", "nos bureaux rue d'Assas"])
def test_a_name_like_unverified_acronym_counts_only_as_written(text: str):
    assert find_operator(text) is None


@pytest.mark.parametrize(
    "text, annex_name",
    [
        ("je travaille au Crous de Nantes", "CENTRE REGIONAL OEUVRES UNIV SCOLAIRES - NANTES"),
        ("CROUS NANTES", "CENTRE REGIONAL OEUVRES UNIV SCOLAIRES - NANTES"),
        ("au crous de Metz", "CENTRE REGIONAL OEUVRES UNIV SCOLAIRES - NANCY - METZ"),
        ("Crous d'Aix-Marseille", "CENTRE REGIONAL OEUVRES UNIV SCOLAIRES - AIX - MARSEILLE"),
        ("ARS Normandie", "AGENCE REGIONALE DE SANTE NORMANDIE"),
        ("l'ARS Île-de-France", "AGENCE REGIONALE DE SANTE ILE DE FRANCE"),
        ("agence régionale de santé de Bretagne", "AGENCE REGIONALE DE SANTE DE BRETAGNE"),
        ("IRA de Lille", "INSTITUT REGIONAL D'ADMINISTRATION - LILLE"),
        ("Sciences Po Lille", "INSTITUT D ETUDES POLITIQUES - LILLE"),
        ("INSA Lyon", "INSTITUT NATIONAL DES SCIENCES APPLIQUEES LYON"),
        ("l'ENSA de Saint-Étienne", "ECOLE NATIONALE SUPERIEURE D ARCHITECTURE DE ST-ETIENNE"),
        ("école d'architecture et de paysage de Lille", "ECOLE NATIONALE SUPERIEURE D ARCHITECTURE ET DE PAYSAGE DE LILLE"),
        ("la Philharmonie de Paris", "ETABLISSEMENT PUBLIC DE LA CITE DE LA MUSIQUE - PHILHARMONIE DE PARIS"),
        ("Universcience", "Universcience - ETABLISSEMENT PUBLIC DU PALAIS DE LA DECOUVERTE ET CITE DES SCIENCES ET DE L'INDUSTRIE"),
        ("Université Gustave Eiffel", "UNIVERSITE GUSTAVE EIFFEL - établissement expérimental"),
        ("l'Université de Lorraine", "UNIVERSITE DE LORRAINE"),
        ("je suis au CNRS", "CENTRE NATIONAL DE LA RECHERCHE SCIENTIFIQUE"),
        ("Météo France", "METEO-FRANCE"),
    ],
)
def test_operators_found_by_name_family_and_place(text: str, annex_name: str):
    assert operator_named(text) == by_name(annex_name)


@pytest.mark.parametrize("text", ["je suis dans un Crous", "à l'ARS", "Sciences Po", "une école d'architecture"])
def test_a_family_without_place_says_operator_without_naming_one(text: str):
    match = find_operator(text)
    assert match is not None and match.operator is None
    answer = parse_entity_type(text, requested=True)
    assert answer is not None and answer.entity_type == OPERATEUR and answer.operator is None


def test_a_short_acronym_inside_a_longer_sigle_does_not_count():
    """« INP » is the Institut national du patrimoine, but « Grenoble INP » is not."""
    assert operator_named("je travaille à l'INP") == by_name("INSTITUT NATIONAL DU PATRIMOINE")
    assert operator_named("je travaille à Grenoble INP") != by_name("INSTITUT NATIONAL DU PATRIMOINE")


def test_town_hall_wins_over_an_operator_found_by_its_place():
    answer = parse_entity_type("à la ville de Nantes, qui travaille avec le Crous", requested=True)
    assert answer is not None and answer.entity_type == COLLECTIVITE


@pytest.mark.parametrize(
    "annex_name, label",
    [
        ("CENTRE NATIONAL DE LA RECHERCHE SCIENTIFIQUE", "Centre national de la recherche scientifique (CNRS)"),
        ("METEO-FRANCE", "Météo-France"),
        ("UNIVERSITE DE LORRAINE", "Université de Lorraine"),  # « UL » is not verified: not shown
        ("CENTRE REGIONAL OEUVRES UNIV SCOLAIRES - NANTES", "Crous de Nantes"),
        ("ECOLE NATIONALE SUPERIEURE D ARCHITECTURE DE ST-ETIENNE",
         "École nationale supérieure d'architecture de Saint-Étienne"),
        ("AGENCE DE L ENVIRONNEMENT ET DE LA MAITRISE DE L ENERGIE",
         "Agence de l'environnement et de la maîtrise de l'énergie (ADEME)"),
    ],
)
def test_operator_is_named_back_in_normal_case(annex_name: str, label: str):
    assert by_name(annex_name).label == label


def test_every_family_has_members():
    members: List[str] = [o.name for o in OPERATORS if family_and_place(o) is not None]
    for family in load_families():
        assert any(normalize(name).startswith(family.prefixes[-1]) for name in members), family


@pytest.mark.parametrize("text, acronym", [("Au MNHN on prévoit une refonte", "MNHN"), ("slt, FranceAgriMer ici", "FranceAgriMer"),
                                           ("je suis à AgroParisTech", "AgroParisTech"),
                                           ("on est chez Canopé, on refond la boutique", "Canopé"),
                                           ("DSI de l'Inalco", "Inalco")])
def test_a_distinctive_unverified_acronym_written_as_usual_names_its_operator(text: str, acronym: str):
    operator = operator_named(text)
    assert operator is not None and operator.acronym == acronym


@pytest.mark.parametrize("text, acronym", [("je bosse à l'ign", "IGN"), ("chez vnf on refond", "VNF"),
                                           ("à l'ofb", "OFB")])
def test_a_three_letter_acronym_in_lower_case_names_its_operator(text: str, acronym: str):
    operator = operator_named(text)
    assert operator is not None and operator.acronym == acronym
