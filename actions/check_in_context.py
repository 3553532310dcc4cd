"""The scope check in a conversation: a what-if after a verdict (« et si c'était 60 % ? »), a situation told in
one message (« Au CNRS on refond 70 % de notre SI »), and what the FAQ says of the perimeter for an organisation
someone names (« le CNES est-il soumis à la doctrine ? », « et les hôpitaux ? »).
"""

import re
from typing import Any, Dict, Optional

from actions.faq_decision import FaqDecision
from actions.followup_reading import (
    CHECK,
    CONCERNED,
    FAQ,
    FIRST_PERSON,
    NOT_ORGANISATIONS,
    OTHER_ENTITY,
    RESPONSE,
    WHAT_IF,
    Context,
    Reply,
    is_elliptical,
    question_part,
    topic_named_in,
)
from actions.scope_answers import (
    ENTITY_TYPE,
    NEW_PROJECT,
    ORGANISATION,
    REFACTOR_PERCENTAGE,
    read_scope_answer,
)
from actions.scope_parsing import (
    ADMINISTRATION_CENTRALE,
    AUTRE,
    COLLECTIVITE,
    OPERATEUR,
    SERVICE_DECONCENTRE,
    EntityAnswer,
    names_a_health_establishment,
    names_an_entity,
    names_the_state_as_client,
    parse_entity_type,
    parse_percentage,
)
from actions.text_normalization import normalize

# --- the scope check in context ---------------------------------------------------------------------------

def _check_answers(last_check: Dict[str, Any]) -> Dict[str, Any]:
    return {name: last_check.get(name) for name in (ENTITY_TYPE, ORGANISATION, NEW_PROJECT, REFACTOR_PERCENTAGE)}


def changed_answers(previous: Dict[str, Any], change: Dict[str, Any]) -> Dict[str, Any]:
    """The previous answers with the ones a what-if changes; an answer the change makes meaningless is
    dropped (a new project has no share rebuilt, another entity has no operator name)."""
    answers = dict(previous)
    if ENTITY_TYPE in change:
        answers[ENTITY_TYPE] = change[ENTITY_TYPE]
        answers[ORGANISATION] = change.get(ORGANISATION)
    if change.get(NEW_PROJECT) is True:
        answers[NEW_PROJECT], answers[REFACTOR_PERCENTAGE] = True, None
    elif REFACTOR_PERCENTAGE in change:
        answers[NEW_PROJECT], answers[REFACTOR_PERCENTAGE] = False, change[REFACTOR_PERCENTAGE]
    elif change.get(NEW_PROJECT) is False:
        answers[NEW_PROJECT] = False
        if previous.get(NEW_PROJECT) is True:
            answers[REFACTOR_PERCENTAGE] = None
    return answers


# « et à », « et si c'était »… before a bare number, on the raw text (« 50,5 » keeps its decimal comma).
_WHAT_IF_OPENING = re.compile(r"^(et |mais )?(si |avec |à |a |pour )?(c['’ ]?[ée]tait |on [ée]tait |on est )?")


def _what_if_reading(text: str, last_check: Dict[str, Any]) -> Dict[str, Any]:
    """The answers a what-if gives; a bare number counts as the share when the verdict rested on one."""
    reading = read_scope_answer(text, None, {}).slots
    entity = parse_entity_type(text, requested=False) if ENTITY_TYPE in reading else None
    if entity is not None and (not names_an_entity(text, entity) or _OTHER_HYPOTHESIS.search(normalize(text))):
        # « et si on change de prestataire ? » is another hypothesis, not « et si c'était un prestataire ? »
        reading.pop(ENTITY_TYPE, None)
        reading.pop(ORGANISATION, None)
    if REFACTOR_PERCENTAGE not in reading and last_check.get(REFACTOR_PERCENTAGE) is not None:
        share = parse_percentage(_WHAT_IF_OPENING.sub("", text.lower().strip()).rstrip(" ?!.…"), requested=True)
        if share.value is not None:
            reading[REFACTOR_PERCENTAGE] = share.value
            reading.setdefault(NEW_PROJECT, False)
    return reading


# « pour un nouveau projet », « pour tout projet »: a project in general, not the person's own.
_ANY_PROJECT = re.compile(
    r"\b(pour|dans|avec|sur) (un|une|tout|toute|tous les|toutes les|les|des|chaque)"
    r" (nouveaux?|nouvelles?|projets?)\b")
# A hypothesis said as one (not « et pour la SREN ? »): a what-if even a few questions after the verdict.
_HYPOTHESIS = re.compile(r"^(et |mais |ok |alors |donc |bon )*(si|imaginons|supposons|admettons|dans le cas ou)\b")
# « les données de nos clients ministères sont sensibles, … ? »: a question on their data, not on who one is.
_ABOUT_DATA = re.compile(
    r"\b(sensib\w*|qualif\w*|secnum\w*|snc|securite|diffusion restreinte|confidenti\w*|classifi\w*|secrets?"
    r"|souverain\w*|de confiance|critiques?|strategiques?|donnees de sante|hds|personnelles|nominatives?|anssi"
    r"|heberg\w*|donnees)\b"
)
# Words that make a message about data or hosting even when it names an organisation (« le ministère nous confie
# des données… »): narrower than _ABOUT_DATA, so that « et si c'était la sécurité civile ? » stays a what-if.
_DATA_OR_HOSTING = re.compile(
    r"\b(sensib\w*|qualif\w*|secnum\w*|snc|diffusion restreinte|confidenti\w*|classifi\w*|donnees|heberg\w*)\b")


