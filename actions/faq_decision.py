"""Decide whether a message gets an FAQ answer, and which one — or whether the assistant must not guess.

Rasa's ResponseSelector always returns its best answer, whatever its confidence, and the
FallbackClassifier ignores it. This module is the missing threshold: an answer is given only when
the message is an FAQ question (intent ``faq`` ranked first), the selector is confident enough and
its best answer is clearly ahead of the second. The thresholds are chosen on the held-out dev set
(``make tune``) and stored in actions/data/faq_thresholds.yml.
"""

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import yaml

from actions.scope_answers import read_scope_answer
from actions.text_normalization import normalize

THRESHOLDS_FILE = Path(__file__).parent / "data" / "faq_thresholds.yml"
FAQ_INTENT = "faq"
FALLBACK_INTENT = "nlu_fallback"
OUT_OF_SCOPE_INTENT = "out_of_scope"
CHECK_SCOPE = "check_scope"
INFORM_INTENT = "inform"
ASK_HUMAN = "ask_human"

# « que dit la règle R10 ? », « R 4 », « règle n°7 », « la règle 12 », « règle numéro un », « la dixième règle »
_RULE_REFERENCE = re.compile(r"(?<!\w)(?:r|regle|regles)\s*(?:n\s*o?\s*|numero\s*)?(\d{1,2})(?!\w)")
_NUMBER_WORDS = (
    "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix", "onze", "douze", "treize",
    "quatorze", "quinze",
)
_ORDINALS = (
    "premiere", "deuxieme", "troisieme", "quatrieme", "cinquieme", "sixieme", "septieme", "huitieme", "neuvieme",
    "dixieme", "onzieme", "douzieme", "treizieme", "quatorzieme", "quinzieme",
)
_RULE_BY_WORD = re.compile(
    rf"(?<!\w)regle\s+(?:n\s*o?\s*|numero\s+)?({'|'.join(_NUMBER_WORDS)})(?!\w)"
    rf"|(?<!\w)({'|'.join(_ORDINALS)})\s+regle(?!\w)"
)
# « la 1ère règle », « 3e règle », « la 10eme regle »
_RULE_BY_DIGIT_ORDINAL = re.compile(r"(?<!\w)(\d{1,2})\s*(?:e|er|ere|re|eme|ieme|nd|nde)\s+regle(?!\w)")
# « les 15 règles », « les quinze règles »: the overview, not rule 15.
_ALL_RULES = re.compile(r"(?<!\w)(?:15|quinze)\s+regles(?!\w)")


@dataclass(frozen=True)
class Thresholds:
    min_intent_confidence: float
    min_selector_confidence: float
    min_margin: float
    # When the intent classifier says « off topic » but the FAQ selector is at least this sure of one
    # answer, the answer is given (above 1.0: never).
    min_selector_against_out_of_scope: float = 1.01


@dataclass(frozen=True)
class FaqDecision:
    """``key`` is the FAQ key to answer, or None when the assistant should not guess."""

    key: Optional[str]
    reason: str  # button | rule_number | confident | selector_over_out_of_scope | low_confidence | ambiguous | not_faq
    confidence: float = 0.0
    candidates: Tuple[str, ...] = field(default_factory=tuple)

    @property
    def suggestions(self) -> Tuple[str, ...]:
        """Questions offered when the assistant does not answer: the selector's best guesses."""
        return self.candidates[:3] if self.key is None else ()

    @property
    def unsure(self) -> bool:
        """Declined because the assistant was not sure (a misunderstanding), not because it is off topic."""
        return self.key is None and self.reason in ("low_confidence", "ambiguous")


@lru_cache(maxsize=1)
def load_thresholds() -> Thresholds:
    values = yaml.safe_load(THRESHOLDS_FILE.read_text(encoding="utf-8"))
    return Thresholds(
        min_intent_confidence=float(values["min_intent_confidence"]),
        min_selector_confidence=float(values["min_selector_confidence"]),
        min_margin=float(values["min_margin"]),
        min_selector_against_out_of_scope=float(values.get("min_selector_against_out_of_scope", 1.01)),
    )


def _faq_ranking(parse_data: Dict[str, Any]) -> List[Tuple[str, float]]:
    """(key, confidence) pairs of the FAQ ResponseSelector, best first; keys without the ``faq/`` prefix."""
    selector = (parse_data.get("response_selector") or {}).get(FAQ_INTENT) or {}
    ranking = []
    for item in selector.get("ranking") or []:
        full_key = item.get("intent_response_key") or ""
        if "/" in full_key:
            ranking.append((full_key.split("/", 1)[1], float(item.get("confidence") or 0.0)))
    return ranking


def _intent_ranking(parse_data: Dict[str, Any]) -> List[Tuple[str, float]]:
    """Intents best first, without the synthetic ``nlu_fallback`` the FallbackClassifier adds on top."""
    ranking = [
        (item.get("name") or "", float(item.get("confidence") or 0.0))
        for item in parse_data.get("intent_ranking") or []
        if item.get("name") != FALLBACK_INTENT
    ]
    if not ranking and parse_data.get("intent"):
        intent = parse_data["intent"]
        ranking = [(intent.get("name") or "", float(intent.get("confidence") or 0.0))]
    return ranking


def referenced_rule(text: str) -> Optional[int]:
    """Number of the doctrine rule (1–15) the text names explicitly, if any."""
    normalized = normalize(text)
    for pattern in (_RULE_REFERENCE, _RULE_BY_DIGIT_ORDINAL):
        for match in pattern.finditer(normalized):
            number = int(match.group(1))
            if 1 <= number <= 15:
                return number
    match = _RULE_BY_WORD.search(normalized)
    if match:
        word, ordinal = match.groups()
        return _NUMBER_WORDS.index(word) + 1 if word else _ORDINALS.index(ordinal) + 1
    return None


