"""Saying a verdict of the scope check and keeping it in the conversation (slot `last_check`).

Used by the form's verdict action (actions/scope_form.py) and by the replies in context (actions/faq.py:
a what-if after a verdict, a situation told in one message): one place decides what a verdict sends and
which slots it sets. No Action class here, so both action modules import it without a circle.
"""

import time
from typing import Any, Dict, List

from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.context import CHECK_TO_CONTINUE, LAST_CHECK, TOPIC, VERDICT_TOPIC
from actions.orientation_sheet import offer_orientation_sheet
from actions.scope_answers import CHECK_ANSWERS, SCOPE_FAILURES, SCOPE_SLOTS
from actions.scope_verdict import new_reference, scope_verdict, verdict_record


def reset_scope_slots() -> List[EventType]:
    return [SlotSet(name, None) for name in SCOPE_SLOTS] + [SlotSet(CHECK_ANSWERS, None), SlotSet(SCOPE_FAILURES, 0)]


def give_verdict(dispatcher: CollectingDispatcher, slots: Dict[str, Any]) -> List[EventType]:
    """The verdict for these answers, said and kept as the conversation's last check, with the offer of its
    orientation sheet (actions/orientation_sheet.py)."""
    verdict = scope_verdict(slots.get("entity_type"), slots.get("new_project"), slots.get("refactor_percentage"),
                            slots.get("organisation"))
    record = verdict_record(verdict, slots, slots.get(CHECK_ANSWERS) or {}, new_reference(), time.time())
    dispatcher.utter_message(text=verdict.text, buttons=verdict.buttons,
                             metadata={**verdict.metadata, "reference": record["reference"]})
    offer_orientation_sheet(dispatcher, record)
    return ([SlotSet("scope_verdict", verdict.code), SlotSet(LAST_CHECK, record), SlotSet(TOPIC, VERDICT_TOPIC),
             SlotSet("fallback_count", 0), SlotSet(CHECK_TO_CONTINUE, False)] + reset_scope_slots())
