"""Understand free-text answers to the scope check: entity type, new project (yes/no), rebuild share.

Everything here is pure and deterministic, so that « je suis au CNRS », « non c'est une refonte » or
« les deux tiers » are understood the same way whatever the NLU model predicted. Two modes:
- ``requested=True``: the text answers the question just asked, short answers are accepted
  (« oui », « 70 », « autre »);
- ``requested=False``: only unambiguous phrases are used (« c'est un nouveau projet », « 70 % »,
  « ministère »), e.g. to pre-fill the check from « je suis dans un ministère et c'est un nouveau
  projet, suis-je concerné ? ».
"""

import re
from dataclasses import dataclass
from typing import Iterable, List, Optional, Tuple

from actions.operators import Operator, find_operator
from actions.text_normalization import contains_phrase, normalize

ADMINISTRATION_CENTRALE = "administration_centrale"
OPERATEUR = "operateur"
SERVICE_DECONCENTRE = "service_deconcentre"
COLLECTIVITE = "collectivite"
AUTRE = "autre"
ENTITY_TYPES = (ADMINISTRATION_CENTRALE, OPERATEUR, SERVICE_DECONCENTRE, COLLECTIVITE, AUTRE)

# The State's services outside Paris, embassies and courts: the FAQ does not settle their case.
# Checked before the other keywords: « la préfecture du département », « direction régionale de l'Insee ».
_SERVICE_DECONCENTRE_KEYWORDS = (
    "service deconcentre", "services deconcentres", "deconcentre", "deconcentree", "deconcentres",
    "administration deconcentree", "administration territoriale de l etat", "prefecture", "prefectures",
    "sous prefecture", "sous prefectures", "prefet", "sgar", "sgami", "rectorat", "rectorats",
    "region academique", "services academiques", "inspection academique", "dsden", "ddt", "ddtm", "ddets",
    "ddetspp", "ddpp", "ddcs", "ddfip", "drfip", "dreal", "draaf", "drac", "dreets", "drajes", "drieat",
    "drieets", "drihl", "dirm", "direction departementale", "directions departementales",
    "direction regionale", "directions regionales", "direction interdepartementale",
    "direction interregionale", "ambassade", "ambassades", "consulat", "consulats", "juridiction",
    "juridictions", "tribunal", "tribunaux", "cour d appel", "cour administrative d appel",
)

