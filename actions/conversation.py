"""Replies in context: a follow-up read against the last answer or verdict kept in the conversation.

People do not ask one question and leave: after « Qui contrôle l'application de la doctrine ? » comes
« à partir de quel montant ? », after a verdict « pourquoi ? », « et après ? » or « et si c'était 60 % ? ».
The context lives in the tracker (actions/context.py: slots `topic` and `last_check`, and the last bot
messages with the sections they declare), so it survives a restart, a second instance, a takeover and a
model deploy. This module is pure: the action (actions/faq.py) gives it the message, its parse data, the
context and the context-free FAQ decision, and gets a Reply to carry out, or None for the usual answer.

Context may help read a short message, never override a confident reading of a clear one:
- a button, a rule named by its number, a comparison or a situation told in full are read on their own;
- a follow-up asking « pourquoi ? » or « et après ? », a what-if after a verdict, or a short/elliptical
  message asking an aspect of the last answer (actions/data/followups.yml) is read in context;
- a confident FAQ reading that would repeat the last answer to a different question is replaced by the
  part asked for, or by « ma réponse couvre déjà ce point » with questions close to it.
"""

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import yaml

from actions.answer_parts import AnswerParts, answer_lines
from actions.context import VERDICT_TOPIC
from actions.explanations import fact_part
from actions.faq_catalog import load_catalog
from actions.faq_decision import FaqDecision
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
    names_an_entity,
    names_the_state_as_client,
    parse_entity_type,
    parse_percentage,
)
from actions.text_normalization import normalize

FOLLOWUPS_FILE = Path(__file__).parent / "data" / "followups.yml"

# Reply kinds.
FAQ = "faq"  # answer FAQ `key`
RESPONSE = "response"  # send domain `response`
EXPLAIN_ANSWER = "explain_answer"  # where the last answer comes from (built from its sections)
CHECK = "check"  # give the verdict for `slots`, or go on with the check to ask what is missing
ALREADY_SAID = "already_said"  # nothing more than the last answer: say so, with questions close to it
PART = "part"  # « Comme indiqué : » the line of the last answer asked about (values: extrait, sources)
BOTH_SIDES = "both_sides"  # a comparison with no written reply: the first line of each answer (values: keys)

