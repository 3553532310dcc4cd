"""Replies in context: a follow-up read against the last answer or verdict kept in the conversation.

People do not ask one question and leave: after « Qui contrôle l'application de la doctrine ? » comes
« à partir de quel montant ? », after a verdict « pourquoi ? », « et après ? » or « et si c'était 60 % ? ».
The context lives in the tracker (actions/context.py: slots `topic` and `last_check`, and the last bot
messages with the sections they declare), so it survives a restart, a second instance, a takeover and a
model deploy. This module is pure: the action (actions/faq.py) gives it the message, its parse data, the
context and the context-free FAQ decision, and gets a Reply to carry out, or None for the usual answer.
How a message reads on its own (its shape, the aspects and notions it names, off topic or not) is in
actions/followup_reading.py; the scope check in a conversation (what-ifs, situations, an organisation's
perimeter) in actions/check_in_context.py; this module puts them together with the last answer.

Context may help read a short message, never override a confident reading of a clear one:
- a button, a rule named by its number, a comparison or a situation told in full are read on their own;
- a follow-up asking « pourquoi ? » or « et après ? », a what-if after a verdict, or a short/elliptical
  message asking an aspect of the last answer (actions/data/followups.yml) is read in context;
- a confident FAQ reading that would repeat the last answer to a different question is replaced by the
  part asked for, or by « ma réponse couvre déjà ce point » with questions close to it.
"""

import re
from functools import lru_cache
from typing import Any, Dict, List, Optional, Tuple

from actions.answer_parts import AnswerParts, answer_lines
from actions.check_in_context import (
    entity_question_reply,
    other_entity_reply,
    read_check_in_context,
)
from actions.context import VERDICT_TOPIC
from actions.explanations import fact_part
from actions.faq_catalog import load_catalog
from actions.faq_decision import FaqDecision
from actions.followup_reading import (
    ANAPHORA,
    BOTH_SIDES,
    CHECK,
    COMPARISON,
    EXPLAIN_ANSWER,
    FAQ,
    OTHER_ENTITY,
    PART,
    RESPONSE,
    STEP_NUMBERS,
    STEP_TOPICS,
    WHY_VERDICT,
    WHY_WORD,
    Context,
    Reply,
    asks_for_the_check,
    asks_next_steps,
    asks_why,
    aspects_of,
    clauses,
    clear_on_its_own,
    clearly_off_topic,
    intent_of,
    is_elliptical,
    load_followups,
    notions_named,
    step_asked,
    topic_named_in,
    without_acknowledgement,
)
from actions.scope_answers import (
    ENTITY_TYPE,
    ORGANISATION,
    REFACTOR_PERCENTAGE,
)
from actions.scope_parsing import (
    ADMINISTRATION_CENTRALE,
    COLLECTIVITE,
    OPERATEUR,
    parse_entity_type,
)
from actions.text_normalization import normalize

# --- replies for the last answer ------------------------------------------------------------------------

def _target(entry: Dict[str, str], reason: str, topic: Optional[str]) -> Reply:
    if "answer" in entry:
        return Reply(FAQ, reason, key=entry["answer"], topic=entry["answer"])
    return Reply(RESPONSE, reason, response=entry["response"], topic=entry.get("topic", topic))


def aspect_reply(text: str, topic: Optional[str], context: Optional[Context] = None) -> Optional[Reply]:
    """The part of the last answer (or the neighbouring answer) that a follow-up asks for."""
    followups = load_followups()
    aspects = aspects_of(text)
    own = own_aspect_reply(text, topic, context)
    if own is not None:
        return own
    if topic in followups["perimeter_topics"]:
        other = other_entity_reply(text, topic)
        if other is not None:
            return other
    for aspect in aspects:
        if aspect in followups["any_topic"]:
            return _target(followups["any_topic"][aspect], f"aspect {aspect}", topic)
    return None


def own_aspect_reply(text: str, topic: Optional[str], context: Optional[Context] = None) -> Optional[Reply]:
    """An aspect the last answer's topic itself answers (in the order the topic lists them: the most
    specific first)."""
    own = load_followups()["topics"].get(topic or "", {})
    asked = set(aspects_of(text))
    for aspect, target in own.items():
        if aspect not in asked:
            continue
        if aspect == "ministere":
            ministry = _lead_ministry(text, context)
            if ministry is None:
                continue
            return Reply(RESPONSE, "ministère chef de file", response=target["response"], topic=topic,
                         values=ministry)
        return _target(target, f"aspect {aspect} de {topic}", topic)
    return None


def _lead_ministry(text: str, context: Optional[Context]) -> Optional[Dict[str, str]]:
    """The operator named in the message or in the one before, with its lead ministry in the PLF list."""
    for said in (text, context.last_user_text if context else ""):
        entity = parse_entity_type(said, requested=False) if said else None
        if entity is not None and entity.operator is not None and entity.operator.lead_ministry:
            return {"organisation": entity.operator.label, "ministere": entity.operator.lead_ministry}
    return None


