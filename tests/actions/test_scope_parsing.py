"""How the scope check reads free-text answers (entity type, yes/no, percentage)."""

import pytest

from actions.scope_parsing import (
    ADMINISTRATION_CENTRALE,
    AUTRE,
    COLLECTIVITE,
    OPERATEUR,
    SERVICE_DECONCENTRE,
    parse_entity_type,
    parse_new_project,
    parse_percentage,
)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("administration centrale", ADMINISTRATION_CENTRALE),
        ("je travaille dans un ministère", ADMINISTRATION_CENTRALE),
        ("Direction générale des finances publiques", ADMINISTRATION_CENTRALE),
        ("au secrétariat général du ministère", ADMINISTRATION_CENTRALE),
        ("direction generale des collectivites locales", ADMINISTRATION_CENTRALE),
        ("opérateur de l'État", OPERATEUR),
        ("un établissement public sous tutelle", OPERATEUR),
        ("établissement public sous tutelle du ministère de la Culture", OPERATEUR),
        ("je suis à l'université", OPERATEUR),
        ("mairie", COLLECTIVITE),
        ("une commune de 3000 habitants", COLLECTIVITE),
        ("conseil départemental du Gers", COLLECTIVITE),
        ("la région", COLLECTIVITE),
        ("Métropole de Lyon", COLLECTIVITE),
        ("une intercommunalité", COLLECTIVITE),
        ("collectivité territoriale", COLLECTIVITE),
        ("une entreprise privée", AUTRE),
        ("association loi 1901", AUTRE),
        ("autre", AUTRE),
        ("je ne suis pas dans un ministère, je suis dans une mairie", COLLECTIVITE),
        # a direction générale by its acronym, as written; « DGS » / « DGA » are also a commune's directors
        ("et si c'était la DGALN qui la portait ?", ADMINISTRATION_CENTRALE),
        ("le projet serait repris par la DGPR", ADMINISTRATION_CENTRALE),
        ("je suis DGS d'une commune de 8000 habitants", COLLECTIVITE),
        ("DGA de la région", COLLECTIVITE),
        # public hospitals are not in the PLF's list of operators; local public bodies go with collectivités
        ("DSI du CHU de Nantes", AUTRE),
        ("Centre hospitalier de Périgueux", AUTRE),
        ("un établissement public de santé", AUTRE),
        ("je suis au SDIS du Var", COLLECTIVITE),
        ("on est un CCAS", COLLECTIVITE),
        ("la communauté urbaine de Dunkerque", COLLECTIVITE),
        ("le CD 35", COLLECTIVITE),
        ("un établissement public territorial du Grand Paris", COLLECTIVITE),
    ],
)
def test_entity_type_keywords(text, expected):
    answer = parse_entity_type(text, requested=True)
    assert answer is not None and answer.entity_type == expected


@pytest.mark.parametrize(
    "text, operator_name",
    [
        ("je suis au CNRS", "CENTRE NATIONAL DE LA RECHERCHE SCIENTIFIQUE"),
        ("je suis au cnrs", "CENTRE NATIONAL DE LA RECHERCHE SCIENTIFIQUE"),
        ("à Météo-France", "METEO-FRANCE"),
        ("a meteo france", "METEO-FRANCE"),
        ("METEO FRANCE", "METEO-FRANCE"),
        ("je travaille à l'ADEME", "AGENCE DE L ENVIRONNEMENT ET DE LA MAITRISE DE L ENERGIE"),
        ("Agence nationale de l'habitat", "ANAH - Agence nationale de l'habitat"),
        ("la BnF", "BIBLIOTHEQUE NATIONALE DE FRANCE"),
        # a long name as people shorten it (without its last « et … »)
        ("Institut national de l'information géographique : on refond le Géoportail",
         "INSTITUT NATIONAL DE L'INFORMATION GEOGRAPHIQUE ET FORESTIERE"),
        ("l'Office national des anciens combattants", "OFFICE NATIONAL DES ANCIENS COMBATTANTS ET VICTIMES DE GUERRE"),
        ("et si c'était l'ARS Occitanie qui lançait ce projet ?", "AGENCE REGIONALE DE SANTE OCCITANIE"),
    ],
)
def test_operators_of_the_plf_list_by_name_or_acronym(text, operator_name):
    answer = parse_entity_type(text, requested=True)
    assert answer is not None
    assert answer.entity_type == OPERATEUR
    assert answer.operator is not None and answer.operator.name == operator_name


