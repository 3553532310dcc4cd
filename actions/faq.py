"""FAQ answers, out-of-scope replies and the hand-off to a person."""

import os
import re
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ConversationPaused, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answer_parts import answer_lines
from actions.context import CHECK_TO_CONTINUE, LAST_CHECK, TOPIC
from actions.conversation import answer_parts, aspect_reply, part_reply, reply_in_context, second_question
from actions.explanations import explanation
from actions.faq_catalog import faq_button, load_catalog, related_buttons, starter_buttons
from actions.faq_decision import FaqDecision, decide
from actions.followup_reading import (
    ALREADY_SAID,
    BOTH_SIDES,
    CHECK,
    EXPLAIN_ANSWER,
    FAQ,
    PART,
    RESPONSE,
    Context,
    Reply,
    clearly_off_topic,
)
from actions.input_checks import input_problem
from actions.scope_answers import ANSWER_SLOTS, CHECK_ANSWERS, ORGANISATION, missing_answers
from actions.text_normalization import normalize
from actions.verdict_message import give_verdict

FAQ_RESPONSE_PREFIX = "utter_faq/"
# Failed questions in a row after which a person takes over (when the support console is running).
FAILURES_BEFORE_HANDOFF = 2
# Questions on who or which projects are concerned: answered directly, with a button to check one's own case.
KEYS_OFFERING_THE_CHECK = ("projet_concerne", "champ_application")
# Input channels that can receive an agent's reply later (Rasa's `output_channel=latest` reaches them):
# the web widget (socket.io), Tchap (callback) and Mattermost. A REST caller only ever gets the replies
# of its own request, so it is never told that someone will answer there.
LIVE_REPLY_CHANNELS = {"socketio", "callback", "mattermost"}


def handoff_enabled() -> bool:
    """The support console exports HANDOFF_ENABLED=true; without it there is nobody to hand over to."""
    return os.environ.get("HANDOFF_ENABLED", "").strip().lower() in ("1", "true", "yes", "oui")


def known_faq_keys(domain: Dict[Text, Any]) -> set:
    return {
        name[len(FAQ_RESPONSE_PREFIX) :]
        for name in (domain.get("responses") or {})
        if name.startswith(FAQ_RESPONSE_PREFIX)
    }