def next_steps_reply(context: Context, decision: Optional[FaqDecision] = None, text: str = "") -> Reply:
    """What to do next after the last verdict or answer; a message that names its subject itself
    (« nos données sont sensibles, on fait quoi ? ») gets the next steps of that subject."""
    key = str(context.last_check.get("verdict")) if context.after_verdict and context.last_check else context.topic
    if not is_elliptical(text) and decision is not None and decision.key:
        key = decision.key
    following = _step_after(text, context)
    if following is not None:
        return Reply(RESPONSE, f"étape {following}", response=f"utter_suivi_etape_{following}", topic="cinq_etapes")
    own = own_aspect_reply(text, key, context) if key and key != VERDICT_TOPIC else None
    if own is not None:
        return own
    target = load_followups()["next"].get(key or "", "utter_ensuite_general")
    if target.startswith("utter_faq/"):
        faq_key = target.split("/", 1)[1]
        return Reply(FAQ, f"suite de {key}", key=faq_key, topic=faq_key)
    topic = context.topic if context.after_verdict or key is None else key
    return Reply(RESPONSE, f"suite de {key}", response=target, topic=topic)


_ENTITY_DOUBT = re.compile(
    r"\b(operateur|organisme|ministere|administration|collectivite|service|structure|liste|jaune|epic|epa"
    r"|etablissement)"
)


# Words naming each of the 5 steps (fact base B3), to tell which step « et après ? » follows.
_STEP_WORDS = {
    1: r"enjeux|objectifs",
    2: r"champ du possible|cartographi\w*|matrice",
    3: r"prerequis|gouvernance de la depense|standards?",
    4: r"moteur|centre d excellence|coaching",
}


# « on a bouclé l'étape 4 », « l'étape d'après » (not « la première étape, concrètement ? »).
_STEP_DONE = re.compile(r"\b(fini\w*|termine\w*|boucle\w*|acheve\w*|fait|faite|realise\w*|d apres|suivante|apres)\b")
# « on a fixé nos enjeux », « c'est bon pour la cartographie »: a step told done by what it is, without its number.
_CONTENT_DONE = re.compile(
    r"\b(on a|nous avons|j ai|c est|ca y est|deja|c est bon|on s est|nous nous sommes) (\w+ ){0,3}"
    r"(fix\w*|etabli\w*|cartographi\w*|construit\w*|reuni\w*|dote\w*|defini\w*|fini\w*|termine\w*|boucle\w*"
    r"|fait|faite|realise\w*|mis en place|pose\w*|monte\w*|cree\w*)\b"
    r"|\b(est|sont) (\w+ ){0,2}(en place|faite?s?|defini\w*|fixe\w*|etabli\w*|termine\w*|fini\w*|prete?s?|ok|bon"
    r"|boucle\w*|valide\w*|reuni\w*|construite?s?)\b"
)
# « on a fait la première », « on en est à la deuxième », right after the steps: that step, by its rank alone.
_STEP_RANK = re.compile(
    r"\b(la |l )?(premiere|1ere|1re|deuxieme|seconde|2e|2eme|troisieme|3e|3eme|quatrieme|4e|4eme)\b"
    r"|\b(la |l )(1|2|3|4)\b|^(la )?(1|2|3|4) "
)
_AT_STEP = re.compile(r"\b(on en est|nous en sommes|on est|nous sommes|j en suis) (a|au|a la|rendus? a)\b")
_ASKS_WHERE_TO_START = re.compile(r"\b(commence\w*|demarre\w*|par ou|par quoi|premiers? pas|debuter|debute)\b")


def _step_after(text: str, context: Context) -> Optional[int]:
    """« et après ? » after step N, or « on a fini la matrice d'emploi, l'étape d'après ? »: step N + 1."""
    for response in context.last_responses:
        match = re.fullmatch(r"utter_suivi_etape_(\d)", response)
        if match and int(match.group(1)) < 5:
            return int(match.group(1)) + 1
    normalized = normalize(text)
    if re.search(r"\betape", normalized):
        done = step_asked(text) if _STEP_DONE.search(normalized) else None
        if done is not None and done < 5:
            return done + 1  # « on a bouclé l'étape 4, c'est quoi la suite ? »
    if re.search(r"\betape", normalized) or _CONTENT_DONE.search(normalized):
        # « on a fini la matrice d'emploi, l'étape d'après ? », « on a fixé les objectifs et cartographié le SI,
        # ensuite ? »: the step after the last one named
        named = [step for step, words in _STEP_WORDS.items() if re.search(rf"\b({words})", normalized)]
        if named and max(named) < 5:
            return max(named) + 1
    rank = _STEP_RANK.search(normalized) if context.topic in STEP_TOPICS else None
    if rank is not None and (_STEP_DONE.search(normalized) or _CONTENT_DONE.search(normalized)
                             or _AT_STEP.search(normalized) or re.search(r"\bok pour\b", normalized)):
        words = [word for word in rank.group(0).split() if word in STEP_NUMBERS]
        done = STEP_NUMBERS[words[-1]] if words else None
        if done is not None and done < 5:
            return done + 1  # « on a fait la première, et ensuite ? »
    if context.topic not in STEP_TOPICS or not is_elliptical(text):
        return None
    asked = step_asked(context.last_user_text, context.topic)
    if asked is not None and asked < 5:
        return asked + 1  # « quelle est la première étape ? » then « et ensuite ? »
    if _ASKS_WHERE_TO_START.search(normalize(context.last_user_text)):
        return 2  # « on commence par quoi ? » was answered with the first step: « et ensuite ? » is the second
    return None