def test_recognised_operator_is_named_in_normal_case():
    answer = parse_entity_type("je suis au CNRS", requested=True)
    assert answer is not None and answer.operator is not None
    assert answer.operator.label == "Centre national de la recherche scientifique (CNRS)"


@pytest.mark.parametrize(
    "text",
    [
        "service déconcentré",
        "une préfecture",
        "la sous-préfecture de Lannion",
        "rectorat de l'académie de Lyon",
        "je suis à la DDT du Gers",
        "DDETS de la Somme",
        "à la DREAL Occitanie",
        "la DRAAF",
        "direction régionale de l'Insee",
        "direction départementale des territoires et de la mer",
        "l'ambassade de France au Japon",
        "je travaille dans une juridiction administrative",
        "au tribunal judiciaire de Lille",
        "préfecture de la région Bretagne",
        "services déconcentrés du ministère de l'Intérieur",
    ],
)
def test_services_deconcentres_are_recognised(text):
    answer = parse_entity_type(text, requested=True)
    assert answer is not None and answer.entity_type == SERVICE_DECONCENTRE


@pytest.mark.parametrize(
    "text",
    ["mairie de Nantes", "la ville de Lille", "conseil départemental de Loire-Atlantique", "région Normandie",
     "mairie de Metz, à côté du Crous"],
)
def test_a_place_never_turns_a_collectivite_into_an_operator(text):
    answer = parse_entity_type(text, requested=True)
    assert answer is not None and answer.entity_type == COLLECTIVITE and answer.operator is None


@pytest.mark.parametrize("text", ["depuis 10 ans", "Nantes", "à Lille", "n'importe quoi", "", "   ", "🙂"])
def test_unknown_entity_is_not_guessed(text):
    assert parse_entity_type(text, requested=True) is None


def test_short_other_answer_only_counts_when_asked():
    assert parse_entity_type("autre", requested=False) is None
    assert parse_entity_type("un autre projet", requested=True) is None


@pytest.mark.parametrize(
    "text", ["oui", "Oui !", "ouais", "yes", "tout à fait", "absolument", "bien sûr", "c'est ça", "exact",
             "oui, nouveau projet", "c'est un nouveau projet", "nouveau", "si"]
)
def test_yes_means_new_project(text):
    assert parse_new_project(text, requested=True) is True


@pytest.mark.parametrize(
    "text", ["non", "Non.", "nan", "pas du tout", "non, refonte de l'existant", "c'est une refonte",
             "ce n'est pas un nouveau projet", "une migration de l'existant", "une évolution"]
)
def test_no_means_existing_system(text):
    assert parse_new_project(text, requested=True) is False


@pytest.mark.parametrize("text", ["oui c'est une refonte", "bof", "peut-être", ""])
def test_unclear_or_contradictory_yes_no(text):
    assert parse_new_project(text, requested=True) is None


def test_bare_yes_is_ignored_when_the_question_was_not_asked():
    assert parse_new_project("oui", requested=False) is None
    assert parse_new_project("j'ai une nouvelle question", requested=False) is None
    assert parse_new_project("c'est un nouveau projet", requested=False) is True


