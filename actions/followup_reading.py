"""How a follow-up reads, before any context is applied: the reply kinds and the Context and Reply types, the
patterns of a short or elliptical message (« et après ? », « pourquoi ? », « et si… ? »), the aspects a message
asks (actions/data/followups.yml), the notions it names and whether it is a whole question off the subject.

Pure functions of the text and its parse data; actions/conversation.py puts them together with the context.
"""

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import yaml

from actions.context import VERDICT_TOPIC
from actions.faq_decision import FaqDecision
from actions.scope_answers import read_scope_answer
from actions.scope_parsing import (
    parse_entity_type,
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

# « pourquoi » as people type it in a chat (« pk », « pq »…).
WHY_WORD = r"(pourquoi|pourkoi|pkoi|pk|pq)"
# « pourquoi ? », « d'où ça sort ? », « quel texte le dit ? », « c'est écrit où ? »
_WHY = re.compile(
    r"^(et |mais |ah |ok |d accord |hein |euh )*("
    + WHY_WORD +
    r"( (donc|ca|cela|ce verdict|ce resultat|cette reponse|on est concernes?|nous|pas|on n est pas concernes?"
    r"|je suis concernee?|je ne suis pas concernee?|ce n est pas|c est|non|oui|ca\b.*|exactement|au juste))*"
    r"|pour quelle raison.*|d ou (ca|cela) (sort|vient)|d ou (vous |tu )?(tenez|tiens|sortez|sors|savez|sais)\b.*"
    r"|ca sort d ou|ca vient d ou|d ou vient (cette|ce|la|le).*"
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
    r"((et )?(apres|ensuite|maintenant|mtn|concretement) )?("
    r"(et )?(apres|ensuite|maintenant|mtn|la suite|et la suite|puis)"
    r"( (on fait quoi|je fais quoi|quoi|alors|concretement))?"
    r"|(on|je|nous) (commence|commencons|demarre|demarrons|fait|fais|faisons|doit faire|dois faire|devons faire)"
    r"( quoi| par quoi)( maintenant| ensuite| concretement| alors| en premier)?"
    r"|(par )?(quoi|ou) (commencer|demarrer)( maintenant| concretement| alors)?"
    r"|par (quoi|ou) (est ce qu )?(on|je|nous) (commence|commencons|demarre|demarrons|attaque|attaquons)"
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
WHAT_IF = re.compile(
    r"^(et |mais |ok |d accord |alors |donc |bon )*(si |pour |par |avec |dans le cas |en cas |imaginons |supposons "
    r"|admettons |a |au |en |un |une |le |la |les |des |chez |quid )"
)
# A short message that only makes sense against what was said before.
_ELLIPTICAL_START = re.compile(
    r"^(et|mais|donc|alors|ok|d accord|du coup|sinon|ensuite|aussi|pareil|idem|ah|bon|et puis|quid|meme"
    r"|ca|cela|c est|celui|celle|ceux|celles|elle|elles|il|ils|y|en)\b"
)
# After a verdict, « pourquoi, c'est pas un nouveau projet pourtant », « vous êtes sûrs qu'on est un opérateur ? »
WHY_VERDICT = re.compile(
    r"^(et |mais |ah |hein |euh |ok |bon )*(" + WHY_WORD + r"|pour quelle raison|pourtant"
    r"|vous etes s\w+|etes vous s\w+"
    r"|c est s\w+ ca"
    r"|vraiment|sur quoi|meme pour (nous|moi)|meme si (nous|on))\b"
)
# « la suite c'est quoi ? », « donc on n'a rien à faire ? »
_NEXT_TAIL = re.compile(
    r"\b(la suite|la prochaine etape|les prochaines etapes|et apres|et ensuite|quelle suite|et maintenant"
    r"|l etape (d apres|suivante))( c est quoi| alors)?$"
    r"|\b(on|je|nous) (fait|fais|faisons) quoi( maintenant| alors| ensuite| concretement)?$"
    r"|\b(on )?(n )?a rien a faire\b|\brien a faire\b|\bpas d obligation\b"
    r"|\brien ne (nous|m|me|les) (empeche|interdit|oblige)\b"
    r"|\b(on peut|peut on|on pourrait|pouvons nous|nous pouvons|je peux|on a le droit de) (donc |bien |quand meme )?"
    r"(rester|garder|conserver) (sur |chez |dans |avec )?(nos|notre|mon|nos propres|l actuel|l existant)"
)
# The person speaks of their own organisation or project: « nous », « notre », « on », « je », « mon »…
FIRST_PERSON = re.compile(r"\b(je|j|nous|notre|nos|on|mon|ma|mes)\b")
CONCERNED = re.compile(
    r"\b(concern\w*|s appliqu\w*|appliqu\w* (la|cette|notre|votre) (doctrine|circulaire)|appliqu\w* cloud au centre"
    r"|applicable|soumis\w*|oblig\w*|rentr\w*|champ|tomb\w*"
    r"|vise\w*|relev\w*|scope|perimetre|oui ou non|suivre (la doctrine|cloud au centre)|contraintes?|exigences?"
    r"|impos\w*|respecter (la doctrine|cloud au centre)"
    r"|de quel cote|on doit faire quoi|que (doit on|devons nous|faut il) faire|qu est ce qu (il faut|on doit) faire"
    r"|qu en est il|regles? (a respecter|a suivre|a appliquer|qui s appliquent)|quelles regles|tenue?s? de"
    r"|(c est|ca vaut|valable|aussi) pour nous|nous (regarde|touche|impacte)|que prevoit (la doctrine|elle))\b"
)
MAX_ELLIPTICAL_WORDS = 6
# « Top, et ensuite ? », « ok merci. sinon… »: words that acknowledge the last answer before the message proper.
_ACKNOWLEDGEMENT = re.compile(
    r"^((ok|okay|merci|merci beaucoup|super|top|parfait|tres bien|d accord|entendu|compris|genial|cool|nickel"
    r"|c est note|note)( |$))+"
)
# « sinon, … », « au fait, … »: what follows opens another subject.
_NEW_SUBJECT = re.compile(
    r"^(et |mais |bon )?(sinon|au fait|autre chose|autre question|rien a voir|par ailleurs|changement de sujet) ")
# After « merci », « top », « d'accord »: a request opening a question of its own.
_REQUEST_AFTER_THANKS = re.compile(
    r"^(et |sinon |bon )?(tu|vous) (peux|pouvez|pourrais|pourriez|sais|savez)( me| m| nous)?"
    r"( dire| expliquer| indiquer| aider)? ")
MIN_WORDS_OF_A_NEW_SUBJECT = 4
# « quelle différence entre X et Y ? », « X ou Y ? », « X par rapport à Y »
COMPARISON = re.compile(
    r"\b(differences?|diffs?|different\w*|differencier|distingue\w*|distinction|compar\w*|versus|vs"
    r"|par rapport (a|au|aux)"
    r"|plutot|ou bien|ou alors|contrairement|pareil|meme chose|quel rapport|lien entre|rapport entre|choisir entre"
    r"|nuances?|confond\w*|ecart|hesit\w*|qu est ce qui change|ce qui change|entre (\w+ ){1,6}et"
    r"|(la |une )?meme (procedure|demarche|regle|notion)|identiques?)\b"
)
STEP_NUMBERS = {
    "premiere": 1, "1ere": 1, "1re": 1, "1": 1, "un": 1, "deuxieme": 2, "seconde": 2, "2e": 2, "2eme": 2, "2": 2,
    "deux": 2, "troisieme": 3, "3e": 3, "3eme": 3, "3": 3, "trois": 3, "quatrieme": 4, "4e": 4, "4eme": 4, "4": 4,
    "quatre": 4, "cinquieme": 5, "derniere": 5, "5e": 5, "5eme": 5, "5": 5, "cinq": 5,
}
_STEP_PATTERNS = (re.compile(r"\b(\w+) etape\b"), re.compile(r"\betape (?:n |numero )?(\w+)\b"),
                  re.compile(r"\b(\w+) des (?:5|cinq) etapes\b"))
# « et les hôpitaux ? », « et pour un EPIC ? »: another entity, after a perimeter answer.
# Words after « et les… » that name no organisation (« et une refonte de la moitié ? »).
NOT_ORGANISATIONS = frozenset(
    "refonte refontes projet projets appli applis application applications donnee donnees offre offres solution "
    "solutions etape etapes regle regles moitie partie cout couts budget contrat marche marches cloud clouds si "
    "systeme outil outils logiciel logiciels securite formation financement".split()
)
OTHER_ENTITY = re.compile(
    r"^(et |mais |quid )(pour |chez |de |du |des |les |le |la |l |un |une |nos |notre |aux? )+\w+"
)

STEP_TOPICS = ("cinq_etapes", "par_ou_commencer")
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


def intent_of(parse_data: Dict[str, Any]) -> Tuple[str, float]:
    intent = parse_data.get("intent") or {}
    return str(intent.get("name") or ""), float(intent.get("confidence") or 0.0)


def question_part(text: str) -> str:
    """The sentence that asks, normalised: « on a compris qu'on n'était pas obligés. On trouve ces offres où ? »
    asks where the offers are, not whether one is concerned."""
    sentences = [part for part in re.split(r"(?<=[.!?])\s+", text.strip()) if part.strip()]
    asked = [sentence for sentence in sentences if "?" in sentence]
    return normalize(asked[-1] if asked else text)


# A follow-up that points back to what was said: « on les achète comment, ces offres ? », « ça impose quoi ? »
ANAPHORA = re.compile(
    r"\b(ces|cette|cet|ca|cela|celles?|ceux|celui)\b"
    r"|\b(les|la|l|y|en) (achet|trouv|obt|demand|utilis|chois|prend|pren)\w*"
)
# A reading the classifier is this sure of, of a message that is not short, is read on its own.
CLEAR_READING_CONFIDENCE = 0.6
# A question opening on « et » that the selector is this sure of (« et qui décide si nos données sont
# sensibles ? ») says what it is about, even without naming a notion.
CERTAIN_READING_CONFIDENCE = 0.95


def clear_on_its_own(text: str, decision: FaqDecision, context: Context) -> bool:
    """A question that says what it is about: the classifier is sure of it, it is not short, it points back to
    nothing (« ces services », « et si… »), and if it opens on « et » it names the notion it is about."""
    normalized = without_acknowledgement(normalize(text))
    if decision.reason not in ("confident", "rule_number") or decision.key in (None, context.topic) \
            or decision.confidence < CLEAR_READING_CONFIDENCE or len(normalized.split()) <= MAX_ELLIPTICAL_WORDS:
        return False
    if ANAPHORA.search(normalized) or re.match(r"^(et |mais |donc |ok |alors )*(si|et si)\b", normalized):
        return False
    return not _ELLIPTICAL_START.match(normalized) or decision.key in _keys_named(normalized) \
        or decision.confidence >= CERTAIN_READING_CONFIDENCE


def _keys_named(normalized: str) -> List[str]:
    return [str(load_followups()["concepts"][name]["key"]) for _, name in notions_named(normalized)]


def asks_for_the_check(text: str, parse_data: Dict[str, Any]) -> bool:
    """« la doctrine s'applique à nous ? » read between the check and an FAQ question (too close to call for
    the classifier): someone asking about their own case wants the check."""
    if intent_of(parse_data)[0] != "nlu_fallback":
        return False
    ranking = [item for item in parse_data.get("intent_ranking") or [] if item.get("name") != "nlu_fallback"]
    normalized = normalize(text)
    return bool(ranking) and ranking[0].get("name") == "check_scope" \
        and FIRST_PERSON.search(normalized) is not None and CONCERNED.search(normalized) is not None


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
    normalized = normalize(text)
    message = without_acknowledgement(normalized)
    match = _NEW_SUBJECT.match(message)
    if match is None and message != normalized:
        match = _REQUEST_AFTER_THANKS.match(message)  # « top. et tu peux me dire comment on pose des RTT ? »
    return match is not None and len(message[match.end():].split()) >= MIN_WORDS_OF_A_NEW_SUBJECT


def clauses(text: str) -> List[str]:
    """The normalised clauses of a message: « et après ? on a besoin d'aide » → « et apres », « on a besoin d aide »."""
    return [normalize(part) for part in re.split(r"[?!.;:,]+", text) if normalize(part)] or [normalize(text)]


def asks_why(text: str, parse_data: Dict[str, Any]) -> bool:
    intent, confidence = intent_of(parse_data)
    if intent == _WHY_INTENT and confidence >= _MIN_INTENT_CONFIDENCE and is_elliptical(text):
        return True
    return _WHY.match(clauses(text)[0]) is not None or _WHY.match(normalize(text)) is not None


def asks_next_steps(text: str, parse_data: Dict[str, Any]) -> bool:
    intent, confidence = intent_of(parse_data)
    if intent == _NEXT_INTENT and confidence >= _MIN_INTENT_CONFIDENCE and is_elliptical(text):
        return True
    return any(_NEXT.match(clause) or _NEXT_TAIL.search(clause) for clause in clauses(text))


def aspects_of(text: str) -> List[str]:
    """The aspects a follow-up asks for, in the order of actions/data/followups.yml."""
    normalized = normalize(text)
    return [name for name, pattern in load_followups()["aspect_patterns"].items() if pattern.search(normalized)]


# Right after a list of steps, the first of them asked for: « on commence par laquelle ? », « laquelle d'abord ? »
_FIRST_OF_THEM = re.compile(
    r"\b(commence\w*|demarre\w*|debute\w*|attaque\w*) par (laquelle|lesquelles|quelle etape|laquelle d entre elles)\b"
    r"|\blaquelle (en premier|d abord|en 1er)\b"
)


def step_asked(text: str, topic: Optional[str] = None) -> Optional[int]:
    """« et la troisième étape ? » → 3; right after the steps, « et la dernière ? » → 5."""
    normalized = normalize(text)
    if topic in STEP_TOPICS and is_elliptical(text) and _FIRST_OF_THEM.search(normalized):
        return 1  # « on commence par laquelle ? » right after the steps
    if topic in STEP_TOPICS and is_elliptical(text):
        for word in normalized.split():
            if word in STEP_NUMBERS and not word.isdigit() and word not in ("un", "deux", "trois", "quatre", "cinq"):
                return STEP_NUMBERS[word]
    for pattern in _STEP_PATTERNS:
        for match in pattern.finditer(normalized):
            if match.group(1) in STEP_NUMBERS:
                return STEP_NUMBERS[match.group(1)]
    return None


def topic_named_in(text: str) -> Optional[str]:
    """The FAQ key of the first notion a message names (« Nubo » → cloud_interne), for a message the
    classifier could not place: its aspect may still be read against that notion."""
    normalized = normalize(text)
    for concept in load_followups()["concepts"].values():
        if re.search(concept["pattern"], normalized):
            return str(concept["key"])
    return None


OFF_TOPIC_CONFIDENCE = 0.8


# Below OFF_TOPIC_CONFIDENCE, a whole question is still off the subject when off topic is the classifier's best
# reading (the uncertainty fallback aside) and the message names nothing of the doctrine.
OFF_TOPIC_CONFIDENCE_NAMING_NOTHING = 0.6
OFF_TOPIC_CONFIDENCE_AFTER_SINON = 0.3
# « cette année », « ce matin »: a moment, not a pointer to what was just said.
_TIME_EXPRESSIONS = re.compile(r"\b(cette|ce|cet) (annee|semaine|mois|matin|soir|apres midi|fois)\b")
_DOCTRINE_OWN_WORDS = re.compile(
    r"\b(cloud\w*|doctrine|circulaires?|heberg\w*|secnum\w*|dinum|anssi|saas|iaas|paas|nubo|ugap|ftap|sren|migr\w*"
    r"|donnees? (sensibles?|de sante|personnelles?)|regles? r?\d+|r\d{1,2}|control\w*|derog\w*|operateurs?)\b"
)
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
    return intent_of(parse_data)


def _tells_a_situation(text: str) -> bool:
    """An organisation and a project in one message: the subject of the check, whatever the classifier read."""
    reading = read_scope_answer(text, None, {}).slots
    return "entity_type" in reading and ("new_project" in reading or "refactor_percentage" in reading)


def clearly_off_topic(text: str, parse_data: Dict[str, Any]) -> bool:
    """« au fait, tu peux m'expliquer comment poser mes congés ? », « tu peux me traduire ce mail ? »: a whole
    question off the subject is not a follow-up, whatever came before."""
    intent, confidence = intent_of(parse_data)
    another_subject = opens_another_subject(text)
    whole_question = not is_elliptical(text) or another_subject
    if _tells_a_situation(text):
        return False  # « SGA ministère des armées. on démarre un SI de gestion des logements de fonction »
    if intent == "out_of_scope" and confidence >= OFF_TOPIC_CONFIDENCE and whole_question:
        return True
    best, best_confidence = _best_reading(parse_data)
    if best != "out_of_scope" or not whole_question:
        return False
    message = without_acknowledgement(normalize(text))
    # After « sinon », « autre chose »: only the doctrine's own words say it is still the subject (« le prochain
    # marché des PC portables » is not the UGAP's cloud market).
    doctrine_words = _DOCTRINE_OWN_WORDS if another_subject else _DOCTRINE_WORDS
    refers_back = ANAPHORA.search(_TIME_EXPRESSIONS.sub(" ", message))
    if doctrine_words.search(message) or refers_back or re.search(r"(?<!il )\by \w+", message) \
            or topic_named_in(text) or parse_entity_type(text, requested=False):
        return False  # « n'importe quelle structure publique peut y aller ? » speaks of what was just said
    floor = OFF_TOPIC_CONFIDENCE_AFTER_SINON if another_subject else OFF_TOPIC_CONFIDENCE_NAMING_NOTHING
    return best_confidence >= floor



def notions_named(normalized: str) -> List[Tuple[int, str]]:
    """(position, notion) of every notion of followups.yml the text names, in reading order."""
    found = []
    for name, pattern in load_followups()["concept_patterns"].items():
        match = pattern.search(normalized)
        if match:
            found.append((match.start(), name))
    return sorted(found)