def why_reply(context: Context, text: str = "") -> Reply:
    """The criterion that decided the last verdict (or the entity it rests on); asked again (« quel texte le
    dit ? » after « pourquoi ? »), or after an answer: where that answer comes from, with its source."""
    if context.after_verdict and context.last_check and _ENTITY_DOUBT.search(normalize(text)):
        entity, organisation = context.last_check.get(ENTITY_TYPE), context.last_check.get(ORGANISATION)
        if entity == OPERATEUR and organisation:
            return Reply(RESPONSE, "pourquoi de l'entité", response="utter_perimetre_operateur_reconnu",
                         topic=context.topic, values={"organisation": organisation})
        if entity == OPERATEUR:
            return Reply(RESPONSE, "pourquoi de l'entité", response="utter_perimetre_operateur", topic=context.topic)
        if entity == ADMINISTRATION_CENTRALE:
            return Reply(RESPONSE, "pourquoi de l'entité", response="utter_perimetre_administration",
                         topic=context.topic)
    already_explained = any(response.startswith("utter_pourquoi_") for response in context.last_responses)
    if context.after_verdict and context.last_check and not already_explained:
        criterion = str(context.last_check.get("criterion") or "")
        share = context.last_check.get(REFACTOR_PERCENTAGE)
        values = {"part": f"{share:g}"} if isinstance(share, (int, float)) else {}
        return Reply(RESPONSE, "pourquoi du verdict", response=f"utter_pourquoi_{criterion}", topic=context.topic,
                     values=values)
    if context.last_sections and set(context.last_sections) - {"C"}:
        return Reply(EXPLAIN_ANSWER, "pourquoi de la réponse", topic=context.topic)
    return Reply(RESPONSE, "pourquoi sans contexte", response="utter_pourquoi_sans_contexte", topic=context.topic)




def _either_or(normalized: str, notions: List[Tuple[int, str]]) -> bool:
    """« Nubo ou Cloud Pi ? »: two notions with « ou » between them (not « où », which the text loses)."""
    return any(" ou " in normalized[first:second] for (first, _), (second, _) in zip(notions, notions[1:], strict=False)
               if len(normalized[first:second].split()) <= 6)


# An amount in euros as people write it: « 1 M€ », « 9 millions », « 500 k€ », « 300 000 € ».
_AMOUNT = re.compile(r"\d+(?:[.,]\d+)? ?(?:m€|k€|€|millions?|me\b|meur\b)|\d{1,3}(?: \d{3})+ ?€", re.IGNORECASE)


def comparison_reply(text: str, context: Context) -> Optional[Reply]:
    """Both sides of « X ou Y ? », « différence entre X et Y ? » (one side may be the last answer's)."""
    normalized = normalize(text)
    notions = notions_named(normalized)
    if not COMPARISON.search(normalized) and not _either_or(normalized, notions):
        return None
    if COMPARISON.search(normalized) and len(_AMOUNT.findall(text)) >= 2:
        # « quelle différence de procédure entre un projet à moins d'1 M€ et un à plus de 9 M€ ? »
        return Reply(RESPONSE, "comparaison de montants", response="utter_suivi_controle_montants", topic="controle")
    followups = load_followups()
    named = [name for _, name in notions]
    if len(named) < 2 and COMPARISON.search(normalized) and context.topic:
        named += [name for name, concept in followups["concepts"].items()
                  if concept["key"] == context.topic and name not in named][:1]
    for comparison in followups["comparisons"]:
        if set(comparison["concepts"]) <= set(named):
            return Reply(RESPONSE, "comparaison", response=comparison["response"],
                         topic=comparison.get("topic") or context.topic)
    sides = list({followups["concepts"][name]["key"]: name for name in reversed(named)}.items())[::-1]
    if len(sides) >= 2:
        return Reply(BOTH_SIDES, "comparaison (les deux réponses)", topic=sides[0][0],
                     values={"keys": [key for key, _ in sides[:2]], "notions": [name for _, name in sides[:2]]})
    return None


@lru_cache(maxsize=4)
def answer_parts(answers: Tuple[Tuple[str, str], ...]) -> AnswerParts:
    return AnswerParts([text for _, text in answers])