@pytest.mark.parametrize(
    "text, value",
    [
        ("70 %", 70.0),
        ("70%", 70.0),
        ("70 pour cent", 70.0),
        ("70 pourcents", 70.0),
        ("70", 70.0),
        ("environ 60", 60.0),
        ("70,5 %", 70.5),
        ("la moitié", 50.0),
        ("les deux tiers", 200 / 3),
        ("un quart", 25.0),
        ("trois quarts", 75.0),
        ("un tiers", 100 / 3),
        ("la totalité", 100.0),
        ("soixante-dix pour cent", 70.0),
        ("quatre-vingt-dix", 90.0),
        ("0", 0.0),
        ("100 %", 100.0),
        ("plus de 50 %", 51.0),
        ("moins de 50 %", 49.0),
        ("au moins 60 %", 60.0),
        ("plus de la moitié", 51.0),
        ("moins de la moitié", 49.0),
        ("la refonte touche 80 % du SI", 80.0),
        # the share named is what is kept: the rest is rebuilt
        ("on garde seulement un tiers de l'existant, le reste est réécrit", 200 / 3),
        ("nous ne gardons que 40 %", 60.0),
        ("on conserve moins de 30 % de l'existant", 71.0),
        ("on refait 30 %, on garde le reste", 30.0),
        ("On refait de fond en comble l'outil de gestion des habilitations", 100.0),
    ],
)
def test_percentages(text, value):
    answer = parse_percentage(text, requested=True)
    assert answer.error is None
    assert answer.value == pytest.approx(value)


@pytest.mark.parametrize(
    "text, error",
    [
        ("150 %", "out_of_range"),
        ("-10 %", "out_of_range"),
        ("bof", "unparsable"),
        ("", "empty"),
        ("je ne sais pas", "unknown"),
        ("plus de 30 %", "ambiguous_range"),
        ("moins de 80 %", "ambiguous_range"),
        ("au moins 50 %", "ambiguous_range"),
    ],
)
def test_percentage_errors(text, error):
    assert parse_percentage(text, requested=True) == type(parse_percentage("", True))(error=error)


def test_bare_number_needs_the_question():
    assert parse_percentage("70", requested=False).value is None
    assert parse_percentage("refonte de 70 % de notre SI", requested=False).value == 70.0


@pytest.mark.parametrize("text", ["pile 50", "50 tout juste", "exactement 50", "juste 50"])
def test_an_exact_share_asked_for_is_read_with_its_exactness_words(text: str) -> None:
    assert parse_percentage(text, requested=True).value == 50.0


def test_exactness_words_alone_do_not_make_a_share_of_a_number_said_in_passing() -> None:
    assert parse_percentage("pile 50", requested=False).value is None


@pytest.mark.parametrize("text", ["nouveau projet de plateforme de phénotypage, rien d'existant",
                                  "on crée un nouvel outil, sans existant à reprendre"])
def test_no_existing_system_said_with_rien_or_sans_is_a_new_project(text: str) -> None:
    assert parse_new_project(text, requested=False) is True


@pytest.mark.parametrize("text, share", [("les 3/4 à peu près", 75.0), ("2/3", 200 / 3),
                                         ("on refait totalement la billetterie", 100.0)])
def test_a_share_written_as_a_fraction_or_totalement(text: str, share: float) -> None:
    assert parse_percentage(text, requested=True).value == pytest.approx(share)


def test_a_date_is_not_a_fraction() -> None:
    assert parse_percentage("le 12/2024", requested=True).value is None


@pytest.mark.parametrize("text", ["et pour une asso culturelle qui n'est pas dans la liste des opérateurs ?",
                                  "on est une asso"])
def test_an_association_that_says_it_is_no_operator_is_outside(text: str) -> None:
    answer = parse_entity_type(text, requested=False)
    assert answer is not None and answer.entity_type == "autre"


def test_univ_names_the_university() -> None:
    answer = parse_entity_type("univ de limoges, refonte de l'ENT à 60 %", requested=False)
    assert answer is not None and answer.operator is not None and answer.operator.name == "UNIVERSITE DE LIMOGES"