def speaks_of_data(text: str) -> bool:
    """« les données de nos clients ministères sont-elles sensibles ? »: a question on data or hosting."""
    return _DATA_OR_HOSTING.search(normalize(text)) is not None


# « et si on change de prestataire ? », « et si l'éditeur du SaaS est américain ? »: the provider, not oneself.
_OTHER_HYPOTHESIS = re.compile(
    r"\bchang\w* d(e|u|es) (prestataires?|fournisseurs?|editeurs?|societes?|hebergeurs?)\b"
    r"|\b(editeurs?|prestataires?|presta|fournisseurs?|hebergeurs?|societes?|entreprises?)"
    r" (du|de la|de l|des|de notre|de nos)"
    r" (saas|solution|logiciel|cloud|service|offre|application|appli|outil|plateforme)s?\b"
    r"|\b(americain|americaine|etranger|etrangere|chinois|chinoise|extra europeen\w*|non europeen\w*)s?\b")
# Entities whose verdict does not depend on the project.
_ENTITY_ONLY_VERDICTS = (COLLECTIVITE, SERVICE_DECONCENTRE, AUTRE)


# « et les opérateurs en général ? », « et nos établissements sous tutelle ? »: a kind of organisation, not a
# what-if on one's own (« et si c'était un opérateur ? »).
_IN_GENERAL = re.compile(
    r"\b(en general|de (maniere|facon) generale|globalement|dans l ensemble|en regle generale)\b"
    r"|^(et |mais |quid )?(pour |de |chez )?(les|nos|des|leurs|ses|tous les|toutes les) "
)


def _entity_in_general(text: str, normalized: str, change: Dict[str, Any], unchanged: bool) -> Optional[Reply]:
    """After a verdict, a kind of organisation asked about in general (or the same as one's own): what the FAQ
    says of its perimeter (A1), not the verdict again."""
    if set(change) - {ENTITY_TYPE, ORGANISATION}:
        return None  # a project told too: a what-if
    if not (_IN_GENERAL.search(normalized) or (ENTITY_TYPE in change and unchanged)):
        return None
    entity = parse_entity_type(text, requested=False)
    if entity is None or entity.operator is not None or entity.entity_type in _ENTITY_ONLY_VERDICTS:
        return None  # a collectivité, a company…: their verdict needs no project, the what-if gives it
    reply = perimeter_reply(entity, "champ_application")
    if reply.kind == FAQ:
        return reply
    return Reply(RESPONSE, "une sorte d'organisation en général", response=reply.response, topic="champ_application",
                 values=reply.values)


def read_check_in_context(text: str, context: Context, intent: str = "") -> Optional[Reply]:
    """A what-if after a verdict, or a situation told in one message: the person's own organisation and
    project (« Au CNRS on refond 70 % de notre SI »), or an organisation whose verdict needs nothing more
    (« on est une association loi 1901 »). A question about someone else (« la DINUM finance-t-elle la
    migration ? ») is not a situation."""
    normalized = normalize(text)
    if context.after_verdict and context.last_check is not None:
        previous = _check_answers(context.last_check)
        if previous.get(ENTITY_TYPE) == AUTRE and names_the_state_as_client(normalized) \
                and topic_named_in(text) in (None, "champ_application") and not _ABOUT_DATA.search(normalized):
            # Working for ministries does not make a company or an association an administration.
            return Reply(CHECK, "what_if_client", values=previous)
        if WHAT_IF.match(normalized) or is_elliptical(text):
            change = _what_if_reading(text, context.last_check)
            if _DATA_OR_HOSTING.search(normalized) and not set(change) - {ENTITY_TYPE, ORGANISATION}:
                return None  # « les données que le ministère nous confie… ? »: a question on data, not a what-if
            answers = changed_answers(previous, change)
            general = _entity_in_general(text, normalized, change, answers == previous)
            if general is not None:
                return general
            if change and answers != previous:
                return Reply(CHECK, "what_if", values=answers)
    elif context.last_check is not None and _HYPOTHESIS.match(normalized):
        # « et si au final on ne refait qu'un tiers ? » a few questions after the verdict: still that check.
        previous = _check_answers(context.last_check)
        change = _what_if_reading(text, context.last_check)
        answers = changed_answers(previous, change)
        if change and answers != previous and not _DATA_OR_HOSTING.search(normalized):
            return Reply(CHECK, "what_if", values=answers)
    reading = read_scope_answer(text, None, {}).slots
    if reading.get(ENTITY_TYPE) == AUTRE and _OTHER_HYPOTHESIS.search(normalized):
        reading.pop(ENTITY_TYPE)  # « si on change de prestataire » names no organisation
    own = FIRST_PERSON.search(normalized) is not None or intent in ("inform", "check_scope")
    asks_applicability = CONCERNED.search(question_part(text)) is not None or intent in ("inform", "check_scope")
    with_project = NEW_PROJECT in reading or REFACTOR_PERCENTAGE in reading
    if ENTITY_TYPE not in reading:
        # « Nouveau projet de portail, on part de zéro : faut-il appliquer la doctrine ? »: the check asks who;
        # « pour un nouveau projet, on est obligés d'aller dans le cloud ? » asks the rule, of any project.
        if with_project and own and asks_applicability and not _ANY_PROJECT.search(normalized):
            return Reply(CHECK, "situation", values=changed_answers({}, reading))
        return None
    if with_project and (own or asks_applicability or "?" not in text):
        return Reply(CHECK, "situation", values=changed_answers({}, reading))
    if reading[ENTITY_TYPE] in _ENTITY_ONLY_VERDICTS and asks_applicability and own:
        # « nous sommes une commune, on est concernés ? »; « les collectivités sont-elles concernées ? », asked of
        # no one in particular, gets the FAQ's answer (and no orientation sheet).
        return Reply(CHECK, "situation", values=changed_answers({}, {ENTITY_TYPE: reading[ENTITY_TYPE]}))
    if CONCERNED.search(question_part(text)) and FIRST_PERSON.search(normalized):
        # « je suis à l'ANTS, est-ce qu'on est concernés ? »: the check, which asks about the project.
        own_entity = {name: value for name, value in reading.items() if name in (ENTITY_TYPE, ORGANISATION)}
        return Reply(CHECK, "situation", values=changed_answers({}, own_entity))
    return None