def part_reply(text: str, context: Context) -> Optional[Reply]:
    """« Comme indiqué : » the line of the last answer the follow-up asks about, if one shares enough words."""
    answer = dict(context.answers).get(context.topic or "")
    if not answer:
        return None
    parts = answer_parts(context.answers)
    part = parts.part_asked(text, answer)
    focused_before = any(name in ("utter_comme_indique", "utter_precision") for name in context.last_responses)
    said_just_before = part is not None and focused_before and any(part.line in said for said in context.last_texts)
    if part is not None and not said_just_before:
        return Reply(PART, "partie de la réponse", topic=context.topic,
                     values={"extrait": part.line, "sources": part.source})
    clause = parts.clause_asked(text, part.line) if part is not None and "\n" not in part.line else None
    if part is not None and clause is not None:
        return Reply(PART, "partie de la ligne déjà donnée", topic=context.topic,
                     values={"extrait": clause, "sources": part.source})
    # What the fact base says under the sections of the last answer, beyond the answer itself.
    fact = fact_part(text, context.last_sections, parts)
    if fact is None:
        return None
    return Reply(PART, "précision de la base de faits", topic=context.topic,
                 values={"extrait": fact[0], "sources": fact[1], "precision": True})


# « nos données ne sont pas d'une sensibilité particulière », « notre analyse conclut qu'elles sont sensibles »:
# the person states the result of their analysis (the two criteria of the fact base, A6).
_STATES_SENSITIVE = re.compile(
    r"\b(sont|seront|est|sera|pour des|pour nos|avec des|on a des|nous avons des)"
    r"( (bien|donc|clairement|quand meme|assez|plutot|vraiment|tres|forcement|evidemment))* "
    r"(donnees )?(d une sensibilite particuliere|particulierement sensibles?|sensibles?)\b"
)
_FIRST_CRITERION = re.compile(r"\b(mission essentielle|secrets? protege\w*|sensibles? par (nature|usage))\b")
_SECOND_CRITERION = re.compile(
    r"\b(ordre public|securite publique|sante ou (la )?vie|vie des personnes|propriete intellectuelle)\b")
_ASKS_DEFINITION = re.compile(
    r"\b(criteres?|conditions|definition|definit|c est quoi|c quoi|veut dire|signifie|comment (savoir|on sait))\b")
_CONCLUDES = re.compile(r"\b(conclu\w*|analyse (montre|dit|indique|revele)|on a (determine|etabli)|s avere\w*)\b")
# « quel cloud ? », « on prend quoi ? »; « on les héberge où ? » is the aspect ou_heberger (followups.yml).
_ASKS_WHICH_CLOUD = re.compile(
    r"\bquel(le)?s? ((type|genre|sorte) d(e )?)?(cloud|hebergement|offre|solution)s?\b"
    r"|\b(on|je|nous) (doit |dois |devons )?(prend|prends|prendre|choisi\w*) quoi\b|\bquelle suite\b"
)


def data_conclusion_reply(text: str, parse_data: Dict[str, Any]) -> Optional[Reply]:
    """The conclusion of one's sensitivity analysis, with « which cloud? » or « what next? » (or nothing
    asked): what R9 asks for that conclusion, not the definition of sensitive data again."""
    normalized = normalize(text)
    if _ASKS_DEFINITION.search(normalized):
        return None  # « c quoi les critères pour dire que des données sont d'une sensibilité particulière »
    both_criteria = _FIRST_CRITERION.search(normalized) is not None and _SECOND_CRITERION.search(normalized) is not None
    asks = _ASKS_WHICH_CLOUD.search(normalized) is not None or "ou_heberger" in aspects_of(text) \
        or asks_next_steps(text, parse_data)
    tells = "?" not in text and (_CONCLUDES.search(normalized) is not None or both_criteria)
    if not (asks or tells):
        return None
    if "non_sensible" in aspects_of(text):
        return Reply(RESPONSE, "données non sensibles", response="utter_suivi_r9_non_sensibles", topic="regle_r9")
    if _STATES_SENSITIVE.search(normalized) or both_criteria:
        return Reply(RESPONSE, "données sensibles", response="utter_ensuite_donnees_sensibles", topic="regle_r9")
    return None


# « il y aura des infos qui touchent à la défense nationale, ça change quelque chose pour l'hébergement ? »: what a
# kind of data implies for hosting is the question of the two criteria (A6).
_ASKS_IMPACT = re.compile(r"\b(chang\w* (quelque chose|qqch|quoi|la donne|tout)|impact\w*|consequences?|ca joue)\b")
_HOSTING = re.compile(r"\b(heberg\w*|cloud|secnumcloud|snc)\b")
_KIND_OF_DATA = re.compile(
    r"\b(donnees|infos?|informations|secrets?|defense|sante|medic\w*|personnelles|penal\w*|classifi\w*"
    r"|confidenti\w*|handicap)\b")