# « pourquoi ? », « d'où ça sort ? », « quel texte le dit ? », « c'est écrit où ? »
_WHY = re.compile(
    r"^(et |mais |ah |ok |d accord |hein |euh )*("
    r"pourquoi( (donc|ca|cela|ce verdict|ce resultat|cette reponse|on est concernes?|nous|pas|on n est pas concernes?"
    r"|je suis concernee?|je ne suis pas concernee?|ce n est pas|c est|non|oui|ca\b.*|exactement|au juste))*"
    r"|pour quelle raison.*|d ou (ca|cela) (sort|vient)|ca sort d ou|ca vient d ou|d ou vient (cette|ce|la|le).*"
    r"|(sur|selon) quelle base.*|sur quoi (vous )?(vous )?(basez|fondez|appuyez).*|quelle est la source.*"
    r"|quelles? sources?"
    r"|(la |ta |votre )?source( svp| s il vous plait)?|quel texte.*|(c est|cest) ecrit ou|ou (c est|est ce) ecrit.*"
    r"|qu est ce qui (le |vous )?(justifie|dit ca|permet de dire).*|justifi\w*( svp)?|a quel titre.*"
    r"|comment (ca|cela) se fait.*|vous (tenez|sortez) (ca|cela) d ou|c est dans quel texte|c est ou dans la faq"
    r"|la faq dit (ca|cela) ou|ou la faq (le dit|dit ca).*|explique\w*( pourquoi)?( svp)?|expliquez\w*.*"
    r")( svp| s il vous plait| merci)?$"
)
# « et après ? », « on commence par quoi ? », « que dois-je faire maintenant ? »
_NEXT = re.compile(
    r"^(et |mais |ok |d accord |bon |alors |donc |bien |tres bien |parfait |merci |du coup )*"
    r"((et )?(apres|ensuite|maintenant|concretement) )?("
    r"(et )?(apres|ensuite|maintenant|la suite|et la suite|puis)( (on fait quoi|je fais quoi|quoi|alors|concretement))?"
    r"|(on|je|nous) (commence|commencons|demarre|demarrons|fait|fais|faisons|doit faire|dois faire|devons faire)"
    r"( quoi| par quoi)( maintenant| ensuite| concretement| alors| en premier)?"
    r"|(par )?(quoi|ou) (commencer|demarrer)( maintenant| concretement| alors)?"
    r"|(que|qu est ce que) (dois je|je dois|doit on|on doit|faut il|il faut|devons nous|nous devons|je fais|on fait)"
    r"( faire)?( maintenant| ensuite| concretement| alors| en premier| d abord| apres)?"
    r"|quelles? (est|sont) (la|les) (suite|prochaines? etapes?|etapes? suivantes?)( a suivre)?( maintenant)?"
    r"|(les |la )?(prochaines? etapes?|etapes? suivantes?|suite des operations)|next steps?"
    r"|comment (on |je )?(avance|continue|procede|poursui\w+|demarre|commence)( maintenant| ensuite)?"
    r"|(on |je )?(demarre|commence|avance|procede) comment( maintenant| ensuite)?|quelle suite|et apres ca|puis"
    r"|(je|on) (fais|fait) quoi ensuite|et la suite"
    r"|et concretement( on fait quoi| je fais quoi)?|concretement( on fait quoi| je fais quoi)?"
    r"|quelle (est la )?prochaine etape|next|what next|et donc"
    r")( svp| s il vous plait| merci)?$"
)
# « et si c'était… », « et pour un rectorat ? », « avec 60 % ? »: one answer of the check changed.
_WHAT_IF = re.compile(
    r"^(et |mais |ok |d accord |alors |donc |bon )*(si |pour |par |avec |dans le cas |en cas |imaginons |supposons "
    r"|admettons |a |au |en |un |une |le |la |les |des |chez |quid )"
)
# A short message that only makes sense against what was said before.
_ELLIPTICAL_START = re.compile(
    r"^(et|mais|donc|alors|ok|d accord|du coup|sinon|ensuite|aussi|pareil|idem|ah|bon|et puis|quid"
    r"|ca|cela|c est|celui|celle|ceux|celles|elle|elles|il|ils|y|en)\b"
)
# After a verdict, « pourquoi, c'est pas un nouveau projet pourtant », « vous êtes sûrs qu'on est un opérateur ? »
_WHY_VERDICT = re.compile(
    r"^(et |mais |ah |hein |euh |ok |bon )*(pourquoi|pour quelle raison|vous etes s\w+|etes vous s\w+|c est s\w+ ca"
    r"|vraiment|sur quoi|meme pour (nous|moi)|meme si (nous|on))\b"
)
# « la suite c'est quoi ? », « donc on n'a rien à faire ? »
_NEXT_TAIL = re.compile(
    r"\b(la suite|la prochaine etape|les prochaines etapes|et apres|et ensuite|quelle suite|et maintenant"
    r"|l etape (d apres|suivante))( c est quoi| alors)?$"
    r"|\b(on|je|nous) (fait|fais|faisons) quoi( maintenant| alors| ensuite| concretement)?$"
    r"|\b(on )?(n )?a rien a faire\b|\brien a faire\b|\bpas d obligation\b"
)
# The person speaks of their own organisation or project: « nous », « notre », « on », « je », « mon »…
_FIRST_PERSON = re.compile(r"\b(je|j|nous|notre|nos|on|mon|ma|mes)\b")
_CONCERNED = re.compile(
    r"\b(concern\w*|s appliqu\w*|appliqu\w* (la|cette|notre|votre) (doctrine|circulaire)|appliqu\w* cloud au centre"
    r"|applicable|soumis\w*|oblig\w*|rentr\w*|champ|tomb\w*"
    r"|vise\w*|relev\w*|scope|perimetre|oui ou non|suivre (la doctrine|cloud au centre)|contraintes?|exigences?"
    r"|impos\w*|respecter (la doctrine|cloud au centre)"
    r"|de quel cote|on doit faire quoi|que (doit on|devons nous|faut il) faire|qu est ce qu (il faut|on doit) faire"
    r"|qu en est il|regles? (a respecter|a suivre|a appliquer|qui s appliquent)|quelles regles|tenue?s? de)\b"
)
MAX_ELLIPTICAL_WORDS = 6
# « Top, et ensuite ? », « ok merci. sinon… »: words that acknowledge the last answer before the message proper.
_ACKNOWLEDGEMENT = re.compile(
    r"^((ok|okay|merci|merci beaucoup|super|top|parfait|tres bien|d accord|entendu|compris|genial|cool|nickel"
    r"|c est note|note)( |$))+"
)
# « sinon, … », « au fait, … »: what follows opens another subject.
_NEW_SUBJECT = re.compile(r"^(sinon|au fait|autre chose|autre question|rien a voir|par ailleurs|changement de sujet) ")
MIN_WORDS_OF_A_NEW_SUBJECT = 4
# « quelle différence entre X et Y ? », « X ou Y ? », « X par rapport à Y »
_COMPARISON = re.compile(
    r"\b(differences?|different\w*|differencier|distingue\w*|distinction|compar\w*|versus|vs|par rapport (a|au|aux)"
    r"|plutot|ou bien|ou alors|contrairement|pareil|meme chose|quel rapport|lien entre|rapport entre|choisir entre"
    r"|nuances?|confond\w*|ecart|hesit\w*|qu est ce qui change|ce qui change|entre (\w+ ){1,6}et)\b"
)
_STEP_NUMBERS = {
    "premiere": 1, "1ere": 1, "1re": 1, "1": 1, "un": 1, "deuxieme": 2, "seconde": 2, "2e": 2, "2eme": 2, "2": 2,
    "deux": 2, "troisieme": 3, "3e": 3, "3eme": 3, "3": 3, "trois": 3, "quatrieme": 4, "4e": 4, "4eme": 4, "4": 4,
    "quatre": 4, "cinquieme": 5, "derniere": 5, "5e": 5, "5eme": 5, "5": 5, "cinq": 5,
}
_STEP_PATTERNS = (re.compile(r"\b(\w+) etape\b"), re.compile(r"\betape (?:n |numero )?(\w+)\b"),
                  re.compile(r"\b(\w+) des (?:5|cinq) etapes\b"))