# Checked in this order: a named operator or « sous tutelle » wins over the ministry it belongs to,
# a ministry wins over the territorial word it may contain (« direction générale des collectivités »).
_ENTITY_KEYWORDS: Tuple[Tuple[str, Tuple[str, ...]], ...] = (
    (
        OPERATEUR,
        (
            "operateur", "operateurs", "operatrice", "operateur de l etat", "etablissement public",
            "etablissements publics", "sous tutelle", "sous la tutelle", "organisme sous tutelle",
            "organisme public", "universite", "universites", "univ", "epic", "epa", "epscp",
        ),
    ),
    (
        ADMINISTRATION_CENTRALE,
        (
            "administration centrale", "administrations centrales", "ministere", "ministeres",
            "ministeriel", "ministerielle", "direction generale", "secretariat general",
            "direction interministerielle", "delegation interministerielle", "service a competence nationale",
            "premier ministre", "matignon", "bercy", "dgfip", "dgddi", "dgcl", "dgos", "insee",
            "sgdsn", "dae", "direction des achats de l etat",
            "min de l", "min de la", "min des", "min du", "cabinet du ministre", "cabinet ministeriel",
            "direction d administration centrale", "directions d administration centrale", "dac",
            "sous direction", "en centrale", "administration de tutelle", "meae", "minarm", "mte", "mtect", "masa",
            "menj", "mesr", "mefsin", "dgac", "dgsi", "dnum", "sg du ministere", "secretariat general du",
        ),
    ),
    (
        COLLECTIVITE,
        (
            "collectivite", "collectivites", "collectivite territoriale", "collectivites territoriales",
            "collectivite locale", "collectivites locales", "territoriale", "mairie", "mairies", "commune",
            "communes", "municipalite", "ville de", "departement", "departements", "conseil departemental",
            "conseils departementaux", "region", "regions", "conseil regional", "conseils regionaux", "metropole",
            "metropoles", "intercommunalite", "intercommunalites", "intercommunal", "intercommunale",
            "communaute de communes", "communautes de communes", "communaute d agglomeration", "agglomeration",
            "agglo", "epci", "syndicat mixte", "village", "hotel de ville", "conseil municipal",
        ),
    ),
    (
        AUTRE,
        (
            "entreprise", "societe", "association", "asso", "assos", "prive", "privee", "start up", "startup",
            "prestataire", "presta", "esn", "ssii", "editeur", "particulier", "citoyen", "fondation", "pme", "tpe",
            "cabinet de conseil", "bureau d etudes", "consultant", "consultante", "freelance", "integrateur",
            "sous traitant", "titulaire du marche", "boite privee", "entreprise privee", "societe privee", "boite",
        ),
    ),
)
# Public hospitals (établissements publics de santé) are not in the PLF's list of State operators: « autre »,
# checked before the operator's words (« établissement public de santé »); an ARS named is still an operator.
_HEALTH_ESTABLISHMENTS = (
    "hopital", "hopitaux", "chu", "chru", "chr", "centre hospitalier", "centres hospitaliers", "ght",
    "groupement hospitalier", "groupe hospitalier", "etablissement de sante", "etablissements de sante",
    "etablissement public de sante", "etablissements publics de sante", "ap hp", "aphp", "hospices civils",
    "clinique", "ehpad",
)
# Local public bodies attached to collectivités (SDIS, CCAS, établissements publics territoriaux…) are read as
# collectivités: the FAQ's answer for local government (A2) is the one that fits them, not the operators'. They are
# checked before the operators' words (« établissement public territorial »).
_LOCAL_PUBLIC_BODIES = (
    "etablissement public territorial", "etablissements publics territoriaux", "sdis",
    "service departemental d incendie", "services departementaux d incendie", "ccas", "cias",
    "centre communal d action sociale", "centre intercommunal d action sociale", "centre de gestion",
    "centres de gestion", "office public de l habitat", "caisse des ecoles", "etablissement public local",
    "etablissements publics locaux", "communaute urbaine", "communautes urbaines", "syndicat intercommunal",
    "pole metropolitain", "conseil territorial", "assemblee de corse", "collectivite de corse",
)
_DEPARTMENT_COUNCIL = re.compile(r"\bcd ?(\d{2,3}|2a|2b)\b")


def names_a_local_public_body(normalized_text: str) -> bool:
    """« SDIS », « CCAS », « CD 35 », « établissement public territorial »…: part of local government."""
    return _mentions(normalized_text, _LOCAL_PUBLIC_BODIES) or _DEPARTMENT_COUNCIL.search(normalized_text) is not None


def names_a_health_establishment(normalized_text: str) -> bool:
    """« CHU », « centre hospitalier », « hôpital »…: a public hospital, which the FAQ does not cite."""
    return _mentions(normalized_text, _HEALTH_ESTABLISHMENTS)


# « la DGALN », « à la DGPR »: a direction générale of a ministry, named by its acronym as written.
# « DGS » and « DGA » are also the titles of a collectivité's directors (directeur général des services, adjoint).
_DIRECTION_GENERALE_ACRONYM = re.compile(r"\bDG(?!S\b|A\b|ST\b)[A-Z]{1,6}\b")
# Words that mean « the fourth choice » only when they are the whole answer to the question.
_OTHER_SHORT_ANSWERS = ("autre", "autres", "aucun", "aucune", "ni l un ni l autre", "autre chose")
_COLLECTIVITE_KEYWORDS = dict(_ENTITY_KEYWORDS)[COLLECTIVITE]
_NEGATIONS = ("pas", "ni", "plus", "jamais", "non", "rien", "aucun", "aucune", "sans")


# « une asso culturelle qui n'est pas dans la liste des opérateurs »: the operators named to say one is not one.
_NOT_IN_THE_OPERATORS_LIST = re.compile(
    r"\b(n est|ne sont|ne figure|ne figurent|ne fait|ne font|pas|hors)( pas| plus)?( partie)?( de| dans| sur)?"
    r"( la| une)? (liste|annexe|jaune)( budgetaire)? des operateurs( de l etat)?\b")