def data_impact_reply(normalized: str) -> Optional[Reply]:
    """Does this kind of data change the hosting? The two criteria of sensitive data (A6)."""
    if _ASKS_IMPACT.search(normalized) and _HOSTING.search(normalized) and _KIND_OF_DATA.search(normalized):
        return Reply(FAQ, "ce que change un type de données", key="donnees_sensibles", topic="donnees_sensibles")
    return None


def reply_in_context(text: str, parse_data: Dict[str, Any], context: Context,
                     decision: FaqDecision) -> Optional[Reply]:
    """The reply the context calls for, or None when the message is read on its own (see module doc)."""
    if decision.reason == "button" or clearly_off_topic(text, parse_data):
        return None
    normalized = normalize(text)
    elliptical = is_elliptical(text)
    comparison = comparison_reply(text, context)
    if comparison is not None:
        return comparison
    check = read_check_in_context(text, context, intent_of(parse_data)[0])
    if check is not None:
        return check
    if asks_for_the_check(text, parse_data):
        return Reply(CHECK, "start")
    data = data_conclusion_reply(text, parse_data) or (data_impact_reply(normalized) if decision.key is None else None)
    if data is not None:
        return data
    named = topic_named_in(text)
    clear = clear_on_its_own(text, decision, context)
    step = step_asked(text, context.topic)
    if step is not None and asks_next_steps(text, parse_data) and _STEP_DONE.search(normalized):
        return next_steps_reply(context, decision, text)  # « on a bouclé l'étape 4, la suite ? »
    if step is not None and decision.reason != "rule_number":
        return Reply(RESPONSE, f"étape {step}", response=f"utter_suivi_etape_{step}", topic="cinq_etapes")
    neighbour = _neighbour_rule(text, normalized, context)
    if neighbour is not None:
        return neighbour
    link = _link_asked(normalized, context)
    if link is not None:
        return link
    asked = aspects_of(text)
    said_before = aspects_of(context.last_user_text) if named in ("secnumcloud", "regle_r9") else []
    if "non_sensible" in said_before:
        # « SecNumCloud obligatoire du coup ? » after « nos données ne sont pas sensibles ».
        return Reply(RESPONSE, "données non sensibles dites avant", response="utter_suivi_r9_non_sensibles",
                     topic=named)
    if "sante" in said_before and "sante" not in asked:
        # « faut-il du SecNumCloud ? » after « une appli avec des données de santé »: what health data imply.
        return Reply(RESPONSE, "données de santé dites avant", response="utter_suivi_donnees_sante", topic=named)
    if "ou_heberger" in asked and "dr" in asked + aspects_of(context.last_user_text):
        # « on peut l'héberger où ? » after (or in) « une application qui traitera de la Diffusion Restreinte ».
        return Reply(RESPONSE, "diffusion restreinte dite avant", response="utter_comparaison_nubo_cloud_pi",
                     topic="cloud_interne")
    if elliptical or ANAPHORA.search(normalized):
        # « et pour la SREN, qui fait l'analyse ? »: the notion the message names, then the last answers'.
        for topic in _topics_in_context(named, context, decision, clear, text):
            own = own_aspect_reply(text, topic, context)
            if own is not None:
                return own
    not_that = _why_not(normalized, context)
    if not_that is not None:
        return not_that
    rule = _rule_by_number_alone(normalized, context)
    if rule is not None:
        return rule
    collectivite = _after_a_collectivite_verdict(text, normalized, context, parse_data)
    if collectivite is not None:
        return collectivite
    if asks_why(text, parse_data) or _short_why(normalized, context, decision):
        about_another_notion = not context.after_verdict or named not in _PERIMETER_KEYS
        if named and named != context.topic and about_another_notion \
                and f"utter_faq/{named}" not in context.last_responses:
            # « pourquoi le SaaS d'abord ? » after the next steps of a verdict: why that notion, not the verdict.
            # « pourquoi SecNumCloud spécifiquement ? » after the definition of sensitive data: what SecNumCloud is.
            return Reply(FAQ, "pourquoi d'une autre notion", key=named, topic=named)
        return why_reply(context, text)
    if asks_next_steps(text, parse_data):
        if not context.topic and elliptical and decision.key and _step_after(text, context) is None:
            return None  # « par où commencer ? » as a first question: its own answer
        part = part_reply(text, context) if _CONCRETELY.search(normalized) else None
        topic = None if context.after_verdict else context.topic
        aspect = aspect_reply(text, topic, context) if len(clauses(text)) > 1 else None
        return part or aspect or next_steps_reply(context, decision, text)
    if decision.reason == "rule_number":
        return None
    about_an_entity = entity_question_reply(text, context, decision)
    if about_an_entity is not None:
        return about_an_entity
    reads_in_context = (elliptical and not clear) or decision.key is None or decision.key == context.topic
    if context.topic and context.topic != VERDICT_TOPIC and reads_in_context:
        aspect = aspect_reply(text, context.topic, context) or part_reply(text, context)
        if aspect is not None:
            return aspect
    if decision.key is None or (context.after_verdict and elliptical and not clear):
        return _unplaced_reply(text, context, decision) or _candidate_in_context(context, decision) \
            or _notion_named_among_candidates(normalized, decision)
    return None