# « et les hôpitaux ? », « et pour un EPIC ? »: another entity, after a perimeter answer.
# Words after « et les… » that name no organisation (« et une refonte de la moitié ? »).
_NOT_ORGANISATIONS = frozenset(
    "refonte refontes projet projets appli applis application applications donnee donnees offre offres solution "
    "solutions etape etapes regle regles moitie partie cout couts budget contrat marche marches cloud clouds si "
    "systeme outil outils logiciel logiciels securite formation financement".split()
)
_OTHER_ENTITY = re.compile(
    r"^(et |mais |quid )(pour |chez |de |du |des |les |le |la |l |un |une |nos |notre |aux? )+\w+"
)

_STEP_TOPICS = ("cinq_etapes", "par_ou_commencer")
_WHY_INTENT = "ask_why"
_NEXT_INTENT = "ask_next_steps"
_MIN_INTENT_CONFIDENCE = 0.5
_REPLY_BUTTONS = 3


@dataclass(frozen=True)
class Context:
    """What the conversation holds when a message arrives."""

    topic: Optional[str] = None  # FAQ key of the last answer, « verdict », or None
    last_check: Optional[Dict[str, Any]] = None  # slot last_check
    last_responses: Tuple[str, ...] = ()  # response names of the last turn's bot messages
    last_sections: Tuple[str, ...] = ()  # sections they declared
    last_user_text: str = ""  # the person's previous message
    last_texts: Tuple[str, ...] = ()  # the texts of the last turn's bot messages
    answers: Tuple[Tuple[str, str], ...] = ()  # (FAQ key, answer text) of the domain, for « Comme indiqué »

    @property
    def after_verdict(self) -> bool:
        return self.topic == VERDICT_TOPIC and isinstance(self.last_check, dict)


@dataclass(frozen=True)
class Reply:
    kind: str
    reason: str  # why this reply (tests and logs)
    key: Optional[str] = None
    response: Optional[str] = None
    topic: Optional[str] = None
    values: Dict[str, Any] = field(default_factory=dict)  # template values, or the check's answers


@lru_cache(maxsize=1)
def load_followups() -> Dict[str, Any]:
    data = yaml.safe_load(FOLLOWUPS_FILE.read_text(encoding="utf-8"))
    data["aspect_patterns"] = {name: re.compile(pattern) for name, pattern in data["aspects"].items()}
    data["concept_patterns"] = {name: re.compile(c["pattern"]) for name, c in data["concepts"].items()}
    return data


def _intent(parse_data: Dict[str, Any]) -> Tuple[str, float]:
    intent = parse_data.get("intent") or {}
    return str(intent.get("name") or ""), float(intent.get("confidence") or 0.0)


def question_part(text: str) -> str:
    """The sentence that asks, normalised: « on a compris qu'on n'était pas obligés. On trouve ces offres où ? »
    asks where the offers are, not whether one is concerned."""
    sentences = [part for part in re.split(r"(?<=[.!?])\s+", text.strip()) if part.strip()]
    asked = [sentence for sentence in sentences if "?" in sentence]
    return normalize(asked[-1] if asked else text)


# A follow-up that points back to what was said: « on les achète comment, ces offres ? », « ça impose quoi ? »
_ANAPHORA = re.compile(
    r"\b(ces|cette|cet|ca|cela|celles?|ceux|celui)\b"
    r"|\b(les|la|l|y|en) (achet|trouv|obt|demand|utilis|chois|prend|pren)\w*"
)
# A reading the classifier is this sure of, of a message that is not short, is read on its own.
CLEAR_READING_CONFIDENCE = 0.6