def start_handoff(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
    """Tell the person, flag the conversation for the console's queue and pause the bot."""
    if not handoff_enabled() or tracker.get_latest_input_channel() not in LIVE_REPLY_CHANNELS:
        dispatcher.utter_message(response="utter_handoff_contact")
        return []
    dispatcher.utter_message(response="utter_handoff_started")
    return [SlotSet("handoff_requested", True), SlotSet("fallback_count", 0), ConversationPaused()]


def count_failure(tracker: Tracker, dispatcher: CollectingDispatcher) -> List[EventType]:
    """One more question the assistant could not understand; the second in a row goes to a person.

    Only misunderstandings count: an off-topic question rightly declined is not a failure.
    """
    failures = int(tracker.get_slot("fallback_count") or 0) + 1
    if failures >= FAILURES_BEFORE_HANDOFF and handoff_enabled():
        return start_handoff(dispatcher, tracker)
    return [SlotSet("fallback_count", failures)]


def answer_faq_key(key: str, dispatcher: CollectingDispatcher) -> List[EventType]:
    """The FAQ answer, with the related questions of the topic map as buttons; it becomes the topic."""
    buttons = related_buttons(key)
    if key in KEYS_OFFERING_THE_CHECK:
        buttons = [{"title": "Vérifier mon projet pas à pas", "payload": "/check_scope"}] + buttons[:2]
    dispatcher.utter_message(response=f"{FAQ_RESPONSE_PREFIX}{key}", buttons=buttons)
    return [SlotSet("fallback_count", 0), SlotSet(TOPIC, key)]


def reply_to_unusable_input(text: Optional[str], dispatcher: CollectingDispatcher) -> bool:
    """Answer empty, wordless or truncated messages with a message saying so; True if it did."""
    problem = input_problem(text)
    if problem is None:
        return False
    dispatcher.utter_message(response=f"utter_{problem}")
    return problem != "message_too_long"


def explain_no_answer(decision: FaqDecision, dispatcher: CollectingDispatcher, topic: Optional[str] = None) -> None:
    """Not sure: « did you mean… ». Off topic: what the assistant covers. Either way, the closest
    questions it knows as buttons (after an answer, those related to it first; the general examples when it
    has none), then the contact."""
    catalog = load_catalog()
    keys = [key for key in decision.suggestions if key in catalog]
    if decision.unsure and topic in catalog:
        keys = list(dict.fromkeys(keys[:1] + [k for k in catalog[topic].related if k in catalog] + keys))[:3]
    buttons = [faq_button(key) for key in keys] or starter_buttons()
    response = "utter_low_confidence" if decision.unsure else "utter_out_of_scope"
    dispatcher.utter_message(response=response, buttons=buttons)
    dispatcher.utter_message(response="utter_contact_hint")


# --- replies in context (actions/conversation.py) ---------------------------------------------------------

def last_turn(tracker: Tracker) -> Tuple[Tuple[str, ...], Tuple[str, ...], str, Tuple[str, ...]]:
    """(response names, sections) of the bot messages since the person's previous message, that message, and
    the bot messages' texts."""
    responses: List[str] = []
    sections: List[str] = []
    texts: List[str] = []
    seen_current = False
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            if seen_current:
                return (tuple(responses), tuple(dict.fromkeys(sections)), str(event.get("text") or ""),
                        tuple(texts))
            seen_current = True
        elif kind == "bot" and seen_current:
            texts.insert(0, str(event.get("text") or ""))
            metadata = event.get("metadata") or {}
            inner = metadata.get("metadata")
            declared = (inner if isinstance(inner, dict) else metadata).get("sections") or []
            responses.insert(0, str(metadata.get("utter_action") or ""))
            sections[:0] = [str(s) for s in declared]
    return tuple(responses), tuple(dict.fromkeys(sections)), "", tuple(texts)


def faq_answers(domain: Dict[Text, Any]) -> Tuple[Tuple[str, str], ...]:
    """(key, text) of every FAQ answer of the domain."""
    responses = domain.get("responses") or {}
    return tuple((name[len(FAQ_RESPONSE_PREFIX):], str((variations or [{}])[0].get("text") or ""))
                 for name, variations in sorted(responses.items()) if name.startswith(FAQ_RESPONSE_PREFIX))


def context_of(tracker: Tracker, domain: Optional[Dict[Text, Any]] = None) -> Context:
    responses, sections, user_text, texts = last_turn(tracker)
    last_check = tracker.get_slot(LAST_CHECK)
    return Context(topic=tracker.get_slot(TOPIC), last_check=last_check if isinstance(last_check, dict) else None,
                   last_responses=responses, last_sections=sections, last_user_text=user_text, last_texts=texts,
                   answers=faq_answers(domain or {}))


def sections_of(response: str, domain: Dict[Text, Any]) -> List[str]:
    variations = (domain.get("responses") or {}).get(response) or [{}]
    return list((variations[0].get("metadata") or {}).get("sections") or [])


def say_already_answered(topic: Optional[str], dispatcher: CollectingDispatcher) -> List[EventType]:
    """The last answer already covers it: say so, with the questions close to it, and the contact."""
    catalog = load_catalog()
    keys = [key for key in (catalog[topic].related if topic in catalog else ()) if key in catalog]
    dispatcher.utter_message(response="utter_deja_repondu", buttons=[faq_button(key) for key in keys[:3]])
    dispatcher.utter_message(response="utter_contact_hint")
    return []


def explain_last_answer(context: Context, dispatcher: CollectingDispatcher) -> List[EventType]:
    origin, passage, sources = explanation(context.last_sections, context.last_user_text)
    dispatcher.utter_message(response="utter_pourquoi_reponse", origine=origin, passage=passage, sources=sources,
                             metadata={"sections": list(context.last_sections)})
    return []


def what_if_answers(reply: Reply, tracker: Tracker) -> Tuple[Dict[str, Any], Dict[str, str]]:
    """The answers of a what-if or a situation, and the message that gave each (the last check's messages
    for the answers a what-if keeps)."""
    answers = dict(reply.values)
    text = tracker.latest_message.get("text") or ""
    last_check = tracker.get_slot(LAST_CHECK)
    given: Dict[str, str] = {}
    if reply.reason in ("what_if", "what_if_client") and isinstance(last_check, dict):
        given = {a["question"]: a["text"] for a in last_check.get("answers") or [] if a.get("question")}
        given.update({name: text for name in ANSWER_SLOTS if answers.get(name) != last_check.get(name)})
    else:
        given = {name: text for name in ANSWER_SLOTS}
    return answers, {name: value for name, value in given.items() if answers.get(name) is not None}


def answer_second_question(text: str, dispatcher: CollectingDispatcher) -> List[EventType]:
    """After a verdict given for a whole situation, the other question the message asked (« …, et faut-il du
    SecNumCloud ? »), answered as on its own; the verdict stays the topic of the conversation."""
    key = second_question(text)
    if key is None or key not in load_catalog():
        return []
    dispatcher.utter_message(response=f"{FAQ_RESPONSE_PREFIX}{key}", buttons=related_buttons(key))
    return []


def go_on_with_check(reply: Reply, tracker: Tracker, dispatcher: CollectingDispatcher) -> List[EventType]:
    """A what-if or a situation: the verdict at once when every answer is known, else the check goes on
    with the answers given and asks what is missing (data/rules/conversation.yml runs the form)."""
    answers, given = what_if_answers(reply, tracker)
    if reply.reason == "start":
        dispatcher.utter_message(response="utter_scope_intro")
        return [SlotSet(CHECK_TO_CONTINUE, True)]
    if reply.reason == "what_if":
        dispatcher.utter_message(response="utter_et_si_reprise")
    elif reply.reason == "what_if_client":
        dispatcher.utter_message(response="utter_et_si_client")
    elif answers.get(ORGANISATION):
        dispatcher.utter_message(response="utter_operator_recognised", organisation=answers[ORGANISATION])
    if not missing_answers(answers):
        events = give_verdict(dispatcher, {**answers, CHECK_ANSWERS: given})
        return events + answer_second_question(tracker.latest_message.get("text") or "", dispatcher)
    if reply.reason == "situation":
        dispatcher.utter_message(response="utter_situation_reprise")
    return ([SlotSet(name, value) for name, value in answers.items() if value is not None]
            + [SlotSet(CHECK_ANSWERS, given), SlotSet(CHECK_TO_CONTINUE, True)])


def say_both_sides(keys: List[str], text: str, domain: Dict[Text, Any],
                   dispatcher: CollectingDispatcher) -> List[EventType]:
    """A comparison with no written reply: of each answer, the line the question names (else its first line),
    and their sources."""
    answers = dict(faq_answers(domain))
    parts = answer_parts(faq_answers(domain))
    firsts, sources, sections = [], [], []
    for key in keys:
        lines, source = answer_lines(answers.get(key, ""))
        part = parts.part_asked(text, answers.get(key, ""))
        firsts.append(part.line if part is not None and "\n" not in part.line else (lines[0] if lines else ""))
        sources += [s for s in source.split(": ", 1)[-1].split(" ; ") if s and s not in sources]
        sections += sections_of(f"{FAQ_RESPONSE_PREFIX}{key}", domain)
    prefix = "Source : " if len(sources) == 1 else "Sources : "
    dispatcher.utter_message(response="utter_comparaison_generique", premier=firsts[0], second=firsts[1],
                             sources=prefix + " ; ".join(sources[:2]),
                             metadata={"sections": list(dict.fromkeys(sections))})
    return [SlotSet("fallback_count", 0), SlotSet(TOPIC, keys[0])]


# « tu m'as pas répondu pour le contrôle »: the answer given among others was missed; it is given again.
_NOT_ANSWERED = re.compile(
    r"\b((tu|vous) (ne )?(m |nous )?(as|avez) pas repondu|pas (eu )?de reponse (pour|sur|a)|et (ma|mon|la|le) (autre )?"
    r"question (sur|pour))\b")


def _aspect_not_said(text: str, key: str, context: Context) -> Optional[Reply]:
    """« données de santé => SecNumCloud d'office ? » right after the definition of sensitive data: the aspect the
    question asks (what health data imply), when it is not the answer just given."""
    aspect = aspect_reply(text, key, context)
    if aspect is None or aspect.kind not in (FAQ, RESPONSE) or aspect.key == key:
        return None
    said = f"{FAQ_RESPONSE_PREFIX}{aspect.key}" if aspect.kind == FAQ else str(aspect.response)
    return None if said in context.last_responses else aspect


def carry_out(reply: Reply, context: Context, tracker: Tracker, dispatcher: CollectingDispatcher,
              domain: Dict[Text, Any]) -> List[EventType]:
    text = tracker.latest_message.get("text") or ""
    if reply.kind == BOTH_SIDES:
        return say_both_sides(list(reply.values["keys"]), text, domain, dispatcher)
    if reply.kind == PART:
        values = {name: value for name, value in reply.values.items() if name in ("extrait", "sources")}
        template = ("utter_reponse_partielle" if reply.values.get("seule") else
                    "utter_precision" if reply.values.get("precision") else "utter_comme_indique")
        sections = list(context.last_sections) if reply.values.get("precision") else sections_of(
            f"{FAQ_RESPONSE_PREFIX}{reply.topic}", domain)
        dispatcher.utter_message(response=template, **values, metadata={"sections": sections})
        topic = [SlotSet(TOPIC, reply.topic)] if reply.values.get("seule") else []
        return [SlotSet("fallback_count", 0)] + topic
    if reply.kind == CHECK:
        return go_on_with_check(reply, tracker, dispatcher)
    if reply.kind == EXPLAIN_ANSWER:
        return explain_last_answer(context, dispatcher)
    if reply.kind == ALREADY_SAID:
        return say_already_answered(context.topic, dispatcher)
    if reply.kind == FAQ and reply.key:
        if f"{FAQ_RESPONSE_PREFIX}{reply.key}" in context.last_responses and text != context.last_user_text \
                and not _NOT_ANSWERED.search(normalize(text)):
            part = part_reply(text, context)
            if part is not None:
                return carry_out(part, context, tracker, dispatcher, domain)
            aspect = _aspect_not_said(text, reply.key, context)
            if aspect is not None:
                return carry_out(aspect, context, tracker, dispatcher, domain)
            return say_already_answered(context.topic, dispatcher)
        return answer_faq_key(reply.key, dispatcher)
    response = str(reply.response)
    if response in context.last_responses and text != context.last_user_text:
        # The same part again: the whole answer of its topic, if it was not just given.
        whole = f"{FAQ_RESPONSE_PREFIX}{reply.topic}"
        if reply.topic in load_catalog() and whole not in context.last_responses:
            return answer_faq_key(str(reply.topic), dispatcher)
        return say_already_answered(context.topic, dispatcher)
    dispatcher.utter_message(response=response, **reply.values)
    topic = [SlotSet(TOPIC, reply.topic)] if reply.topic != context.topic else []
    return [SlotSet("fallback_count", 0)] + topic


def reply_from_context(dispatcher: CollectingDispatcher, tracker: Tracker,
                       domain: Dict[Text, Any]) -> Optional[List[EventType]]:
    """The reply the conversation's context calls for, carried out; None when the message is read alone."""
    text = tracker.latest_message.get("text") or ""
    context = context_of(tracker, domain)
    decision = decide(tracker.latest_message, known_keys=known_faq_keys(domain))
    reply = reply_in_context(text, tracker.latest_message, context, decision)
    if reply is None or (reply.kind == CHECK and tracker.active_loop.get("name")):
        return None  # a question asked in the middle of the check is answered, the check goes on
    return carry_out(reply, context, tracker, dispatcher, domain)


async def answer_in_context(dispatcher: CollectingDispatcher, tracker: Tracker,
                            domain: Dict[Text, Any]) -> List[EventType]:
    """Answer a message outside the check: in context when it calls for it, else as a question on its own —
    an FAQ answer only when the decision allows it (never the last answer again to another question),
    otherwise say why, without guessing."""
    text = tracker.latest_message.get("text")
    if reply_to_unusable_input(text, dispatcher):
        return []
    in_context = reply_from_context(dispatcher, tracker, domain)
    if in_context is not None:
        return in_context
    context = context_of(tracker, domain)
    decision = decide(tracker.latest_message, known_keys=known_faq_keys(domain))
    if decision.unsure and clearly_off_topic(text or "", tracker.latest_message):
        # « ok merci. sinon t'as une recette de crêpes ? »: off topic, not a misunderstanding.
        decision = FaqDecision(None, "not_faq", 0.0, decision.candidates)
    if decision.key is not None:
        return carry_out(Reply(FAQ, decision.reason, key=decision.key), context, tracker, dispatcher, domain)
    explain_no_answer(decision, dispatcher, context.topic)
    if decision.unsure:
        return count_failure(tracker, dispatcher)
    return []  # rightly declined as off topic: neither a failure nor a success


class ActionAnswerFaq(Action):
    """Answer an FAQ question only when the decision allows it; otherwise say why, without guessing.

    FAQ questions, off-topic questions and messages understood with too little confidence all come
    here (data/rules): « R10 ? » alone may look off topic to the classifier, and an FAQ question the
    selector is nearly certain about may too (see faq_decision.decide).
    """

    def name(self) -> Text:
        return "action_answer_faq"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        return await answer_in_context(dispatcher, tracker, domain)


class ActionOutOfScope(ActionAnswerFaq):
    """Off-topic questions: the same decision (an explicit rule number is still answered)."""

    def name(self) -> Text:
        return "action_out_of_scope"


# « si oui, on va où ? », « non, et pour les données de santé ? »: more than a yes or a no, and a question.
_YES_NO_OPENING = re.compile(r"^((si )?(oui|non|ouais|ok|d accord|exact|tout a fait|bien sur|pas du tout)( |$))+")
_QUESTION_WORD = re.compile(r"\b(ou|quoi|comment|quel\w*|qui|combien|pourquoi|quand|lequel|laquelle)\b")


def says_more_than_yes_or_no(text: str) -> bool:
    """A message the classifier read as « oui » or « non » that goes on with a question of its own."""
    normalized = normalize(text)
    rest = _YES_NO_OPENING.sub("", normalized).strip()
    return len(rest.split()) >= 2 and ("?" in text or _QUESTION_WORD.search(rest) is not None)


class ActionYesNoWithoutQuestion(Action):
    """« oui » or « non » with no question pending: say so; a message that says more (« si oui, on va où ? »,
    read as « oui » by the classifier) is answered like any other, in context."""

    def name(self) -> Text:
        return "action_yes_no_without_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        if says_more_than_yes_or_no(tracker.latest_message.get("text") or ""):
            return await answer_in_context(dispatcher, tracker, domain)
        dispatcher.utter_message(response="utter_no_pending_question")
        return []


class ActionHandoff(Action):
    """« Je veux parler à un humain »: the support team when it is on duty, else the DINUM contact."""

    def name(self) -> Text:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        return start_handoff(dispatcher, tracker)