def _notion_named_among_candidates(normalized: str, decision: FaqDecision) -> Optional[Reply]:
    """« le ministère nous impose SecNumCloud dans le marché, c'est la doctrine qui veut ça ? »: a message the
    classifier could not place, that names a notion the selector also reads among its candidates."""
    if decision.key is not None:
        return None
    concepts = load_followups()["concepts"]
    keys = [str(concepts[name]["key"]) for _, name in notions_named(normalized)]
    # « le ministère » names the perimeter in passing: a notion of its own comes first.
    keys = sorted(keys, key=lambda key: key in _PERIMETER_KEYS)
    key = next((key for key in keys if key in decision.candidates), None)
    return None if key is None else Reply(FAQ, "notion nommée parmi les lectures possibles", key=key, topic=key)


MIN_CANDIDATE_CONFIDENCE = 0.2
# In a conversation, a follow-up's own best reading is taken from this confidence, whatever its subject.
MIN_CANDIDATE_CONFIDENCE_ANY_SUBJECT = 0.35


def _candidate_in_context(context: Context, decision: FaqDecision) -> Optional[Reply]:
    """A follow-up the classifier hesitates on, whose best reading is a question close to the last answer
    (its related questions in the topic map, or one resting on the same sections): that answer."""
    if decision.key is not None or not decision.candidates or not context.topic or context.topic == VERDICT_TOPIC:
        return None
    if decision.confidence < MIN_CANDIDATE_CONFIDENCE:
        return None
    best = decision.candidates[0]
    if best == context.topic or f"utter_faq/{best}" in context.last_responses:
        return None
    catalog = load_catalog()
    topic, candidate = catalog.get(context.topic), catalog.get(best)
    if topic is None or candidate is None:
        return None
    close = best in topic.related or (candidate.topic and candidate.topic == topic.topic)
    if close or decision.confidence >= MIN_CANDIDATE_CONFIDENCE_ANY_SUBJECT:
        return Reply(FAQ, "lecture proche de la réponse précédente", key=best, topic=best)
    return None


# After a verdict, the FAQ questions its subject is (« et c'est quoi l'intérêt alors ? » after a collectivité);
# after « à confirmer », « comment confirmer ? » asks how to confirm with the DINUM first (followups.yml).
_ASKS_WHY_FIRST = re.compile(r"^(et |mais |ok |ah )*" + WHY_WORD + r"\b")
_TOPICS_OF_VERDICT = {
    "hors_circulaire_collectivite": ("collectivites",),
    "concerne": ("projet_concerne",),
    "non_concerne": ("projet_concerne",),
    "service_deconcentre_a_confirmer": ("verdict_a_confirmer", "champ_application"),
    "hors_circulaire_autre": ("champ_application",),
}


# A message whose subject is a pronoun for what was just said (« elle s'applique aussi… », « ça vaut pour… »).
_REFERS_BACK = re.compile(r"^(et |mais |donc |du coup )?(elle|il|ca|cela|celle ci|celle la|cette regle|ce texte) ")


def _topics_in_context(named: Optional[str], context: Context, decision: FaqDecision, clear: bool,
                       text: str = "") -> List[str]:
    """Whose aspects a follow-up may ask: the notion it names, the last answer's topic (unless the message is
    clear on its own), the answers given with the last verdict (a second question) and the verdict's subject."""
    topics = [named] if named else []
    if _REFERS_BACK.match(normalize(text)):
        topics.insert(0, context.topic or "")  # « elle s'applique aussi au cloud interne ? »: the last rule
    if not clear:
        topics.append(context.topic or "")
        topics += [response.split("/", 1)[1] for response in context.last_responses
                   if response.startswith("utter_faq/")]
        if context.after_verdict and context.last_check:
            verdict_topics = _TOPICS_OF_VERDICT.get(str(context.last_check.get("verdict")), ())
            if _ASKS_WHY_FIRST.match(normalize(text)):
                verdict_topics = ()  # « et pk faut confirmer ? » asks why, not how: the verdict's why answers it
            topics += verdict_topics
    return [topic for topic in dict.fromkeys(topics) if topic and topic != VERDICT_TOPIC]


_BARE_NUMBER = re.compile(
    r"^(et |ok |bon )?(la |et la )?(?P<number>\d{1,2}|[a-z]+ieme|premiere|derniere)( regle)?( c est quoi)?( deja)?"
    r"( aussi)?( stp| svp| s il (te|vous) plait| merci)?$"
)
_ORDINAL_WORDS = {"premiere": 1, "deuxieme": 2, "troisieme": 3, "quatrieme": 4, "cinquieme": 5, "sixieme": 6,
                  "septieme": 7, "huitieme": 8, "neuvieme": 9, "dixieme": 10, "onzieme": 11, "douzieme": 12,
                  "treizieme": 13, "quatorzieme": 14, "quinzieme": 15, "derniere": 15}