def _clear_on_its_own(text: str, decision: FaqDecision, context: Context) -> bool:
    """A question that says what it is about: the classifier is sure of it, it is not short, it points back to
    nothing (« ces services », « et si… »), and if it opens on « et » it names the notion it is about."""
    normalized = without_acknowledgement(normalize(text))
    if decision.reason not in ("confident", "rule_number") or decision.key in (None, context.topic) \
            or decision.confidence < CLEAR_READING_CONFIDENCE or len(normalized.split()) <= MAX_ELLIPTICAL_WORDS:
        return False
    if _ANAPHORA.search(normalized) or re.match(r"^(et |mais |donc |ok |alors )*(si|et si)\b", normalized):
        return False
    return not _ELLIPTICAL_START.match(normalized) or decision.key in _keys_named(normalized)


def _keys_named(normalized: str) -> List[str]:
    return [str(load_followups()["concepts"][name]["key"]) for _, name in _notions_named(normalized)]


def asks_for_the_check(text: str, parse_data: Dict[str, Any]) -> bool:
    """« la doctrine s'applique à nous ? » read between the check and an FAQ question (too close to call for
    the classifier): someone asking about their own case wants the check."""
    if _intent(parse_data)[0] != "nlu_fallback":
        return False
    ranking = [item for item in parse_data.get("intent_ranking") or [] if item.get("name") != "nlu_fallback"]
    normalized = normalize(text)
    return bool(ranking) and ranking[0].get("name") == "check_scope" \
        and _FIRST_PERSON.search(normalized) is not None and _CONCERNED.search(normalized) is not None


def without_acknowledgement(normalized: str) -> str:
    """« top et ensuite on fait comment » → « et ensuite on fait comment »: the message after its « ok, merci »."""
    return _ACKNOWLEDGEMENT.sub("", normalized)


def is_elliptical(text: str) -> bool:
    """Short, or opening on « et », « mais », « donc », « ok »… (« top, et ensuite ? » too): a message that
    leans on what was said before."""
    normalized = normalize(text)
    own = without_acknowledgement(normalized)
    return len(own.split()) <= MAX_ELLIPTICAL_WORDS or _ELLIPTICAL_START.match(normalized) is not None \
        or _ELLIPTICAL_START.match(own) is not None


def opens_another_subject(text: str) -> bool:
    """« ok merci. sinon t'as une recette de crêpes ? »: a whole question after « sinon », « au fait »…"""
    message = without_acknowledgement(normalize(text))
    match = _NEW_SUBJECT.match(message)
    return match is not None and len(message[match.end():].split()) >= MIN_WORDS_OF_A_NEW_SUBJECT


def clauses(text: str) -> List[str]:
    """The normalised clauses of a message: « et après ? on a besoin d'aide » → « et apres », « on a besoin d aide »."""
    return [normalize(part) for part in re.split(r"[?!.;:,]+", text) if normalize(part)] or [normalize(text)]


def asks_why(text: str, parse_data: Dict[str, Any]) -> bool:
    intent, confidence = _intent(parse_data)
    if intent == _WHY_INTENT and confidence >= _MIN_INTENT_CONFIDENCE and is_elliptical(text):
        return True
    return _WHY.match(clauses(text)[0]) is not None or _WHY.match(normalize(text)) is not None


def asks_next_steps(text: str, parse_data: Dict[str, Any]) -> bool:
    intent, confidence = _intent(parse_data)
    if intent == _NEXT_INTENT and confidence >= _MIN_INTENT_CONFIDENCE and is_elliptical(text):
        return True
    return any(_NEXT.match(clause) or _NEXT_TAIL.search(clause) for clause in clauses(text))


def aspects_of(text: str) -> List[str]:
    """The aspects a follow-up asks for, in the order of actions/data/followups.yml."""
    normalized = normalize(text)
    return [name for name, pattern in load_followups()["aspect_patterns"].items() if pattern.search(normalized)]


def step_asked(text: str, topic: Optional[str] = None) -> Optional[int]:
    """« et la troisième étape ? » → 3; right after the steps, « et la dernière ? » → 5."""
    normalized = normalize(text)
    if topic in _STEP_TOPICS and is_elliptical(text):
        for word in normalized.split():
            if word in _STEP_NUMBERS and not word.isdigit() and word not in ("un", "deux", "trois", "quatre", "cinq"):
                return _STEP_NUMBERS[word]
    for pattern in _STEP_PATTERNS:
        for match in pattern.finditer(normalized):
            if match.group(1) in _STEP_NUMBERS:
                return _STEP_NUMBERS[match.group(1)]
    return None


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