@dataclass(frozen=True)
class EntityAnswer:
    """The entity type understood, and the operator of the PLF annex when one was named."""

    entity_type: str
    operator: Optional[Operator] = None


def _negated(normalized_text: str, phrase: str) -> bool:
    """True when every occurrence of ``phrase`` follows a negation a few words before it."""
    words = normalized_text.split()
    phrase_words = phrase.split()
    found_positive = False
    for index in range(len(words) - len(phrase_words) + 1):
        if words[index : index + len(phrase_words)] != phrase_words:
            continue
        window = words[max(0, index - 4) : index]
        if not any(word in _NEGATIONS for word in window):
            found_positive = True
    return not found_positive


def _mentions(normalized_text: str, phrases: Iterable[str]) -> bool:
    return any(
        contains_phrase(normalized_text, phrase) and not _negated(normalized_text, phrase) for phrase in phrases
    )


# « une ESN qui travaille pour le ministère », « association financée par un ministère »: the State is the
# client or the funder, not the organisation the person works in.
_WORKS_FOR = re.compile(
    r"\b(pour|au profit (de|du|des)|pour le compte (de|du|des)|aupres (de|du|des)|clients?( de| du| des)?"
    r"|prestataires?( de| du| des)?|sous traitants?( de| du| des)?|titulaires? (du|d un) marche( de| du| des)?"
    r"|financee?s?( a \d+ %)? par|subventionnee?s?( a \d+ %)? par|avec|appels? d offres?( du| de la| des| de l)?"
    r"|subventions? (ministeriel\w*|de l etat|du ministere|des ministeres)"
    r"|vend\w*( (nos|des|ses|un|une|nos propres))? (\w+ ){0,5}(a|aux|au)"
    r"|marches? publics?( du| de la| des| de l)?)( (?!et\b|on\b|nous\b|qui\b)\w+){1,6}"
)


_ROLE = re.compile(r"^(prestataires?|sous traitants?|titulaires? (du|d un) marche)")


def _role(phrase: str) -> str:
    role = _ROLE.match(phrase)
    return role.group(0).replace("titulaires", "titulaire").replace("d un marche", "du marche") if role else ""


_CLIENT = re.compile(
    r"\b(clients?|au profit|pour le compte|(realise\w*|travaill\w*|intervien\w*|developp\w*|prestations?|missions?"
    r"|fai\w*|fais\w*|men\w*|conduis\w*|livr\w*|code\w*|construi\w*|heberg\w*) pour|vend\w*)\b"
)


def names_the_state_as_client(normalized: str) -> bool:
    """« les projets qu'on réalise pour nos clients ministères »: the State named as whom one works for."""
    state = _mentions(normalized, dict(_ENTITY_KEYWORDS)[ADMINISTRATION_CENTRALE]) or find_operator(normalized)
    return bool(state) and _CLIENT.search(normalized) is not None


def works_for_the_state(normalized: str) -> bool:
    """The message names a private or associative structure, and the State only as its client or funder."""
    other_words = dict(_ENTITY_KEYWORDS)[AUTRE]
    if not _mentions(normalized, other_words):
        return False
    # Keep the role a phrase gives (« prestataire du CNRS » still says « prestataire »), drop whom it serves.
    remainder = _WORKS_FOR.sub(lambda match: f" {_role(match.group(0))} ", normalized)
    return remainder != normalized and _mentions(remainder, other_words) and find_operator(remainder) is None \
        and not _mentions(remainder, dict(_ENTITY_KEYWORDS)[ADMINISTRATION_CENTRALE])


_ARTICLE = (r"(?:un|une|le|la|l|les|des|du|au|aux|chez|en|dans|a|notre|nos|mon|ma|leur|etait|etions|serait|serions"
            r"|devenait|devenions|etre|places?|placee?s?)")