def asks_for_all_rules(text: str) -> bool:
    return _ALL_RULES.search(normalize(text)) is not None


def _button_key(parse_data: Dict[str, Any]) -> Optional[str]:
    for entity in parse_data.get("entities") or []:
        if entity.get("entity") == "faq_key" and isinstance(entity.get("value"), str):
            return entity["value"]
    return None


def decide(
    parse_data: Dict[str, Any], known_keys: Optional[set] = None, thresholds: Optional[Thresholds] = None
) -> FaqDecision:
    """The FAQ answer for a parsed message (Rasa's ``latest_message``), or a refusal with candidates."""
    thresholds = thresholds or load_thresholds()
    ranking = _faq_ranking(parse_data)
    candidates = tuple(key for key, _ in ranking[:3])

    button_key = _button_key(parse_data)
    if button_key and (known_keys is None or button_key in known_keys):
        return FaqDecision(button_key, "button", 1.0, candidates)

    intents = _intent_ranking(parse_data)
    top_intent, intent_confidence = intents[0] if intents else ("", 0.0)
    decision = _decide_from_confidence(top_intent, intent_confidence, ranking, thresholds)

    # Only FAQ, off-topic and low-confidence messages reach this decision (data/rules): an explicit rule
    # number is trusted whatever the intent classifier thought of « la R3 ? ».
    text = parse_data.get("text") or ""
    if asks_for_all_rules(text) and (known_keys is None or "regles" in known_keys):
        return FaqDecision("regles", "rule_number", 1.0, candidates)
    # « que dit la règle R10 ? »: the selector cannot tell rules apart by their number, the text can.
    # An answer devoted to that very rule (« déroger à R9 » → derogation_r9) is kept.
    rule = referenced_rule(text)
    rule_key = f"regle_r{rule}" if rule else None
    devoted_to_that_rule = decision.key is not None and rule is not None and decision.key.endswith(f"_r{rule}")
    if rule_key and not devoted_to_that_rule and (known_keys is None or rule_key in known_keys):
        return FaqDecision(rule_key, "rule_number", 1.0, candidates)
    if rule_key and decision.key == rule_key:
        # « et la règle R8 dans tout ça ? » read as R8 by the selector too: named, so read on its own.
        return FaqDecision(rule_key, "rule_number", decision.confidence, candidates)
    return decision


def _decide_from_confidence(
    top_intent: str, intent_confidence: float, ranking: List[Tuple[str, float]], thresholds: Thresholds
) -> FaqDecision:
    candidates = tuple(key for key, _ in ranking[:3])
    if not ranking:
        return FaqDecision(None, "not_faq", 0.0, candidates)
    best_key, best_confidence = ranking[0]
    second_confidence = ranking[1][1] if len(ranking) > 1 else 0.0
    if top_intent == "out_of_scope":
        # « y a du budget de l'État pour notre migration ? » can look off topic to the intent classifier
        # while the FAQ selector is nearly certain: trust the selector only when it is that sure.
        if best_confidence >= thresholds.min_selector_against_out_of_scope:
            return FaqDecision(best_key, "selector_over_out_of_scope", best_confidence, candidates)
        return FaqDecision(None, "not_faq", 0.0, candidates)
    if top_intent == INFORM_INTENT:
        # Read as an answer of the check (« je suis au CNRS »), it reached the FAQ because it asks something
        # (« les données du ministère qu'on héberge sont-elles sensibles ? »): unsure, not off topic.
        return FaqDecision(None, "low_confidence", best_confidence, candidates)
    if top_intent != FAQ_INTENT:
        return FaqDecision(None, "not_faq", 0.0, candidates)
    if intent_confidence < thresholds.min_intent_confidence or best_confidence < thresholds.min_selector_confidence:
        return FaqDecision(None, "low_confidence", best_confidence, candidates)
    if best_confidence - second_confidence < thresholds.min_margin:
        return FaqDecision(None, "ambiguous", best_confidence, candidates)
    return FaqDecision(best_key, "confident", best_confidence, candidates)


@dataclass(frozen=True)
class Route:
    """What the running assistant does with a message outside the scope check (data/rules):
    ``faq`` (answer ``key``), ``check_scope`` (start or offer the check), ``ask_human`` (hand over)
    or ``none`` (no answer)."""

    kind: str
    key: Optional[str] = None
    suggestions: Tuple[str, ...] = ()


def route(
    parse_data: Dict[str, Any], known_keys: Optional[set] = None, thresholds: Optional[Thresholds] = None
) -> Route:
    """The path of a message through data/rules and the actions, for evaluation (eval/evaluate.py)."""
    intent = (parse_data.get("intent") or {}).get("name")
    if intent in (CHECK_SCOPE, ASK_HUMAN):
        return Route(intent)
    if intent == INFORM_INTENT:
        # Outside the check, an answer is only taken up when it says something (action_inform_outside_check).
        if read_scope_answer(parse_data.get("text") or "", None, {}).slots:
            return Route(CHECK_SCOPE)
    if intent in (FAQ_INTENT, FALLBACK_INTENT, OUT_OF_SCOPE_INTENT, INFORM_INTENT):
        decision = decide(parse_data, known_keys=known_keys, thresholds=thresholds)
        if decision.key:
            return Route(FAQ_INTENT, decision.key)
        return Route("none", suggestions=decision.suggestions)
    return Route("none")