def _what_if_reading(text: str, last_check: Dict[str, Any]) -> Dict[str, Any]:
    """The answers a what-if gives; a bare number counts as the share when the verdict rested on one."""
    reading = read_scope_answer(text, None, {}).slots
    entity = parse_entity_type(text, requested=False) if ENTITY_TYPE in reading else None
    if entity is not None and not names_an_entity(text, entity):
        # « et si on change de prestataire ? » is another hypothesis, not « et si c'était un prestataire ? »
        reading.pop(ENTITY_TYPE, None)
        reading.pop(ORGANISATION, None)
    if REFACTOR_PERCENTAGE not in reading and last_check.get(REFACTOR_PERCENTAGE) is not None:
        share = parse_percentage(re.sub(r"^(et |mais )?(si |avec |a |pour )?(c etait |on etait |on est )?", "",
                                        normalize(text)), requested=True)
        if share.value is not None:
            reading[REFACTOR_PERCENTAGE] = share.value
            reading.setdefault(NEW_PROJECT, False)
    return reading


# « les données de nos clients ministères sont sensibles, … ? »: a question on their data, not on who one is.
_ABOUT_DATA = re.compile(r"\b(sensib\w*|qualif\w*|secnum\w*|securite|diffusion restreinte)\b")
_OTHER_HYPOTHESIS = re.compile(r"\bchang\w* d(e|u|es) (prestataires?|fournisseurs?|editeurs?|societes?|hebergeurs?)\b")
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
        if _WHAT_IF.match(normalized) or is_elliptical(text):
            change = _what_if_reading(text, context.last_check)
            answers = changed_answers(previous, change)
            general = _entity_in_general(text, normalized, change, answers == previous)
            if general is not None:
                return general
            if change and answers != previous:
                return Reply(CHECK, "what_if", values=answers)
    reading = read_scope_answer(text, None, {}).slots
    if reading.get(ENTITY_TYPE) == AUTRE and _OTHER_HYPOTHESIS.search(normalized):
        reading.pop(ENTITY_TYPE)  # « si on change de prestataire » names no organisation
    own = _FIRST_PERSON.search(normalized) is not None or intent in ("inform", "check_scope")
    asks_applicability = _CONCERNED.search(question_part(text)) is not None or intent in ("inform", "check_scope")
    with_project = NEW_PROJECT in reading or REFACTOR_PERCENTAGE in reading
    if ENTITY_TYPE not in reading:
        # « Nouveau projet de portail, on part de zéro : faut-il appliquer la doctrine ? »: the check asks who.
        if with_project and own and asks_applicability:
            return Reply(CHECK, "situation", values=changed_answers({}, reading))
        return None
    if with_project and (own or asks_applicability or "?" not in text):
        return Reply(CHECK, "situation", values=changed_answers({}, reading))
    if reading[ENTITY_TYPE] in _ENTITY_ONLY_VERDICTS and asks_applicability:
        return Reply(CHECK, "situation", values=changed_answers({}, {ENTITY_TYPE: reading[ENTITY_TYPE]}))
    if _CONCERNED.search(question_part(text)) and _FIRST_PERSON.search(normalized):
        # « je suis à l'ANTS, est-ce qu'on est concernés ? »: the check, which asks about the project.
        own_entity = {name: value for name, value in reading.items() if name in (ENTITY_TYPE, ORGANISATION)}
        return Reply(CHECK, "situation", values=changed_answers({}, own_entity))
    return None


# --- replies for the last answer ------------------------------------------------------------------------

def _target(entry: Dict[str, str], reason: str, topic: Optional[str]) -> Reply:
    if "answer" in entry:
        return Reply(FAQ, reason, key=entry["answer"], topic=entry["answer"])
    return Reply(RESPONSE, reason, response=entry["response"], topic=topic)


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
    if not _OTHER_ENTITY.match(normalized) and len(normalized.split()) > 3:
        return None
    entity = parse_entity_type(text, requested=False)
    if entity is None:
        named = _OTHER_ENTITY.match(normalized)
        if not named or set(normalized.split()) & _NOT_ORGANISATIONS:
            return None
        return Reply(RESPONSE, "autre entité", response="utter_perimetre_autre", topic=topic)
    if entity.entity_type in _ENTITY_ONLY_VERDICTS:
        # Its verdict needs no project: the orientation for that organisation.
        return Reply(CHECK, "situation", values=changed_answers({}, {ENTITY_TYPE: entity.entity_type}))
    return perimeter_reply(entity, topic)


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
        # « on a fini la matrice d'emploi, l'étape d'après ? », « on a fixé nos enjeux, la suite ? »
        for step, words in _STEP_WORDS.items():
            if re.search(rf"\b({words})", normalized):
                return step + 1
    rank = _STEP_RANK.search(normalized) if context.topic in _STEP_TOPICS else None
    if rank is not None and (_STEP_DONE.search(normalized) or _CONTENT_DONE.search(normalized)
                             or _AT_STEP.search(normalized) or re.search(r"\bok pour\b", normalized)):
        words = [word for word in rank.group(0).split() if word in _STEP_NUMBERS]
        done = _STEP_NUMBERS[words[-1]] if words else None
        if done is not None and done < 5:
            return done + 1  # « on a fait la première, et ensuite ? »
    if context.topic not in _STEP_TOPICS or not is_elliptical(text):
        return None
    asked = step_asked(context.last_user_text, context.topic)
    if asked is not None and asked < 5:
        return asked + 1  # « quelle est la première étape ? » then « et ensuite ? »
    if _ASKS_WHERE_TO_START.search(normalize(context.last_user_text)):
        return 2  # « on commence par quoi ? » was answered with the first step: « et ensuite ? » is the second
    return None