def names_an_entity(text: str, answer: EntityAnswer) -> bool:
    """The entity is named as one (« et si c'était une association ? », « et pour la préfecture ? »), not a
    word of another hypothesis (« et si on change de prestataire ? »)."""
    if answer.operator is not None:
        return True
    normalized = normalize(text)
    if answer.entity_type == ADMINISTRATION_CENTRALE and re.search(
            rf"(?<!\w){_ARTICLE} dg[a-z]{{1,6}}\b", normalized) and _DIRECTION_GENERALE_ACRONYM.search(text):
        return True
    phrases = dict(_ENTITY_KEYWORDS).get(answer.entity_type, ()) + (
        _SERVICE_DECONCENTRE_KEYWORDS if answer.entity_type == SERVICE_DECONCENTRE else ()) + (
        _HEALTH_ESTABLISHMENTS if answer.entity_type == AUTRE else ()) + (
        _LOCAL_PUBLIC_BODIES if answer.entity_type == COLLECTIVITE else ())
    return any(re.search(rf"(?<!\w){_ARTICLE} {re.escape(phrase)}(?!\w)", normalized) for phrase in phrases)


def parse_entity_type(text: str, requested: bool) -> Optional[EntityAnswer]:
    """Entity type named in ``text``; an operator of the PLF 2025 list is recognised by name or acronym.

    Order: an operator named by its name or acronym; a service déconcentré; an operator named by its
    family and place (« Crous de Nantes »), unless a collectivité is named too (« mairie de Nantes »
    never names the Crous); a public hospital (« autre ») or a local public body (« collectivité »); then
    the keywords of each type; last, a direction générale named by its acronym (« la DGALN »).
    """
    normalized = normalize(text)
    if not normalized:
        return None
    if normalized.replace(" ", "_") in ENTITY_TYPES and (requested or normalized != AUTRE):
        return EntityAnswer(normalized.replace(" ", "_"))
    if works_for_the_state(normalized):
        return EntityAnswer(AUTRE)
    normalized = _NOT_IN_THE_OPERATORS_LIST.sub(" ", normalized)  # « une asso qui n'est pas dans la liste des… »
    match = find_operator(text)
    if match is not None and match.operator is not None and not match.by_place:
        return EntityAnswer(OPERATEUR, match.operator)
    if _mentions(normalized, _SERVICE_DECONCENTRE_KEYWORDS):
        return EntityAnswer(SERVICE_DECONCENTRE)
    if match is not None and not _mentions(normalized, _COLLECTIVITE_KEYWORDS):
        return EntityAnswer(OPERATEUR, match.operator)
    if names_a_health_establishment(normalized):
        return EntityAnswer(AUTRE)
    if names_a_local_public_body(normalized):
        return EntityAnswer(COLLECTIVITE)
    for entity_type, phrases in _ENTITY_KEYWORDS:
        if _mentions(normalized, phrases):
            return EntityAnswer(entity_type)
    if _DIRECTION_GENERALE_ACRONYM.search(text):
        return EntityAnswer(ADMINISTRATION_CENTRALE)
    if requested and normalized in _OTHER_SHORT_ANSWERS:
        return EntityAnswer(AUTRE)
    return None


# --- new project: yes / no -------------------------------------------------------------------------