_COLLECTIVITE_OBLIGATION = re.compile(r"\b(secnumcloud|secnum|snc|oblig\w*|forc\w*|impos\w*|contraint\w*)\b")


# After a collectivité's verdict, « on peut quand même y aller ? », « c'est recommandé pour nous ? »: the invitation.
_COLLECTIVITE_INVITATION = re.compile(
    r"\b(quand meme|recommand\w*|encourag\w*|conseill\w*|invit\w*|incit\w*|interet|le droit|autoris\w*|libres?"
    r"|ce qu on veut|y aller|aller (sur|vers|dans) le cloud|passer au cloud|sensibles?|etat civil)\b"
)
MAX_WORDS_ABOUT_A_COLLECTIVITE = 14


def _after_a_collectivite_verdict(text: str, normalized: str, context: Context,
                                  parse_data: Dict[str, Any]) -> Optional[Reply]:
    """A short follow-up to a collectivité's verdict: no obligation (SecNumCloud included), or the invitation
    to use the cloud anyway; a why or a question on another notion is read otherwise."""
    if not (context.after_verdict and context.last_check and context.last_check.get(ENTITY_TYPE) == COLLECTIVITE):
        return None
    if _COLLECTIVITE_OBLIGATION.search(normalized):
        return Reply(RESPONSE, "obligations d'une collectivité", response="utter_suivi_collectivite_sans_obligation",
                     topic="collectivites")
    if "achat" in aspects_of(text):
        # « on peut passer par l'UGAP ? »: the cloud commercial is open to collectivités, bought through the UGAP.
        return Reply(RESPONSE, "achat par une collectivité", response="utter_suivi_ouverture_clouds",
                     topic="collectivites")
    short = len(without_acknowledgement(normalized).split()) <= MAX_WORDS_ABOUT_A_COLLECTIVITE
    if short and _COLLECTIVITE_INVITATION.search(normalized) and not asks_why(text, parse_data) \
            and topic_named_in(text) in (None, "donnees_sensibles", "collectivites", "accompagnement"):
        return Reply(RESPONSE, "une collectivité invitée au cloud", response="utter_ensuite_collectivite",
                     topic="collectivites")
    return None


def _rule_by_number_alone(normalized: str, context: Context) -> Optional[Reply]:
    """« la 4 c'est quoi déjà ? » right after the rules: rule R4."""
    if not (context.topic == "regles" or (context.topic or "").startswith("regle_r")):
        return None
    match = _BARE_NUMBER.match(normalized)
    if not match:
        return None
    word = match.group("number")
    number = int(word) if word.isdigit() else _ORDINAL_WORDS.get(word)
    if number is None or not 1 <= number <= 15:
        return None
    return Reply(FAQ, f"règle {number}", key=f"regle_r{number}", topic=f"regle_r{number}")


# Right after rule N: « et la suivante ? », « celle d'avant ? », « et les règles autour ? ».
_RULES_AROUND = re.compile(
    r"\b(autour|voisines?|qui l (entourent|encadrent)|de part et d autre|(d )?avant et (d )?apres"
    r"|precedente et (la )?suivante)\b"
)
_RULE_AFTER = re.compile(r"\b(suivante|prochaine|(la|celle|regle) (d )?apres)\b")
_RULE_BEFORE = re.compile(r"\b(precedente|anterieure|(la|celle|regle) (d )?avant)\b")


def _neighbour_rule(text: str, normalized: str, context: Context) -> Optional[Reply]:
    """Rule N ± 1 asked right after rule N (both when « autour »), in a short message or one naming a rule."""
    match = re.fullmatch(r"regle_r(\d+)", context.topic or "")
    if match is None or not (is_elliptical(text) or re.search(r"\bregles?\b", normalized)):
        return None
    number = int(match.group(1))
    if _RULES_AROUND.search(normalized):
        numbers = [n for n in (number - 1, number + 1) if 1 <= n <= 15]
    elif _RULE_AFTER.search(normalized):
        numbers = [number + 1] if number < 15 else []
    elif _RULE_BEFORE.search(normalized):
        numbers = [number - 1] if number > 1 else []
    else:
        return None
    if len(numbers) == 2:
        return Reply(BOTH_SIDES, "règles voisines", topic=f"regle_r{numbers[0]}",
                     values={"keys": [f"regle_r{n}" for n in numbers], "notions": [f"R{n}" for n in numbers]})
    if not numbers:
        return None  # nothing before R1 nor after R15: the message is read on its own
    return Reply(FAQ, f"règle {numbers[0]}", key=f"regle_r{numbers[0]}", topic=f"regle_r{numbers[0]}")