def why_reply(context: Context, text: str = "") -> Reply:
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
    if context.after_verdict and context.last_check:
        criterion = str(context.last_check.get("criterion") or "")
        share = context.last_check.get(REFACTOR_PERCENTAGE)
        values = {"part": f"{share:g}"} if isinstance(share, (int, float)) else {}
        return Reply(RESPONSE, "pourquoi du verdict", response=f"utter_pourquoi_{criterion}", topic=context.topic,
                     values=values)
    if context.last_sections and set(context.last_sections) - {"C"}:
        return Reply(EXPLAIN_ANSWER, "pourquoi de la réponse", topic=context.topic)
    return Reply(RESPONSE, "pourquoi sans contexte", response="utter_pourquoi_sans_contexte", topic=context.topic)


def _notions_named(normalized: str) -> List[Tuple[int, str]]:
    """(position, notion) of every notion of followups.yml the text names, in reading order."""
    found = []
    for name, pattern in load_followups()["concept_patterns"].items():
        match = pattern.search(normalized)
        if match:
            found.append((match.start(), name))
    return sorted(found)


def _either_or(normalized: str, notions: List[Tuple[int, str]]) -> bool:
    """« Nubo ou Cloud Pi ? »: two notions with « ou » between them (not « où », which the text loses)."""
    return any(" ou " in normalized[first:second] for (first, _), (second, _) in zip(notions, notions[1:], strict=False)
               if len(normalized[first:second].split()) <= 6)


def comparison_reply(text: str, context: Context) -> Optional[Reply]:
    """Both sides of « X ou Y ? », « différence entre X et Y ? » (one side may be the last answer's)."""
    normalized = normalize(text)
    notions = _notions_named(normalized)
    if not _COMPARISON.search(normalized) and not _either_or(normalized, notions):
        return None
    followups = load_followups()
    named = [name for _, name in notions]
    if len(named) < 2 and _COMPARISON.search(normalized) and context.topic:
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


def topic_named_in(text: str) -> Optional[str]:
    """The FAQ key of the first notion a message names (« Nubo » → cloud_interne), for a message the
    classifier could not place: its aspect may still be read against that notion."""
    normalized = normalize(text)
    for concept in load_followups()["concepts"].values():
        if re.search(concept["pattern"], normalized):
            return str(concept["key"])
    return None


# « nos données ne sont pas d'une sensibilité particulière », « notre analyse conclut qu'elles sont sensibles »:
# the person states the result of their analysis (the two criteria of the fact base, A6).
_STATES_SENSITIVE = re.compile(
    r"\b(sont|seront|est|sera|pour des|pour nos|avec des|on a des|nous avons des) (bien |donc |clairement )?"
    r"(donnees )?(d une sensibilite particuliere|particulierement sensibles|sensibles|tres sensibles)\b"
)
_FIRST_CRITERION = re.compile(r"\b(mission essentielle|secrets? protege\w*|sensibles? par (nature|usage))\b")
_SECOND_CRITERION = re.compile(
    r"\b(ordre public|securite publique|sante ou (la )?vie|vie des personnes|propriete intellectuelle)\b")
_ASKS_DEFINITION = re.compile(
    r"\b(criteres?|conditions|definition|definit|c est quoi|c quoi|veut dire|signifie|comment (savoir|on sait))\b")