_YES = (
    "oui", "ouais", "ouai", "ouep", "yes", "yep", "si", "exact", "exactement", "tout a fait", "absolument",
    "bien sur", "effectivement", "affirmatif", "c est ca", "c est bien ca", "evidemment", "certainement",
    "d accord", "ok", "okay", "carrement", "tout a fait", "oui oui",
)
_NO = ("non", "nan", "no", "nope", "pas du tout", "absolument pas", "negatif", "pas vraiment", "aucunement")
# Phrases that settle the question on their own, even when it was not asked yet.
_NEW_PROJECT_PHRASES = (
    "nouveau projet", "projet nouveau", "nouvelle application", "nouveau service", "nouveau systeme",
    "nouveau si", "projet neuf", "tout nouveau", "toute nouvelle", "creation", "from scratch",
    "nouvel outil", "nouvelle appli", "nouvelle plateforme", "nouveau logiciel", "nouveau site", "nouveau portail",
    "nouveau teleservice", "nouvelle solution", "nouveau produit", "nouvelle base", "nouveau dispositif",
    "partir de zero", "part de zero", "de zero", "rien d existant", "n existe pas encore", "on cree", "creer",
    "tout neuf", "toute neuve", "projet tout neuf", "c est nouveau", "c est neuf", "il est nouveau", "est nouveau",
    "un projet neuf", "une creation", "developper une", "developper un", "on developpe", "nous developpons",
    "concevoir", "on concoit", "construire une", "construire un", "on construit", "mettre en place une",
    "mettre en place un", "on met en place", "on lance un", "on lance une", "lancer un", "lancer une",
    "nouveaux", "nouvelles", "entierement nouvelle", "entierement nouveau", "completement nouvelle",
    "completement nouveau", "appli nouvelle", "application nouvelle", "outil nouveau", "nous creons", "creons un",
    "creons une", "nous lancons un", "nous lancons une", "lancons un", "lancons une", "on demarre un",
    "on demarre une", "nous demarrons un", "nous demarrons une", "rien n existait", "n existait pas", "rien n existe",
    "partir de rien", "part de rien", "on avait rien", "on n avait rien", "nous n avions rien",
)
_EXISTING_SYSTEM_PHRASES = (
    "refonte", "refondre", "existant", "existante", "migration", "migrer", "modernisation", "reecriture",
    "refond", "refondons", "refondent", "refondu", "refondue", "on refait", "refaire", "refait", "modernise",
    "faire evoluer", "fait evoluer", "faisons evoluer",
    "modernisons", "moderniser", "migre", "migrons", "reecrit", "reecrire", "evolution majeure", "ancien systeme",
    "ancienne application", "application actuelle", "systeme actuel", "notre si actuel",
)
# Looser words, only trusted as an answer to « s'agit-il d'un nouveau projet ? ».
_NEW_PROJECT_ANSWERS = ("nouveau", "nouvelle", "neuf", "neuve")
_EXISTING_SYSTEM_ANSWERS = ("evolution", "moderniser", "remplacement", "remplacer", "reecrire", "mise a jour")
_NOT_NEW_PHRASES = (
    "pas nouveau", "pas un nouveau", "pas une nouvelle", "pas tout nouveau", "n est pas nouveau",
    "pas de nouveau", "pas une creation", "pas neuf",
)


def parse_new_project(text: str, requested: bool) -> Optional[bool]:
    """True for a new project, False for work on an existing system, None when unclear or contradictory."""
    normalized = normalize(text)
    if not normalized:
        return None
    says_not_new = any(contains_phrase(normalized, phrase) for phrase in _NOT_NEW_PHRASES)
    says_new = not says_not_new and _mentions(normalized, _NEW_PROJECT_PHRASES)
    says_existing = says_not_new or _mentions(normalized, _EXISTING_SYSTEM_PHRASES)
    if requested:
        says_new = says_new or (not says_not_new and _mentions(normalized, _YES + _NEW_PROJECT_ANSWERS))
        says_existing = says_existing or any(
            contains_phrase(normalized, phrase) for phrase in _NO + _EXISTING_SYSTEM_ANSWERS
        )
    if says_new == says_existing:
        return None
    return says_new


# --- share of the existing system being rebuilt ------------------------------------------------------