def perimeter_reply(entity: EntityAnswer, topic: Optional[str]) -> Reply:
    """What the FAQ says of the perimeter for an organisation named by someone (not a verdict)."""
    if entity.entity_type == COLLECTIVITE:
        return Reply(FAQ, "collectivité", key="collectivites", topic="collectivites")
    if entity.entity_type == OPERATEUR and entity.operator is not None:
        return Reply(RESPONSE, "opérateur reconnu", response="utter_perimetre_operateur_reconnu", topic=topic,
                     values={"organisation": entity.operator.label})
    responses = {ADMINISTRATION_CENTRALE: "utter_perimetre_administration", OPERATEUR: "utter_perimetre_operateur",
                 SERVICE_DECONCENTRE: "utter_perimetre_service_deconcentre"}
    return Reply(RESPONSE, "autre entité", response=responses.get(entity.entity_type, "utter_perimetre_autre"),
                 topic=topic)


def other_entity_reply(text: str, topic: Optional[str]) -> Optional[Reply]:
    """« et les hôpitaux ? » after a perimeter answer: the perimeter for that entity (its verdict when the
    verdict needs no project)."""
    normalized = normalize(text)
    if not OTHER_ENTITY.match(normalized) and len(normalized.split()) > 3:
        return None
    entity = parse_entity_type(text, requested=False)
    if entity is None:
        named = OTHER_ENTITY.match(normalized)
        if not named or set(normalized.split()) & NOT_ORGANISATIONS:
            return None
        return Reply(RESPONSE, "autre entité", response="utter_perimetre_autre", topic=topic)
    if entity.entity_type in _ENTITY_ONLY_VERDICTS and not names_a_health_establishment(normalized):
        # Its verdict needs no project: the orientation for that organisation (a hospital, which the FAQ does
        # not cite, gets what the FAQ says of the perimeter).
        return Reply(CHECK, "situation", values=changed_answers({}, {ENTITY_TYPE: entity.entity_type}))
    return perimeter_reply(entity, topic)


def entity_question_reply(text: str, context: Context, decision: FaqDecision) -> Optional[Reply]:
    """« le CNES est-il soumis à la doctrine ? », « l'INCa fait-il partie des opérateurs ? »: the perimeter for
    the organisation named (a question about someone, not one's own project)."""
    normalized = normalize(text)
    if not (CONCERNED.search(normalized) or _PART_OF.search(normalized)):
        return None
    entity = parse_entity_type(text, requested=False)
    if entity is None or (entity.operator is None and decision.key is not None):
        return None
    if FIRST_PERSON.search(question_part(text)):
        return None  # one's own organisation: its verdict or the check (read_check_in_context)
    reply = perimeter_reply(entity, context.topic)
    return Reply(reply.kind, "question sur une organisation", key=reply.key, response=reply.response,
                 topic="champ_application" if reply.kind == RESPONSE else reply.topic, values=reply.values)


_PART_OF = re.compile(
    r"\b(fait (il|elle) partie|font (ils|elles) partie|fait partie|dans la liste|est (il|elle) dedans|y est|y sont"
    r"|y figure\w*|dedans|dans le lot)\b"
)