_CONCLUDES = re.compile(r"\b(conclu\w*|analyse (montre|dit|indique|revele)|on a (determine|etabli)|s avere\w*)\b")
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
    asks = _ASKS_WHICH_CLOUD.search(normalized) is not None or asks_next_steps(text, parse_data)
    tells = "?" not in text and (_CONCLUDES.search(normalized) is not None or both_criteria)
    if not (asks or tells):
        return None
    if "non_sensible" in aspects_of(text):
        return Reply(RESPONSE, "données non sensibles", response="utter_suivi_r9_non_sensibles", topic="regle_r9")
    if _STATES_SENSITIVE.search(normalized) or both_criteria:
        return Reply(RESPONSE, "données sensibles", response="utter_ensuite_donnees_sensibles", topic="regle_r9")
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
    check = read_check_in_context(text, context, _intent(parse_data)[0])
    if check is not None:
        return check
    if asks_for_the_check(text, parse_data):
        return Reply(CHECK, "start")
    data = data_conclusion_reply(text, parse_data)
    if data is not None:
        return data
    named = topic_named_in(text)
    clear = _clear_on_its_own(text, decision, context)
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
    said_before = aspects_of(context.last_user_text) if named in ("secnumcloud", "regle_r9") else []
    if "non_sensible" in said_before:
        # « SecNumCloud obligatoire du coup ? » after « nos données ne sont pas sensibles ».
        return Reply(RESPONSE, "données non sensibles dites avant", response="utter_suivi_r9_non_sensibles",
                     topic=named)
    if "sante" in said_before and "sante" not in aspects_of(text):
        # « faut-il du SecNumCloud ? » after « une appli avec des données de santé »: what health data imply.
        return Reply(RESPONSE, "données de santé dites avant", response="utter_suivi_donnees_sante", topic=named)
    if elliptical or _ANAPHORA.search(normalized):
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
        if named and named != context.topic and not context.after_verdict \
                and f"utter_faq/{named}" not in context.last_responses:
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
        return _unplaced_reply(text, context, decision) or _candidate_in_context(context, decision)
    return None


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