_UNITS = {
    "zero": 0, "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7,
    "huit": 8, "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14, "quinze": 15,
    "seize": 16,
}
_TENS = {"vingt": 20, "vingts": 20, "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60}
_NUMBER_WORDS = set(_UNITS) | set(_TENS) | {"et", "cent", "cents", "quatre"}

_FRACTIONS: Tuple[Tuple[str, float], ...] = (
    ("trois quarts", 75.0), ("trois quart", 75.0), ("deux tiers", 200 / 3), ("un tiers", 100 / 3),
    ("un quart", 25.0), ("la moitie", 50.0), ("moitie", 50.0), ("la totalite", 100.0), ("totalite", 100.0),
    ("entierement", 100.0), ("integralement", 100.0), ("tout le systeme", 100.0), ("en totalite", 100.0),
    ("cent pour cent", 100.0), ("refonte totale", 100.0), ("refonte complete", 100.0), ("de a a z", 100.0),
    ("completement", 100.0), ("integrale", 100.0), ("quasi totalite", 95.0), ("quasi tout", 95.0),
    ("presque tout", 95.0), ("quasiment tout", 95.0), ("la quasi totalite", 95.0), ("refaisait tout", 100.0),
    ("refaire tout", 100.0), ("tout refaire", 100.0), ("refait tout", 100.0), ("tout refait", 100.0),
    ("refondait tout", 100.0), ("tout refondre", 100.0), ("de fond en comble", 100.0), ("on refait tout", 100.0),
    ("on refond tout", 100.0), ("refonte globale", 100.0), ("refonte integrale", 100.0), ("totalement", 100.0),
)
_DONT_KNOW = ("je ne sais pas", "je sais pas", "sais pas", "aucune idee", "ne sais pas", "inconnu", "nsp")

GREATER = ">"
GREATER_OR_EQUAL = ">="
LESS = "<"
LESS_OR_EQUAL = "<="
EQUAL = "="
_COMPARATORS: Tuple[Tuple[str, str], ...] = (
    ("plus de", GREATER), ("plus que", GREATER), ("superieur a", GREATER), ("superieure a", GREATER),
    ("depasse", GREATER), ("depasser", GREATER), ("depassait", GREATER), ("au dessus de", GREATER),
    ("au dela de", GREATER), ("au moins", GREATER_OR_EQUAL), ("minimum", GREATER_OR_EQUAL),
    ("moins de", LESS), ("moins que", LESS), ("inferieur a", LESS), ("inferieure a", LESS),
    ("en dessous de", LESS), ("au plus", LESS_OR_EQUAL), ("au maximum", LESS_OR_EQUAL),
    ("maximum", LESS_OR_EQUAL), ("pas plus de", LESS_OR_EQUAL),
)


@dataclass(frozen=True)
class PercentageAnswer:
    """A share of the existing system, or the reason it could not be used.

    ``value`` is what the slot stores. For a range answer (« plus de 50 % ») it is the nearest whole
    percentage on the stated side of the bound: only its side of 50 % matters for the rule.
    ``error`` is one of: ``empty``, ``unparsable``, ``out_of_range``, ``ambiguous_range``, ``unknown``.
    """

    value: Optional[float] = None
    error: Optional[str] = None


def _words_to_number(words: List[str]) -> Optional[int]:
    """« soixante dix » → 70, « quatre vingt quinze » → 95, « cent » → 100; None if not a number."""
    if not words or any(word not in _NUMBER_WORDS for word in words):
        return None
    total = 0
    current = 0
    index = 0
    while index < len(words):
        word = words[index]
        if word in ("cent", "cents"):
            current = (current or 1) * 100
        elif word == "quatre" and index + 1 < len(words) and words[index + 1] in ("vingt", "vingts"):
            current += 80
            index += 1
        elif word in _TENS:
            current += _TENS[word]
        elif word in _UNITS:
            current += _UNITS[word]
        index += 1
    total += current
    return total


_PERCENT_NUMBER = re.compile(r"(-?\d{1,4}(?:[.,]\d+)?)\s*(?:%|pour ?cents?|pourcents?|pct)")
_BARE_NUMBER = re.compile(
    r"^(?:environ |à peu près |a peu pres |approximativement |presque |près de |pres de |~ ?)?(-?\d{1,4}(?:[.,]\d+)?)$"
)

# « les 3/4 », « 2/3 de l'appli »: a fraction in digits (not a date such as « 12/2024 »).
_DIGIT_FRACTION = re.compile(r"(?<![\d/])([1-9]) ?/ ?([2-9]|10)(?![\d/])")
# « pile 50 », « 50 tout juste »: words that only say the number is exact.
_EXACTLY = re.compile(r"\b(pile poil|pile|tout juste|exactement|précisément|precisement|juste)\b")


def _number_from_text(raw: str, normalized: str, requested: bool) -> Tuple[Optional[float], str]:
    """First number given as a percentage (digits, words, fractions) and the normalised text before it."""
    flat = raw.lower().replace("\u202f", " ").replace("\xa0", " ")
    match = _PERCENT_NUMBER.search(flat)
    if match:
        return float(match.group(1).replace(",", ".")), normalize(flat[: match.start()])
    fraction = _DIGIT_FRACTION.search(flat)
    if fraction and int(fraction.group(1)) < int(fraction.group(2)):
        return 100.0 * int(fraction.group(1)) / int(fraction.group(2)), normalize(flat[: fraction.start()])
    for phrase, value in _FRACTIONS:
        if contains_phrase(normalized, phrase):
            return value, normalized[: normalized.find(phrase)].strip()
    words = normalized.split()
    for start in range(len(words)):
        for end in range(len(words), start, -1):
            number = _words_to_number(words[start:end])
            followed_by_percent = words[end : end + 2] == ["pour", "cent"] or words[end : end + 1] == ["%"]
            if number is not None and (followed_by_percent or (requested and end - start == len(words))):
                return float(number), " ".join(words[:start])
    if requested:
        bare = _BARE_NUMBER.match(" ".join(_EXACTLY.sub(" ", flat).split()).rstrip("%").strip())
        if bare:
            return float(bare.group(1).replace(",", ".")), ""
    return None, ""


def _comparator_before(prefix: str) -> str:
    """Comparator phrase ending the text before the number: « plus de » 60 %, « au moins » 70 %."""
    for phrase, comparator in sorted(_COMPARATORS, key=lambda item: -len(item[0])):
        if re.search(rf"(?<!\w){re.escape(phrase)}(?: (?:la|le|l|les|environ))?$", prefix):
            return comparator
    return EQUAL


def _without_comparator(prefix: str) -> str:
    """The text before the number without the comparator that ends it (« on garde moins de » → « on garde »)."""
    for phrase, _ in sorted(_COMPARATORS, key=lambda item: -len(item[0])):
        match = re.search(rf"(?<!\w){re.escape(phrase)}(?: (?:la|le|l|les|environ))?$", prefix)
        if match:
            return prefix[: match.start()].strip()
    return prefix.strip()


def _resolve_range(value: float, comparator: str) -> PercentageAnswer:
    """Turn « plus de 60 % » into a usable value, or say the answer does not settle the 50 % rule."""
    if comparator == EQUAL:
        return PercentageAnswer(value)
    if comparator == GREATER and value >= 50:
        return PercentageAnswer(min(100.0, float(int(value) + 1)))
    if comparator == GREATER_OR_EQUAL and value > 50:
        return PercentageAnswer(value)
    if comparator == LESS and value <= 50:
        return PercentageAnswer(max(0.0, float(int(value) - 1) if value == int(value) else float(int(value))))
    if comparator == LESS_OR_EQUAL and value <= 50:
        return PercentageAnswer(value)
    return PercentageAnswer(error="ambiguous_range")


# « on garde seulement un tiers de l'existant, le reste est réécrit »: the share named is what is kept.
_KEPT_BEFORE = re.compile(
    r"\b(on|nous|je) (ne )?(gard\w*|conserv\w*|reprend\w* tel quel|laiss\w*)( (seulement|que|uniquement|juste"
    r"|environ|a peu pres|grosso modo))*$"
)
_FLIPPED = {GREATER: LESS, LESS: GREATER, GREATER_OR_EQUAL: LESS_OR_EQUAL, LESS_OR_EQUAL: GREATER_OR_EQUAL,
            EQUAL: EQUAL}


def parse_percentage(text: str, requested: bool) -> PercentageAnswer:
    """Share (0–100) of the existing system being rebuilt, read from the raw text (the rest of what is kept
    when the message names the share kept)."""
    normalized = normalize(text)
    if not normalized:
        return PercentageAnswer(error="empty")
    value, prefix = _number_from_text(text, normalized, requested)
    if value is None:
        if any(contains_phrase(normalized, phrase) for phrase in _DONT_KNOW):
            return PercentageAnswer(error="unknown")
        majority = ("la majorite", "majeure partie", "l essentiel", "plus de la moitie")
        minority = ("une petite partie", "minorite", "moins de la moitie", "une partie minoritaire")
        if any(contains_phrase(normalized, phrase) for phrase in majority):
            return PercentageAnswer(51.0)
        if any(contains_phrase(normalized, phrase) for phrase in minority):
            return PercentageAnswer(49.0)
        return PercentageAnswer(error="unparsable")
    if value < 0 or value > 100:
        return PercentageAnswer(error="out_of_range")
    comparator = _comparator_before(prefix)
    kept = _KEPT_BEFORE.search(_without_comparator(prefix))
    if kept:
        return _resolve_range(100.0 - value, _FLIPPED[comparator])
    return _resolve_range(value, comparator)