_WHY_NOT = re.compile(r"^(et |mais )?pourquoi pas (le |la |l |les |du |de la |un |une )?(?P<notion>.+)$")


def _why_not(normalized: str, context: Context) -> Optional[Reply]:
    """« pourquoi pas Nubo ? »: what that notion's answer says about the last question."""
    match = _WHY_NOT.match(normalized)
    if not match:
        return None
    key = topic_named_in(match.group("notion"))
    answer = dict(context.answers).get(key or "")
    if not key or not answer:
        return None
    part = answer_parts(context.answers).part_asked(f"{context.last_user_text} {normalized}", answer)
    if part is None:
        return None
    return Reply(PART, "pourquoi pas", topic=key, values={"extrait": part.line, "sources": part.source})


_LINK = re.compile(r"\b(adresse du site|le site|quel site|le lien|quel lien|url|adresse web|adresse internet)\b")
_ADDRESS = re.compile(r"https?://\S+|\b[\w-]+\.gouv\.fr\b")


def _link_asked(normalized: str, context: Context) -> Optional[Reply]:
    """« l'adresse du site ? » after a reply naming a site: that line again, on its own."""
    if not _LINK.search(normalized):
        return None
    for said in context.last_texts:
        for line in said.splitlines():
            if _ADDRESS.search(line) and not line.startswith(("Source : ", "Sources : ")):
                source = next((ln for ln in said.splitlines() if ln.startswith(("Source : ", "Sources : "))), "")
                return Reply(PART, "adresse demandée", topic=context.topic, values={"extrait": line, "sources": source})
    return None


# « concrètement, ça passe par quoi ? » asks the detail of the last answer, not what comes after it.
_CONCRETELY = re.compile(r"\b(concretement|ca passe par quoi|en pratique|c est a dire)\b")
MAX_WORDS_OF_A_SHORT_WHY = 10


def _short_why(normalized: str, context: Context, decision: FaqDecision) -> bool:
    """« pourquoi ce niveau-là, on est une petite commune » after an answer, « pourquoi, c'est pas un nouveau
    projet pourtant » after a verdict: a why about the last reply, unless it is a clear question of its own."""
    if context.after_verdict and WHY_VERDICT.match(normalized):
        return True
    return bool(context.topic) and normalized.startswith(("pourquoi", "mais pourquoi", "et pourquoi")) \
        and len(normalized.split()) <= MAX_WORDS_OF_A_SHORT_WHY and decision.key in (None, context.topic)


def _unplaced_reply(text: str, context: Context, decision: FaqDecision) -> Optional[Reply]:
    """A message the classifier could not place (or a short one after a verdict): a general aspect
    (financing, contact…), another entity, or an aspect of the notion it names itself."""
    named = topic_named_in(text)
    if context.after_verdict:
        if decision.key is None and len(normalize(text).split()) <= 4 and OTHER_ENTITY.match(normalize(text)):
            return other_entity_reply(text, None)
        aspect = (own_aspect_reply(text, named, context) if named else None) or aspect_reply(text, None, context)
        if aspect is None and named and decision.key != named and len(normalize(text).split()) <= 5:
            # « SecNumCloud obligatoire du coup ? »: the notion the short message names.
            return Reply(FAQ, "notion nommée", key=named, topic=named)
        return aspect
    if named:
        return aspect_reply(text, named, context)
    return _answer_line(text, context, decision)


# A line of an answer read for a message nothing else placed, only when it clearly is that line.
MIN_SCORE_WITHOUT_CONTEXT = 4.0


def _answer_line(text: str, context: Context, decision: FaqDecision) -> Optional[Reply]:
    """« On peut appliquer la doctrine projet par projet ? »: the one line of all the answers that says it."""
    if decision.key is not None or not context.answers or parse_entity_type(text, requested=False) is not None:
        return None
    parts = answer_parts(context.answers)
    scored = sorted(((parts.score(text, line), key, line) for key, answer in context.answers
                     for line in answer_lines(answer)[0]), reverse=True)
    if not scored or scored[0][0] < MIN_SCORE_WITHOUT_CONTEXT or parts.shared(text, scored[0][2]) < 2:
        return None
    _, key, line = scored[0]
    return Reply(PART, "ligne d'une réponse", topic=key,
                 values={"extrait": line, "sources": answer_lines(dict(context.answers)[key])[1], "seule": True})


def second_question(text: str) -> Optional[str]:
    """The FAQ key of a second question asked with a situation (« …, sommes-nous concernés, et faut-il du
    SecNumCloud ? », « Concernés, et qui contrôle ? »): answered after the verdict."""
    normalized = normalize(text)
    for _, name in notions_named(normalized):
        key = str(load_followups()["concepts"][name]["key"])
        if key not in _PERIMETER_KEYS:
            return key
    return None


_PERIMETER_KEYS = frozenset({"champ_application", "projet_concerne", "collectivites", "autres_questions"})