# After a verdict, the FAQ question its subject is (« et c'est quoi l'intérêt alors ? » after a collectivité).
_TOPIC_OF_VERDICT = {
    "hors_circulaire_collectivite": "collectivites",
    "concerne": "projet_concerne",
    "non_concerne": "projet_concerne",
    "service_deconcentre_a_confirmer": "champ_application",
    "hors_circulaire_autre": "champ_application",
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
            topics.append(_TOPIC_OF_VERDICT.get(str(context.last_check.get("verdict")), ""))
    return [topic for topic in dict.fromkeys(topics) if topic and topic != VERDICT_TOPIC]


_BARE_NUMBER = re.compile(
    r"^(et |ok |bon )?(la |et la )?(?P<number>\d{1,2}|[a-z]+ieme|premiere)( regle)?( c est quoi)?( deja)?$"
)
_ORDINAL_WORDS = {"premiere": 1, "deuxieme": 2, "troisieme": 3, "quatrieme": 4, "cinquieme": 5, "sixieme": 6,
                  "septieme": 7, "huitieme": 8, "neuvieme": 9, "dixieme": 10, "onzieme": 11, "douzieme": 12,
                  "treizieme": 13, "quatorzieme": 14, "quinzieme": 15}
_COLLECTIVITE_OBLIGATION = re.compile(r"\b(secnumcloud|secnum|snc|oblig\w*|forc\w*|impos\w*|contraint\w*)\b")


# After a collectivité's verdict, « on peut quand même y aller ? », « c'est recommandé pour nous ? »: the invitation.
_COLLECTIVITE_INVITATION = re.compile(
    r"\b(quand meme|recommand\w*|encourag\w*|conseill\w*|invit\w*|incit\w*|interet|le droit|autoris\w*|libres?"
    r"|ce qu on veut|y aller|aller (sur|vers|dans) le cloud|passer au cloud|sensibles?|etat civil)\b"
)
MAX_WORDS_ABOUT_A_COLLECTIVITE = 10


def _after_a_collectivite_verdict(text: str, normalized: str, context: Context,
                                  parse_data: Dict[str, Any]) -> Optional[Reply]:
    """A short follow-up to a collectivité's verdict: no obligation (SecNumCloud included), or the invitation
    to use the cloud anyway; a why or a question on another notion is read otherwise."""
    if not (context.after_verdict and context.last_check and context.last_check.get(ENTITY_TYPE) == COLLECTIVITE):
        return None
    if _COLLECTIVITE_OBLIGATION.search(normalized):
        return Reply(RESPONSE, "obligations d'une collectivité", response="utter_suivi_collectivite_sans_obligation",
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


OFF_TOPIC_CONFIDENCE = 0.8


# Below OFF_TOPIC_CONFIDENCE, a whole question is still off the subject when off topic is the classifier's best
# reading (the uncertainty fallback aside) and the message names nothing of the doctrine.
OFF_TOPIC_CONFIDENCE_NAMING_NOTHING = 0.6
OFF_TOPIC_CONFIDENCE_AFTER_SINON = 0.3
_DOCTRINE_WORDS = re.compile(
    r"\b(cloud\w*|doctrine|circulaires?|donnees?|heberg\w*|projets?|si|systemes? d information|dinum|anssi"
    r"|ministere\w*|operateurs?|administrations?|regles?|secnum\w*|migr\w*|refont\w*|applications?|logiciels?"
    r"|saas|iaas|paas|nubo|ugap|ftap|sren|marches?|etat|publi\w*|structures?|organismes?|entites?|collectivit\w*"
    r"|services?|guichet|financ\w*)\b"
)


def _best_reading(parse_data: Dict[str, Any]) -> Tuple[str, float]:
    """The classifier's best intent, the uncertainty fallback aside."""
    for item in parse_data.get("intent_ranking") or []:
        if item.get("name") != "nlu_fallback":
            return str(item.get("name") or ""), float(item.get("confidence") or 0.0)
    return _intent(parse_data)


def clearly_off_topic(text: str, parse_data: Dict[str, Any]) -> bool:
    """« au fait, tu peux m'expliquer comment poser mes congés ? », « tu peux me traduire ce mail ? »: a whole
    question off the subject is not a follow-up, whatever came before."""
    intent, confidence = _intent(parse_data)
    whole_question = not is_elliptical(text) or opens_another_subject(text)
    if intent == "out_of_scope" and confidence >= OFF_TOPIC_CONFIDENCE and whole_question:
        return True
    best, best_confidence = _best_reading(parse_data)
    if best != "out_of_scope" or not whole_question:
        return False
    message = without_acknowledgement(normalize(text))
    if _DOCTRINE_WORDS.search(message) or _ANAPHORA.search(message) or re.search(r"(?<!il )\by \w+", message) \
            or topic_named_in(text) or parse_entity_type(text, requested=False):
        return False  # « n'importe quelle structure publique peut y aller ? » speaks of what was just said
    floor = OFF_TOPIC_CONFIDENCE_AFTER_SINON if opens_another_subject(text) else OFF_TOPIC_CONFIDENCE_NAMING_NOTHING
    return best_confidence >= floor


def _short_why(normalized: str, context: Context, decision: FaqDecision) -> bool:
    """« pourquoi ce niveau-là, on est une petite commune » after an answer, « pourquoi, c'est pas un nouveau
    projet pourtant » after a verdict: a why about the last reply, unless it is a clear question of its own."""
    if context.after_verdict and _WHY_VERDICT.match(normalized):
        return True
    return bool(context.topic) and normalized.startswith(("pourquoi", "mais pourquoi", "et pourquoi")) \
        and len(normalized.split()) <= MAX_WORDS_OF_A_SHORT_WHY and decision.key in (None, context.topic)


def entity_question_reply(text: str, context: Context, decision: FaqDecision) -> Optional[Reply]:
    """« le CNES est-il soumis à la doctrine ? », « l'INCa fait-il partie des opérateurs ? »: the perimeter for
    the organisation named (a question about someone, not one's own project)."""
    normalized = normalize(text)
    if not (_CONCERNED.search(normalized) or _PART_OF.search(normalized)):
        return None
    entity = parse_entity_type(text, requested=False)
    if entity is None or (entity.operator is None and decision.key is not None):
        return None
    if _FIRST_PERSON.search(question_part(text)):
        return None  # one's own organisation: its verdict or the check (read_check_in_context)
    reply = perimeter_reply(entity, context.topic)
    return Reply(reply.kind, "question sur une organisation", key=reply.key, response=reply.response,
                 topic="champ_application" if reply.kind == RESPONSE else reply.topic, values=reply.values)


_PART_OF = re.compile(
    r"\b(fait (il|elle) partie|font (ils|elles) partie|fait partie|dans la liste|est (il|elle) dedans|y est|y sont"
    r"|y figure\w*|dedans|dans le lot)\b"
)


def _unplaced_reply(text: str, context: Context, decision: FaqDecision) -> Optional[Reply]:
    """A message the classifier could not place (or a short one after a verdict): a general aspect
    (financing, contact…), another entity, or an aspect of the notion it names itself."""
    named = topic_named_in(text)
    if context.after_verdict:
        if decision.key is None and len(normalize(text).split()) <= 4 and _OTHER_ENTITY.match(normalize(text)):
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
    for _, name in _notions_named(normalized):
        key = str(load_followups()["concepts"][name]["key"])
        if key not in _PERIMETER_KEYS:
            return key
    return None


_PERIMETER_KEYS = frozenset({"champ_application", "projet_concerne", "collectivites", "autres_questions"})
